"""Keeps the compliance rollups in step with the raw tables: monthly counts, clean streaks, score snapshots.

Pages read these small tables, never the millions of raw events. The sync calls
`refresh_rollups(session, service_user_ids=…)` with the service users of a batch, the NNC register calls it
with the one service user an NNC names, and the daily job `recompute_all` rebuilds everything (the window
slides every day).

Months are local months of the office (Indonesia keeps no daylight saving, so an office's zone is a fixed
offset from UTC); NNCs count in the month of their notice date.
"""
from __future__ import annotations

import time as _time
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.orm import Session

from models import Application, ApplicationCommodity, Nnc, Office, QuarantineAction
from models.compliance import ALL_SECTIONS, COUNTS, ComplianceMonthly, ComplianceStreak
from portal.domain.compliance import TIERS
from portal.domain.periods import local_midnight, month_start, utc_offset_hours
from portal.services.compliance.bulk import bulk_insert, refreshed_rows
from portal.settings import default_timezone

UTC = timezone.utc
CHUNK = 500  # service user ids per IN (…) list


def _offsets(session: Session) -> dict[int, int]:
    """office id → whole hours east of UTC (WIB 7, WITA 8, WIT 9)."""
    return {office_id: utc_offset_hours(tz or default_timezone())
            for office_id, tz in session.execute(select(Office.id, Office.timezone))}


def _shift(office_column, offsets: dict[int, int]):
    """The office's offset in hours, as an SQL expression on the row's office id."""
    if not offsets:
        return literal(7)
    values = set(offsets.values())
    if len(values) == 1:
        return literal(values.pop())
    return case(offsets, value=office_column, else_=7)


def _local_month(session: Session, column, shift):
    """First day of the local month of a UTC timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, shift)
        return cast(func.date_trunc("month", local), Date)
    return func.date(column, func.printf("%+d hours", shift), "start of month")


def _date_month(session: Session, column):
    """First day of the month of a DATE column."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def _primary_commodity(application_id_column):
    """The commodity of an application's first line (its primary commodity), or NULL."""
    return (select(ApplicationCommodity.commodity_id)
            .where(ApplicationCommodity.application_id == application_id_column,
                   ApplicationCommodity.deleted_at.is_(None))
            .order_by(ApplicationCommodity.line_no).limit(1).scalar_subquery())


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _in_local_days(office_column, moment_column, days: tuple[date, date], offsets: dict[int, int]):
    """The moment falls in the office's local days first…last: one UTC range per zone offset, so the planner
    can use the time column's index."""
    first, last = days
    start, end = datetime.combine(first, time(0), UTC), datetime.combine(last + timedelta(days=1), time(0), UTC)
    by_offset: dict[int, list[int]] = {}
    for office, hours in offsets.items():
        by_offset.setdefault(hours, []).append(office)
    ranges = [(hours, moment_column >= start - timedelta(hours=hours), moment_column < end - timedelta(hours=hours))
              for hours in sorted(by_offset)]
    if len(ranges) <= 1:
        hours = ranges[0][0] if ranges else 7
        return and_(moment_column >= start - timedelta(hours=hours), moment_column < end - timedelta(hours=hours))
    return or_(*(and_(office_column.in_(by_offset[hours]), low, high) for hours, low, high in ranges))


def monthly_source(session: Session, *, office_id: int | None = None, service_user_ids: list[int] | None = None,
                   since: date | None = None, offsets: dict[int, int] | None = None,
                   office_ids: list[int] | None = None, days: tuple[date, date] | None = None):
    """SELECT of the monthly rollup rows computed straight from the raw tables (also the tests' reference).

    `days` (first, last, inclusive, local to each office) keeps only the events of those days: the partial edge
    months of an exact window (portal.services.compliance.ranking) are counted this way."""
    offsets = offsets if offsets is not None else _offsets(session)
    a, q, nnc = Application, QuarantineAction, Nnc
    since_utc = datetime.combine(since - timedelta(days=1), time(0), UTC) if since else None

    app_rows = select(
        a.office_id.label("office_id"), a.service_user_id.label("service_user_id"),
        a.section_id.label("section_id"), a.direction.label("direction"),
        _primary_commodity(a.id).label("commodity_id"),
        _local_month(session, a.completed_at, _shift(a.office_id, offsets)).label("month"),
        literal(1).label("n"), literal(0).label("d"), literal(0).label("r"), literal(0).label("x"),
        literal(0).label("k"),
    ).where(a.completed_at.is_not(None), a.deleted_at.is_(None))
    action_rows = select(
        q.office_id, q.service_user_id, q.section_id, a.direction, _primary_commodity(a.id),
        _local_month(session, q.action_at, _shift(q.office_id, offsets)),
        literal(0), case((q.kind == "detention", 1), else_=0), case((q.kind == "refusal", 1), else_=0),
        case((q.kind == "destruction", 1), else_=0), literal(0),
    ).join(a, a.id == q.application_id).where(q.deleted_at.is_(None))
    # An NNC names no direction of its own: its application's, else received → our export, issued → an import.
    nnc_rows = select(
        nnc.office_id, nnc.service_user_id, nnc.section_id,
        func.coalesce(a.direction, case((nnc.flow == "received", "export"), else_="import")),
        _primary_commodity(nnc.application_id), _date_month(session, nnc.notice_date),
        literal(0), literal(0), literal(0), literal(0), literal(1),
    ).outerjoin(a, a.id == nnc.application_id).where(nnc.status != "void", nnc.service_user_id.is_not(None))

    if office_id is not None:
        app_rows = app_rows.where(a.office_id == office_id)
        action_rows = action_rows.where(q.office_id == office_id)
        nnc_rows = nnc_rows.where(nnc.office_id == office_id)
    if service_user_ids is not None:
        app_rows = app_rows.where(a.service_user_id.in_(service_user_ids))
        action_rows = action_rows.where(q.service_user_id.in_(service_user_ids))
        nnc_rows = nnc_rows.where(nnc.service_user_id.in_(service_user_ids))
    if office_ids is not None:
        app_rows = app_rows.where(a.office_id.in_(office_ids))
        action_rows = action_rows.where(q.office_id.in_(office_ids))
        nnc_rows = nnc_rows.where(nnc.office_id.in_(office_ids))
    if days is not None:
        app_rows = app_rows.where(_in_local_days(a.office_id, a.completed_at, days, offsets))
        action_rows = action_rows.where(_in_local_days(q.office_id, q.action_at, days, offsets))
        nnc_rows = nnc_rows.where(nnc.notice_date >= days[0], nnc.notice_date <= days[1])
    if since is not None:
        app_rows = app_rows.where(a.completed_at >= since_utc)
        action_rows = action_rows.where(q.action_at >= since_utc)
        nnc_rows = nnc_rows.where(nnc.notice_date >= month_start(since))

    raw = union_all(app_rows, action_rows, nnc_rows).subquery("raw")
    keys = [raw.c.office_id, raw.c.service_user_id, raw.c.section_id, raw.c.direction, raw.c.commodity_id,
            raw.c.month]
    grouped = select(*keys, *(func.sum(raw.c[c]).label(c) for c in COUNTS)).group_by(*keys)
    if since is not None:
        grouped = grouped.where(raw.c.month >= month_start(since))
    return grouped


def _refresh_monthly(session: Session, office_id, service_user_ids, since, offsets) -> None:
    m = ComplianceMonthly
    condition = refreshed_rows(m, office_id, service_user_ids)
    if since is not None:
        condition.append(m.month >= month_start(since))
    session.execute(delete(m).where(*condition))
    source = monthly_source(session, office_id=office_id, service_user_ids=service_user_ids, since=since,
                            offsets=offsets)
    columns = ["office_id", "service_user_id", "section_id", "direction", "commodity_id", "month", *COUNTS]
    session.execute(insert(m).from_select(columns, source))


def nnc_moment(notice_date: date, tz: str) -> datetime:
    """An NNC counts as a violation from the start of its notice date in the office's zone."""
    return local_midnight(notice_date, tz)


def streak_source(session: Session, *, office_id: int | None = None,
                  service_user_ids: list[int] | None = None) -> dict[tuple[int, int], dict[str, Any]]:
    """(service user, section or 0) → office, last violation time and clean streak, from the raw tables."""
    q, nnc = QuarantineAction, Nnc
    zones = dict(session.execute(select(Office.id, Office.timezone)).all())
    last: dict[tuple[int, int], datetime] = {}
    office_of: dict[int, int] = {}

    def note(key, moment):
        if moment is not None and (key not in last or moment > last[key]):
            last[key] = moment

    actions = select(q.service_user_id, q.section_id, q.office_id, func.max(q.action_at)).where(
        q.deleted_at.is_(None)).group_by(q.service_user_id, q.section_id, q.office_id)
    nncs = select(nnc.service_user_id, nnc.section_id, nnc.office_id, func.max(nnc.notice_date)).where(
        nnc.status != "void", nnc.service_user_id.is_not(None)).group_by(
        nnc.service_user_id, nnc.section_id, nnc.office_id)
    # Where each service user has completed consignments: from the monthly rollup (already refreshed), which is
    # far smaller than the applications.
    m = ComplianceMonthly
    apps = select(m.service_user_id, m.section_id, m.office_id).where(m.n > 0).distinct()
    actions, nncs, apps = (actions.where(*refreshed_rows(q, office_id, service_user_ids)),
                           nncs.where(*refreshed_rows(nnc, office_id, service_user_ids)),
                           apps.where(*refreshed_rows(m, office_id, service_user_ids)))
    keys: set[tuple[int, int]] = set()
    for su, section, office, moment in session.execute(actions):
        keys |= {(su, section), (su, ALL_SECTIONS)}
        office_of.setdefault(su, office)
        note((su, section), moment)
        note((su, ALL_SECTIONS), moment)
    for su, section, office, notice in session.execute(nncs):
        moment = nnc_moment(notice, zones.get(office) or default_timezone())
        keys |= {(su, section), (su, ALL_SECTIONS)}
        office_of.setdefault(su, office)
        note((su, section), moment)
        note((su, ALL_SECTIONS), moment)
    for su, section, office in session.execute(apps):
        keys |= {(su, section), (su, ALL_SECTIONS)}
        office_of[su] = office
    return {key: {"office_id": office_of[key[0]], "last_violation_at": last.get(key), "clean_streak": 0}
            for key in keys}


def _refresh_streaks(session: Session, office_id, service_user_ids) -> None:
    s, a = ComplianceStreak, Application
    rows = streak_source(session, office_id=office_id, service_user_ids=service_user_ids)
    condition = refreshed_rows(s, office_id, service_user_ids)
    session.execute(delete(s).where(*condition))
    now = datetime.now(UTC)
    bulk_insert(session, s, [{"service_user_id": su, "section_id": section, **row, "updated_at": now}
                             for (su, section), row in rows.items()])
    # Consignments completed after the last violation (all of them when there was none): one grouped query
    # joined back in one UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33), not one subquery per row.
    joined = [a.service_user_id == s.service_user_id, a.completed_at.is_not(None), a.deleted_at.is_(None),
              or_(s.section_id == ALL_SECTIONS, a.section_id == s.section_id),
              or_(s.last_violation_at.is_(None), a.completed_at > s.last_violation_at)]
    if service_user_ids is not None:  # lets the planner read only their applications, by index
        joined.append(a.service_user_id.in_(service_user_ids))
    counted = (select(s.service_user_id.label("su"), s.section_id.label("sec"), func.count(a.id).label("cnt"))
               .join(a, and_(*joined)).where(*condition).group_by(s.service_user_id, s.section_id).subquery())
    session.execute(update(s).where(s.service_user_id == counted.c.su, s.section_id == counted.c.sec)
                    .values(clean_streak=counted.c.cnt).execution_options(synchronize_session=False))


def refresh_rollups(session: Session, office_id: int | None = None, service_user_ids: Iterable[int] | None = None,
                    since: date | None = None, *, scores: bool = False) -> dict[str, Any]:
    """Bring the rollups up to date for the touched service users (or an office, or everything).

    `service_user_ids`: the service users whose applications, 3P actions or NNCs changed (a sync batch, one
    NNC). `since`: only months from this date on changed (e.g. the earliest event time of a batch); the clean
    streaks are always recomputed over all history. The pages compute scores from these rollups on every view,
    so they are current at once; the score snapshots (tier history, handler flags, KPI tier counts) follow at
    the daily recompute, or here with `scores=True` (slower: p0 is re-read for every office touched).
    Runs in the caller's transaction; the caller commits.
    """
    started = _time.perf_counter()
    offsets = _offsets(session)
    ids = None if service_user_ids is None else sorted({int(i) for i in service_user_ids})
    if ids is not None and not ids:
        return {"service_users": 0, "seconds": 0.0}
    batches = [None] if ids is None else list(_chunks(ids))
    for batch in batches:
        _refresh_monthly(session, office_id, batch, since, offsets)
        _refresh_streaks(session, office_id, batch)
    snapshot = {}
    if scores:
        from portal.services.compliance.ranking import refresh_scores  # ranking reads this module's sources
        snapshot = refresh_scores(session, office_id=office_id, service_user_ids=ids)
    return {"service_users": len(ids) if ids is not None else None, "scores": snapshot.get("scores", 0),
            "seconds": round(_time.perf_counter() - started, 3)}


def recompute_all(session: Session) -> dict[str, Any]:
    """Rebuild every rollup and score snapshot from the raw tables (the CLI and the daily job)."""
    started = _time.perf_counter()
    offsets = _offsets(session)
    _refresh_monthly(session, None, None, None, offsets)
    _refresh_streaks(session, None, None)
    from portal.services.compliance.ranking import refresh_scores  # ranking reads this module's sources
    snapshot = refresh_scores(session)
    return {"monthly_rows": session.scalar(select(func.count()).select_from(ComplianceMonthly)),
            "streaks": session.scalar(select(func.count()).select_from(ComplianceStreak)),
            "scores": snapshot.get("scores", 0), "tiers": snapshot.get("tiers", {t: 0 for t in TIERS}),
            "seconds": round(_time.perf_counter() - started, 3)}


def daily_recompute(database) -> dict[str, Any]:
    """The scheduler's daily job: the window slides, so every score is recomputed from the rollups."""
    with database.session() as session:
        return recompute_all(session)
