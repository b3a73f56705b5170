"""The office's working-day calendar: days an admin adds or works move due dates, audited, admins only.
Expected dates are counted by hand on the 2026 joint decree's calendar (see tests/unit/test_domain_working_days.py)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from models import AuditLog, Complaint, ComplaintEvent, OfficeCalendarDay
from portal.services import complaints
from portal.services import working_calendar as calendar
from portal.validation import Forbidden, InvalidInput

OFFICE = 1  # the seeded office 0300 (Asia/Jakarta)


class Actor:
    def __init__(self, id, username, role, office_id=OFFICE):
        self.id, self.username, self.role, self.office_id = id, username, role, office_id
        self.service_user_ids = ()


@pytest.fixture
def admin(make_user):
    return Actor(make_user("admin_kalender", "admin")["id"], "admin_kalender", "admin")


def test_a_day_the_admin_adds_moves_the_due_date_and_is_audited(session, admin):
    # Wed 13 May 2026: Thu 14 Ascension, Fri 15 cuti bersama; Mon 18 … Fri 22. With Mon 18 added: Mon 25.
    assert complaints.due_date_for(session, date(2026, 5, 13), office_id=OFFICE) == date(2026, 5, 22)
    result = calendar.add_day(session, admin, OFFICE, date(2026, 5, 18), "Hari jadi kota")
    session.commit()
    assert result["change"] == "added" and result["working"] is False
    assert complaints.due_date_for(session, date(2026, 5, 13), office_id=OFFICE) == date(2026, 5, 25)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "calendar_day_off"))
    assert entry.username == "admin_kalender" and entry.object_id == "0300:2026-05-18"
    assert entry.before == {"working": True} and entry.after["reason"] == "Hari jadi kota"
    listed = {d["day"]: d for d in calendar.year_days(session, admin, OFFICE, 2026)}
    assert listed[date(2026, 5, 18)]["source"] == "added" and listed[date(2026, 5, 18)]["by"] == "admin_kalender"
    assert listed[date(2026, 5, 15)]["source"] == "government" and listed[date(2026, 5, 14)]["source"] == "public"


def test_a_removed_holiday_becomes_a_working_day(session, admin):
    # Tue 17 Mar 2026 → Tue 31 Mar; the office works Tue 24 Mar (cuti bersama): Tue 24, 25, 26, 27, Mon 30.
    assert complaints.due_date_for(session, date(2026, 3, 17), office_id=OFFICE) == date(2026, 3, 31)
    calendar.remove_day(session, admin, OFFICE, date(2026, 3, 24), "Layanan ekspor tetap buka")
    session.commit()
    assert complaints.due_date_for(session, date(2026, 3, 17), office_id=OFFICE) == date(2026, 3, 30)
    listed = {d["day"]: d for d in calendar.year_days(session, admin, OFFICE, 2026)}
    assert listed[date(2026, 3, 24)]["source"] == "worked" and listed[date(2026, 3, 24)]["listed_as"] == "government"
    # Adding it back gives the national calendar back: the edit is gone, the due date is 31 Mar again.
    assert calendar.add_day(session, admin, OFFICE, date(2026, 3, 24), "Keputusan dibatalkan")["change"] == \
        "holiday_restored"
    session.commit()
    assert session.scalar(select(OfficeCalendarDay.id)) is None
    assert complaints.due_date_for(session, date(2026, 3, 17), office_id=OFFICE) == date(2026, 3, 31)


def test_another_office_keeps_the_national_calendar(session, admin):
    calendar.add_day(session, admin, OFFICE, date(2026, 5, 18), "Hari jadi kota")
    session.commit()
    assert complaints.due_date_for(session, date(2026, 5, 13), office_id=None) == date(2026, 5, 22)


def test_open_complaints_spanning_the_day_keep_their_count_of_working_days(session, admin, make_user):
    operator = Actor(make_user("petugas_kal", "operator")["id"], "petugas_kal", "operator")
    received = datetime(2026, 5, 13, 3, 0, tzinfo=timezone.utc)  # Wed 13 May, 10:00 in Jakarta
    created = complaints.create(session, operator, {
        "channel": "phone", "category": "service", "subject": "Antrean", "text": "Lama sekali.",
        "received_at": received}, source="officer")
    later = complaints.create(session, operator, {
        "channel": "phone", "category": "service", "subject": "Antrean", "text": "Lagi.",
        "received_at": datetime(2026, 5, 19, 3, 0, tzinfo=timezone.utc)}, source="officer")
    session.commit()
    due_before = session.get(Complaint, created["id"]).due_date
    later_due = session.get(Complaint, later["id"]).due_date
    result = calendar.add_day(session, admin, OFFICE, date(2026, 5, 18), "Hari jadi kota")
    session.commit()
    # Each moves one working day: received 13 May, due 22 May → 25 May; one received after the day stays.
    assert result["complaints_moved"] == 1
    assert (due_before, session.get(Complaint, created["id"]).due_date) == (date(2026, 5, 22), date(2026, 5, 25))
    assert session.get(Complaint, later["id"]).due_date == later_due
    event = session.scalar(select(ComplaintEvent).where(ComplaintEvent.action == "due_date_moved"))
    assert (event.complaint_id, event.username) == (created["id"], "admin_kalender")
    # Its first response (3 working days: Mon 18, Tue 19, Wed 20 May) moves too: Tue 19, Wed 20, Thu 21 May.
    assert event.before == {"due_date": "2026-05-22", "first_response_due": "2026-05-20"}
    assert (event.after["due_date"], event.after["first_response_due"]) == ("2026-05-25", "2026-05-21")
    assert session.get(Complaint, created["id"]).first_response_due == date(2026, 5, 21)


def test_edits_are_refused_without_a_reason_on_a_day_already_so_or_to_a_non_admin(session, admin, make_user):
    with pytest.raises(InvalidInput) as error:
        calendar.add_day(session, admin, OFFICE, date(2026, 3, 20), " ")
    assert set(error.value.errors) == {"reason"}
    with pytest.raises(InvalidInput) as error:
        calendar.add_day(session, admin, OFFICE, date(2026, 3, 20), "sudah libur")
    assert error.value.errors["day"][0] == "calendar.error.already_off"
    with pytest.raises(InvalidInput) as error:
        calendar.remove_day(session, admin, OFFICE, date(2026, 3, 25), "sudah hari kerja")
    assert error.value.errors["day"][0] == "calendar.error.already_working"
    with pytest.raises(InvalidInput) as error:
        calendar.remove_day(session, admin, OFFICE, date(2026, 3, 21), "Sabtu")
    assert error.value.errors["day"][0] == "calendar.error.weekend"
    head = Actor(make_user("kepala_kal", "head")["id"], "kepala_kal", "head")
    with pytest.raises(Forbidden):
        calendar.add_day(session, head, OFFICE, date(2026, 5, 18), "Hari jadi kota")
    session.rollback()
    assert session.scalar(select(OfficeCalendarDay.id)) is None
    assert session.scalar(select(AuditLog.id).where(AuditLog.action.like("calendar_%"))) is None


# ------------------------------------------------------------------------------------------------ CLI
def _cli(database_url, monkeypatch, *arguments):
    from click.testing import CliRunner

    from portal.cli.main import main

    monkeypatch.setenv("QCORNER_DATABASE_URL", database_url)
    return CliRunner().invoke(main, ["calendar", *arguments])


def test_cli_lists_adds_and_removes_days_audited(database_url, monkeypatch, session):
    listed = _cli(database_url, monkeypatch, "list", "--year", "2026")
    assert listed.exit_code == 0, listed.output
    assert "2026-03-23 Mon  government Eid al-Fitr Joint Holiday" in listed.output
    added = _cli(database_url, monkeypatch, "add", "2026-05-18", "--reason", "Hari jadi kota", "--user", "ops")
    assert added.exit_code == 0, added.output
    assert "2026-05-18: non-working day (added)" in added.output
    worked = _cli(database_url, monkeypatch, "remove", "2026-12-24", "--reason", "Layanan tetap buka")
    assert worked.exit_code == 0, worked.output
    import json

    rows = {row["day"]: row for row in json.loads(_cli(database_url, monkeypatch, "list", "--year", "2026",
                                                       "--json").output)}
    assert (rows["2026-05-18"]["source"], rows["2026-05-18"]["by"]) == ("added", "ops")
    assert (rows["2026-12-24"]["source"], rows["2026-12-24"]["listed_as"]) == ("worked", "government")
    # Mon 21 Dec 2026 with Thu 24 Dec worked: Tue 22, Wed 23, Thu 24, Mon 28, Tue 29 (Fri 25 Christmas).
    assert complaints.due_date_for(session, date(2026, 12, 21), office_id=OFFICE) == date(2026, 12, 29)
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "office_calendar_day")
                              .order_by(AuditLog.id)).all()
    assert actions == ["calendar_day_off", "calendar_day_working"]


def test_cli_refuses_an_edit_without_effect_and_writes_nothing(database_url, monkeypatch, session):
    refused = _cli(database_url, monkeypatch, "add", "2026-03-20", "--reason", "sudah libur")
    assert refused.exit_code == 2 and "sudah hari libur" in refused.output
    assert session.scalar(select(OfficeCalendarDay.id)) is None
