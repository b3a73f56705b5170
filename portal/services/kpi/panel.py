"""The head of office's KPI panel: every figure for a period, beside the previous period of the same length.

Applications belong to the period in which they completed. Counts and sums come from `kpi_daily`
(a few thousand rows per office-year); service-time percentiles are exact and continuous (linear
interpolation, like PostgreSQL's percentile_cont) over `kpi_application_times` — in the database on
PostgreSQL, in Python over the period's rows on SQLite (one office's period: bounded). See
portal/services/kpi_rollup.py for how the rollups are kept; nothing here reads the raw applications.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models import Nnc
from models.nnc import FLOW_OF_DIRECTION
from models.application import DIRECTIONS
from models.compliance import ALL_SECTIONS, ComplianceScore
from models.kpi import TIMED_STAGES, KpiDaily
from portal.domain.periods import add_months, day_bounds, today_in
from portal.services import complaints as complaint_service
from portal.services import ikm_results
from portal.services.kpi.service_times import service_times
from portal.services.kpi.sla import sla_hours
from portal.services.offices import office_zone
from portal.services.targeting import effectiveness as targeting_effect
from portal.validation import ErrorCollector

PRESETS = ("this_month", "last_month", "this_quarter", "last_quarter", "this_semester", "last_semester",
           "this_year", "last_year", "custom")
_UNIT_MONTHS = {"month": 1, "quarter": 3, "semester": 6, "year": 12}


# --- periods --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date
    previous_start: date
    previous_end: date
    preset: str
    # Compared with as many days before it (a "this_…" preset, chosen dates that are not whole months), not with the
    # whole unit before it: its label says so (the previous window's end drifts from the day's date).
    by_days: bool = False

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _unit_start(day: date, months: int) -> date:
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def period(preset: str, today: date, date_from: date | None = None, date_to: date | None = None) -> Period:
    """The period of a preset and the one it is compared with.

    "this_…" runs from the start of the month / quarter / semester / year to today and is compared with the
    same number of days from the start of the one before; "last_…" is the whole previous unit against the
    unit before it; custom dates are compared with the same number of days just before them — or, when they are
    whole calendar months, with as many whole months before them, as "last_…" is (July chosen by its dates was
    compared with 31 May – 30 June).
    """
    if preset == "custom":
        errors = ErrorCollector()
        if date_from is None:
            errors.add("from", "kpi.error.date_required")
        if date_to is None:
            errors.add("to", "kpi.error.date_required")
        errors.raise_if_any()
        targeting_effect.add_day_range_problem(errors, date_from, date_to)
        # Days to come have no figures yet: a period reaching past today read as a collapse ("Sertifikat terbit 0
        # ▼100%", in red) against the days before it.
        if date_from > today:
            errors.add("from", "kpi.error.future")
        if date_to > today:
            errors.add("to", "kpi.error.future")
        errors.raise_if_any()
        if date_from.day == 1 and (date_to + timedelta(days=1)).day == 1:
            months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
            return Period(date_from, date_to, add_months(date_from, -months), date_from - timedelta(days=1), preset)
        length = date_to - date_from
        return Period(date_from, date_to, date_from - length - timedelta(days=1), date_from - timedelta(days=1),
                      preset, by_days=True)
    kind, _, unit = preset.partition("_")
    if kind not in ("this", "last") or unit not in _UNIT_MONTHS:
        raise ValueError(f"unknown period preset {preset!r}")
    months = _UNIT_MONTHS[unit]
    current = _unit_start(today, months)
    if kind == "this":
        start, end = current, today
        previous_start = add_months(start, -months)
        previous_end = min(previous_start + (end - start), start - timedelta(days=1))
        return Period(start, end, previous_start, previous_end, preset, by_days=True)
    start, end = add_months(current, -months), current - timedelta(days=1)
    previous_start, previous_end = add_months(start, -months), start - timedelta(days=1)
    return Period(start, end, previous_start, previous_end, preset)


# --- figures --------------------------------------------------------------------------------------------------

def _round(value, places: int = 2):
    return None if value is None else round(float(value), places)


def _daily_filters(office_id: int, section_id: int | None, direction: str | None):
    conditions = [KpiDaily.office_id == office_id]
    if section_id is not None:
        conditions.append(KpiDaily.section_id == section_id)
    if direction:
        conditions.append(KpiDaily.direction == direction)
    return conditions


def _section_id(session: Session, section: str | None) -> int | None:
    if not section:
        return None
    sid = ikm_results.section_ids(session).get(section)
    if sid is None:
        raise ValueError(f"unknown section {section!r}")
    return sid


def _check_direction(direction: str | None) -> str | None:
    if direction and direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}")
    return direction or None


_DAILY_METRICS = ("submitted", "completed", "handed_over", "certificates", "billed", "paid", "detentions",
                  "refusals", "destructions")


def _daily_rows(session: Session, conditions, first: date, last: date) -> list[tuple[date, dict[str, Any]]]:
    """The day-by-day sums of the rollup between two days (a few hundred rows for a year and the one before)."""
    rows = session.execute(select(KpiDaily.day, *[func.sum(getattr(KpiDaily, m)) for m in _DAILY_METRICS])
                           .where(*conditions, KpiDaily.day >= first, KpiDaily.day <= last)
                           .group_by(KpiDaily.day)).all()
    return [(_as_date(day), dict(zip(_DAILY_METRICS, values))) for day, *values in rows]


def _sum_days(rows, start: date, end: date) -> dict[str, Any]:
    totals = {m: 0 for m in _DAILY_METRICS}
    for day, values in rows:
        if start <= day <= end:
            for metric, value in values.items():
                totals[metric] += value or 0
    result = {m: int(totals[m]) for m in _DAILY_METRICS if m not in ("billed", "paid")}
    result.update(billed=float(totals["billed"]), paid=float(totals["paid"]))
    return result


def _in_progress(session: Session, conditions, ends: list[date]) -> list[tuple[int, int]]:
    """At each end day: (everything submitted by then minus everything completed by then, everything submitted by
    then) in one pass."""
    row = session.execute(select(*[
        func.coalesce(func.sum(case((KpiDaily.day <= end, column), else_=0)), 0)
        for end in ends for column in (KpiDaily.submitted - KpiDaily.completed, KpiDaily.submitted)])
        .where(*conditions, KpiDaily.day <= max(ends))).one()
    return [(int(row[2 * index]), int(row[2 * index + 1])) for index in range(len(ends))]


def _nnc_conditions(office_id: int, section_id: int | None, direction: str | None):
    conditions = [Nnc.office_id == office_id, Nnc.counts_against_compliance]
    if section_id is not None:
        conditions.append(Nnc.section_id == section_id)
    if direction:
        # The panel splits NNCs by flow (DOMAIN, KPI panel): a direction chooses its flow; domestic traffic has none.
        flow = FLOW_OF_DIRECTION.get(direction)
        conditions.append(Nnc.flow == flow if flow else Nnc.id.is_(None))
    return conditions


def _nnc_rows(session: Session, conditions, first: date, last: date) -> list[tuple[date, str, int]]:
    """NNCs per notice day and flow (a few hundred a year)."""
    rows = session.execute(select(Nnc.notice_date, Nnc.flow, func.count()).where(
        *conditions, Nnc.notice_date >= first, Nnc.notice_date <= last).group_by(Nnc.notice_date, Nnc.flow)).all()
    return [(_as_date(day), flow, int(count)) for day, flow, count in rows]


def _nnc_counts(rows, start: date, end: date) -> dict[str, int]:
    counts = {"received": 0, "issued": 0}
    for day, flow, count in rows:
        if start <= day <= end and flow in counts:
            counts[flow] += count
    return {**counts, "total": counts["received"] + counts["issued"]}


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _monthly(daily, nnc_rows, first: date, last: date) -> list[dict[str, Any]]:
    """3P actions and NNCs (by flow) per calendar month from `first`'s month to `last`'s."""
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor.strftime("%Y-%m"))
        cursor = add_months(cursor, 1)
    table = {m: {"month": m, "detention": 0, "refusal": 0, "destruction": 0, "nnc_received": 0, "nnc_issued": 0}
             for m in months}
    for day, values in daily:
        entry = table.get(day.strftime("%Y-%m")) if first <= day <= last else None
        if entry:
            entry["detention"] += int(values["detentions"] or 0)
            entry["refusal"] += int(values["refusals"] or 0)
            entry["destruction"] += int(values["destructions"] or 0)
    for day, flow, count in nnc_rows:
        entry = table.get(day.strftime("%Y-%m")) if first <= day <= last else None
        if entry and flow in ("received", "issued"):
            entry[f"nnc_{flow}"] += count
    return [table[m] for m in months]


def figures_for(session: Session, office_id: int, periods: list[tuple[date, date]], section: str | None = None,
                direction: str | None = None, sla: dict[str, float] | None = None, tz: str | None = None,
                chart: bool = True) -> list[dict[str, Any]]:
    """Every period figure of the panel for one office, section and direction, for each (start, end) period.

    The periods share each query (one pass over the rollup for all of them): a handful of round trips however
    long the periods are. The first period also gets the monthly chart (`chart`).
    """
    direction = _check_direction(direction)
    section_id = _section_id(session, section)
    tz = tz or office_zone(session, office_id)
    sla = sla or sla_hours(session)
    conditions = _daily_filters(office_id, section_id, direction)
    chart_first = min(periods[0][0], add_months(periods[0][1].replace(day=1), -5))
    first = min([chart_first] + [start for start, _end in periods])
    last = max(end for _start, end in periods)
    daily = _daily_rows(session, conditions, first, last)
    nnc_rows = _nnc_rows(session, _nnc_conditions(office_id, section_id, direction), first, last)
    in_progress = _in_progress(session, conditions, [end for _start, end in periods])
    data_from = copied_from(session, office_id)
    times = service_times(session, office_id, [day_bounds(s, e, tz) for s, e in periods], section_id,
                          direction, sla)
    results = []
    for index, (start, end) in enumerate(periods):
        sums = _sum_days(daily, start, end)
        # The survey's population N is the handed-over applications of the section (answers carry no direction).
        population = sums["handed_over"] if not direction else None
        nncs = _nnc_counts(nnc_rows, start, end)
        actions = {"detention": sums["detentions"], "refusal": sums["refusals"], "destruction": sums["destructions"]}
        actions["total"] = sum(actions.values())
        violations = actions["total"] + nncs["total"]
        result = {
            "from": start.isoformat(), "to": end.isoformat(), "section": section, "direction": direction,
            "certificates_issued": sums["certificates"],
            "applications_completed": sums["completed"],
            "applications_handed_over": sums["handed_over"],
            "applications_in_progress": in_progress[index][0],
            "service_time": times[index]["service_hours"],
            "stages": [{"stage": stage, **times[index][f"h_{stage}"]} for stage in TIMED_STAGES
                       if f"h_{stage}" in times[index]],
            "fees": {"billed": round(sums["billed"], 2), "paid": round(sums["paid"], 2)},
            # Survey answers carry no direction: the IKM follows the section filter only.
            "ikm": ikm_results.summary(session, office_id, start, end, section, population=population),
            "actions_3p": actions,
            "nncs": nncs,
            "violations": violations,
            "violations_per_1000": _round(violations * 1000 / sums["completed"], 2) if sums["completed"] else None,
        }
        # Whether each card's figure of this period is one to compare with: zeros where nothing was recorded (before
        # the station's data starts, or a filter with no traffic) are no baseline, and the panel says so instead of
        # "▲ 26.029 vs 0". Each card by its own data: a few NNCs in an otherwise empty period made its certificates,
        # fees and applications in progress "0" to compare against. Certificates, service time, fees and the
        # violation rate (per completed application) count the period's applications; the applications in progress
        # at the period's end count every application submitted by then, whenever. (The IKM has its own "no
        # answers": its figure is None.)
        # A period the copy covers only in part is no baseline either: the demo's copy began on 20 August, and "this
        # quarter" read "▲ 290%" against the first 69 days of a third quarter it held only from 20 August.
        has_applications = any(start <= day <= end for day, _values in daily)
        whole = has_applications and data_from is not None and data_from <= start
        result["comparable"] = {"certificates": whole, "service_time": whole, "fees": whole, "violations": whole,
                                "in_progress": in_progress[index][1] > 0}
        result["has_data"] = has_applications or nncs["total"] > 0  # anything recorded at all
        result["copied_from"] = data_from.isoformat() if data_from else None
        if chart and index == 0:
            result["monthly"] = _monthly(daily, nnc_rows, chart_first, end)
        results.append(result)
    return results


def copied_from(session: Session, office_id: int) -> date | None:
    """The first local day the office's copy of the certification data holds anything (over every section and
    direction: a section without traffic early on is still covered): the certification system's history begins
    there, or the copy does. None before a first sync."""
    first = session.scalar(select(func.min(KpiDaily.day)).where(KpiDaily.office_id == office_id))
    return None if first is None else _as_date(first)


def figures(session: Session, office_id: int, start: date, end: date, section: str | None = None,
            direction: str | None = None, sla: dict[str, float] | None = None, tz: str | None = None,
            with_monthly: bool = True) -> dict[str, Any]:
    """Every period figure of the panel for one period."""
    return figures_for(session, office_id, [(start, end)], section, direction, sla, tz, with_monthly)[0]


def compliance_tiers(session: Session, office_id: int, section: str | None) -> dict[str, Any]:
    """Service users per tier from the compliance snapshot; `computed` is False until a ranking has run."""
    section_id = ALL_SECTIONS if not section else _section_id(session, section)
    rows = session.execute(select(ComplianceScore.tier, func.count(), func.max(ComplianceScore.as_of))
                           .where(ComplianceScore.office_id == office_id, ComplianceScore.section_id == section_id)
                           .group_by(ComplianceScore.tier)).all()
    if not rows:
        return {"computed": False, "tiers": None, "priority_eligible": None, "as_of": None}
    tiers = {tier: 0 for tier in ("A", "B", "C", "D")}
    as_of = None
    for tier, count, latest in rows:
        tiers[tier] = int(count)
        as_of = max(filter(None, [as_of, _as_date(latest) if latest else None]), default=None)
    return {"computed": True, "tiers": tiers, "priority_eligible": tiers.get("A", 0), "service_users": sum(tiers.values()),
            "as_of": as_of.isoformat() if as_of else None}


def change(current, previous, comparable: bool = True) -> dict[str, Any] | None:
    """The difference against the previous period: absolute and relative (None when there is nothing to compare:
    no figure, or a previous period without that figure's data — its `comparable` entry False)."""
    if not comparable or current is None or previous is None:
        return None
    delta = current - previous
    return {"delta": _round(delta, 4), "ratio": _round(delta / previous, 4) if previous else None}


def panel(session: Session, office_id: int, span: Period, section: str | None = None, direction: str | None = None,
          today: date | None = None) -> dict[str, Any]:
    """The whole panel: the period's figures, the previous period's, and the figures of 'now'. How fresh the copy
    of the certification data is, is the sync's to say (sync.status.freshness): it moves by the second, and a
    panel is cached until the data changes."""
    tz = office_zone(session, office_id)
    sla = sla_hours(session)
    current, previous = figures_for(session, office_id, [(span.start, span.end),
                                                          (span.previous_start, span.previous_end)],
                                    section, direction, sla, tz)
    lower, upper = day_bounds(span.start, span.end, tz)
    # Open and overdue are "now" figures; the median answer time is of the complaints received in the period.
    today = today or today_in(tz)
    complaints_now = complaint_service.kpi_figures(session, office_id, lower, upper, today, tz)
    return {"period": {"preset": span.preset, "from": span.start.isoformat(), "to": span.end.isoformat(),
                       "previous_from": span.previous_start.isoformat(),
                       "previous_to": span.previous_end.isoformat(), "days": span.days, "timezone": tz},
            "section": section, "direction": direction, "sla_hours": sla,
            "current": current, "previous": previous,
            "compliance": compliance_tiers(session, office_id, section),
            "targeting": targeting_effect.kpi_figures(session, office_id, span.start, span.end, tz, section, direction),
            "complaints": complaints_now}
