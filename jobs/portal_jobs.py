"""The portal's own scheduled work, beside the sync: rollups after each sync, notification delivery,
the daily compliance recompute (the window slides) and the complaint-contact retention.

Their schedules are in jobs/registry.py, the one list of jobs.
"""
from __future__ import annotations

import logging
from datetime import datetime

from jobs.context import JobContext
from portal.services import complaints
from portal.services.compliance.rollup import daily_recompute
from portal.services.notifications import deliver_digests, deliver_pending
from portal.services.sync import after_sync as after

log = logging.getLogger("qcorner.scheduler")
DELIVERY_SECONDS = 30


def refresh_rollups_after_sync(context: JobContext, record: dict) -> None:
    """Compliance and KPI rollups for what this run changed, so pages read current small tables."""
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
    """Send what the outbox holds (email, WhatsApp…), with retries for what failed before, and the daily
    digests of the office days that are over (each account that chose a digest gets one per day)."""
    counts = deliver_pending(context.database, settings=context.settings)
    if any(counts.values()):
        log.info("notifications: %s", counts)
    digests = deliver_digests(context.database, settings=context.settings)
    if any(digests.values()):
        log.info("notification digests: %s", digests)


def daily_compliance(context: JobContext) -> None:
    """Recompute every compliance rollup once a day: the window slides even when nothing is synced."""
    log.info("daily compliance recompute: %s", daily_recompute(context.database))


def complaint_retention(context: JobContext) -> None:
    """Erase the contact data of complaints closed longer ago than the retention period."""
    with context.database.session() as session:
        erased = complaints.erase_expired_contacts(session, context.settings.complaint_contact_retention_days)
    if erased:
        log.info("complaint retention: erased the contact data of %d complaints", erased)
