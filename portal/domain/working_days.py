"""Indonesian working-day arithmetic for due dates (DOMAIN.md, "Complaints"): weekends, national public holidays
and cuti bersama skipped, plus the days one office's admin added or removed.

The national calendar comes from the `holidays` package: its public category holds the national holidays, its
government category the cuti bersama of the yearly joint ministerial decree. An office's edits (a decree changed,
a local holiday) are passed in as a `WorkingCalendar`; portal.services.working_calendar builds one per office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterable

import holidays

COMPLAINT_DUE_WORKING_DAYS = 5
SATURDAY = 5  # date.weekday(): Monday is 0
PUBLIC = "public"
GOVERNMENT = "government"  # cuti bersama


@lru_cache(maxsize=128)
def _listed(year: int, language: str = "id") -> dict[date, tuple[str, str]]:
    """Indonesia's listed days off of one year: day → (category, name), cuti bersama as "government"."""
    # Looked up year by year so a range over a year end always has both years loaded.
    names = {category: holidays.country_holidays("ID", years=year, categories=(category,), language=language)
             for category in (PUBLIC, GOVERNMENT)}
    listed = {day: (GOVERNMENT, name) for day, name in names[GOVERNMENT].items()}
    listed.update((day, (PUBLIC, name)) for day, name in names[PUBLIC].items())  # a public holiday ranks first
    return listed


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    """The national days off of one year: public holidays and cuti bersama."""
    return frozenset(_listed(year))


def listed_holidays(year: int, language: str = "id") -> dict[date, tuple[str, str]]:
    """The national calendar's days off of `year`: day → (category "public" or "government", name)."""
    return dict(_listed(year, language if language in ("id", "en_US") else "id"))


def _as_date(value: date) -> date:
    """A datetime (a date subclass) is reduced to its calendar date."""
    return value.date() if isinstance(value, datetime) else value


def is_public_holiday(d: date) -> bool:
    """Whether a day is an Indonesian national day off: a public holiday or a cuti bersama day."""
    d = _as_date(d)
    return d in _public_holidays(d.year)


@dataclass(frozen=True)
class WorkingCalendar:
    """The national calendar with one office's edits: `days_off` added, `days_worked` (listed holidays) removed."""

    days_off: frozenset[date] = frozenset()
    days_worked: frozenset[date] = frozenset()

    @classmethod
    def of(cls, days_off: Iterable[date] = (), days_worked: Iterable[date] = ()) -> "WorkingCalendar":
        return cls(frozenset(_as_date(d) for d in days_off), frozenset(_as_date(d) for d in days_worked))

    def is_working_day(self, d: date) -> bool:
        """Monday–Friday, not a listed holiday unless the office works it, not a day the office added."""
        d = _as_date(d)
        if d.weekday() >= SATURDAY or d in self.days_off:
            return False
        return d in self.days_worked or not is_public_holiday(d)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start`; `start` itself never counts, 0 returns `start`."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days must be a non-negative integer, got {days!r}")
        current = _as_date(start)
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after `start` up to and including `end` (0 when `end` ≤ `start`):
        the inverse of add_working_days, so a due date keeps its count when the calendar changes."""
        current, end = _as_date(start), _as_date(end)
        count = 0
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


def is_working_day(d: date, extra_holidays: Iterable[date] = ()) -> bool:
    """Monday–Friday that is neither a national day off nor one of the extra days off."""
    return WorkingCalendar.of(extra_holidays).is_working_day(d)


def add_working_days(start: date, days: int, extra_holidays: Iterable[date] | WorkingCalendar = ()) -> date:
    """The date `days` working days after `start`; `start` itself never counts, 0 returns `start`.
    `extra_holidays` is either more days off or an office's whole WorkingCalendar."""
    calendar = extra_holidays if isinstance(extra_holidays, WorkingCalendar) else WorkingCalendar.of(extra_holidays)
    return calendar.add_working_days(start, days)


def complaint_due_date(
    received: date, extra_holidays: Iterable[date] | WorkingCalendar = (),
    working_days: int = COMPLAINT_DUE_WORKING_DAYS,
) -> date:
    """Default due date of a complaint: 5 working days after the (local) day it was received."""
    return add_working_days(received, working_days, extra_holidays)
