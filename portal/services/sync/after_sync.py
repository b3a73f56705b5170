"""What must follow a sync: notifications in the batch's own transaction; the rollups, scores, tier history,
handler flags and KPI tier counts of what the run changed, and the inspection decisions of the applications it
inserted, before the run is recorded as a success."""
from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime, timezone
from typing import Iterable

from sqlalchemy import func, select, text, union
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import Application, ApplicationCommodity, Bill, Certificate, Nnc, QuarantineAction, StageEvent, SyncRun
from portal.services import notifications
from portal.services.compliance import national as compliance_national
from portal.services.compliance import rollup as compliance_rollup
from portal.services.kpi import rollup as kpi_rollup
from portal.services.nnc import links as nnc_links
from portal.services.targeting import deciding as targeting

log = logging.getLogger("qcorner.sync")

ID_CHUNK = 5000
# Past this many changed applications (a first backfill), one full rebuild beats incremental refreshes.
FULL_REBUILD_AT = 20000
# What a full rebuild writes anew. Their statistics still describe the tables before it (empty, after a first load)
# until autovacuum comes round, and meanwhile the inspection decisions just after the rebuild and the next runs'
# refreshes were planned as if they were: a sequential scan of every KPI fact to find a few hundred applications' days.
COMPLIANCE_REBUILT = ("compliance_monthly", "compliance_streaks", "compliance_scores", "compliance_tier_history",
                      "compliance_national_scores")
KPI_REBUILT = ("kpi_daily_facts", "kpi_daily", "kpi_application_times")
REBUILT = COMPLIANCE_REBUILT + KPI_REBUILT


def enqueue_notifications(connection: Connection, target: str, written_ids: Iterable[int],
                          survey_cooldown_days: int = 30, since: datetime | None = None) -> int:
    """Queue the service users' notifications for the stage events / 3P actions a batch just wrote (only those
    that happened at or after ``since``, when given).

    Runs on the batch's connection, inside its transaction: the outbox rows commit or roll back with the
    synced rows, so a crash can neither lose a notification nor send one for data that was never saved.
    """
    ids = sorted(written_ids)
    if not ids or target not in ("stage_events", "quarantine_actions"):
        return 0
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    created = 0
    try:
        for start in range(0, len(ids), ID_CHUNK):
            part = ids[start:start + ID_CHUNK]
            if target == "stage_events":
                query = (select(StageEvent.application_id, StageEvent.stage, StageEvent.occurred_at)
                         .where(StageEvent.id.in_(part), StageEvent.deleted_at.is_(None)))
                if since is not None:
                    query = query.where(StageEvent.occurred_at >= since)
                rows = session.execute(query).all()
                events = [{"application_id": a, "stage": s, "occurred_at": t} for a, s, t in rows]
                created += notifications.enqueue_for_synced_events(session, events, [],
                                                                   survey_cooldown_days=survey_cooldown_days)
            else:
                query = (select(QuarantineAction.application_id, QuarantineAction.kind, QuarantineAction.action_at)
                         .where(QuarantineAction.id.in_(part), QuarantineAction.deleted_at.is_(None)))
                if since is not None:
                    query = query.where(QuarantineAction.action_at >= since)
                rows = session.execute(query).all()
                actions = [{"application_id": a, "kind": k, "action_at": t} for a, k, t in rows]
                created += notifications.enqueue_for_synced_events(session, [], actions,
                                                                   survey_cooldown_days=survey_cooldown_days)
        session.commit()  # releases the savepoint only: the batch's own commit makes it durable
    finally:
        session.close()
    return created


def rollups_since(session: Session, run_id: int | None, started: datetime) -> datetime:
    """From when the rollups must be refreshed after the successful run ``run_id`` that started at ``started``.

    Its own start, unless runs between the previous successful one and it failed or were killed: those may
    have committed whole chunks, which the finishing run does not write again (it resumes from their cursor),
    so their rows would never be rolled up. Then: the start of the first of them.
    """
    if run_id is None:
        return started
    done = SyncRun.status.in_(("success", "partial"))
    previous = session.scalar(select(func.max(SyncRun.id)).where(done, SyncRun.id < run_id))
    earliest = session.scalar(select(func.min(SyncRun.started_at)).where(
        SyncRun.id > (previous or 0), SyncRun.id < run_id, ~done))
    return min(started, earliest) if earliest is not None else started


def changed_applications(session: Session, since: datetime) -> list[int]:
    """Applications whose own row, stage events, 3P actions, commodity lines (the first gives the primary commodity
    the rollup counts under), bills or certificates a sync wrote — or the reconciliation marked deleted — since
    `since`."""
    query = union(select(Application.id).where(Application.synced_at >= since),
                  select(ApplicationCommodity.application_id).where(ApplicationCommodity.synced_at >= since),
                  select(StageEvent.application_id).where(StageEvent.synced_at >= since),
                  select(QuarantineAction.application_id).where(QuarantineAction.synced_at >= since),
                  select(Bill.application_id).where(Bill.synced_at >= since),
                  select(Certificate.application_id).where(Certificate.synced_at >= since))
    return sorted(session.scalars(query))


def months_reached(session: Session, application_ids: list[int], old: datetime | None) -> date:
    """The first day from which the monthly rollup of the changed applications' companies can differ: the earliest of
    their completion times, their 3P actions' times (deleted ones too) and their NNCs' notice dates — where each of
    their counts sits now, and where a changed direction, section or primary commodity moves it from — and ``old``,
    the earliest old completion / action time the run's writes overwrote (run_log.Reach). A UTC day: the rollup's
    months are the offices' local months, which start no earlier (zones east of UTC)."""
    moments = [old]
    for start in range(0, len(application_ids), ID_CHUNK):
        part = application_ids[start:start + ID_CHUNK]
        moments.append(session.scalar(select(func.min(Application.completed_at)).where(Application.id.in_(part))))
        moments.append(session.scalar(select(func.min(QuarantineAction.action_at))
                                      .where(QuarantineAction.application_id.in_(part))))
        notice = session.scalar(select(func.min(Nnc.notice_date)).where(Nnc.application_id.in_(part)))
        moments.append(None if notice is None else datetime.combine(notice, datetime.min.time(), timezone.utc))
    days = [(m if m.tzinfo else m.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()
            for m in moments if m is not None]
    # Nothing counted, before or after: no month moves; the current one is refreshed all the same.
    return min(days) if days else datetime.now(timezone.utc).date()


def bring_current(database, run_id: int, reach=None, moved_from: set[int] | frozenset = frozenset()) -> dict:
    """Everything read from what run ``run_id`` wrote, current before it is recorded as a success (DOMAIN:
    compliance): rollups, the touched service users' score snapshots, tier history, handler flags and the KPI
    panel's tier counts (those three read the snapshots). One transaction; also covers what runs killed or
    failed since the last success committed, since this run resumed after them.

    ``reach`` (run_log.Reach): the old times the run's writes overwrote; with it the monthly rollups are rebuilt
    from the earliest month the run can have moved a count in, else (and when killed runs' writes are included,
    whose old times nobody noted) over the touched companies' whole history. ``moved_from``: the service users the
    run's writes took applications away from (run_log.Reach.companies), refreshed with the touched ones; a killed
    run's are not known, and the nightly recompute brings them current."""
    kpi = KpiBeside(database) if database.engine.dialect.name == "postgresql" else None
    try:
        with database.session() as session:
            started = session.get(SyncRun, run_id).started_at
            since = rollups_since(session, run_id, started)
            bounded = reach is not None and since == started
            # NNCs saved with a PTK not synced then, linked now that this run may have brought it (same transaction),
            # their companies scored again; before the run's own refresh, which stores the national ranking after.
            linked = nnc_links.link_synced(session)
            result = refresh_rollups(session, since, old_times=reach.earliest if bounded else None, bounded=bounded,
                                     moved_from=moved_from, kpi_beside=kpi)
            result["nncs_linked"] = linked
            # The applications this run (or a killed one before it) inserted get their inspection decision now that
            # the levels they read are current; in this transaction, with the queue they leave.
            started_at = time.perf_counter()
            result["targeting_decided"] = targeting.decide_pending(session)
            result["targeting_seconds"] = round(time.perf_counter() - started_at, 3)
            if kpi is not None:
                kpi.wait()  # its failure fails the run, before this transaction commits
    finally:
        if kpi is not None:
            kpi.join()
    log.info("rollups after sync: %s", result)
    return result


class KpiBeside:
    """A full rebuild's KPI rollups on a second connection, in a transaction of their own, while the run's session
    rebuilds the compliance rollups and decides the new applications (a first load: ≈ a third of its after-sync, on
    PostgreSQL's second backend). The KPI rollups read only the synced rows, all committed by then, and nothing of the
    run's session reads them; were the run's own transaction to fail after they committed, they would still be the
    synced data's (the next run refreshes the rest)."""

    def __init__(self, database):
        self.database = database
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        def rebuild() -> None:
            try:
                with self.database.session() as session:
                    kpi_rollup.rebuild_kpi_rollups(session)
                    _analyze(session, KPI_REBUILT)
            except BaseException as error:  # raised by wait(), in the run's thread
                self.error = error

        self.thread = threading.Thread(target=rebuild, name="kpi-rebuild", daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def wait(self) -> None:
        """Wait for the rebuild (if one was started) and raise what it raised."""
        self.join()
        if self.error is not None:
            raise self.error


def refresh_rollups(session: Session, since: datetime, *, old_times: datetime | None = None,
                    bounded: bool = False, moved_from: set[int] | frozenset = frozenset(),
                    kpi_beside: KpiBeside | None = None) -> dict:
    """Bring the compliance and KPI rollups and the touched service users' scores up to date with what a sync
    run changed.

    ``bounded``: the caller knows the earliest old time the writes overwrote (``old_times``, None for none), so the
    monthly rollup is rebuilt from the first month they or the changed applications' times reach; else over the
    touched companies' whole history (a correction may reach any month). ``moved_from``: service users that lost
    applications to another one, refreshed with the changed applications' own. ``kpi_beside``: a full rebuild's KPI
    rollups are started there instead of rebuilt in this session (KpiBeside; the caller waits for them)."""
    application_ids = changed_applications(session, since)
    if not application_ids:
        # An NNC change since the last run dropped the stored national rankings (their snapshots were rewritten):
        # a quiet run stores them again rather than leave every national view computed live till the next change.
        if not compliance_national.stored_any(session):
            compliance_national.refresh_national(session)
        return {"applications": 0}
    if len(application_ids) > FULL_REBUILD_AT:
        if kpi_beside is not None:
            kpi_beside.start()  # the caller waits for it (KpiBeside.wait) before it commits
        compliance_rollup.recompute_all(session)
        if kpi_beside is None:
            kpi_rollup.rebuild_kpi_rollups(session)
        _analyze(session, COMPLIANCE_REBUILT if kpi_beside is not None else REBUILT)
        return {"applications": len(application_ids), "rebuilt": True}
    service_user_ids = set(moved_from)
    for start in range(0, len(application_ids), ID_CHUNK):
        part = application_ids[start:start + ID_CHUNK]
        service_user_ids |= set(session.scalars(select(Application.service_user_id).where(Application.id.in_(part))))
    touched = sorted(service_user_ids)
    # The stored national rankings' runs, read before the snapshot refresh drops them: while still of today's window,
    # settings and company links, only the touched companies are scored again (else every company, every run).
    previous = compliance_national.stored_runs(session)
    months_from = months_reached(session, application_ids, old_times) if bounded else None
    compliance_rollup.refresh_rollups(session, service_user_ids=touched, scores=True, since=months_from)
    # The national ranking from the refreshed snapshots, stored (else every national view scores every company).
    national = compliance_national.refresh_national(session, previous=previous, service_user_ids=touched)
    kpi_rollup.refresh_kpi_rollups(session, application_ids=application_ids)
    return {"applications": len(application_ids), "service_users": len(service_user_ids),
            "months_from": months_from.isoformat() if months_from else None,
            "national_rows_written": national.get("rewritten", 0)}


def _analyze(session: Session, tables: Iterable[str]) -> None:
    """ANALYZE the tables on PostgreSQL, in the run's transaction (ANALYZE may run in one; VACUUM may not). Our own
    table names, written into the statement."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f"ANALYZE {table}"))
