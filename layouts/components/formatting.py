"""The layouts' one entry for formats: dates, times, numbers, money (Rp 1.234.567) and durations.

The pure functions live in portal.i18n (reports and the CLI format too, and portal may not import layouts);
pages import them from here only, with the few display rules a page adds ("–" for nothing, one decimal for a score).
"""
from __future__ import annotations

from portal.i18n import (DATE_PATTERN, current_language, format_date, format_datetime, format_duration, format_idr, format_month,
                         format_number, zone_label)

__all__ = ["DATE_PATTERN", "chart_separators", "count_axis", "format_count", "format_date", "format_datetime",
           "format_duration", "format_idr", "format_local_time", "format_month", "format_number", "format_rate",
           "format_score", "zone_label"]


def chart_separators() -> str:
    """A plotly layout's `separators` (decimal, then thousands) in the reader's language: with an axis's
    `tickformat: ",d"` the ticks read 2.000 next to the bars' 2.138, never 2000 (or 2,000 on an Indonesian page)."""
    return ",." if current_language() == "id" else ".,"


def count_axis(largest) -> dict:
    """A y axis of counts: whole numbers from zero. Plotly picks round steps itself (1, 2, 5 × 10ⁿ), but steps
    below one when the largest count is small, which `",d"` then printed as 0, 0, 0, 1, 1, 1; there the step is 1."""
    axis = {"rangemode": "tozero", "tickformat": ",d"}
    if (largest or 0) < 6:
        axis["dtick"] = 1
    return axis


def format_count(value) -> str:
    """A count with the reader's separators (12.345), "–" when there is none."""
    return "–" if value is None else format_number(value)


def format_score(value: float | None) -> str:
    """A compliance score: one decimal (87,5)."""
    return "–" if value is None else format_number(value, decimals=1)


def format_rate(value: float | None, decimals: int = 3) -> str:
    """A rate such as p0, with as many decimals as it needs to mean something."""
    return "–" if value is None else format_number(value, decimals=decimals)


def format_local_time(value, tz: str) -> str:
    """A time in the office's zone without the zone's name, where a column header names it once."""
    return format_datetime(value, tz).removesuffix(" " + zone_label(tz))
