"""Does targeting find more than chance? Hits of the decisions, per month and section (DOMAIN: inspection
targeting, "outcome" and "effectiveness").

Each decision's outcome follows portal.domain.targeting_outcome (hit: a detention, refusal or destruction — stage
event or 3P record; clean: released or certified without one; else pending), computed in the database with EXISTS
so a station-year is counted without loading a row per consignment. Rates count decided outcomes only (hit or
clean): a consignment still moving is neither.

- inspections: selected decisions; hits: selected decisions that were hits;
- targeted: selected by a risk flag; random share: the decisions whose draw lies below the lowest rate in use in
  the period. Those are inspected whatever the company's level or flags, and the draw is independent of everything
  else, so they are a uniform sample of all consignments: what random inspection would have found. (Counting
  "selected by the draw, no flag" instead mixes in every tightened consignment — rate 100 % — and so measures the
  tightened companies, not chance.) The ratio is targeted hit rate ÷ random hit rate (None when chance found
  nothing), and its verdict says whether the two rates differ by more than chance would give
  (`targeting_outcome.ratio_verdict`);
- saved: consignments at the reduced level not selected, i.e. inspections not done.
Months are the office's local months of the consignment's submission (a first sync after an outage decides older
consignments late; they still count where they arrived). A period is whole months, or exact days (the KPI panel's
custom period, which its targeting card links to): then its first and last months count only those days.
A direction (export, import, …: the application's) narrows both the page and the KPI card alike (`_conditions`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, and_, case, cast, exists, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from models import Application, QuarantineAction, Section, StageEvent
from models.application import DIRECTIONS
from models.targeting import TargetingDecision
from portal.domain.periods import (MAX_PERIOD_DAYS, add_months, day_bounds, day_range_problem, local_midnight,
                                   month_start)
from portal.domain.targeting import FLAG_CODES
from portal.domain.targeting_outcome import CLEAN_STAGES, HIT_STAGES, hit_rate, hit_rate_ratio, ratio_verdict
from portal.security.scope import scope_of
from portal.validation import ErrorCollector

PERMISSION = "targeting.effect"
MAX_MONTHS = 24
# The days a period may name: past them an office's midnight cannot even be computed (year 1 or 9999 from an address).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)
COUNTS = ("decisions", "inspected", "hits", "hits_all", "known", "targeted", "targeted_known", "targeted_hits",
          "random", "random_known", "random_hits", "saved", "pending")


def _hit():
    d = TargetingDecision
    stage = exists(select(StageEvent.id).where(StageEvent.application_id == d.application_id,
                                               StageEvent.stage.in_(HIT_STAGES), StageEvent.deleted_at.is_(None)))
    action = exists(select(QuarantineAction.id).where(QuarantineAction.application_id == d.application_id,
                                                      QuarantineAction.deleted_at.is_(None)))
    return stage | action


def _clean():
    d = TargetingDecision
    return exists(select(StageEvent.id).where(StageEvent.application_id == d.application_id,
                                              StageEvent.stage.in_(CLEAN_STAGES), StageEvent.deleted_at.is_(None)))


def _flag_in(row, code: str):
    """The decision row raises the flag `code` (see queue.flag_clause)."""
    return row.c.flags_text.like(f'%"code": "{code}"%')


def _has_flags():
    return cast(TargetingDecision.flags, Text).like('%"code"%')


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _per_decision(conditions, *columns, flag_texts: bool = True):
    """One row per decision with its outcome evaluated once: a MATERIALIZED CTE, so neither PostgreSQL nor SQLite
    inlines the EXISTS into every measure that reads it (it did, and ran them a dozen times a row).

    `flag_texts`: each decision's flags as text, for the per-flag counts (`_flag_in`). The KPI panel counts no flag:
    without them PostgreSQL neither converts a station-year of JSON to text once more nor writes it into the CTE
    (≈ 40 of 170 ms a panel)."""
    d = TargetingDecision
    texts = [cast(d.flags, Text).label("flags_text")] if flag_texts else []
    return _decisions().add_columns(
        d.selected.label("selected"), d.random_selected.label("random_selected"), d.level.label("level"),
        d.draw.label("draw"), d.rate.label("rate"),
        _has_flags().label("flagged"), *texts, _hit().label("hit"),
        _clean().label("clean"), *columns).where(*conditions).cte("decided").prefix_with("MATERIALIZED")


def _measures(row):
    """The counts of COUNTS over `_per_decision` rows."""
    hit, known = row.c.hit.is_(True), or_(row.c.hit.is_(True), row.c.clean.is_(True))
    flagged = row.c.flagged.is_(True)
    # The uniform sample (see the module's docstring): below every rate in use, so inspected at any level.
    random_only = row.c.draw < select(func.min(row.c.rate)).scalar_subquery()
    selected = row.c.selected.is_(True)
    return [
        func.count().label("decisions"),
        _count(selected).label("inspected"),
        _count(and_(selected, hit)).label("hits"),
        _count(hit).label("hits_all"),
        _count(known).label("known"),
        _count(flagged).label("targeted"),
        _count(and_(flagged, known)).label("targeted_known"),
        _count(and_(flagged, hit)).label("targeted_hits"),
        _count(random_only).label("random"),
        _count(and_(random_only, known)).label("random_known"),
        _count(and_(random_only, hit)).label("random_hits"),
        _count(and_(row.c.level == "reduced", not_(selected))).label("saved"),
        _count(not_(known)).label("pending"),
    ]


def _decisions():
    """Decisions with their applications: the period is the applications' (office, submitted) index range."""
    return (select().select_from(Application)
            .join(TargetingDecision, TargetingDecision.application_id == Application.id)
            .join(Section, Section.id == TargetingDecision.section_id))


def _conditions(office_id: int, start: datetime, end: datetime, section: str | None, direction: str | None = None):
    """The decisions of the office, period, section and direction: the one filter of both the page
    (`effectiveness`) and the KPI card (`kpi_figures`), so a card's link opens the page on the card's figures."""
    a = Application
    conditions = [a.office_id == office_id, a.submitted_at >= start, a.submitted_at < end, a.deleted_at.is_(None)]
    if section:
        conditions.append(Section.code == section)
    if direction:
        conditions.append(a.direction == direction)
    return conditions


def clean_direction(value: str | None) -> str | None:
    """The direction asked for (None: all). An unknown one is refused: filtering by it would show an empty page as
    if no decision had been made."""
    if value in (None, ""):
        return None
    if value not in DIRECTIONS:
        errors = ErrorCollector()
        errors.add("direction", "targeting_effect.error.direction")
        errors.raise_if_any()
    return value


def _derived(counts: dict[str, int]) -> dict[str, Any]:
    """Rates and the ratio from the counts (None where there is nothing to divide by)."""
    row = {key: int(counts.get(key) or 0) for key in COUNTS}
    row["inspected_share"] = row["inspected"] / row["decisions"] if row["decisions"] else None
    row["targeted_rate"] = hit_rate(row["targeted_hits"], row["targeted_known"])
    row["random_rate"] = hit_rate(row["random_hits"], row["random_known"])
    row["ratio"] = hit_rate_ratio(row["targeted_rate"], row["random_rate"])
    row["verdict"] = ratio_verdict(row["targeted_hits"], row["targeted_known"], row["random_hits"],
                                   row["random_known"])
    return row


def clean_months(first: date | str | None, last: date | str | None, today: date) -> tuple[date, date]:
    """The months asked for (first days), default the last six months through this one; at most 24."""
    errors = ErrorCollector()

    def month(value, field):
        if value in (None, ""):
            return None
        try:
            found = month_start(value if isinstance(value, date) else date.fromisoformat(f"{str(value)[:7]}-01"))
        except ValueError:
            found = None
        if found is None or not FIRST_DAY <= found <= LAST_DAY:
            errors.add(field, "targeting_effect.error.month")
            return None
        return found

    last_month = month(last, "to") or month_start(today)
    first_month = month(first, "from") or add_months(last_month, -5)
    if first_month > last_month:
        errors.add("to", "targeting_effect.error.order")
    elif (last_month.year - first_month.year) * 12 + last_month.month - first_month.month >= MAX_MONTHS:
        errors.add("to", "targeting_effect.error.too_long", months=MAX_MONTHS)
    errors.raise_if_any()
    return first_month, last_month


def clean_days(first: date | str | None, last: date | str | None) -> tuple[date, date]:
    """The days of a period given by its dates (both needed, in order, at most MAX_PERIOD_DAYS: as long as the KPI
    panel's custom period, so the panel's targeting card always opens its own period here)."""
    errors = ErrorCollector()

    def day(value, field):
        if value in (None, ""):
            errors.add(field, "kpi.error.date_required")
            return None
        try:
            found = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            found = None
        if found is None or not FIRST_DAY <= found <= LAST_DAY:
            errors.add(field, "targeting_effect.error.day")
            return None
        return found

    first_day, last_day = day(first, "from"), day(last, "to")
    errors.raise_if_any()
    add_day_range_problem(errors, first_day, last_day)
    errors.raise_if_any()
    return first_day, last_day


def add_day_range_problem(errors: ErrorCollector, first: date, last: date, field: str = "to") -> None:
    """A period of days the KPI panel and this page both refuse: ended before it began, or past MAX_PERIOD_DAYS."""
    problem = day_range_problem(first, last)
    if problem == "reversed":
        errors.add(field, "kpi.error.to_before_from")
    elif problem == "too_long":
        errors.add(field, "kpi.error.too_long", days=MAX_PERIOD_DAYS)


def effectiveness(session: Session, scope, first_month: date, last_month: date, *, tz: str,
                  section: str | None = None, days: tuple[date, date] | None = None,
                  direction: str | None = None) -> dict[str, Any]:
    """Per month and section, and for the whole period per section, per flag and overall.

    `scope` decides the office (its home office) and, for a coordinator, the section whatever `section` says.
    `days` (clean_days): the period's exact first and last day instead of whole months; the months are theirs.
    `direction` (clean_direction): the applications' direction, None for all.
    """
    direction = clean_direction(direction)
    scope = scope_of(scope)
    scope.require(PERMISSION)
    scope.require_section()
    section = scope.section_scope or section
    office_id = scope.office_id
    if days:
        first_month, last_month = month_start(days[0]), month_start(days[1])
    months = []
    cursor = first_month
    while cursor <= last_month:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    start, end = day_bounds(*days, tz) if days else (local_midnight(months[0], tz),
                                                     local_midnight(add_months(months[-1], 1), tz))
    # The office's local month of each decision: a CASE over the months' UTC starts, portable to both backends.
    last_label = literal(months[-1].isoformat()[:7])
    month_of = case(*[(Application.submitted_at < local_midnight(add_months(m, 1), tz), literal(m.isoformat()[:7]))
                      for m in months[:-1]], else_=last_label) if len(months) > 1 else last_label
    row = _per_decision(_conditions(office_id, start, end, section, direction), month_of.label("decision_month"),
                        Section.code.label("section_code"))
    known = or_(row.c.hit.is_(True), row.c.clean.is_(True))
    per_flag = [expression for code in FLAG_CODES for expression in (
        _count(_flag_in(row, code)).label(f"{code}__n"),
        _count(and_(_flag_in(row, code), known)).label(f"{code}__known"),
        _count(and_(_flag_in(row, code), row.c.hit.is_(True))).label(f"{code}__hits"))]
    # One pass: the months and sections, with each flag's counts alongside (summed over the groups below).
    grouped = session.execute(
        select(row.c.decision_month, row.c.section_code, *_measures(row), *per_flag)
        .group_by(row.c.decision_month, row.c.section_code)
        .order_by(row.c.decision_month, row.c.section_code)).all()
    rows = [{"month": r.decision_month, "section": r.section_code, **_derived(r._mapping)} for r in grouped]
    by_section: dict[str, dict[str, int]] = {}
    total: dict[str, int] = {key: 0 for key in COUNTS}
    for item in rows:
        bucket = by_section.setdefault(item["section"], {key: 0 for key in COUNTS})
        for key in COUNTS:
            bucket[key] += item[key]
            total[key] += item[key]
    per_flag = {column.name: sum(int(r._mapping[column.name] or 0) for r in grouped) for column in per_flag}
    flags = []
    for code in FLAG_CODES:
        known_count, hits = int(per_flag[f"{code}__known"] or 0), int(per_flag[f"{code}__hits"] or 0)
        flags.append({"code": code, "decisions": int(per_flag[f"{code}__n"] or 0), "known": known_count,
                      "hits": hits, "rate": hit_rate(hits, known_count)})
    monthly_total: dict[str, dict[str, int]] = {}
    for item in rows:
        bucket = monthly_total.setdefault(item["month"], {key: 0 for key in COUNTS})
        for key in COUNTS:
            bucket[key] += item[key]
    return {
        "months": [m.isoformat()[:7] for m in months], "section": section, "direction": direction,
        "office_id": office_id,
        "rows": rows,
        "monthly": [{"month": m.isoformat()[:7], **_derived(monthly_total.get(m.isoformat()[:7], {}))}
                    for m in months],
        "sections": [{"section": code, **_derived(counts)} for code, counts in sorted(by_section.items())],
        "total": _derived(total), "flags": flags,
    }


def kpi_figures(session: Session, office_id: int, start: date, end: date, tz: str, section: str | None = None,
                direction: str | None = None) -> dict[str, Any]:
    """For the KPI panel: the share of consignments inspected and the hit-rate ratio over the days start…end."""
    lower, upper = day_bounds(start, end, tz)
    row = _per_decision(_conditions(office_id, lower, upper, section, direction), flag_texts=False)
    counts = session.execute(select(*_measures(row)).select_from(row)).one()._mapping
    return _derived(counts)
