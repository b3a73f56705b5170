"""The layouts' one entry for formats: dates, times, numbers, money (Rp 1.234.567), percentages (52%) and durations.

The pure functions live in portal.i18n (reports and the CLI format too, and portal may not import layouts);
pages import them from here only, with the few display rules a page adds ("–" for nothing, one decimal for a score).
"""
from __future__ import annotations

import re
from datetime import date

from portal.domain import npwp
from portal.i18n import format_rate as i18n_format_rate
from portal.i18n import (DATE_PATTERN, commodity_lines, current_language, format_date, format_datetime, format_duration,
                         format_idr, format_month, format_months_ago, format_number, format_percent, format_quantity, t,
                         zone_label)
from portal.security.scope import SYSTEM_USERNAME

__all__ = ["DATE_PATTERN", "actor_name", "chart_separators", "commodity_lines", "count_axis", "format_count",
           "format_date",
           "format_datetime", "format_duration", "format_idr", "format_local_time", "format_month", "format_months_ago",
           "format_number", "format_per_hundred", "format_per_thousand", "format_percent", "format_quantity",
           "format_rate", "format_score", "format_targeting_share", "format_tax_id", "month_axis", "month_name",
           "zone_label"]


def actor_name(username: str | None) -> str:
    """Who did something, as the pages name them: a person by username; the portal itself "Sistem", whether it
    recorded no name or the one it works under (the audit log showed the raw English "system")."""
    return t("admin_audit.system") if username in (None, "", SYSTEM_USERNAME) else username


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


def month_name(month: str) -> str:
    """"2026-08" as officers read it: "Agu 2026" (a table's cell, a chart's hover)."""
    return format_month(date.fromisoformat(f"{month}-01"))


# The class of a graph whose x axis is a month_axis (assets/qcorner.css thins its labels when the chart is narrow).
MONTH_CHART = "qc-month-chart"


def month_axis(months: list[str], most: int = 12) -> dict:
    """A plotly x axis for consecutive months ("2026-03", …) narrow enough for a phone: a category axis standing on
    the ISO months themselves (two months of one name in a long period stay apart, and plotly does not read them as
    dates — it labelled a date axis with English month names), ticked with the month's short name and the year under
    the first tick and wherever the year changes ("Des<br>2025", "Jan<br>2026", "Feb", …); "Agu '26" side by side ran
    into each other there, and turned they were cut ("Jul 202"). At most `most` ticks: a long custom period ticks
    every second or third month. The traces' x are the ISO months; their hover says the month's name from
    customdata.

    Upright always (`tickangle` 0): plotly turned twelve labels on their side on a phone ("2026 Jan" read down the
    axis). Where the chart is too narrow for a label a month, every second one is left out instead (assets/qcorner.css,
    .qc-month-chart, given to every graph drawn with this axis: MONTH_CHART)."""
    step = max(1, -(-len(months) // most))
    kept = months[::step]
    ticks, year = [], None
    for month in kept:
        name = month_name(month).split(" ", 1)[0]
        ticks.append(name if month[:4] == year else f"{name}<br>{month[:4]}")
        year = month[:4]
    return {"type": "category", "tickvals": kept, "ticktext": ticks, "tickangle": 0}


def breakable_number(number: str | None) -> list:
    """A document number that a narrow screen breaks only after its dots ("2026.1.0300.0.K11.E." / "032818"), never
    inside its digits ("…E.03281" / "8" read as two numbers at 320 px): a <wbr> after each dot, with the element's CSS
    left to break a part anywhere only when the part alone is wider than the line."""
    from dash import html

    parts = (number or "").split(".")
    drawn: list = []
    for index, part in enumerate(parts):
        drawn.append(part + ("." if index < len(parts) - 1 else ""))
        if index < len(parts) - 1:
            drawn.append(html.Wbr())
    return drawn


# A document number inside a text: four dots or more with no space ("2026.1.0300.0.K11.E.032766"), never an amount
# ("Rp 114.500") or a date.
_DOTTED_NUMBER = re.compile(r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+){4,}")


def breakable_text(text: str | None) -> list:
    """`text` with each document number in it breakable after its dots (breakable_number), the rest as it is."""
    text = text or ""
    drawn: list = []
    position = 0
    for found in _DOTTED_NUMBER.finditer(text):
        if found.start() > position:
            drawn.append(text[position:found.start()])
        drawn.extend(breakable_number(found.group()))
        position = found.end()
    if position < len(text):
        drawn.append(text[position:])
    return drawn


def office_label(code: str, name: str | None) -> str:
    """An office as every list and choice writes it: "0300 · BBKP Soekarno-Hatta" (its code alone without a name)."""
    return f"{code} · {name}" if name else code


def format_tax_id(value: str | None) -> str:
    """An NPWP as people read it, whatever the office typed (portal.domain.npwp.formatted: a company's
    01.234.567.8-901.000, a person's NIK in groups of four; "0435308058071650" was shown raw); "–" for none."""
    return npwp.formatted(value) if value else "–"


def form_number(value, language: str | None = None) -> str:
    """A number as a form's text field shows it, to be typed over: the reader's decimal sign ("1,5" in Indonesian),
    no group separator (the field reads "2.160" back as 2,16) and a whole number without ".0". Number fields are
    text fields with a decimal keyboard: Chromium's number field dropped the comma of "1,5" and sent 15."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",") if (language or current_language()) == "id" else str(value)


def format_count(value) -> str:
    """A count with the reader's separators (12.345), "–" when there is none."""
    return "–" if value is None else format_number(value)


def format_score(value: float | None) -> str:
    """A compliance score: one decimal (87,5)."""
    return "–" if value is None else format_number(value, decimals=1)


def format_rate(value: float | None, decimals: int | None = None) -> str:
    """A rate such as p0 with three significant digits (portal.i18n.format_rate), or a sum of weights such as V with
    the `decimals` given."""
    if decimals is not None:
        return "–" if value is None else format_number(value, decimals=decimals)
    return i18n_format_rate(value)


# Violations per 1.000 consignments: one decimal wherever the figure is shown (the KPI panel's card said 5,5 and the
# office comparison 5,48 for the same kind of figure). A tenth is about what one violation moves a month's rate at the
# busiest station (≈ 9.000 completed a month: 1 / 9.000 × 1.000 ≈ 0,11); a second decimal is finer than a single
# event there, and at a small office, where one violation moves the rate by whole units, it is false precision.
PER_THOUSAND_DECIMALS = 1


def format_per_thousand(value: float | None) -> str:
    """A rate per 1.000 (violations per 1.000 consignments): 5,5; "–" when there is none."""
    return "–" if value is None else format_number(value, decimals=PER_THOUSAND_DECIMALS)


# Targeting's percents (hit rates, the share of consignments inspected): a tenth always shown, on the targeting
# effectiveness page and on the KPI panel's card alike (the card said 52% and the page 51,8% for the same share).
# Hits are rare, so hit rates of a few percent sit side by side, and a whole percent would read 2% against 2%.
TARGETING_PERCENT_DECIMALS = 1


def format_targeting_share(share) -> str:
    """A hit rate or a share inspected (0.518): "51,8%"; "–" when there is none."""
    return format_percent(share, decimals=TARGETING_PERCENT_DECIMALS)


def format_per_hundred(value: float | None) -> str:
    """A rate per 100 (weighted violations per 100 consignments, the guidance's effect): as many decimals as the
    rate per 1.000 (one), the same kind of figure: "42,9"; "–" when there is none."""
    return "–" if value is None else format_number(value, decimals=PER_THOUSAND_DECIMALS)


def format_local_time(value, tz: str) -> str:
    """A time in the office's zone without the zone's name, where a column header names it once."""
    return format_datetime(value, tz).removesuffix(" " + zone_label(tz))


