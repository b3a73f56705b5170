"""Admin › Working-day calendar: the year's days with their source, an edit through the page (audited, due dates
follow), and the page and its callbacks refused to every other role."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from support.web import dash_callback, login, logout
from models import AuditLog, OfficeCalendarDay
from portal.i18n import t
from portal.security.access import callback_permissions

OFFICE = 1


def _key(app, fragment: str) -> str:
    return next(key for key in callback_permissions(app) if fragment in key)


def _show(app, client, year=2026, button=None, day=None, reason=None):
    inputs = [{"id": "admin-calendar-office", "property": "value", "value": OFFICE},
              {"id": "admin-calendar-year", "property": "value", "value": year},
              {"id": "admin-calendar-add", "property": "n_clicks", "value": 1 if button == "add" else None},
              {"id": "admin-calendar-remove", "property": "n_clicks", "value": 1 if button == "remove" else None}]
    state = [{"id": "admin-calendar-day", "property": "value", "value": day},
             {"id": "admin-calendar-reason", "property": "value", "value": reason}]
    return dash_callback(client, _key(app, "admin-calendar-table.children"), inputs=inputs, state=state,
                         changed=[f"admin-calendar-{button}.n_clicks"] if button else [])


def test_the_year_lists_national_holidays_and_cuti_bersama_with_their_source(app, logged_in):
    response = _show(app, logged_in("admin"))
    assert response.status_code == 200
    body = response.json["response"]
    text = str(body["admin-calendar-table"]["children"])
    assert "Cuti Bersama Hari Raya Idul Fitri" in text and "Cuti bersama" in text and "Libur nasional" in text
    assert body["admin-calendar-table-title"]["children"] == "Hari libur 2026 (selain Sabtu dan Minggu biasa)"


def test_an_english_reader_sees_cuti_bersama_as_collective_leave_day(app, client, make_user):
    """The badge read "Cuti bersama" in English next to a translated "National holiday"."""
    make_user("admin_kal_en", "admin", language="en")
    assert login(client, "admin_kal_en").status_code == 302
    text = str(_show(app, client).json["response"]["admin-calendar-table"]["children"])
    assert "Collective leave day" in text and "National holiday" in text
    assert "Cuti bersama" not in text
    assert "collective leave days" in t("admin_calendar.subtitle", language="en")  # the page's intro says it too


def test_the_admin_adds_a_day_off_through_the_page(app, logged_in, session):
    client = logged_in("admin", username="admin_kal")
    body = _show(app, client, button="add", day="2026-05-18", reason="Hari jadi kota").json["response"]
    assert body["admin-calendar-result"]["color"] == "success"
    assert "18 Mei 2026" in body["admin-calendar-result"]["children"]
    assert "Ditambah kantor" in str(body["admin-calendar-table"]["children"])
    edit = session.scalar(select(OfficeCalendarDay))
    assert (edit.office_id, edit.day, edit.working, edit.created_by) == (OFFICE, date(2026, 5, 18), False, "admin_kal")
    assert session.scalar(select(AuditLog.username).where(AuditLog.action == "calendar_day_off")) == "admin_kal"


def test_a_refused_edit_names_each_field_and_writes_nothing(app, logged_in, session):
    body = _show(app, logged_in("admin"), button="remove", day=None, reason="").json["response"]
    assert body["admin-calendar-result"]["color"] == "danger"
    assert body["admin-calendar-day"]["invalid"] is True and body["admin-calendar-reason"]["invalid"] is True
    assert body["admin-calendar-reason-error"]["children"] == "Tuliskan alasannya."
    assert session.scalar(select(OfficeCalendarDay.id)) is None


def test_the_offices_choice_starts_at_the_admin_s_office(app, logged_in):
    response = dash_callback(logged_in("admin"), _key(app, "admin-calendar-office.options"),
                             inputs=[{"id": "admin-calendar-load", "property": "data", "value": 0}])
    body = response.json["response"]
    assert body["admin-calendar-office"]["value"] == OFFICE
    assert OFFICE in [o["value"] for o in body["admin-calendar-office"]["options"]]


def test_every_other_role_is_refused_the_page_and_its_edits(app, client, logged_in, session):
    for role in ("operator", "head", "enforcement", "coordinator", "service_user"):
        logout(client)
        logged_in(role)
        assert client.get("/admin/calendar").status_code == 403
        assert _show(app, client, button="add", day="2026-05-18", reason="x").status_code == 403
    assert session.scalar(select(OfficeCalendarDay.id)) is None
