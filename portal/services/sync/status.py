"""How fresh the copy of the certification data is, and what the recent sync runs did (read-only).

The sync itself is the scheduler's job (portal/services/sync/runs.py, jobs/); this module only reads its
bookkeeping, for the staleness warning on every page, /healthz and the admin page.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, SyncCursor, SyncRun
from models.base import utcnow
from portal.services.sync.run_log import last_successful_sync  # the sync engine's own definition of "last success"

RECENT_RUNS = 50
# The data counts as stale when the last successful sync is older than this many sync intervals.
STALE_AFTER_INTERVALS = 2
__all__ = ["freshness", "last_success_run", "last_successful_sync", "recent_runs", "saved_cursors"]


def freshness(session: Session, interval_minutes: int, now: datetime | None = None) -> dict[str, Any]:
    """Age of the copy and whether it is stale (older than twice the sync interval).

    `fresh_install` is true when no sync ever succeeded and no application exists either: nothing to
    warn about yet. Without any successful sync but with applications, the copy counts as stale.
    """
    now = now or utcnow()
    last = last_successful_sync(session)
    age = max((now - last).total_seconds(), 0.0) if last else None
    has_applications = last is not None or session.scalar(select(Application.id).limit(1)) is not None
    stale = age > STALE_AFTER_INTERVALS * interval_minutes * 60 if age is not None else has_applications
    return {"last_success_at": last, "age_seconds": None if age is None else int(age), "stale": bool(stale),
            "fresh_install": last is None and not has_applications,
            "stale_after_seconds": STALE_AFTER_INTERVALS * interval_minutes * 60}


def _run_dict(run: SyncRun, now: datetime) -> dict[str, Any]:
    end = run.finished_at or (now if run.status == "running" else None)
    return {"id": run.id, "kind": run.kind, "source": run.source, "started_at": run.started_at,
            "finished_at": run.finished_at, "status": run.status,
            "duration_seconds": int((end - run.started_at).total_seconds()) if end and run.started_at else None,
            "rows_read": run.rows_read or {}, "rows_written": run.rows_written or {}, "cursor": run.cursor or {},
            "error": run.error, "triggered_by": run.triggered_by}


def recent_runs(session: Session, limit: int = RECENT_RUNS, now: datetime | None = None) -> list[dict[str, Any]]:
    """The latest sync runs, newest first (the table grows every few minutes: never read whole)."""
    now = now or utcnow()
    runs = session.scalars(select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(limit))
    return [_run_dict(run, now) for run in runs]


def last_success_run(session: Session, now: datetime | None = None) -> dict[str, Any] | None:
    """The last successful run, with the cursor it left behind."""
    run = session.scalar(select(SyncRun).where(SyncRun.status == "success")
                         .order_by(SyncRun.finished_at.desc(), SyncRun.id.desc()).limit(1))
    return _run_dict(run, now or utcnow()) if run else None


def saved_cursors(session: Session) -> list[dict[str, Any]]:
    """How far each source table has been read, as saved now (one row per source table)."""
    return [{"source_table": c.source_table, "updated_at": c.updated_at, "last_id": c.last_id, "saved_at": c.saved_at}
            for c in session.scalars(select(SyncCursor).order_by(SyncCursor.source_table))]
