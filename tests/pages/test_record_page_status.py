"""A record page's document answers 404 when its record is not there or not in the reader's reach, with the portal's
own page (its callback draws "not found" in it), and 200 for a record the reader may open: a stale bookmark, a
crawler or a probe is told the truth by the status, and another company's record answers as a missing one does."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from models import Office
from portal.pages import Page
from portal.services import service_user_links
from portal.services.nnc import register as nnc
from support.factories import gen_application, gen_handler, gen_service_user
from support.nnc_helpers import actor, valid_nnc
from support.web import PROFILE_DEFAULTS, components, dash_callback, drawing_user, login, logout, recorded_complaint

MISSING = 987654321


@pytest.fixture
def records(database, make_user):
    """Two companies of the home office (a plant application each, one with a handler, an NNC each), an animal
    application and a company of another office; the accounts first (SQLite takes one writer at a time)."""
    recorder = actor(database, make_user, "operator", username="petugas_catat")
    account = make_user("eksportir_satu", "service_user")
    with database.session() as s:
        mine, theirs = gen_service_user(s, name="PT Milik Sendiri"), gen_service_user(s, name="PT Orang Lain")
        far = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
        s.add(far)
        s.flush()
        away = gen_service_user(s, name="PT Kantor Lain", office_id=far.id)
        handler = gen_handler(s)
        found = {"mine": mine.id, "theirs": theirs.id, "handler": handler.id,
                 "own_application": gen_application(s, mine, handler=handler).id,
                 "their_application": gen_application(s, theirs).id,
                 "animal_application": gen_application(s, theirs, section="animal").id,
                 "away_application": gen_application(s, away).id,
                 "own_nnc": nnc.create_nnc(s, recorder, valid_nnc(s, number="S/1", service_user=mine))["id"],
                 "their_nnc": nnc.create_nnc(s, recorder, valid_nnc(s, number="S/2", service_user=theirs))["id"]}
        service_user_links.link(s, None, account["id"], mine.id)
    return found


def _document(client, path: str):
    """The page's document as a browser's first load gets it: the status, and that it is the portal's own page."""
    response = client.get(path)
    assert b"_dash-config" in response.data and b'<html lang="id">' in response.data, path
    return response.status_code


# ------------------------------------------------------------------------------------------------ applications
def test_an_officers_missing_application_answers_404_with_the_portals_page(logged_in):
    assert _document(logged_in("operator"), f"/applications/{MISSING}") == 404


def test_a_probes_head_request_is_answered_as_its_get_would_be(logged_in, records):
    client = logged_in("operator")
    assert client.head(f"/applications/{MISSING}").status_code == 404
    assert client.head(f"/applications/{records['own_application']}").status_code == 200


def test_an_officers_existing_application_answers_200(logged_in, records):
    assert _document(logged_in("operator"), f"/applications/{records['own_application']}") == 200


def test_an_application_of_another_office_answers_404_like_a_missing_one(logged_in, records):
    assert _document(logged_in("operator"), f"/applications/{records['away_application']}") == 404


def test_a_coordinators_application_of_another_section_answers_403_as_its_page_refuses_it_and_of_their_own_200(
        logged_in, records):
    client = logged_in("coordinator", section="plant")
    assert _document(client, f"/applications/{records['animal_application']}") == 403
    assert _document(client, f"/applications/{records['their_application']}") == 200


def test_the_missing_applications_page_still_draws_its_own_not_found(app, logged_in):
    """Only the status changed: the page's callback answers as before and says "not found" in the page."""
    client = logged_in("operator")
    assert client.get(f"/applications/{MISSING}").status_code == 404
    answer = dash_callback(client, "application-detail-body.children",
                           inputs=[{"id": "application-detail-id", "property": "data", "value": MISSING}])
    assert answer.status_code == 200 and "tidak ditemukan" in json.dumps(answer.json, ensure_ascii=False).lower()


def test_a_service_users_application_of_another_company_answers_404_like_a_missing_one(client, records):
    assert login(client, "eksportir_satu").status_code == 302
    assert _document(client, f"/my/applications/{records['own_application']}") == 200
    assert _document(client, f"/my/applications/{records['their_application']}") == 404
    assert _document(client, f"/my/applications/{MISSING}") == 404
    # The officers' address is closed to them whatever the id: the guard's 403, the same for every record.
    assert client.get(f"/applications/{records['their_application']}").status_code == 403
    assert client.get(f"/applications/{MISSING}").status_code == 403


def test_a_refused_records_page_is_the_refusal_alone(app, logged_in):
    """Its empty file and history cards and greyed form read as a record with nothing in it: the refusal's alert is
    marked, the page's other parts are marked, and the style hides the parts beside a marked alert."""
    from pathlib import Path

    from layouts import complaint_detail, nnc_detail
    from layouts.components.empty import RECORD_PART, RECORD_REFUSED

    client = logged_in("operator")
    key = next(k for k in app.callback_map if k.startswith("..nnc-detail-title.children"))
    answer = dash_callback(client, key, inputs=[{"id": "nnc-detail-id", "property": "data", "value": MISSING},
                                                {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    content = answer.json["response"]["nnc-detail-content"]["children"]
    assert content["props"]["className"] == RECORD_REFUSED
    officer = drawing_user("operator")
    with app.server.test_request_context("/"):
        drawn = [nnc_detail.layout(officer, None, nnc_id=MISSING),
                 complaint_detail.layout(officer, complaint_id=MISSING)]
        for page in drawn:
            assert RECORD_PART in json.dumps(page.to_plotly_json(), default=str)
    css = (Path(__file__).parents[2] / "assets" / "qcorner.css").read_text()
    assert f".qc-page:has(.{RECORD_REFUSED}) .{RECORD_PART} {{ display: none; }}" in css


# ------------------------------------------------------------------------------------------------ NNCs
def test_a_missing_nnc_answers_404_on_its_page_and_its_form(logged_in):
    client = logged_in("operator")
    assert _document(client, f"/nnc/{MISSING}") == 404
    assert _document(client, f"/nnc/{MISSING}/edit") == 404


def test_an_existing_nnc_answers_200_on_its_page_and_its_form(logged_in, records):
    client = logged_in("operator")
    assert _document(client, f"/nnc/{records['own_nnc']}") == 200
    assert _document(client, f"/nnc/{records['own_nnc']}/edit") == 200


def test_a_service_users_nnc_of_another_company_answers_404_like_a_missing_one(client, records):
    assert login(client, "eksportir_satu").status_code == 302
    assert _document(client, f"/my/nnc/{records['own_nnc']}") == 200
    assert _document(client, f"/my/nnc/{records['their_nnc']}") == 404
    assert _document(client, f"/my/nnc/{MISSING}") == 404


# ------------------------------------------------------------------------------------------------ complaints
def test_a_missing_complaint_answers_404_and_an_existing_one_200(database, make_user, logged_in):
    complaint_id = recorded_complaint(database, make_user, "petugas_aduan", "Antrean loket lama")
    client = logged_in("operator")
    assert _document(client, f"/complaints/{MISSING}") == 404
    assert _document(client, f"/complaints/{complaint_id}") == 200


# ------------------------------------------------------------------------------------------------ profiles, handlers
def test_a_missing_company_profile_answers_404_and_an_existing_one_200(logged_in, records):
    client = logged_in("enforcement")
    assert _document(client, f"/profile/{MISSING}") == 404
    assert _document(client, f"/profile/{records['mine']}") == 200


def test_a_coordinators_company_with_nothing_in_their_section_answers_403_as_its_page_refuses_it(logged_in,
                                                                                                records):
    client = logged_in("coordinator", section="animal")
    assert _document(client, f"/profile/{records['mine']}") == 403
    logout(client)
    assert _document(logged_in("coordinator", section="plant"), f"/profile/{records['mine']}") == 200


def _drawn_profile(app, client, service_user_id: int, search: str) -> str:
    """The profile as the browser draws it at this address: the router's section select, then the profile's callback
    given the select's value (what the page's own check meets)."""
    router = dash_callback(client, "shell-content.children",
                           inputs=[{"id": "shell-url", "property": "pathname", "value": f"/profile/{service_user_id}"}],
                           state=[{"id": "shell-url", "property": "search", "value": search}])
    [section] = [props["value"] for _type, props in components(router.json) if props.get("id") == "profile-section"]
    key = next(k for k in app.callback_map if k.startswith("profile-body.children"))
    answer = dash_callback(client, key, inputs=[{"id": "profile-id", "property": "data", "value": service_user_id},
                                                {"id": "profile-section", "property": "value", "value": section},
                                                *PROFILE_DEFAULTS])
    return json.dumps(answer.json, ensure_ascii=False)


def test_a_profile_of_a_section_no_station_has_answers_404_as_its_page_draws_not_found_get_and_head(app, logged_in,
                                                                                                   records):
    """The status read the path alone: 200 under the page's "Pengguna jasa tidak ditemukan"."""
    client = logged_in("enforcement")
    path = f"/profile/{records['mine']}?section=no_such_section"
    assert _document(client, path) == 404 and client.head(path).status_code == 404
    assert "Pengguna jasa tidak ditemukan" in _drawn_profile(app, client, records["mine"], "?section=no_such_section")
    # A section the station has, and a code of a form the page drops (it scores every section): the profile.
    for search in ("?section=animal", "?section=pl%3Bant"):
        assert _document(client, f"/profile/{records['mine']}{search}") == 200, search
        assert "PT Milik Sendiri" in _drawn_profile(app, client, records["mine"], search), search


def test_a_coordinators_profile_asked_for_the_other_section_is_drawn_in_their_own_and_answers_200(app, logged_in,
                                                                                                 records):
    """Their section select stays locked on their own section whatever the address names, so the page draws the
    company in that section (no refusal), and its status says the same, GET and HEAD."""
    client = logged_in("coordinator", section="plant")
    path = f"/profile/{records['mine']}?section=animal"
    assert _document(client, path) == 200 and client.head(path).status_code == 200
    drawn = _drawn_profile(app, client, records["mine"], "?section=animal")
    assert "PT Milik Sendiri" in drawn and "profile-refused" not in drawn


def test_a_missing_handler_answers_404_and_an_existing_one_200(logged_in, records):
    client = logged_in("enforcement")
    assert _document(client, f"/handlers/{MISSING}") == 404
    assert _document(client, f"/handlers/{records['handler']}") == 200


def test_a_coordinators_handler_with_nothing_in_their_section_answers_403(logged_in, records):
    assert _document(logged_in("coordinator", section="animal"), f"/handlers/{records['handler']}") == 403


# ------------------------------------------------------------------------------------------------ the rules around
def test_every_page_of_one_record_names_the_service_check_of_its_record():
    """A new record page that forgot it would answer 200 for any id; each check is the service's, by name."""
    from importlib import import_module

    from portal.pages import PAGES

    for page in PAGES:
        assert bool(page.record) == ("<int:" in page.path), page.key
        if page.record:
            module_name, function_name = page.record.split(":")
            assert module_name.startswith("portal.services.") and callable(
                getattr(import_module(module_name), function_name)), page.key


def test_a_page_the_role_may_not_open_keeps_its_403_for_any_id(logged_in):
    client = logged_in("operator")  # no rankings.view
    assert client.get(f"/profile/{MISSING}").status_code == 403
    assert client.get(f"/handlers/{MISSING}").status_code == 403


def test_an_id_past_64_bits_answers_404_without_asking_the_database(app, logged_in):
    """SQLite cannot even be asked about one (OverflowError): it names no record on either database, and costs no
    more statements than a page of no record."""
    client = logged_in("admin")
    engine = app.server.extensions["qcorner_db"].engine
    client.get("/applications")  # the session's first page (its CSRF secret written) out of the way
    with _Statements(engine) as other_page:
        assert client.get("/applications").status_code == 200
    for path in ("/applications/{n}", "/nnc/{n}", "/nnc/{n}/edit", "/complaints/{n}", "/profile/{n}",
                 "/handlers/{n}"):
        with _Statements(engine) as impossible:
            assert _document(client, path.format(n=2**63)) == 404, path
        assert impossible.count <= other_page.count, (path, impossible.count, other_page.count)


class _Statements:
    """How many SQL statements the requests inside the block send."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _record(self, *_args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def test_a_record_pages_document_costs_one_small_query_more_than_another_page(app, logged_in, records):
    client = logged_in("operator")
    engine = app.server.extensions["qcorner_db"].engine
    client.get("/applications")  # the session's first page (its CSRF secret written) out of the way
    with _Statements(engine) as other_page:
        assert client.get("/applications").status_code == 200
    with _Statements(engine) as record_page:
        assert client.get(f"/applications/{records['own_application']}").status_code == 200
    with _Statements(engine) as missing:
        assert client.get(f"/applications/{MISSING}").status_code == 404
    assert record_page.count == missing.count == other_page.count + 1


def test_the_record_is_checked_only_for_a_record_pages_document(app, logged_in, records, monkeypatch):
    """Not for another page, nor on Dash's own routes (the page's callback reads the record there, as before)."""
    checked = []
    original = Page.check_record
    monkeypatch.setattr(Page, "check_record", lambda page, *a, **k: checked.append(page.key) or original(page, *a, **k))
    client = logged_in("operator")
    client.get("/applications")
    client.get("/_dash-layout")
    client.get("/_dash-dependencies")
    dash_callback(client, "application-detail-body.children",
                  inputs=[{"id": "application-detail-id", "property": "data", "value": MISSING}])
    assert checked == []
    client.get(f"/applications/{MISSING}")
    assert checked == ["application-detail"]
