"""Talking to the portal the way a browser does: the login form with its CSRF token, Dash callbacks by key."""
from __future__ import annotations

import re

PASSWORD = "test-password-123"
# The router's output key (callbacks/shell.py): the page and its title in one answer.
ROUTER = "..shell-content.children...shell-title.data.."


def token_in(page: str) -> str:
    """The CSRF token of a page's form."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def csrf_token(client, path: str = "/login") -> str:
    return token_in(client.get(path).get_data(as_text=True))


def switch_language(client, code: str, next_path: str | None = None):
    """Switch the reader's language as the menu and the login page do: a POST with the CSRF token (from the login page,
    or the logout question's page once logged in)."""
    for page in ("/login", "/logout"):
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).get_data(as_text=True))
        if found:
            break
    data = {"csrf_token": found.group(1), **({"next": next_path} if next_path is not None else {})}
    return client.post(f"/lang/{code}", data=data)


def logout(client):
    """Log out the way the menu does: a POST with the CSRF token (a GET of /logout only asks). Nobody logged in:
    nothing to do."""
    body = client.get("/logout").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', body)
    return client.post("/logout", data={"csrf_token": found.group(1)}) if found else None


def http_logout(http, url: str):
    """The same against a running server (a requests.Session holding the login's cookie); returns the page that
    asked, whose headers say which server answered."""
    asked = http.get(f"{url}/logout", allow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', asked.text).group(1)
    done = http.post(f"{url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert done.status_code == 302, (done.status_code, done.text[:300])
    return asked


def login(client, username: str, password: str = PASSWORD):
    """Log in through the real form, CSRF token and all."""
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


# The profile's period fields left empty (its default window) and its direction and commodity at "all" (every
# consignment): the profile's callbacks take them after its section.
PROFILE_CHOICES_ALL = [{"id": "profile-direction", "property": "value", "value": "all"},
                       {"id": "profile-commodity", "property": "value", "value": "all"}]
PROFILE_DEFAULTS = [{"id": "profile-from", "property": "value", "value": None},
                    {"id": "profile-to", "property": "value", "value": None}, *PROFILE_CHOICES_ALL]


def dash_callback(client, output: str, inputs: list[dict] | None = None, state: list[dict] | None = None,
                  changed: list[str] | None = None):
    """Call a Dash callback the way the browser does (a JSON POST), by its output key."""
    if output == "shell-content.children":
        output = ROUTER  # the router answers the page and its title together
        # the router's query string, as a browser sends it
        state = state or [{"id": "shell-url", "property": "search", "value": ""}]
    body = {"output": output, "outputs": _outputs_from_key(output), "inputs": inputs or [], "state": state or [],
            "changedPropIds": changed or []}
    return client.post("/_dash-update-component", json=body)


def pager_body(prefix: str, clicked: str | None = None, typed=None) -> list[dict]:
    """A paged list's pager among its callback's inputs, as the browser sends them (callbacks.common.pager_inputs,
    in its order): the button `clicked` ("first", "prev", "next", "last") pressed once, the page number field's
    `typed` value."""
    body = [{"id": f"{prefix}-{button}", "property": "n_clicks", "value": 1 if clicked == button else None}
            for button in ("first", "prev", "next", "last")]
    return body + [{"id": f"{prefix}-goto", "property": "value", "value": typed}]


def pager_state(store_id: str, page=0, pages: int | None = None) -> list[dict]:
    """A paged list's stored page (`store_id`, from 0) and the page count of its last answer (None: not known yet)
    among its callback's state, as the browser sends them (callbacks.common.paged_callback, after the list's own)."""
    return [{"id": store_id, "property": "data", "value": page},
            {"id": f"{store_id}-count", "property": "data", "value": pages}]


def components(tree):
    """Every component (type, props) in a Dash layout given as JSON (a callback's answer)."""
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree["type"], tree["props"]
        for value in tree.values():
            yield from components(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from components(value)


def _outputs_from_key(key: str):
    if key.startswith(".."):
        parts = [p for p in key.strip(".").split("...")]
        return [dict(zip(("id", "property"), p.split("@")[0].rsplit(".", 1))) for p in parts]
    component, prop = key.split("@")[0].rsplit(".", 1)
    return {"id": component, "property": prop}


def save_complaint(client, key: str, complaint_id: int, status: str, answer: str, *, opened: dict,
                   field_check: bool = False, press: str = "save", assignee: str = "none"):
    """Press "Simpan" (or `press="email"`: "Simpan & kirim jawaban via email") on a complaint's handling form
    (callback `key`) with these values and the form state it opened (`opened`: the version and values it keeps)."""
    values = {"status": status, "category": "service", "assignee_id": assignee, "answer": answer}
    state = [{"id": f"complaint-{name}", "property": "value", "value": value} for name, value in values.items()]
    state += [{"id": "complaint-needs_field_check", "property": "value", "value": field_check},
              {"id": "complaint-upload", "property": "filename", "value": None},
              {"id": "complaint-id", "property": "data", "value": complaint_id},
              {"id": "complaint-refresh", "property": "data", "value": 0},
              {"id": "complaint-opened", "property": "data", "value": opened}]
    inputs = [{"id": "complaint-save", "property": "n_clicks", "value": 1 if press == "save" else None},
              {"id": "complaint-email", "property": "n_clicks", "value": 1 if press == "email" else None},
              {"id": "complaint-upload", "property": "contents", "value": None}]
    return dash_callback(client, key, inputs, state, changed=[f"complaint-{press}.n_clicks"])



def recorded_complaint(database, make_user, username: str, subject: str, received_day=(2026, 7, 6)) -> int:
    """An operator `username` (made here) records a complaint received at 09:00 WIB on `received_day`; its id."""
    from datetime import datetime, timedelta, timezone

    from models import User
    from portal.services import complaints

    make_user(username, "operator")
    with database.session() as session:
        officer = session.query(User).filter_by(username=username).one()
        return complaints.create(session, officer, {
            "channel": "lapor", "category": "service", "subject": subject, "text": "Mohon dicek.",
            "received_at": datetime(*received_day, 9, 0, tzinfo=timezone(timedelta(hours=7)))}, source="officer")["id"]


# A <wbr> Dash draws after each dot of a document number (layouts/components/formatting.py breakable_number): taken
# out, the number reads whole again in a callback's answer, so "the number is (not) there" still means something.
_WBR = re.compile(r'",\s*\{"props":\s*\{"children":\s*null\},\s*"type":\s*"Wbr",'
                  r'\s*"namespace":\s*"dash_html_components"\},\s*"')


def readable(text: str) -> str:
    """A callback's answer (JSON text) with each number's <wbr>s taken out."""
    return _WBR.sub("", text)


def drawing_user(role: str, session_id: str = "test", section: str | None = "plant", office_id: int = 1):
    """An account to draw layouts for, without a database: office 0300 (id `office_id`), the `section` for a
    section-scoped role (ignored by the others' pages), company 1 for a service user."""
    from portal.security.access import CurrentUser

    return CurrentUser(id=1, username=role, full_name=role, role=role, office_id=office_id, office_code="0300",
                       office_name="BBKP Soekarno-Hatta", office_timezone="Asia/Jakarta",
                       section_id=None if section is None else 1, section_code=section, language="id",
                       session_id=session_id, service_user_ids=(1,))

