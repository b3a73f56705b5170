"""Keeps the compliance rollups in step with the raw tables: monthly counts, clean streaks, score snapshots.

Pages read these small tables, never the millions of raw events. The sync calls
`refresh_rollups(session, service_user_ids=…)` with the service users of a batch, the NNC register calls it
with the one service user an NNC names, and the daily job `recompute_all` rebuilds everything (the window
slides every day).

The counts themselves come from the raw tables through portal.services.compliance.sources (months are the
office's local months; NNCs count in the month of their notice date).
"""
from __future__ import annotations

import time as _time
from datetime import date, datetime, timezone
from typing import Any, Iterable

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from models import Application, Nnc, Office, QuarantineAction
from models.compliance import ALL_SECTIONS, COUNTS, ComplianceMonthly, ComplianceStreak
from portal.domain.compliance import TIERS
from portal.domain.periods import local_midnight, month_start
from portal.services.compliance.bulk import bulk_insert, refreshed_rows
from portal.services.compliance import national
from portal.services.compliance.ranking import mark_snapshots, refresh_scores
from portal.services.compliance.sources import monthly_source, office_offsets
from portal.settings import default_timezone

UTC = timezone.utc
CHUNK = 500  # service user ids per IN (…) list


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


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
        nnc.counts_against_compliance, nnc.service_user_id.is_not(None)).group_by(
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
    after_last = [a.service_user_id == s.service_user_id, a.completed_at.is_not(None), a.deleted_at.is_(None),
                  or_(s.section_id == ALL_SECTIONS, a.section_id == s.section_id),
                  or_(s.last_violation_at.is_(None), a.completed_at > s.last_violation_at)]
    if service_user_ids is not None:
        # A few service users (a sync's, an NNC's): one count per streak row, each an index range over the
        # service user's completions after the last violation. The grouped join below planned a nested loop from
        # every application of theirs into the freshly written streaks (0.6 s for a sync's 250 busy companies).
        # count(*), not count(id): every column it reads is in ix_applications_service_user_completed, so PostgreSQL
        # counts from the index alone where the visibility map is current (most of a company's history).
        counted = select(func.count()).select_from(a).where(*after_last).scalar_subquery()
        session.execute(update(s).where(*condition).values(clean_streak=counted)
                        .execution_options(synchronize_session=False))
        return
    # Everything (the rebuild): one grouped query joined back in one UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33),
    # not one subquery per row.
    joined = after_last
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
    offsets = office_offsets(session)
    ids = None if service_user_ids is None else sorted({int(i) for i in service_user_ids})
    if ids is not None and not ids:
        return {"service_users": 0, "seconds": 0.0}
    batches = [None] if ids is None else list(_chunks(ids))
    for batch in batches:
        _refresh_monthly(session, office_id, batch, since, offsets)
        _refresh_streaks(session, office_id, batch)
    snapshot = {}
    if scores:
        snapshot = refresh_scores(session, office_id=office_id, service_user_ids=ids)
    else:  # the snapshots no longer hold these counts: the ranking reads the rollup until the next rebuild
        mark_snapshots(session, False)
    return {"service_users": len(ids) if ids is not None else None, "scores": snapshot.get("scores", 0),
            "seconds": round(_time.perf_counter() - started, 3)}


def recompute_all(session: Session) -> dict[str, Any]:
    """Rebuild every rollup and score snapshot from the raw tables (the CLI and the daily job)."""
    started = _time.perf_counter()
    mark_snapshots(session, True)  # first: holds the flag's row lock while everything is rebuilt (see there)
    offsets = office_offsets(session)
    _refresh_monthly(session, None, None, None, offsets)
    _refresh_streaks(session, None, None)
    snapshot = refresh_scores(session)
    national.refresh_national(session)
    return {"monthly_rows": session.scalar(select(func.count()).select_from(ComplianceMonthly)),
            "streaks": session.scalar(select(func.count()).select_from(ComplianceStreak)),
            "scores": snapshot.get("scores", 0), "tiers": snapshot.get("tiers", {t: 0 for t in TIERS}),
            "seconds": round(_time.perf_counter() - started, 3)}


def daily_recompute(database) -> dict[str, Any]:
    """The scheduler's daily job: the window slides, so every score is recomputed from the rollups."""
    with database.session() as session:
        return recompute_all(session)
