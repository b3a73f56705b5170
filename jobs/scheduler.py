"""The scheduler process (``qcorner scheduler``): APScheduler's BlockingScheduler, outside the web workers.

Only one scheduler works at a time per database: the first takes a lock (jobs/locks.py) for its whole
life and the others wait for it, so several app hosts can each run one safely. The jobs:
- ``sync``: every QCORNER_SYNC_INTERVAL_MINUTES, IQFast's database (QCORNER_IQFAST_URL) and the export
  folder (QCORNER_IQFAST_EXPORT_DIR); in demo mode the simulator is ticked first so the portal looks
  alive. When IQFast cannot be reached the run is recorded as failed and retried after 1, 2, 4… minutes,
  never later than the normal interval; the portal keeps serving what it has.
- ``sync-requests``: every few seconds, runs a sync for "sync now" requests from the admin page.
- ``reconcile``: nightly key comparison with IQFast (deleted records marked, gaps filled).
- ``lock-watch``: stops the process if its lock's database connection is lost (another may take over).

To add a job (notification delivery, compliance recompute…), append a ``JobSpec`` to ``JOBS``; to run
something after every successful sync, decorate it with ``@after_sync``. Both take a ``JobContext``.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.locks import SCHEDULER_LOCK, SYNC_LOCK, ProcessLock
from portal.db import Database
from portal.settings import Settings

log = logging.getLogger("qcorner.scheduler")

REQUEST_POLL_SECONDS = 5          # "sync now" is picked up within this (the admin page promises ~10 s)
LOCK_WATCH_SECONDS = 30
RECONCILE_AT = {"hour": 2, "minute": 15}  # in the configured office time zone: a quiet hour
FIRST_RETRY = timedelta(minutes=1)


@dataclass
class JobContext:
    """What every job gets: settings, the database, the scheduler itself, and this process's name."""

    settings: Settings
    database: Database
    scheduler: BlockingScheduler
    name: str
    interval: timedelta
    lock: ProcessLock | None = None
    sync_guard: threading.Lock = field(default_factory=threading.Lock)
    failures: int = 0
    exit_code: int = 0


@dataclass(frozen=True)
class JobSpec:
    """A job: its id, the function (called with the JobContext) and its trigger (None: not scheduled)."""

    id: str
    func: Callable[[JobContext], Any]
    trigger: Callable[[JobContext], BaseTrigger | None]
    run_at_start: bool = False


AFTER_SYNC: list[Callable[[JobContext, dict], None]] = []


def after_sync(callback: Callable[[JobContext, dict], None]) -> Callable[[JobContext, dict], None]:
    """Run ``callback(context, run_record)`` after every successful sync run (errors are logged, not raised)."""
    AFTER_SYNC.append(callback)
    return callback


# ---------------------------------------------------------------- the sync jobs


def run_locked_sync(context: JobContext, triggered_by: str) -> list[dict]:
    """One sync pass, never two at once: one per process (a thread lock), one per database (SYNC_LOCK)."""
    from portal.services.sync.runs import close_abandoned_runs, sync_from_settings

    with context.sync_guard:
        lock = ProcessLock(context.database.url, SYNC_LOCK)
        lock.acquire(wait=True, poll_seconds=1.0,
                     on_wait=lambda: log.info("another sync (qcorner sync --once?) is running: waiting"))
        try:
            close_abandoned_runs(context.database)
            if context.settings.env == "demo" and context.settings.iqfast_url:
                _tick_simulator(context.settings.iqfast_url)
            results = sync_from_settings(context.database, context.settings, triggered_by=triggered_by)
        finally:
            lock.release()
    for result in results:
        if result.get("status") in ("success", "partial"):
            for callback in AFTER_SYNC:
                try:
                    callback(context, result)
                except Exception:
                    log.exception("after-sync callback %s failed", getattr(callback, "__name__", callback))
    return results


def sync_job(context: JobContext) -> None:
    """The regular sync; on failure, try again sooner (1, 2, 4… minutes, at most the interval)."""
    results = run_locked_sync(context, context.name)
    failed = [r for r in results if r.get("status") == "failed" and r.get("kind", "incremental") == "incremental"]
    if failed:
        context.failures += 1
        delay = min(FIRST_RETRY * 2 ** (context.failures - 1), context.interval)
        log.warning("sync failed (%s in a row): %s; next try in %s", context.failures,
                    (failed[0].get("error") or "").splitlines()[0:1], delay)
        context.scheduler.modify_job("sync", next_run_time=datetime.now(timezone.utc) + delay)
    else:
        if context.failures:
            log.info("sync works again after %s failed runs", context.failures)
        context.failures = 0


def sync_requests_job(context: JobContext) -> None:
    """Run a sync for pending "sync now" requests: mark them picked, then link them to the run."""
    from portal.services.sync.runs import link_sync_requests, pick_sync_requests

    ids = pick_sync_requests(context.database)
    if not ids:
        return
    log.info("sync requested (%s)", ids)
    results = run_locked_sync(context, f"{context.name} request"[:64])
    if results:
        link_sync_requests(context.database, ids, results[0]["run_id"])


def reconcile_job(context: JobContext) -> None:
    from portal.services.sync.runs import close_abandoned_runs, run_reconcile

    if not context.settings.iqfast_url:
        return
    with context.sync_guard:
        lock = ProcessLock(context.database.url, SYNC_LOCK)
        lock.acquire(wait=True, poll_seconds=1.0)
        try:
            close_abandoned_runs(context.database)
            result = run_reconcile(context.database, context.settings.iqfast_url, triggered_by=context.name)
        finally:
            lock.release()
    log.info("reconciliation %s: %s", result["status"], result["rows_written"])


def lock_watch_job(context: JobContext) -> None:
    """If the lock's connection is gone, PostgreSQL has let the lock go: stop before two schedulers work."""
    if context.lock is not None and not context.lock.alive():
        log.error("lost the scheduler lock (database connection gone): stopping")
        context.exit_code = 3
        context.scheduler.shutdown(wait=False)


def _tick_simulator(url: str) -> None:
    """Demo: move the simulator's clock up to now (at most a day per pass), as if IQFast were busy."""
    from iqfast_sim.simulator import simulator_clock, tick

    try:
        clock = simulator_clock(url)
        now = datetime.now(timezone(timedelta(hours=7))).replace(tzinfo=None)
        minutes = int((now - clock).total_seconds() // 60)
        if minutes >= 1:
            tick(url, min(minutes, 24 * 60))
    except Exception:
        log.exception("demo: the simulator could not tick")


def _sync_trigger(context: JobContext) -> BaseTrigger | None:
    if not (context.settings.iqfast_url or context.settings.iqfast_export_dir):
        log.warning("no QCORNER_IQFAST_URL or QCORNER_IQFAST_EXPORT_DIR: nothing to sync")
        return None
    return IntervalTrigger(seconds=context.interval.total_seconds())


JOBS: list[JobSpec] = [
    JobSpec("sync", sync_job, _sync_trigger, run_at_start=True),
    JobSpec("sync-requests", sync_requests_job, lambda c: IntervalTrigger(seconds=REQUEST_POLL_SECONDS)),
    JobSpec("reconcile", reconcile_job,
            lambda c: CronTrigger(timezone=c.settings.timezone, **RECONCILE_AT) if c.settings.iqfast_url else None),
    JobSpec("lock-watch", lock_watch_job, lambda c: IntervalTrigger(seconds=LOCK_WATCH_SECONDS)),
]


# ---------------------------------------------------------------- the process


def process_name() -> str:
    return f"scheduler:{socket.gethostname()[:30]}:{os.getpid()}"


def build_scheduler(settings: Settings, database: Database, interval: timedelta,
                    lock: ProcessLock | None = None) -> JobContext:
    import jobs.portal_jobs  # noqa: F401 - registers the portal's own jobs and after-sync steps
    scheduler = BlockingScheduler(
        timezone=settings.timezone, executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    context = JobContext(settings, database, scheduler, process_name(), interval, lock)
    now = datetime.now(timezone.utc)
    for spec in JOBS:
        trigger = spec.trigger(context)
        if trigger is None:
            continue
        scheduler.add_job(spec.func, trigger, args=[context], id=spec.id, name=spec.id,
                          **({"next_run_time": now} if spec.run_at_start else {}))
    return context


def run_scheduler(settings: Settings, interval_seconds: float | None = None) -> int:
    """Wait for the scheduler lock, then run the jobs until stopped; returns the exit code."""
    database = Database(settings.effective_database_url)
    interval = timedelta(seconds=interval_seconds) if interval_seconds else timedelta(
        minutes=settings.sync_interval_minutes)
    lock = ProcessLock(database.url, SCHEDULER_LOCK)
    log.info("%s: taking the scheduler lock", process_name())
    lock.acquire(wait=True, poll_seconds=2.0,
                 on_wait=lambda: log.info("another scheduler holds the lock: waiting (it takes over if that one stops)"))
    log.info("%s: scheduler lock held; sync every %s", process_name(), interval)
    context = build_scheduler(settings, database, interval, lock)

    def stop(signum, _frame):
        log.info("signal %s: stopping", signum)
        context.scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        context.scheduler.start()
    finally:
        lock.release()
        database.dispose()
    return context.exit_code
