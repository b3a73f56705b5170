"""The one list of the scheduler's jobs and of the steps that run after each successful sync.

To add a job, write its function (it takes a ``JobContext``) in ``jobs/sync_jobs.py`` or ``jobs/portal_jobs.py``
and add a ``JobSpec`` here; to run something after every successful sync, add it to ``AFTER_SYNC`` (or decorate
it with ``@after_sync``). The scheduler process (``jobs/scheduler.py``) only reads these lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs import portal_jobs, sync_jobs
from jobs.context import JobContext

RECONCILE_AT = {"hour": 2, "minute": 15}  # in the configured office time zone: a quiet hour


@dataclass(frozen=True)
class JobSpec:
    """A job: its id, the function (called with the JobContext) and its trigger (None: not scheduled)."""

    id: str
    func: Callable[[JobContext], Any]
    trigger: Callable[[JobContext], BaseTrigger | None]
    run_at_start: bool = False


JOBS: list[JobSpec] = [
    JobSpec("sync", sync_jobs.sync_job, sync_jobs.sync_trigger, run_at_start=True),
    JobSpec("sync-requests", sync_jobs.sync_requests_job,
            lambda c: IntervalTrigger(seconds=sync_jobs.REQUEST_POLL_SECONDS)),
    JobSpec("reconcile", sync_jobs.reconcile_job,
            lambda c: CronTrigger(timezone=c.settings.timezone, **RECONCILE_AT) if c.settings.iqfast_url else None),
    JobSpec("lock-watch", sync_jobs.lock_watch_job, lambda c: IntervalTrigger(seconds=sync_jobs.LOCK_WATCH_SECONDS)),
    JobSpec("notifications", portal_jobs.deliver_notifications,
            lambda c: IntervalTrigger(seconds=portal_jobs.DELIVERY_SECONDS)),
    JobSpec("compliance-daily", portal_jobs.daily_compliance,
            lambda c: CronTrigger(timezone=c.settings.timezone, hour=1, minute=30)),
    JobSpec("complaint-retention", portal_jobs.complaint_retention,
            lambda c: CronTrigger(timezone=c.settings.timezone, hour=3, minute=0)),
    JobSpec("login-failures", portal_jobs.forget_old_login_failures,
            lambda c: CronTrigger(timezone=c.settings.timezone, minute=20)),
]

# Empty: the rollups and scores a run changed are brought current inside the run (sync/after_sync.bring_current),
# before it is recorded as a success.
AFTER_SYNC: list[Callable[[JobContext, dict], None]] = []


def after_sync(callback: Callable[[JobContext, dict], None]) -> Callable[[JobContext, dict], None]:
    """Run ``callback(context, run_record)`` after every successful sync run (errors are logged, not raised)."""
    AFTER_SYNC.append(callback)
    return callback
