"""The portal's own scheduled work, beside the sync: notification delivery, the daily compliance recompute (the
window slides), the complaint-contact retention and forgetting old failed-login counts. (Rollups and scores after each sync are part of the run:
portal/services/sync/after_sync.bring_current.)

Their schedules are in jobs/registry.py, the one list of jobs.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from jobs.context import JobContext
from portal.services import accounts, complaints
from portal.services.compliance.rollup import daily_recompute
from portal.services.notifications import deliver_digests, deliver_pending

log = logging.getLogger("qcorner.scheduler")
DELIVERY_SECONDS = 30


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


def forget_old_login_failures(context: JobContext) -> None:
    """Delete failed-login counts older than the hard-lock window: no lock decision reads them any more."""
    with context.database.session() as session:
        gone = accounts.forget_old_failures(session, timedelta(hours=context.settings.login_hard_lock_hours))
    if gone:
        log.info("login failures: forgot %d old counts", gone)
