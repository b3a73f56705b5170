"""Months, windows and office time zones: the one home of calendar arithmetic (DOMAIN: "today" means today at
the office; times are stored in UTC and counted in the office's local days and months).

Pure functions of dates and zone names (IANA, e.g. the office row's ``timezone``); no database, no settings.
Indonesia keeps no daylight saving, so an office's zone is a fixed offset from UTC.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc


def today_in(zone: str, now: datetime | None = None) -> date:
    """The calendar date at the office now (or at the UTC moment `now`)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()


def local_date(moment: datetime, zone: str) -> date:
    """The office's calendar date of a UTC moment."""
    return moment.astimezone(ZoneInfo(zone)).date()


def utc_offset_hours(zone: str) -> int:
    """Whole hours east of UTC (WIB 7, WITA 8, WIT 9)."""
    offset = datetime(2026, 1, 1, tzinfo=ZoneInfo(zone)).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 3600)


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC moment the office's day `day` begins."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def day_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """The office's days first…last (inclusive) as a UTC range [start, end)."""
    return local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, _days_in(year, month + 1)))


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=_days_in(day.year, day.month))


def months_between(earlier: date, later: date) -> int:
    """Whole months elapsed from `earlier` to `later` (0 when later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)
    return max(months, 0)


def month_window(as_of: date, months: int, period_from: date | None = None,
                 period_to: date | None = None) -> tuple[date, date]:
    """(first month, last month) counted: `months` whole months ending with `as_of`'s, or the months of a period."""
    default_first = add_months(month_start(as_of), -(int(months) - 1))
    if period_from is None and period_to is None:
        return default_first, month_start(as_of)
    return month_start(period_from or default_first), month_start(period_to or as_of)


def _days_in(year: int, month: int) -> int:
    """Days in a month (28–31)."""
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
