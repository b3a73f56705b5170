"""The scheduler process (``qcorner scheduler``): APScheduler's BlockingScheduler, outside the web workers.

Only one scheduler works at a time per database: the first takes a lock (jobs/locks.py) for its whole
life and the others wait for it, so several app hosts can each run one safely. The jobs it runs are the
registry's (jobs/registry.py: the sync jobs of jobs/sync_jobs.py and the portal's own of jobs/portal_jobs.py);
this module only builds the scheduler from that list and runs it.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.context import JobContext
from jobs.locks import SCHEDULER_LOCK, ProcessLock
from jobs.registry import AFTER_SYNC, JOBS
from portal.db import Database
from portal.settings import Settings

log = logging.getLogger("qcorner.scheduler")


def process_name() -> str:
    """This process's name in the sync runs' ``triggered_by``: host and pid."""
    return f"scheduler:{socket.gethostname()[:30]}:{os.getpid()}"


def build_scheduler(settings: Settings, database: Database, interval: timedelta,
                    lock: ProcessLock | None = None) -> JobContext:
    """A scheduler with every job of the registry added (those whose trigger is None left out)."""
    scheduler = BlockingScheduler(
        timezone=settings.timezone, executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    context = JobContext(settings, database, scheduler, process_name(), interval, lock, after_sync=AFTER_SYNC)
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
