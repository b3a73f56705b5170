"""The office's working-day calendar: the national days off (holidays package) with the days an admin added or
removed, listed per year, edited with a reason and audited. Due dates are counted against `calendar_for`."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Office, OfficeCalendarDay
from portal import audit
from portal.domain.working_days import SATURDAY, WorkingCalendar, listed_holidays
from portal.security.scope import scope_of
from portal.services import complaints
from portal.services.office_calendar import calendar_for
from portal.validation import ErrorCollector, Forbidden, NotFound

PERMISSION = "admin.calendar"
REASON_MAX = 200


def _office(session: Session, actor, office_id: int | None) -> Office:
    scope = scope_of(actor)
    scope.require(PERMISSION)
    office = session.get(Office, office_id) if office_id is not None else None
    if office is None:
        raise NotFound("office")
    if not scope.sees_office(office.id):
        raise Forbidden("office")
    return office


def year_days(session: Session, actor, office_id: int, year: int, language: str = "id") -> list[dict[str, Any]]:
    """Every non-working day of the year besides weekends, and every listed holiday the office works, by date."""
    _office(session, actor, office_id)
    listed = listed_holidays(year, "en_US" if language == "en" else "id")
    edits = {row.day: row for row in session.scalars(
        select(OfficeCalendarDay).where(OfficeCalendarDay.office_id == office_id,
                                        OfficeCalendarDay.day >= date(year, 1, 1),
                                        OfficeCalendarDay.day <= date(year, 12, 31)))}
    days = []
    for day in sorted(set(listed) | set(edits)):
        category, name = listed.get(day, (None, None))
        edit = edits.get(day)
        source = ("worked" if edit.working else "added") if edit else category
        days.append({"day": day, "weekend": day.weekday() >= SATURDAY, "source": source, "listed_as": category,
                     "name": name, "working": bool(edit and edit.working),
                     "reason": edit.reason if edit else None, "by": edit.created_by if edit else None,
                     "at": edit.created_at if edit else None})
    return days


def _set_day(session: Session, actor, office_id: int, day: date, reason: str | None, working: bool) -> dict[str, Any]:
    """Make `day` a working day of the office or not. An existing edit of the day is undone (the national calendar
    applies again); otherwise a new edit is kept with its reason. Refused whole when the day already is so."""
    office = _office(session, actor, office_id)
    reason = (reason or "").strip()
    errors = ErrorCollector()
    if not isinstance(day, date):
        errors.add("day", "calendar.error.day")
    if not reason:
        errors.add("reason", "calendar.error.reason")
    elif len(reason) > REASON_MAX:
        errors.add("reason", "calendar.error.reason_too_long", max=REASON_MAX, length=len(reason))
    errors.raise_if_any()
    day = day.date() if isinstance(day, datetime) else day
    before = calendar_for(session, office.id)
    if working and day.weekday() >= SATURDAY:
        errors.add("day", "calendar.error.weekend")
    elif before.is_working_day(day) == working:
        errors.add("day", "calendar.error.already_working" if working else "calendar.error.already_off")
    errors.raise_if_any()
    edit = _edit(session, office.id, day)
    if edit is not None:
        session.execute(delete(OfficeCalendarDay).where(OfficeCalendarDay.id == edit.id))
        change = "addition_withdrawn" if working else "holiday_restored"
    else:
        scope = scope_of(actor)
        session.add(OfficeCalendarDay(office_id=office.id, day=day, working=working, reason=reason,
                                      created_by_id=scope.user_id, created_by=scope.username))
        change = "worked" if working else "added"
    session.flush()
    return _after_change(session, actor, office, day, before, change, reason)


def add_day(session: Session, actor, office_id: int, day: date, reason: str | None) -> dict[str, Any]:
    """Make `day` a non-working day of the office: a day added with its reason, or a worked holiday given back."""
    return _set_day(session, actor, office_id, day, reason, working=False)


def remove_day(session: Session, actor, office_id: int, day: date, reason: str | None) -> dict[str, Any]:
    """Make `day` a working day of the office: a day the office added taken back, or a listed holiday worked."""
    return _set_day(session, actor, office_id, day, reason, working=True)


def _edit(session: Session, office_id: int, day: date) -> OfficeCalendarDay | None:
    return session.scalar(select(OfficeCalendarDay).where(OfficeCalendarDay.office_id == office_id,
                                                          OfficeCalendarDay.day == day))


def _after_change(session: Session, actor, office: Office, day: date, before: WorkingCalendar, change: str,
                  reason: str) -> dict[str, Any]:
    """Open complaints whose answer period spans the day keep their count of working days (their due date moves),
    and the change is audited with the complaints it moved."""
    after = calendar_for(session, office.id)
    moved = complaints.follow_calendar(session, actor, office, day, before, after, reason)
    scope = scope_of(actor)
    audit.record(session, scope.user_id, scope.username,
                 "calendar_day_working" if after.is_working_day(day) else "calendar_day_off",
                 "office_calendar_day", f"{office.code}:{day}",
                 before={"working": before.is_working_day(day)},
                 after={"working": after.is_working_day(day), "change": change, "reason": reason,
                        "complaints_moved": moved})
    return {"office_id": office.id, "day": day, "working": after.is_working_day(day), "change": change,
            "complaints_moved": len(moved)}


def offices(session: Session, actor) -> list[dict[str, Any]]:
    """The active offices whose calendar the actor may edit."""
    scope = scope_of(actor)
    scope.require(PERMISSION)
    return [{"id": o.id, "code": o.code, "name": o.name}
            for o in session.scalars(select(Office).where(Office.active).order_by(Office.code))
            if scope.sees_office(o.id)]
