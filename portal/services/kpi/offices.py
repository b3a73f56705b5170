"""Every office's KPI figures side by side (DOMAIN.md, "One company across stations": the national role).

Nothing is computed here that the KPI panel does not already compute: each office's row is the panel's own period
figures (portal.services.kpi.panel.figures) and tier counts (compliance_tiers) for that office, so an office reads
the same number on its panel and in the national table. Offices are a few dozen at most; each costs the handful of
rollup queries one panel costs.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Office
from portal.security.scope import Scope
from portal.services.kpi import panel as kpi
from portal.services.kpi.sla import sla_hours

# The questions the chart can answer: a figure of each row, and whether a higher value is better.
CHART_METRICS = {"sla_share": True, "median_hours": False, "violations_per_1000": False, "ikm": True}


def office_choices(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """The offices whose panel this scope may open, by code: every active office for a scope that reads several
    (`scope.several_offices`), else the home office alone."""
    query = select(Office.id, Office.code, Office.name).order_by(Office.code)
    if scope.several_offices:
        query = query.where(Office.active.is_(True))
    else:
        query = query.where(Office.id == scope.office_id)
    return [{"id": office_id, "code": code, "name": name} for office_id, code, name in session.execute(query)]


def _row(session: Session, office: dict[str, Any], start: date, end: date, section: str | None,
         sla: dict[str, float]) -> dict[str, Any]:
    figures = kpi.figures(session, office["id"], start, end, section, sla=sla, with_monthly=False)
    tiers = kpi.compliance_tiers(session, office["id"], section)
    service = figures["service_time"]
    ikm = figures["ikm"]
    return {"office_id": office["id"], "code": office["code"], "name": office["name"],
            "applications_completed": figures["applications_completed"],
            "certificates_issued": figures["certificates_issued"],
            "median_hours": service["median_hours"], "p90_hours": service["p90_hours"],
            "sla_share": service["within_sla_share"], "sla_hours": service["sla_hours"],
            "ikm": ikm["ikm"], "ikm_grade": ikm["grade"], "ikm_responses": ikm["responses"],
            "ikm_sufficient": ikm["sufficient"],
            "violations": figures["violations"], "violations_per_1000": figures["violations_per_1000"],
            "tiers": tiers["tiers"] if tiers["computed"] else None, "has_data": figures["has_data"]}


def side_by_side(session: Session, scope: Scope, span: kpi.Period, section: str | None = None) -> dict[str, Any]:
    """One row per office the scope may read, over the period: service time (median, P90, share within the SLA),
    IKM, violation rate per 1,000 consignments and tier counts, as the KPI panel computes each of them."""
    scope.require("offices.compare")
    sla = sla_hours(session)
    rows = [_row(session, office, span.start, span.end, section, sla) for office in office_choices(session, scope)]
    return {"period": {"from": span.start.isoformat(), "to": span.end.isoformat(), "preset": span.preset},
            "section": section, "rows": rows}


def chart_order(rows: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """The offices with a figure for `metric`, best first (the chart's question: who does best, who worst);
    offices without one (no traffic in the period) are left out of the chart, not drawn as zero."""
    if metric not in CHART_METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    higher_is_better = CHART_METRICS[metric]
    shown = [row for row in rows if row.get(metric) is not None]
    return sorted(shown, key=lambda row: (-row[metric] if higher_is_better else row[metric], row["code"]))
