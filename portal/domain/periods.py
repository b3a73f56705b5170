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


def year_window(as_of: date, months: int) -> tuple[date, date]:
    """The last `months` months ending with `as_of`, in exact days (DOMAIN: compliance): from the day after the
    same date `months` earlier through `as_of`, both inclusive. On 3 Dec 2026 with 12 months: 4 Dec 2025 – 3 Dec
    2026; the next day it slides by one day (the same date clamps to a short month's end, as add_months does)."""
    return add_months(as_of, -int(months)) + timedelta(days=1), as_of


def day_window(as_of: date, months: int, period_from: date | None = None,
               period_to: date | None = None) -> tuple[date, date]:
    """(first day, last day) counted, both inclusive: the default window, or a custom period's exact days (an
    open end falls back to the default window's end)."""
    default_first, default_last = year_window(as_of, months)
    if period_from is None and period_to is None:
        return default_first, default_last
    return period_from or default_first, period_to or default_last


def split_months(first: date, last: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The days first…last as the whole months inside them ((first month, last month), or None) and the partial
    edge ranges left over (0–2 day ranges): rollups answer the whole months, the raw rows the edges."""
    whole_from = first if first.day == 1 else add_months(month_start(first), 1)
    after_whole = add_months(month_start(last), 1) if last == month_end(last) else month_start(last)
    if first > last:
        return None, []
    if whole_from >= after_whole:  # no whole month: the days of one month, or the ends of two adjacent ones
        if month_start(first) == month_start(last):
            return None, [(first, last)]
        return None, [(first, month_end(first)), (month_start(last), last)]
    edges = []
    if first < whole_from:
        edges.append((first, whole_from - timedelta(days=1)))
    if last >= after_whole:
        edges.append((after_whole, last))
    return (whole_from, add_months(after_whole, -1)), edges


def _days_in(year: int, month: int) -> int:
    """Days in a month (28–31)."""
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


# The longest period of chosen days the KPI panel counts, and so the targeting page its card opens on that period.
MAX_PERIOD_DAYS = 3 * 366


def day_range_problem(first: date, last: date, max_days: int = MAX_PERIOD_DAYS) -> str | None:
    """What is wrong with a period from ``first`` to ``last`` (both counted): "reversed", "too_long" or None."""
    if last < first:
        return "reversed"
    if (last - first).days + 1 > max_days:
        return "too_long"
    return None
