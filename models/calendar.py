"""The working-day calendar an admin edits: per office, days added as non-working or listed holidays worked."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OfficeCalendarDay(Base):
    """One office's edit of one day over the national calendar (weekends, public holidays and cuti bersama).

    `working` False: a day off the national calendar does not list (a local holiday, a decree changed);
    `working` True: a listed holiday the office works. One edit per office and day; undoing an edit deletes it.
    """

    __tablename__ = "office_calendar_days"
    __table_args__ = (UniqueConstraint("office_id", "day", name="uq_office_calendar_days_office_id_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(120), nullable=True)  # the username, also for the CLI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
