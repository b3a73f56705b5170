"""Complaints: categories with their own deadlines, the first-response deadline, the field-check flag (issue #15).

Existing complaints get a first-response due date (3 working days after receipt); those already past `new` count
as first-responded at their first recorded status change (else when answered, else their last update). Open
complaints have their answer due date recomputed by category (officer conduct 14 working days, the rest 5);
answered and closed ones keep the date they were held to. The day counts are the defaults of DOMAIN.md, frozen
here: a migration must not change meaning when the settings do.

Revision ID: 0013c
Revises: 0012s
"""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import models.base
from portal.domain.working_days import WorkingCalendar, add_working_days

revision = "0013c"
down_revision = "0012s"
branch_labels = None
depends_on = None

FIRST_RESPONSE_DAYS = 3
ANSWER_DAYS = {"officer_conduct": 14}
DEFAULT_ANSWER_DAYS = 5

complaints = sa.table(
    "complaints", sa.column("id", sa.Integer), sa.column("office_id", sa.Integer), sa.column("status", sa.String),
    sa.column("category", sa.String), sa.column("received_at", models.base.UTCDateTime(timezone=True)),
    sa.column("answered_at", models.base.UTCDateTime(timezone=True)),
    sa.column("updated_at", models.base.UTCDateTime(timezone=True)), sa.column("due_date", sa.Date),
    sa.column("first_response_due", sa.Date),
    sa.column("first_response_at", models.base.UTCDateTime(timezone=True)))
events = sa.table("complaint_events", sa.column("complaint_id", sa.Integer), sa.column("id", sa.Integer),
                  sa.column("at", models.base.UTCDateTime(timezone=True)), sa.column("action", sa.String),
                  sa.column("after", sa.JSON))
offices = sa.table("offices", sa.column("id", sa.Integer), sa.column("timezone", sa.String))
calendar_days = sa.table("office_calendar_days", sa.column("office_id", sa.Integer), sa.column("day", sa.Date),
                         sa.column("working", sa.Boolean))


def _first_status_change(rows) -> datetime | None:
    for at, after in rows:
        after = json.loads(after) if isinstance(after, str) else after
        if isinstance(after, dict) and after.get("status") not in (None, "new"):
            return at
    return None


def upgrade() -> None:
    # Plain ADD COLUMNs, never a batch table copy: on SQLite the copy drops `complaints`, and its ON DELETE CASCADE
    # children (the history, the attachments) would go with it. So the new NOT NULL date starts from a placeholder
    # default, every row is filled below, and PostgreSQL then drops the default (SQLite keeps it, never used).
    op.add_column("complaints", sa.Column("first_response_due", sa.Date(), nullable=False,
                                          server_default=sa.text("'2000-01-01'")))
    op.add_column("complaints", sa.Column("first_response_at", models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("needs_field_check", sa.Boolean(), server_default=sa.false(),
                                          nullable=False))

    bind = op.get_bind()
    zones = {office_id: zone or "Asia/Jakarta" for office_id, zone in bind.execute(
        sa.select(offices.c.id, offices.c.timezone))}
    edits: dict[int, tuple[list, list]] = {}
    for office_id, day, working in bind.execute(sa.select(calendar_days.c.office_id, calendar_days.c.day,
                                                          calendar_days.c.working)):
        edits.setdefault(office_id, ([], []))[1 if working else 0].append(day)
    # Each office's own calendar (0011w): the decree's days plus its additions and removals.
    calendars = {office_id: WorkingCalendar.of(*edits.get(office_id, ((), ()))) for office_id in zones}
    rows = bind.execute(sa.select(complaints.c.id, complaints.c.office_id, complaints.c.status,
                                  complaints.c.category, complaints.c.received_at, complaints.c.answered_at,
                                  complaints.c.updated_at)).all()
    for complaint_id, office_id, status, category, received_at, answered_at, updated_at in rows:
        received = received_at.astimezone(ZoneInfo(zones.get(office_id, "Asia/Jakarta"))).date()
        calendar = calendars.get(office_id, WorkingCalendar())
        values = {"first_response_due": add_working_days(received, FIRST_RESPONSE_DAYS, calendar)}
        if status != "new":
            changes = bind.execute(sa.select(events.c.at, events.c.after).where(
                events.c.complaint_id == complaint_id, events.c.action == "updated")
                .order_by(events.c.at, events.c.id)).all()
            values["first_response_at"] = _first_status_change(changes) or answered_at or updated_at
        if status in ("new", "in_progress"):
            values["due_date"] = add_working_days(received, ANSWER_DAYS.get(category, DEFAULT_ANSWER_DAYS), calendar)
        bind.execute(complaints.update().where(complaints.c.id == complaint_id).values(**values))

    if bind.dialect.name != "sqlite":
        op.alter_column("complaints", "first_response_due", existing_type=sa.Date(), server_default=None)


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place, so again no table copy.
    for column in ("needs_field_check", "first_response_at", "first_response_due"):
        op.drop_column("complaints", column)
