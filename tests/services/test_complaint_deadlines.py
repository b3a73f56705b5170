"""SP4N-LAPOR!'s deadlines (DOMAIN.md): the answer due by category, the first response in 3 working days, and a
complaint that needs a field check given 60. Expected dates are counted by hand on the 2026 calendar."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import AuditLog, Complaint, ComplaintEvent
from portal.services import complaints
from portal.settings import load_settings
from portal.validation import Forbidden
from support.web import save_complaint
from test_complaints import Actor

WIB = timezone(timedelta(hours=7))
# Thursday 5 Nov 2026: no holiday or cuti bersama in November 2026.
NOV_5 = date(2026, 11, 5)


@pytest.fixture
def operator(make_user):
    created = make_user("petugas_batas", "operator")
    return Actor(created["id"], "petugas_batas", "operator")


def _record(session, actor, category="service", received=datetime(2026, 11, 5, 10, 0, tzinfo=WIB)):
    return complaints.create(session, actor, {
        "channel": "lapor", "category": category, "subject": "Laporan SP4N-LAPOR!", "text": "Mohon ditindaklanjuti.",
        "received_at": received}, source="officer")


@pytest.mark.parametrize(("category", "due"), [
    # Fri 6, Mon 9, Tue 10, Wed 11, Thu 12.
    ("information_request", date(2026, 11, 12)),
    ("service", date(2026, 11, 12)),
    ("tariff", date(2026, 11, 12)),
    ("other", date(2026, 11, 12)),
    # 6, 9–13, 16–20, 23–25: the fourteenth working day is Wed 25 Nov.
    ("officer_conduct", date(2026, 11, 25)),
])
def test_each_category_has_its_own_answer_due_date_and_the_first_response_is_due_in_three(session, category, due):
    assert complaints.deadlines(session, NOV_5, category) == {"first_response_due": date(2026, 11, 10),
                                                               "due_date": due}


def test_a_field_check_gives_sixty_working_days_across_independence_day_and_maulid(session):
    # From Mon 6 Jul 2026: July 19 days, August 19 (17 Aug and 25 Aug are holidays), September 1–25 gives 19 more
    # (57), then 28, 29, 30 → Wed 30 Sep.
    assert complaints.deadlines(session, date(2026, 7, 6), "service", needs_field_check=True)["due_date"] == \
        date(2026, 9, 30)


def test_the_days_are_settings(session):
    settings = load_settings(complaint_due_tariff=2, complaint_first_response_working_days=1)
    assert complaints.deadlines(session, NOV_5, "tariff", settings=settings) == {
        "first_response_due": date(2026, 11, 6), "due_date": date(2026, 11, 9)}


def test_a_recorded_complaint_keeps_both_due_dates(session, operator):
    created = _record(session, operator, "officer_conduct")
    complaint = session.get(Complaint, created["id"])
    assert (complaint.first_response_due, complaint.due_date) == (date(2026, 11, 10), date(2026, 11, 25))
    assert complaint.needs_field_check is False and complaint.first_response_at is None


def test_marking_a_field_check_moves_the_due_date_and_is_audited(session, operator):
    created = _record(session, operator, received=datetime(2026, 7, 6, 9, 0, tzinfo=WIB))
    complaints.update(session, operator, created["id"], {"needs_field_check": True})
    complaint = session.get(Complaint, created["id"])
    assert complaint.needs_field_check is True and complaint.due_date == date(2026, 9, 30)
    event = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == created["id"],
                                                         ComplaintEvent.action == "updated")).one()
    assert event.before == {"needs_field_check": False, "due_date": "2026-07-13"}
    assert event.after == {"needs_field_check": True, "due_date": "2026-09-30"}
    assert session.scalar(select(AuditLog.username).where(AuditLog.action == "complaint_updated")) == "petugas_batas"
    # Unmarked, the category's 5 working days count again: 7, 8, 9, 10, 13 Jul.
    complaints.update(session, operator, created["id"], {"needs_field_check": False})
    assert session.get(Complaint, created["id"]).due_date == date(2026, 7, 13)


def test_changing_the_category_moves_the_due_date_from_the_day_received(session, operator):
    created = _record(session, operator, "service")
    complaints.update(session, operator, created["id"], {"category": "officer_conduct"})
    assert session.get(Complaint, created["id"]).due_date == date(2026, 11, 25)


def test_taking_a_complaint_up_is_its_first_response(session, operator):
    created = _record(session, operator)
    complaints.update(session, operator, created["id"], {"status": "in_progress"})
    first = session.get(Complaint, created["id"]).first_response_at
    assert first is not None
    complaints.update(session, operator, created["id"], {"status": "answered", "answer": "Sudah ditindak."})
    assert session.get(Complaint, created["id"]).first_response_at == first


def test_late_first_responses_are_counted_on_the_kpi_panel(session, operator):
    on_time, late, silent = (_record(session, operator) for _ in range(3))
    not_yet_due = _record(session, operator, received=datetime(2026, 11, 9, 10, 0, tzinfo=WIB))  # due Thu 12 Nov
    # Due Tue 10 Nov: taken up at 16:00 WIB that day is on time; at 01:00 WIB on the 11th (still the 10th in UTC)
    # is late, because the day counts in the office's zone.
    session.get(Complaint, on_time["id"]).first_response_at = datetime(2026, 11, 10, 16, 0, tzinfo=WIB)
    session.get(Complaint, late["id"]).first_response_at = datetime(2026, 11, 11, 1, 0, tzinfo=WIB)
    for taken_up in (on_time, late):
        session.get(Complaint, taken_up["id"]).status = "in_progress"
    session.flush()
    start = datetime(2026, 11, 1, tzinfo=WIB)
    figures = complaints.kpi_figures(session, 1, start, start + timedelta(days=30), date(2026, 11, 11), "Asia/Jakarta")
    assert (figures["first_response_on_time"], figures["first_response_late"]) == (1, 2)
    # The list marks the same (its "today" is the real one, long after these due dates).
    rows = {row["id"]: row["first_response_late"] for row in complaints.search(
        session, operator, tz="Asia/Jakarta")["rows"]}
    assert (rows[on_time["id"]], rows[late["id"]], rows[silent["id"]]) == (False, True, True)


def test_a_head_may_not_mark_a_field_check(session, operator, make_user):
    head = make_user("kepala_batas", "head")
    created = _record(session, operator)
    with pytest.raises(Forbidden):
        complaints.update(session, Actor(head["id"], "kepala_batas", "head"), created["id"],
                          {"needs_field_check": True})
    assert session.get(Complaint, created["id"]).needs_field_check is False


def _act_key(app):
    return next(k for k in app.callback_map if "complaint-refresh.data" in k and "complaint-alert.children" in k)


def _act(client, app, complaint_id, status, answer, field_check):
    return save_complaint(client, _act_key(app), complaint_id, status, answer, field_check=field_check,
                          opened={"version": 1, "values": {}})  # as recorded


def test_a_refused_save_keeps_what_the_officer_typed_and_changes_nothing(app, database, logged_in, operator):
    with database.session() as session:
        created = _record(session, operator)
    client = logged_in("operator")
    # "Answered" without an answer is refused: the form's values are not outputs, so the ticked box and the chosen
    # status stay as typed, and the flag is not saved.
    response = _act(client, app, created["id"], "answered", "", True)
    assert response.status_code == 200
    outputs = response.get_json()["response"]
    assert all("value" not in outputs.get(f"complaint-{name}", {})
               for name in ("needs_field_check", "status", "category", "answer"))
    assert outputs["complaint-answer"]["invalid"] is True
    with database.session() as session:
        assert session.get(Complaint, created["id"]).needs_field_check is False
    response = _act(client, app, created["id"], "in_progress", "", True)
    assert response.get_json()["response"]["complaint-alert"]["color"] == "success"
    with database.session() as session:
        complaint = session.get(Complaint, created["id"])
        assert complaint.needs_field_check is True and complaint.first_response_at is not None


def test_a_head_cannot_call_the_save_callback(app, database, logged_in, operator):
    with database.session() as session:
        created = _record(session, operator)
    assert _act(logged_in("head"), app, created["id"], "in_progress", "", True).status_code == 403


def test_the_migration_gives_existing_complaints_their_deadlines(tmp_path):
    """On a scratch SQLite file: complaints recorded before 0013c get a first-response due date, a first response
    when already taken up, and (while open) the answer due date of their category."""
    import sqlalchemy as sa
    from alembic import command

    import models.base
    from portal.db import make_engine
    from portal.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0012s")
    engine = make_engine(url)
    moment = models.base.UTCDateTime(timezone=True)
    table = sa.table("complaints", *(sa.column(name) for name in (
        "id", "office_id", "tracking_code", "channel", "category", "subject", "text", "status", "due_date")),
        sa.column("received_at", moment), sa.column("updated_at", moment), sa.column("answered_at", moment))
    events = sa.table("complaint_events", sa.column("id"), sa.column("complaint_id"), sa.column("action"),
                      sa.column("at", moment), sa.column("after", sa.JSON))
    received = datetime(2026, 11, 5, 10, 0, tzinfo=WIB)
    taken_up = datetime(2026, 11, 6, 9, 0, tzinfo=WIB)
    with engine.begin() as connection:
        office = connection.execute(sa.text("SELECT id FROM offices")).scalar()
        for number, (category, status) in enumerate((("officer_conduct", "new"), ("service", "answered")), 1):
            connection.execute(table.insert().values(
                id=number, office_id=office, tracking_code=f"PGD-MIGR-{number}", channel="lapor", category=category,
                subject="Lama", text="Lama", status=status, due_date=date(2026, 11, 12), received_at=received,
                updated_at=received + timedelta(days=3), answered_at=received + timedelta(days=2)
                if status == "answered" else None))
        connection.execute(events.insert().values(id=1, complaint_id=2, action="updated", at=taken_up,
                                                  after={"status": "in_progress"}))
    command.upgrade(config, "0013c")
    rows = {row.id: row for row in engine.connect().execute(sa.select(
        sa.table("complaints", sa.column("id"), sa.column("due_date", sa.Date), sa.column("first_response_due", sa.Date),
                 sa.column("first_response_at", moment), sa.column("needs_field_check", sa.Boolean)))).all()}
    # The history survives: a table copy on SQLite would have cascaded its rows away.
    history = engine.connect().execute(sa.text("SELECT count(*) FROM complaint_events")).scalar()
    engine.dispose()
    assert history == 1
    # Open officer-conduct complaint: 14 working days now (25 Nov); nothing answered, no first response yet.
    assert (rows[1].due_date, rows[1].first_response_due, rows[1].first_response_at) == \
        (date(2026, 11, 25), date(2026, 11, 10), None)
    # Answered one keeps the date it was held to; its first response is its first status change.
    assert (rows[2].due_date, rows[2].first_response_at, rows[2].needs_field_check) == \
        (date(2026, 11, 12), taken_up, False)
