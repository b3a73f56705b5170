"""One office's working-day calendar as the due-date arithmetic reads it (the edits live in office_calendar_days;
portal.services.working_calendar lists and changes them)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OfficeCalendarDay
from portal.domain.working_days import WorkingCalendar


def calendar_for(session: Session, office_id: int | None) -> WorkingCalendar:
    """The office's calendar, read once per request or job: a handful of rows per year."""
    if office_id is None:
        return WorkingCalendar()
    rows = session.execute(select(OfficeCalendarDay.day, OfficeCalendarDay.working)
                           .where(OfficeCalendarDay.office_id == office_id)).all()
    return WorkingCalendar.of((d for d, working in rows if not working), (d for d, working in rows if working))
