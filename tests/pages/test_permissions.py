"""Every page, every callback and every plain Flask route declares who may use it, and each role gets exactly what
DOMAIN.md says."""
from __future__ import annotations

import pytest

from support.web import csrf_token, dash_callback, login, logout
from portal.security.access import (callback_permissions, declared_permissions, requires,
                                    route_permissions)
from portal.security.guard import is_framework_route, is_public
from portal.pages import PAGES, match
from portal.security.permissions import PERMISSIONS, ROLES, role_can, roles_with

# Written by hand from DOMAIN.md's "Users and what each comes for": page → roles that may open it.
EXPECTED_PAGE_ACCESS = {
    "/kpi": {"admin", "head", "national"},
    "/offices": {"admin", "national"},
    "/rankings": {"admin", "coordinator", "enforcement", "head", "national"},
    "/profile/1": {"admin", "coordinator", "enforcement", "head", "national"},  # the guard checks before 404
    "/handlers/1": {"admin", "coordinator", "enforcement", "head", "national"},
    "/priority": {"admin", "coordinator", "enforcement", "head", "national"},
    "/guidance": {"admin", "coordinator", "enforcement", "head", "national"},
    "/applications": {"admin", "operator", "coordinator", "enforcement", "head", "national"},
    "/applications/1": {"admin", "operator", "coordinator", "enforcement", "head", "national"},  # the guard checks before 404
    "/targeting/queue": {"admin", "operator", "coordinator"},
    "/targeting/effectiveness": {"admin", "coordinator", "enforcement", "head", "national"},
    "/nnc": {"admin", "operator", "coordinator", "enforcement", "head", "national"},
    "/nnc/1": {"admin", "operator", "coordinator", "enforcement", "head", "national"},  # the NNC itself is checked per viewer
    "/nnc/new": {"admin", "operator"},
    "/nnc/1/edit": {"admin", "operator"},
    "/nnc/import": {"admin", "operator"},
    "/my/nnc": {"service_user"},
    "/my/nnc/1": {"service_user"},  # only the NNCs naming their company: checked by the service
    "/complaints": {"admin", "operator", "enforcement", "head", "national"},
    "/complaints/1": {"admin", "operator", "enforcement", "head", "national"},  # the complaint itself is checked per viewer
    "/my/complaints": {"service_user"},
    "/survey-results": {"admin", "coordinator", "enforcement", "head", "national"},
    "/my/applications": {"service_user"},
    "/my/applications/1": {"service_user"},  # the page opens; the application itself is checked per company
    "/my/notifications": {"service_user"},
    "/corrections": {"admin", "operator"},
    "/admin/service-users": {"admin"},
    "/admin/users": {"admin"},
    "/admin/audit": {"admin"},
    "/admin/sync": {"admin"},
    "/admin/compliance": {"admin"},
    "/admin/calendar": {"admin"},
    "/admin/companies": {"admin"},
    "/help": set(ROLES),
}


def test_every_registered_page_has_an_expected_access_row():
    """Pages with path arguments are listed by a concrete path (e.g. /applications/1)."""
    assert all(match(path) is not None for path in EXPECTED_PAGE_ACCESS), "a listed path is no page"
    assert {page.path for page in PAGES} == {match(path)[0].path for path in EXPECTED_PAGE_ACCESS}


def test_every_dash_callback_declares_a_permission(app):
    declared = callback_permissions(app)
    missing = [key for key in app.callback_map if key not in declared]
    assert not missing, f"callbacks without a declared permission: {missing}"
    assert set(declared.values()) <= set(PERMISSIONS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages(role, logged_in):
    """A record page the role may open answers 404 here, where no record 1 exists (portal/app.py: its record is
    checked only after the guard); one it may not open, 403 whatever the record."""
    client = logged_in(role)
    for path, allowed in EXPECTED_PAGE_ACCESS.items():
        status = client.get(path).status_code
        opened = 404 if match(path)[0].record else 200
        assert status == (opened if role in allowed else 403), (role, path, status)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_calls_exactly_its_callbacks(role, app, logged_in):
    """Every callback in the map, called as this role: allowed ones pass the guard, others get 403."""
    from portal.security.permissions import role_can

    client = logged_in(role)
    for output, permission in callback_permissions(app).items():
        response = dash_callback(client, output)
        if role_can(role, permission):
            assert response.status_code != 403, (role, output)
        else:
            assert response.status_code == 403, (role, output)


def test_router_refuses_a_page_the_role_may_not_open(logged_in):
    client = logged_in("operator")
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/admin/users"}])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Akses ditolak" in body and "admin-users-grid" not in body



# The plain Flask routes behind the login, by a concrete path: path → (method, roles that may use it).
# Written by hand like EXPECTED_PAGE_ACCESS; the record itself (whose NNC, whose company) is the service's check.
EXPECTED_ROUTE_ACCESS = {
    "/logout": ("GET", set(ROLES)),
    "/password": ("GET", set(ROLES)),  # each person's own password (the form asks for the current one)
    "/_dash-dependencies": ("GET", set(ROLES)),  # Dash's, answered by us: each role's own callbacks
    "/help/screenshots/none.png": ("GET", set(ROLES)),
    "/nnc/attachments/1": ("GET", set(ROLES)),  # officers with nnc.view; a company its own NNCs' files
    "/complaints/attachments/1": ("GET", {"admin", "operator", "enforcement", "head", "national"}),
    "/my/documents/certificate/1.pdf": ("GET", set(ROLES)),  # a company its own; officers within their scope
    "/dossier/1.pdf": ("GET", set(roles_with("rankings.view"))),  # whoever may open the company's profile
    "/my/survey/1": ("GET", {"service_user"}),
    "/my/notifications/1/open": ("GET", {"service_user"}),  # the account's own message (else back to the list)
    "/my/offline/applications": ("GET", {"service_user"}),  # the copies the app's worker keeps (issue 20)
    "/my/offline/applications/1": ("GET", {"service_user"}),
    "/my/push/key": ("GET", {"service_user"}),  # Web Push: the station's public key, a device's (un)subscription
    "/my/push/subscribe": ("POST", {"service_user"}),
    "/my/push/unsubscribe": ("POST", {"service_user"}),
    "/admin/sync/upload": ("POST", {"admin"}),
}
# Arguments for a route's rule, so each route can be called by a concrete path.
SAMPLE_ARGUMENTS = {"int": 1, "default": "x"}


def _flask_routes(app):
    """(concrete path, rule, view) of every Flask route that is ours (not Dash's or Flask's own)."""
    server = app.server
    for rule in server.url_map.iter_rules():
        view = server.view_functions[rule.endpoint]
        if is_framework_route(view):
            continue
        values = {name: SAMPLE_ARGUMENTS["int"] if type(converter).__name__ == "IntegerConverter"
                  else SAMPLE_ARGUMENTS["default"] for name, converter in rule._converters.items()}
        yield rule.build(values, append_unknown=False)[1], rule, view


def test_every_non_public_flask_route_declares_a_permission(app):
    undeclared = [rule.rule for path, rule, view in _flask_routes(app)
                  if not is_public(path) and declared_permissions(view) is None]
    assert not undeclared, f"Flask routes without @requires: {undeclared}"
    declared = set().union(*route_permissions(app.server).values())
    assert declared <= set(PERMISSIONS)


def test_every_non_public_flask_route_has_an_expected_access_row(app):
    routes = {path: rule for path, rule, _view in _flask_routes(app) if not is_public(path)}
    listed = {path: app.server.url_map.bind("localhost").match(path, method=method)[0]
              for path, (method, _roles) in EXPECTED_ROUTE_ACCESS.items()}
    assert {rule.endpoint for rule in routes.values()} == set(listed.values())


def _refused_by_the_guard(database, path: str) -> bool:
    """Whether the guard refused this path (it logs each refusal); a 403 from the record check is the service's."""
    from sqlalchemy import select

    from models import AuditLog
    from portal.audit import denied_targets

    with database.session() as db:  # denials are counted per session and minute: one row lists what was refused
        return any(f"route {path}" in denied_targets(row)
                   for row in db.scalars(select(AuditLog).where(AuditLog.action == "access_denied")))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_uses_exactly_its_flask_routes(role, app, logged_in, database):
    """Every non-public route, called as this role: the guard lets allowed ones through and refuses the others
    with 403. /logout is called last: it ends the session the other calls need."""
    client = logged_in(role)
    endpoints = app.server.url_map.bind("localhost")
    for path, (method, allowed) in sorted(EXPECTED_ROUTE_ACCESS.items(), key=lambda item: item[0] == "/logout"):
        declared = route_permissions(app.server)[endpoints.match(path, method=method)[0]]
        assert (role in allowed) == any(role_can(role, permission) for permission in declared), (role, path)
        if method == "POST":
            response = client.post(path, data={"csrf_token": csrf_token(client, "/pengaduan")})
        else:
            response = client.get(path)
        if role in allowed:
            assert not _refused_by_the_guard(database, path), (role, path, response.status_code)
        else:
            assert response.status_code == 403 and _refused_by_the_guard(database, path), \
                (role, path, response.status_code)


def test_a_route_that_declares_no_permission_is_refused(settings, make_user):
    """Closed by default: a Flask route added without @requires answers 403 even to an admin."""
    from portal import create_app

    app = create_app(settings)  # a fresh app: routes can be added only before its first request

    @app.server.route("/undeclared-test-route")
    def undeclared():
        return "open"

    @app.server.route("/declared-test-route")
    @requires("admin.audit")
    def declared():
        return "open"

    for role, undeclared_status, declared_status in (("admin", 403, 200), ("operator", 403, 403)):
        client = app.server.test_client()
        make_user(f"route_{role}", role)
        assert login(client, f"route_{role}").status_code == 302
        assert client.get("/undeclared-test-route").status_code == undeclared_status
        assert client.get("/declared-test-route").status_code == declared_status


def test_requires_refuses_an_unknown_permission():
    with pytest.raises(KeyError):
        requires("no.such.permission")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_told_only_of_the_callbacks_it_may_call(role, app, logged_in):
    """`/_dash-dependencies` lists exactly the callbacks the role may call: a service user learns no admin callback's
    name (and anonymous callers get nothing, test_guard.py)."""
    from portal.security.permissions import role_can

    client = logged_in(role)
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    listed = [spec["output"] for spec in response.json]
    expected = {output for output, permission in callback_permissions(app).items() if role_can(role, permission)}
    assert len(listed) == len(set(listed)) and set(listed) == expected
    if role == "service_user":
        assert not any(output.startswith("..admin") or output.startswith("admin") for output in listed)


def test_the_section_choices_come_with_the_page_not_from_a_callback_after_it(app, logged_in):
    """An officer who sees every section finds them in the drawn select (one request fewer per page opened); a
    coordinator's select is drawn locked to their section, and no browser asks a callback for either."""
    pages_with_sections = ("applications", "queue", "priority", "guidance", "profile")
    outputs = {spec["output"] for spec in app._callback_list}
    assert not {f"{key}-section.options" for key in pages_with_sections} & outputs

    def select_of(client, path, component_id):
        answer = dash_callback(client, "shell-content.children",
                               [{"id": "shell-url", "property": "pathname", "value": path}])
        assert answer.status_code == 200, answer.data[:300]
        found = []

        def walk(node):
            if isinstance(node, dict):
                if node.get("props", {}).get("id") == component_id:
                    found.append(node["props"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
        walk(answer.json["response"])
        assert len(found) == 1, (path, component_id)
        return found[0]

    admin = logged_in("admin")
    for path, component_id in (("/applications", "applications-section"), ("/priority", "priority-section")):
        select = select_of(admin, path, component_id)
        assert [option["value"] for option in select["options"]][1:] == ["animal", "plant"], select
        assert not select.get("disabled")
    logout(admin)
    coordinator = logged_in("coordinator", "plant")
    select = select_of(coordinator, "/priority", "priority-section")
    assert (select["value"], select["disabled"], [o["value"] for o in select["options"]]) == ("plant", True, ["plant"])


def test_every_callback_dash_knows_has_a_permission(app):
    """A callback missing from the permission table would vanish from every role's dependency map."""
    assert {spec["output"] for spec in app._callback_list} == set(callback_permissions(app))
