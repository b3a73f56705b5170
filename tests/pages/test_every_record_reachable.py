"""Lists that grow are paged in the database and every record is reachable: correction requests, a service user's
complaints, the accounts, the tier-D guidance list — each with its pager, a page's size, the total and the last record
on the last page (an audit found each stopping at its first page, or loading everything)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from support.compliance_data import AS_OF, build_ranked_office, clock_at_as_of
from support.factories import gen_application, gen_certificate, gen_service_user
from support.hostile import find_key
from support.portal_helpers import company_viewer, link_account
from support.web import dash_callback, login, pager_body, pager_state
from portal.services import complaints, corrections, users
from portal.services.compliance import guidance

NOW = datetime.now(timezone.utc).replace(microsecond=0)
LONG = ("Petugas di loket meminta biaya tambahan di luar tagihan PNBP untuk mempercepat pemeriksaan. "
        "Kami menolak dan pemeriksaan baru dilakukan dua hari kemudian; mohon ditindaklanjuti.")


class Statements:
    """The SQL statements a block sends (SELECTs and the rest), to show a list reads a page in a fixed few."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.sent.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def _paged(app, client, output: str, inputs: list[tuple[str, str, object]], prefix: str, page: int = 0,
           clicked: str | None = None, changed: str | None = None, typed=None, pages: int | None = None) -> dict:
    """A paged list's callback as the browser calls it: its own inputs, the pager's buttons and stored page (and the
    page count of its last answer); a button `clicked`, a page number `typed`, an input `changed` ("id.property"),
    or none (the page's first load)."""
    body = [{"id": i, "property": p, "value": v} for i, p, v in inputs]
    body += [*pager_body(prefix, clicked, typed)]
    if typed is not None:
        changed = f"{prefix}-goto.value"
    response = dash_callback(client, find_key(app, output), inputs=body,
                             state=pager_state(f"{prefix}-page", page, pages),
                             changed=[f"{prefix}-{clicked}.n_clicks"] if clicked else [changed] if changed else [])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.json["response"]


# ------------------------------------------------------------------------------------ correction requests
@pytest.fixture
def twenty_six_requests(session, make_user):
    """26 open correction requests of one office: more than the page of 20 the service returns."""
    make_user("pengguna_koreksi", "service_user")
    company = gen_service_user(session, name="PT Koreksi Banyak")
    link_account(session, "pengguna_koreksi", company, NOW - timedelta(days=3))
    application = gen_application(session, company, submitted_at=NOW - timedelta(hours=3), step=timedelta(minutes=5),
                                  stages=("submitted", "verified", "inspected", "draft_certificate"))
    gen_certificate(session, application, issued_at=NOW - timedelta(minutes=90))
    session.commit()
    me = company_viewer(session, "pengguna_koreksi")
    made = [corrections.create_request(session, me, application.id, "consignee", f"Masalah nomor {n:02d}", "Benar")
            for n in range(26)]
    session.commit()
    return made


def test_correction_requests_past_the_first_twenty_are_reached_with_the_pager(app, logged_in, twenty_six_requests):
    client = logged_in("operator")
    inputs = [("corrections-status", "value", "open"), ("corrections-refresh", "data", 0)]
    first = _paged(app, client, "corrections-list.children", inputs, "corrections")
    cards = json.dumps(first["corrections-list"]["children"], ensure_ascii=False)
    assert cards.count("Masalah nomor") == 20 and "Masalah nomor 00" in cards  # oldest open first
    assert first["corrections-count"]["children"] == "Menampilkan 1–20 dari 26"
    assert first["corrections-next"]["disabled"] is False and first["corrections-prev"]["disabled"] is True
    assert first["shell-badge-corrections"]["children"] == "26"

    last = _paged(app, client, "corrections-list.children", inputs, "corrections", page=0, clicked="next")
    cards = json.dumps(last["corrections-list"]["children"], ensure_ascii=False)
    assert cards.count("Masalah nomor") == 6 and "Masalah nomor 25" in cards  # the 26th, on the last page
    assert last["corrections-count"]["children"] == "Menampilkan 21–26 dari 26"
    assert last["corrections-next"]["disabled"] is True and last["corrections-page"]["data"] == 1


def test_a_page_number_typed_or_the_last_and_first_buttons_reach_that_page(app, logged_in, twenty_six_requests):
    """A forwarder's 541 pages were reached with "Berikutnya" one at a time: the pager takes a page number and has
    both ends."""
    client = logged_in("operator")
    inputs = [("corrections-status", "value", "open"), ("corrections-refresh", "data", 0)]
    first = _paged(app, client, "corrections-list.children", inputs, "corrections")
    assert first["corrections-pages"]["children"] == "dari 2" and first["corrections-goto"]["value"] == 1
    assert first["corrections-page-count"]["data"] == 2  # kept for the next answer
    assert first["corrections-first"]["disabled"] is True and first["corrections-last"]["disabled"] is False

    # The last page, its number known from the answer before: asked for directly, in as few statements as a first
    # page; not known (an old tab), past the end and then the last.
    engine = app.server.extensions["qcorner_db"].engine  # the app's own, which the callbacks query
    with Statements(engine) as known:
        last = _paged(app, client, "corrections-list.children", inputs, "corrections", clicked="last", pages=2)
    assert last["corrections-page"]["data"] == 1 and last["corrections-goto"]["value"] == 2
    assert last["corrections-count"]["children"] == "Menampilkan 21–26 dari 26"
    assert last["corrections-last"]["disabled"] is True and last["corrections-first"]["disabled"] is False
    with Statements(engine) as unknown:
        blind = _paged(app, client, "corrections-list.children", inputs, "corrections", clicked="last")
    assert blind["corrections-page"]["data"] == 1 and len(unknown.sent) > len(known.sent)

    again = _paged(app, client, "corrections-list.children", inputs, "corrections", page=1, clicked="first")
    assert again["corrections-page"]["data"] == 0
    assert again["corrections-count"]["children"] == "Menampilkan 1–20 dari 26"

    typed = _paged(app, client, "corrections-list.children", inputs, "corrections", typed=2, pages=2)
    assert typed["corrections-page"]["data"] == 1 and "Masalah nomor 25" in json.dumps(typed["corrections-list"])
    for past in (541, 1e9, 10 ** 30):  # the last page, known or not
        for pages in (2, None):
            beyond = _paged(app, client, "corrections-list.children", inputs, "corrections", typed=past, pages=pages)
            assert beyond["corrections-page"]["data"] == 1 and beyond["corrections-goto"]["value"] == 2
    for below in (0, -3):
        assert _paged(app, client, "corrections-list.children", inputs, "corrections", page=1,
                      typed=below)["corrections-page"]["data"] == 0
    assert _paged(app, client, "corrections-list.children", inputs, "corrections", page=0,
                  typed=2.5)["corrections-page"]["data"] == 1  # a fraction is its whole page
    cleared = _paged(app, client, "corrections-list.children", inputs, "corrections", page=1, typed="")
    assert cleared["corrections-page"]["data"] == 1  # an emptied field stays on the page shown


def test_a_changed_correction_filter_starts_again_at_page_one(app, logged_in, twenty_six_requests):
    client = logged_in("operator")
    inputs = [("corrections-status", "value", "all"), ("corrections-refresh", "data", 0)]
    body = _paged(app, client, "corrections-list.children", inputs, "corrections", page=1,
                  changed="corrections-status.value")
    assert body["corrections-page"]["data"] == 0
    assert body["corrections-count"]["children"] == "Menampilkan 1–20 dari 26"


# ------------------------------------------------------------------------------------ a service user's complaints
@pytest.fixture
def eleven_complaints(session, make_user, settings):
    """Eleven complaints sent by one service user (a page holds ten), the first with a long text."""
    make_user("pengadu_banyak", "service_user")
    company = gen_service_user(session, name="PT Pengadu Rajin")
    link_account(session, "pengadu_banyak", company, NOW - timedelta(days=5))
    session.commit()
    me = company_viewer(session, "pengadu_banyak")
    sent = [complaints.create(session, me, {"category": "service", "subject": f"Keluhan nomor {n:02d}",
                                            "text": LONG if n == 0 else f"Isi keluhan {n:02d}",
                                            "service_user_id": company.id}, source="portal", settings=settings)
            for n in range(11)]
    session.commit()
    return {"me": me, "sent": sent}


def test_my_complaints_are_paged_in_the_database_and_the_oldest_is_on_the_last_page(database, eleven_complaints):
    me = eleven_complaints["me"]
    with database.session() as db, Statements(database.engine) as statements:
        first = complaints.own_page(db, me, page=0)
    # The page in one query (and the total in another), whatever its length: no complaint's detail read per row.
    assert len(statements.sent) == 2
    assert (first["total"], len(first["rows"]), first["page_size"]) == (11, 10, 10)
    assert first["rows"][0]["subject"] == "Keluhan nomor 10"  # newest first
    with database.session() as db:
        last = complaints.own_page(db, me, page=1)
    assert [row["subject"] for row in last["rows"]] == ["Keluhan nomor 00"]
    oldest = last["rows"][0]
    # The list carries the first lines of the text, and says there is more.
    assert oldest["text_more"] is True and len(oldest["text"]) == 120 and LONG.startswith(oldest["text"])


def test_my_complaints_page_has_a_pager_and_opens_the_whole_text_of_one_on_a_tap(app, client, eleven_complaints):
    login(client, "pengadu_banyak")
    inputs = [("my-complaints-refresh", "data", 0)]
    first = _paged(app, client, "my-complaints-list.children", inputs, "my-complaints")
    text = json.dumps(first["my-complaints-list"]["children"], ensure_ascii=False)
    assert text.count("Keluhan nomor") == 10 and "Keluhan nomor 00" not in text
    assert first["my-complaints-count"]["children"] == "Menampilkan 1–10 dari 11"
    assert first["my-complaints-next"]["disabled"] is False

    last = _paged(app, client, "my-complaints-list.children", inputs, "my-complaints", page=0, clicked="next")
    text = json.dumps(last["my-complaints-list"]["children"], ensure_ascii=False)
    assert "Keluhan nomor 00" in text and "Baca selengkapnya" in text
    assert LONG not in text  # the list carries the first lines only
    assert last["my-complaints-next"]["disabled"] is True

    oldest = eleven_complaints["sent"][0]["id"]
    key = find_key(app, "my-complaints-full")
    this = {"index": oldest, "type": "my-complaints-more"}
    opened = client.post("/_dash-update-component", json={
        "output": key, "outputs": [{"id": {"index": oldest, "type": f"my-complaints-{part}"}, "property": prop}
                                   for part, prop in (("full", "children"), ("full", "hidden"), ("short", "hidden"),
                                                      ("more", "children"))],
        "inputs": [{"id": this, "property": "n_clicks", "value": 1}],
        "state": [{"id": {"index": oldest, "type": "my-complaints-full"}, "property": "children", "value": None}],
        "changedPropIds": [json.dumps(this, separators=(",", ":"), sort_keys=True) + ".n_clicks"]})
    assert opened.status_code == 200, opened.get_data(as_text=True)[:300]
    whole = json.dumps(opened.json["response"], ensure_ascii=False)
    assert LONG in whole and "Tutup" in whole


# ------------------------------------------------------------------------------------ accounts
def test_accounts_are_paged_in_the_database_with_the_last_reachable(session, make_user):
    for n in range(5):
        make_user(f"akun_halaman_{n}", "operator")
    first = users.list_users(session, search="akun_halaman", page=0, page_size=2)
    last = users.list_users(session, search="akun_halaman", page=2, page_size=2)
    assert (first["total"], len(first["rows"]), first["page_size"]) == (5, 2, 2)
    assert [row["username"] for row in first["rows"]] == ["akun_halaman_0", "akun_halaman_1"]
    assert [row["username"] for row in last["rows"]] == ["akun_halaman_4"]
    assert users.list_users(session, search="akun_halaman", role="admin")["total"] == 0  # the role filter in SQL


def test_the_accounts_page_has_a_pager(app, logged_in, make_user):
    client = logged_in("admin")
    make_user("akun_pager", "operator")
    body = _paged(app, client, "admin-users-grid.rowData",
                  [("admin-users-search", "value", "akun_pager"), ("admin-users-role-filter", "value", "all"),
                   ("admin-users-refresh", "data", 0)], "admin-users")
    assert [row["username"] for row in body["admin-users-grid"]["rowData"]] == ["akun_pager"]
    assert body["admin-users-count"]["children"] == "Menampilkan 1–1 dari 1"
    assert body["admin-users-next"]["disabled"] is True


# ------------------------------------------------------------------------------------ the tier-D guidance list
@pytest.fixture
def office(session):
    with clock_at_as_of():
        yield build_ranked_office(session)


def _reach(office):
    return {"office_id": office["office_id"], "section_scope": None}


def test_the_guidance_list_is_paged_with_the_last_company_on_the_last_page(session, office):
    with clock_at_as_of():
        whole = guidance.guidance_list(session, **_reach(office), as_of=AS_OF, page_size=100)
        total = whole["total"]
        assert total >= 2 and len(whole["rows"]) == total
        first = guidance.guidance_list(session, **_reach(office), as_of=AS_OF, page=0, page_size=1)
        last = guidance.guidance_list(session, **_reach(office), as_of=AS_OF, page=total - 1, page_size=1)
    assert (first["total"], len(first["rows"]), len(last["rows"])) == (total, 1, 1)
    assert first["rows"][0]["service_user_id"] == whole["rows"][0]["service_user_id"]
    assert last["rows"][0]["service_user_id"] == whole["rows"][-1]["service_user_id"]


def test_the_effects_of_a_pages_guidance_are_counted_in_one_query(database, session, office):
    """The same effect as one record's own count, for every record of the page, in one statement."""
    settings = guidance.current_settings(session)[1]
    plant, animal = (users.section_id_by_code(session, code) for code in ("plant", "animal"))
    records = [(n, office[name].id, given, section) for n, (name, given, section) in enumerate((
        ("beta", date(2025, 12, 1), None), ("gamma", date(2025, 10, 1), plant),
        ("beta", date(2025, 12, 1), animal), ("delta", AS_OF - timedelta(days=10), None)))]
    with Statements(database.engine) as statements:
        together = guidance.effects(session, records, tz="Asia/Jakarta", settings=settings, today=AS_OF)
    assert len(statements.sent) == 1
    for key, service_user_id, given, section in records:
        alone = guidance.effect(session, service_user_id, given, section_id=section, tz="Asia/Jakarta",
                                settings=settings, today=AS_OF)
        assert together[key] == alone, key
    assert together[3]["verdict"] == "pending" and together[0]["before"]["n"] == 7


def test_the_guidance_forms_company_search_finds_tier_d_companies_only(session, office):
    with clock_at_as_of():
        found = guidance.candidates(session, **_reach(office), text="beta")
        clean = guidance.candidates(session, **_reach(office), text="alpha")
    assert [row["id"] for row in found] == [office["beta"].id] and clean == []
