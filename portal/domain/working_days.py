"""Indonesian working-day arithmetic for complaint due dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterable

import holidays

COMPLAINT_DUE_WORKING_DAYS = 5
SATURDAY = 5  # date.weekday(): Monday is 0


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    """Indonesia's national public holidays of one year, from the `holidays` package."""
    # Looked up year by year so a range over a year end always has both years loaded.
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def _as_date(value: date) -> date:
    """A datetime (a date subclass) is reduced to its calendar date."""
    return value.date() if isinstance(value, datetime) else value


def is_public_holiday(d: date) -> bool:
    """Whether a day is an Indonesian national public holiday."""
    d = _as_date(d)
    return d in _public_holidays(d.year)


def _is_working(d: date, extra: frozenset[date]) -> bool:
    """Working-day test against an already normalised set of extra days off."""
    return d.weekday() < SATURDAY and not is_public_holiday(d) and d not in extra


def is_working_day(d: date, extra_holidays: Iterable[date] = ()) -> bool:
    """Monday–Friday that is neither a public holiday nor one of the extra (cuti bersama) days."""
    return _is_working(_as_date(d), frozenset(_as_date(x) for x in extra_holidays))


def add_working_days(start: date, days: int, extra_holidays: Iterable[date] = ()) -> date:
    """The date `days` working days after `start`; `start` itself never counts, 0 returns `start`."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"days must be a non-negative integer, got {days!r}")
    current = _as_date(start)
    # Materialise once: the caller may pass a generator, and we test membership many times.
    extra = frozenset(_as_date(x) for x in extra_holidays)
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if _is_working(current, extra):
            remaining -= 1
    return current


def complaint_due_date(
    received: date, extra_holidays: Iterable[date] = (), working_days: int = COMPLAINT_DUE_WORKING_DAYS
) -> date:
    """Default due date of a complaint: 5 working days after the (local) day it was received."""
    return add_working_days(received, working_days, extra_holidays)
