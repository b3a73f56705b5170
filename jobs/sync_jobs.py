"""The sync jobs: the regular sync, "sync now" requests, the nightly reconciliation and the lock watch.

- ``sync``: every QCORNER_SYNC_INTERVAL_MINUTES, IQFast's database (QCORNER_IQFAST_URL) and the export
  folder (QCORNER_IQFAST_EXPORT_DIR); in demo mode the simulator is ticked first so the portal looks
  alive. When IQFast cannot be reached the run is recorded as failed and retried after 1, 2, 4… minutes,
  never later than the normal interval; the portal keeps serving what it has.
- ``sync-requests``: every few seconds, runs a sync for "sync now" requests from the admin page.
- ``reconcile``: nightly key comparison with IQFast (deleted records marked, gaps filled).
- ``lock-watch``: stops the process if its lock's database connection is lost (another may take over).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.context import JobContext
from jobs.locks import SYNC_LOCK, ProcessLock
from portal.services.sync.run_log import close_abandoned_runs
from portal.services.sync.runs import SYNC_KINDS, reconcile_from_settings, sync_from_settings
from portal.services.sync.requests import link_sync_requests, pick_sync_requests

log = logging.getLogger("qcorner.scheduler")

REQUEST_POLL_SECONDS = 5          # "sync now" is picked up within this (the admin page promises ~10 s)
LOCK_WATCH_SECONDS = 30
FIRST_RETRY = timedelta(minutes=1)


def run_locked_sync(context: JobContext, triggered_by: str) -> list[dict]:
    """One sync pass, never two at once: one per process (a thread lock), one per database (SYNC_LOCK)."""
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
            for callback in context.after_sync:
                try:
                    callback(context, result)
                except Exception:
                    log.exception("after-sync callback %s failed", getattr(callback, "__name__", callback))
    return results


def sync_job(context: JobContext) -> None:
    """The regular sync; on failure, try again sooner (1, 2, 4… minutes, at most the interval)."""
    results = run_locked_sync(context, context.name)
    failed = [r for r in results if r.get("status") == "failed" and r.get("kind", "incremental") in SYNC_KINDS]
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
    ids = pick_sync_requests(context.database)
    if not ids:
        return
    log.info("sync requested (%s)", ids)
    results = run_locked_sync(context, f"{context.name} request"[:64])
    if results:
        link_sync_requests(context.database, ids, results[0]["run_id"])


def reconcile_job(context: JobContext) -> None:
    """The nightly key comparison with IQFast and with each office's own database, under the same locks as a
    sync."""
    with context.sync_guard:
        lock = ProcessLock(context.database.url, SYNC_LOCK)
        lock.acquire(wait=True, poll_seconds=1.0)
        try:
            close_abandoned_runs(context.database)
            results = reconcile_from_settings(context.database, context.settings, triggered_by=context.name)
        finally:
            lock.release()
    for result in results:
        log.info("reconciliation of %s %s: %s", result["source"], result["status"], result["rows_written"])


def lock_watch_job(context: JobContext) -> None:
    """If the lock's connection is gone, PostgreSQL has let the lock go: stop before two schedulers work."""
    if context.lock is not None and not context.lock.alive():
        log.error("lost the scheduler lock (database connection gone): stopping")
        context.exit_code = 3
        context.scheduler.shutdown(wait=False)


def _tick_simulator(url: str) -> None:
    """Demo: move the simulator's clock up to now (at most a day per pass), as if IQFast were busy."""
    # Only the demo runs the simulator: a production scheduler never loads it.
    from iqfast_sim.simulator import simulator_clock, tick

    try:
        clock = simulator_clock(url)
        now = datetime.now(timezone(timedelta(hours=7))).replace(tzinfo=None)
        minutes = int((now - clock).total_seconds() // 60)
        if minutes >= 1:
            tick(url, min(minutes, 24 * 60))
    except Exception:
        log.exception("demo: the simulator could not tick")


def sync_trigger(context: JobContext) -> BaseTrigger | None:
    """Every interval, when there is a source to sync from; none configured: the job is not scheduled."""
    if not (context.settings.iqfast_url or context.settings.iqfast_export_dir):
        log.warning("no QCORNER_IQFAST_URL or QCORNER_IQFAST_EXPORT_DIR: nothing to sync")
        return None
    return IntervalTrigger(seconds=context.interval.total_seconds())
