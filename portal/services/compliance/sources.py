"""The compliance counts straight from the raw tables (applications, 3P actions, NNCs), per office, service user,
section, direction, primary commodity and local month: what compliance_monthly stores (portal.services.compliance.
rollup) and, for the partial edge months of an exact window, what the ranking reads for those days
(portal.services.compliance.ranking.window_counts).

Months and days are local to the office (Indonesia keeps no daylight saving, so an office's zone is a fixed offset
from UTC); NNCs count on their notice date.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from models import Application, ApplicationCommodity, Nnc, Office, QuarantineAction
from models.compliance import COUNTS
from portal.domain.periods import month_start, utc_offset_hours
from portal.settings import default_timezone

UTC = timezone.utc


def office_offsets(session: Session) -> dict[int, int]:
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


def nnc_consignment_direction(nnc, application):
    """An NNC's direction in the compliance counts: its application's when it names one, else the direction of its
    flow (an NNC names no direction of its own). `nnc` is Nnc or an alias; `application` is outer-joined to it."""
    return func.coalesce(application.direction, nnc.direction_by_flow)


def _primary_commodity(application_id_column):
    """The commodity of an application's first line (its primary commodity), or NULL."""
    return (select(ApplicationCommodity.commodity_id)
            .where(ApplicationCommodity.application_id == application_id_column,
                   ApplicationCommodity.deleted_at.is_(None))
            .order_by(ApplicationCommodity.line_no).limit(1).scalar_subquery())


def _in_local_days(office_column, moment_column, days: list[tuple[date, date]], offsets: dict[int, int]):
    """The moment falls in one of the office's local day ranges (first, last inclusive): one UTC range per range and
    zone offset, so the planner can use the time column's index."""
    by_offset: dict[int, list[int]] = {}
    for office, hours in offsets.items():
        by_offset.setdefault(hours, []).append(office)

    def within(hours: int):
        spans = []
        for first, last in days:
            start = datetime.combine(first, time(0), UTC) - timedelta(hours=hours)
            end = datetime.combine(last + timedelta(days=1), time(0), UTC) - timedelta(hours=hours)
            spans.append(and_(moment_column >= start, moment_column < end))
        return or_(*spans) if len(spans) > 1 else spans[0]

    if len(by_offset) <= 1:
        return within(next(iter(by_offset), 7))
    return or_(*(and_(office_column.in_(by_offset[hours]), within(hours)) for hours in sorted(by_offset)))


def monthly_source(session: Session, *, office_id: int | None = None, service_user_ids: list[int] | None = None,
                   since: date | None = None, offsets: dict[int, int] | None = None,
                   office_ids: list[int] | None = None, days: list[tuple[date, date]] | None = None):
    """SELECT of the monthly rollup rows computed straight from the raw tables (also the tests' reference).

    `days`, ranges of (first, last, inclusive, local to each office), keeps only the events of those days: the
    partial edge months of an exact window (portal.services.compliance.ranking) are counted this way, both edges in
    one pass over the raw rows."""
    offsets = offsets if offsets is not None else office_offsets(session)
    a, q, nnc = Application, QuarantineAction, Nnc
    # Whole months from `since`'s on (the rows kept are months >= month_start(since)): a day before the month's first
    # in UTC covers every office's local midnight (zones east of UTC).
    since_utc = datetime.combine(month_start(since) - timedelta(days=1), time(0), UTC) if since else None

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
    nnc_rows = select(
        nnc.office_id, nnc.service_user_id, nnc.section_id, nnc_consignment_direction(nnc, a),
        _primary_commodity(nnc.application_id), _date_month(session, nnc.notice_date),
        literal(0), literal(0), literal(0), literal(0), literal(1),
    ).outerjoin(a, a.id == nnc.application_id).where(nnc.counts_against_compliance, nnc.service_user_id.is_not(None))

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
        nnc_rows = nnc_rows.where(or_(*(and_(nnc.notice_date >= first, nnc.notice_date <= last)
                                        for first, last in days)))
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
