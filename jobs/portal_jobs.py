"""The portal's own scheduled work, beside the sync: rollups after each sync, notification delivery,
the daily compliance recompute (the window slides) and the complaint-contact retention."""
from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.scheduler import JOBS, JobContext, JobSpec, after_sync

log = logging.getLogger("qcorner.scheduler")
DELIVERY_SECONDS = 30


@after_sync
def refresh_rollups_after_sync(context: JobContext, record: dict) -> None:
    """Compliance and KPI rollups for what this run changed, so pages read current small tables."""
    from datetime import datetime

    from portal.services.sync import after_sync as after

    started = record.get("started_at")
    if isinstance(started, str):
        started = datetime.fromisoformat(started)
    if started is None:
        return
    with context.database.session() as session:
        # Also what runs killed or failed since the last success committed (this run resumed after them).
        result = after.refresh_rollups(session, after.rollups_since(session, record.get("run_id"), started))
    log.info("rollups after sync: %s", result)


def deliver_notifications(context: JobContext) -> None:
    from portal.services.notifications import deliver_pending

    counts = deliver_pending(context.database, settings=context.settings)
    if any(counts.values()):
        log.info("notifications: %s", counts)


def daily_compliance(context: JobContext) -> None:
    from portal.services.compliance.rollup import daily_recompute

    log.info("daily compliance recompute: %s", daily_recompute(context.database))


def complaint_retention(context: JobContext) -> None:
    from portal.services import complaints

    with context.database.session() as session:
        erased = complaints.erase_expired_contacts(session, context.settings.complaint_contact_retention_days)
    if erased:
        log.info("complaint retention: erased the contact data of %d complaints", erased)


JOBS.extend([
    JobSpec("notifications", deliver_notifications, lambda c: IntervalTrigger(seconds=DELIVERY_SECONDS)),
    JobSpec("compliance-daily", daily_compliance,
            lambda c: CronTrigger(timezone=c.settings.timezone, hour=1, minute=30)),
    JobSpec("complaint-retention", complaint_retention,
            lambda c: CronTrigger(timezone=c.settings.timezone, hour=3, minute=0)),
])
