"""Hostile input, the fixed cases: what the property tests (test_hostile_*.py) found, pinned as ordinary tests,
and the static check that no component renders what a person typed as HTML.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select

from support.web import csrf_token, logout, switch_language
from support.hostile import callback_body, fast_user, find_key, live_markup, login_as
from models import Complaint, User
from portal import manual
from portal.services import service_accounts, users
from portal.validation import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------------------------ rendering
def test_no_component_renders_raw_html():
    """Dash renders strings as text; only these switches would turn user text into markup — none is used, and
    the one Markdown component shows the manual's own files (portal.manual), never a record."""
    sources = [p for folder in ("layouts", "callbacks", "portal") for p in (ROOT / folder).rglob("*.py")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for switch in ("dangerously_allow_html", "dangerouslySetInnerHTML", "dangerously_allow_code", "Markup(",
                       "srcDoc", "html.Iframe", "html.Script"):
            assert switch not in text, f"{switch} in {path.relative_to(ROOT)}"
        if "cellRenderer" in text:
            assert not re.search(r"cellRenderer[\"']?\s*[:=]\s*[\"'](markdown|html)", text, re.I), path
    markdown = [p for p in sources if "dcc.Markdown(" in p.read_text(encoding="utf-8")]
    assert [p.relative_to(ROOT).as_posix() for p in markdown] == ["layouts/help.py"]


def test_server_templates_never_mark_text_safe():
    for path in (ROOT / "portal" / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, path.name
        assert live_markup(text.replace("{{", "").replace("}}", "")) == [], path.name


def test_help_shows_only_a_roles_own_chapter():
    """The chapter name comes from the browser: a path or a huge value used to read other files or raise
    OSError (a 500)."""
    assert manual.chapter("operator", "id").strip()
    assert (manual.MANUAL_DIR / "id" / "../../../README.md").exists()  # what a traversal would have read
    for role in ("../../../README", "../../../../etc/passwd", "x" * 5000, ["operator"], None):
        assert manual.chapter(role, "id") == ""


# ------------------------------------------------------------------------------------------------ callbacks
def _post(app, client, fragment: str, values: dict, changed: list[str]):
    key = find_key(app, fragment)
    cb = app.callback_map[key]
    body = callback_body(key, cb, values, changed)
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json"), body


def test_a_callback_value_of_the_wrong_type_is_a_400_not_a_500(app, client, database):
    login_as(client, fast_user(database, "admin")["username"])
    response, _ = _post(app, client, "..admin-audit-grid.rowData", {("admin-audit-from", "value"): ["2026-01-01"]},
                        ["admin-audit-from.value"])
    assert response.status_code == 400 and response.json == {"error": "malformed request"}


def test_a_callback_pointed_at_a_record_that_does_not_exist_is_a_404(app, client, database):
    login_as(client, fast_user(database, "admin")["username"])
    response, _ = _post(app, client, "..admin-users-modal.is_open...admin-users-modal-title",
                        {("admin-users-grid", "cellClicked"): {"rowId": "987654"}}, ["admin-users-grid.cellClicked"])
    assert response.status_code == 404


def test_a_request_that_does_not_match_its_callback_is_a_400(app, client, database):
    login_as(client, fast_user(database, "admin")["username"])
    response, body = _post(app, client, "..admin-audit-grid.rowData", {}, [])
    body["outputs"] = body["outputs"][:1]  # Dash's own check: one output where the callback has several
    assert client.post("/_dash-update-component", json=body).status_code == 400
    nested = "[" * 100_000 + "]" * 100_000  # too deep for the JSON parser
    assert client.post("/_dash-update-component", data=nested, content_type="application/json").status_code == 400
    assert client.post("/_dash-update-component", json=[1, 2]).status_code == 400


def test_a_callback_payload_with_a_nul_character_is_refused_before_it_runs(app, client, database):
    login_as(client, fast_user(database, "operator")["username"])
    response, _ = _post(app, client, "..complaints-modal.is_open...complaints-form-alert",
                        {("complaints-new-save", "n_clicks"): 1, ("complaints-new-channel", "value"): "phone",
                         ("complaints-new-category", "value"): "service", ("complaints-new-subject", "value"): "a\x00b",
                         ("complaints-new-text", "value"): "isi"}, ["complaints-new-save.n_clicks"])
    assert response.status_code == 400
    with database.session() as s:
        assert s.scalar(select(func.count(Complaint.id))) == 0


# ------------------------------------------------------------------------------------------------ pages
def test_a_form_post_or_query_with_a_nul_character_is_a_400_page_on_both_databases(app, client, session):
    """PostgreSQL cannot store NUL (it raised a 500); SQLite would have kept it: now both refuse it alike."""
    app.server.extensions["qcorner_limiter"].reset()
    response = client.post("/pengaduan", data={"category": "service", "subject": "Jalan\x00", "text": "isi",
                                               "csrf_token": csrf_token(client, "/pengaduan")})
    assert response.status_code == 400 and "karakter NUL" in response.get_data(as_text=True)
    assert client.get("/pengaduan/lacak", query_string={"kode": "PGD-\x00"}).status_code == 400
    assert session.scalar(select(func.count(Complaint.id))) == 0
    app.server.extensions["qcorner_limiter"].reset()


def test_an_email_past_254_characters_is_a_field_error_not_a_500(app, client, session):
    """Every email column holds 254 characters; a longer address used to reach the database (a 500)."""
    app.server.extensions["qcorner_limiter"].reset()
    long_email = "a" * 300 + "@contoh.invalid"
    response = client.post("/pengaduan", data={"category": "service", "subject": "S", "text": "T",
                                               "reporter_email": long_email,
                                               "csrf_token": csrf_token(client, "/pengaduan")})
    assert response.status_code == 400 and "maksimal 254" in response.get_data(as_text=True)
    response = client.post("/account/register", data={"tax_id": "01.234.567.8-901.000", "email": long_email,
                                                      "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 200  # the same answer as for any address
    assert not users.EMAIL_PATTERN.match(long_email) and users.EMAIL_PATTERN.match("a" * 240 + "@contoh.id")
    app.server.extensions["qcorner_limiter"].reset()


def test_a_full_name_past_200_characters_is_a_field_error(session):
    too_long = "N" * 201
    for create in (lambda: users.create_user(session, None, {"username": "nama.panjang", "full_name": too_long,
                                                             "role": "operator", "office_id": 1,
                                                             "password": "kata-sandi-panjang"}),
                   lambda: service_accounts.invite(session, None, service_user_id=_company(session),
                                                   email="panjang@contoh.invalid", full_name=too_long)):
        try:
            create()
        except InvalidInput as error:
            assert error.errors["full_name"][0] == "users.error.full_name_long"
        else:
            raise AssertionError("a 201-character name was accepted")
    assert session.scalar(select(func.count(User.id))) == 0


def _company(session) -> int:
    from support.factories import gen_service_user

    return gen_service_user(session).id


def test_links_back_after_login_or_a_language_switch_stay_on_the_portal(client, database):
    """A target like "/\\evil.example" passed the same-site check, and browsers follow it to evil.example."""
    for target in ("/\\evil.example", "/\\/evil.example", "/nnc\x7f"):
        assert switch_language(client, "en", target).headers["Location"] == "/"
    account = fast_user(database, "operator")
    response = client.post("/login", query_string={"next": "/\\evil.example"}, data={
        "username": account["username"], "password": "test-password-123", "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/nnc"  # the operator's home, not the other site


def test_a_path_with_a_line_break_sends_a_stranger_to_login_not_a_500(client):
    """The guard put the raw path into the Location header; a %0A in it raised ValueError (a 500)."""
    response = client.get("/my/documents/%0A/1.pdf")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/my/documents/%0A/1.pdf"


def test_an_id_in_a_path_past_64_bits_is_a_404_on_both_databases(client, database):
    """SQLite raised OverflowError for it (a 500); PostgreSQL found nothing."""
    login_as(client, fast_user(database, "admin")["username"])
    for path in ("/nnc/attachments/{n}", "/complaints/attachments/{n}"):
        assert client.get(path.format(n=2**63)).status_code == 404, path
    assert client.get("/nnc/attachments/9223372036854775807").status_code == 404  # the largest id: just unknown
    # The survey form is a service user's route (an admin is refused by the guard before any lookup).
    logout(client)
    login_as(client, fast_user(database, "service_user")["username"])
    assert client.get(f"/my/survey/{2**63}").status_code == 404


def test_an_nnc_dated_in_year_one_is_a_field_error(database, make_user):
    """A date input accepts year 0001; the NNC was validated, then the compliance refresh overflowed (a 500)."""
    from support.nnc_helpers import actor, valid_nnc
    from portal.services.nnc import register as nnc

    operator = actor(database, make_user, "operator")
    with database.session() as s:
        data = valid_nnc(s, notice_date="0001-01-01", received_date="0001-01-02")
        try:
            nnc.create_nnc(s, operator, data)
        except InvalidInput as error:
            assert error.errors["notice_date"][0] == "nnc.error.date_invalid"
        else:
            raise AssertionError("an NNC dated 0001-01-01 was accepted")


def test_a_request_that_lists_no_outputs_is_a_400(app, client, database):
    """Dash checks each output a request lists against its callback, not that one is missing; the callback's
    answer then failed Dash's own check of the return value (a 500)."""
    login_as(client, fast_user(database, "admin")["username"])
    body = {"output": "admin-audit-action.options", "outputs": [], "inputs": [
        {"id": "admin-audit-page", "property": "id", "value": None}], "state": [], "changedPropIds": []}
    assert client.post("/_dash-update-component", json=body).status_code == 400
    body["outputs"] = {"id": "admin-audit-action", "property": "options"}
    assert client.post("/_dash-update-component", json=body).status_code == 200
