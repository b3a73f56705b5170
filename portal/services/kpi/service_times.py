"""Service times of the KPI panel: median, 90th percentile and share within the SLA, from submitted to certified
and per stage, read from the kpi_application_times rollup (exact continuous percentiles)."""
from __future__ import annotations

import bisect
import math
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from models.kpi import TIMED_STAGES, KpiApplicationTime


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """Exact continuous percentile of sorted values (linear interpolation, as PostgreSQL's percentile_cont)."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


_TIME_COLUMNS = ("service_hours",) + tuple(f"h_{stage}" for stage in TIMED_STAGES)


def _time_conditions(office_id: int, section_id: int | None, direction: str | None, lower: datetime,
                     upper: datetime):
    conditions = [KpiApplicationTime.office_id == office_id, KpiApplicationTime.completed_at >= lower,
                  KpiApplicationTime.completed_at < upper]
    if section_id is not None:
        conditions.append(KpiApplicationTime.section_id == section_id)
    if direction:
        conditions.append(KpiApplicationTime.direction == direction)
    return conditions


def service_times(session: Session, office_id: int, windows: list[tuple[datetime, datetime]],
                  section_id: int | None, direction: str | None, sla: dict[str, float],
                  stages_for: int = 1) -> list[dict[str, Any]]:
    """For each [lower, upper) window: median, 90th percentile, count and share within the SLA, for
    submitted→certified, and for each stage in the first `stages_for` windows — exact continuous percentiles,
    every window in one query. (Each percentile is a sort of the window's values: the previous period, shown
    only for its total service time, does not pay for nine more.)"""
    lower, upper = min(w[0] for w in windows), max(w[1] for w in windows)
    conditions = _time_conditions(office_id, section_id, direction, lower, upper)
    sla_of = {"service_hours": sla["service"], **{f"h_{stage}": sla[stage] for stage in TIMED_STAGES}}
    out: list[dict[str, Any]] = [{} for _ in windows]
    completed = KpiApplicationTime.completed_at
    if session.get_bind().dialect.name == "postgresql":
        fractions = literal_column("ARRAY[0.5, 0.9]", ARRAY(Float))
        # Each percentile sorts its period's values (≈ 110,000 a year at the busiest station): keep the sorts in
        # memory rather than spilling to disk at the default 4 MB. LOCAL: only this transaction.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        selects, layout = [], []
        for w, (window_lower, window_upper) in enumerate(windows):
            inside = and_(completed >= window_lower, completed < window_upper)
            names = _TIME_COLUMNS if w < stages_for else _TIME_COLUMNS[:1]
            layout.append(names)
            for name in names:
                column = getattr(KpiApplicationTime, name)
                selects += [func.percentile_cont(fractions).within_group(column).filter(inside),
                            func.count(column).filter(inside),
                            func.count(case((column <= sla_of[name], 1))).filter(inside)]
        row = list(session.execute(select(*selects).where(*conditions)).one())
        for w, names in enumerate(layout):
            for name in names:
                (quantiles, count, within), row = row[:3], row[3:]
                median, p90 = (quantiles or [None, None])
                out[w][name] = _time_figure(median, p90, count, within, sla_of[name])
        return out
    # SQLite (the zero-set-up demo): each window's values, sorted here. One query per window, bounded in SQL by
    # the (office, completed_at) index, without the timestamps: turning a year's ~25,000 timestamps into datetimes
    # to pick the window in Python was half of a panel's time.
    for w, (window_lower, window_upper) in enumerate(windows):
        names = _TIME_COLUMNS if w < stages_for else _TIME_COLUMNS[:1]
        inside = _time_conditions(office_id, section_id, direction, window_lower, window_upper)
        rows = session.execute(select(*[getattr(KpiApplicationTime, name) for name in names]).where(*inside)).all()
        for index, name in enumerate(names):
            values = sorted(row[index] for row in rows if row[index] is not None)
            within = bisect.bisect_right(values, sla_of[name])  # values ≤ the SLA, counted in the sorted list
            out[w][name] = _time_figure(percentile_cont(values, 0.5), percentile_cont(values, 0.9), len(values),
                                        within, sla_of[name])
    return out


def _time_figure(median, p90, count, within, sla) -> dict[str, Any]:
    count = int(count or 0)
    return {"count": count, "median_hours": _round(median), "p90_hours": _round(p90), "sla_hours": sla,
            "within_sla": int(within or 0), "within_sla_share": _round(within / count, 4) if count else None}


def _round(value, places: int = 2):
    """A figure rounded for the page (None stays None)."""
    return None if value is None else round(float(value), places)

