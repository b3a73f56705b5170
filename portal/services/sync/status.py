"""How fresh the copy of the certification data is, and what the recent sync runs did (read-only).

The sync itself is the scheduler's job (portal/services/sync/runs.py, jobs/); this module only reads its
bookkeeping, for the staleness warning on every page, /healthz and the admin page.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models import Application, SyncCursor, SyncRun
from models.base import utcnow
from portal.domain.periods import day_bounds
from portal.settings import DEFAULT_TIMEZONE
from portal.services.sync.run_log import last_successful_sync  # the sync engine's own definition of "last success"
from portal.services.sync.run_log import error_parts  # how a run's error is written is the sync engine's, too

# A year of runs every five minutes is ~105,000 rows: the page reads one page of them at a time.
RUNS_PAGE_SIZE = 25
RUN_STATUSES = ("success", "failed", "running")
# How a source's database is named on the page (the URL itself, host and user, stays in sync_runs for the logs).
SOURCE_KINDS = {"mysql": "MySQL", "mariadb": "MariaDB", "postgresql": "PostgreSQL", "sqlite": "SQLite",
                "mssql": "SQL Server", "oracle": "Oracle"}
# The data counts as stale when the last successful sync is older than this many sync intervals.
STALE_AFTER_INTERVALS = 2
__all__ = ["error_parts", "freshness", "last_success_run", "last_successful_sync", "runs_page", "saved_cursors",
           "source_name"]


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


def runs_page(session: Session, page: int = 0, status: str | None = None, page_size: int = RUNS_PAGE_SIZE,
              now: datetime | None = None, day: date | None = None, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """One page of the sync runs, newest first, optionally of one status and of the runs started on one day at the
    office (`tz`), with how many there are in all (the table grows every few minutes: paged in the database, never
    read whole; a year holds ~105,000 runs, so a day is how an admin reaches a night three months ago)."""
    now = now or utcnow()
    conditions = [SyncRun.status == status] if status else []
    if day is not None:
        start, end = day_bounds(day, day, tz)
        conditions += [SyncRun.started_at >= start, SyncRun.started_at < end]
    total = session.scalar(select(func.count()).select_from(SyncRun).where(*conditions))
    runs = session.scalars(select(SyncRun).where(*conditions).order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
                           .offset(max(page, 0) * page_size).limit(page_size))
    return {"rows": [_run_dict(run, now) for run in runs], "total": total, "page": page, "page_size": page_size}


def source_name(source: str | None) -> str:
    """What a run read, for the page: 'MySQL · iqfast' for a database (no host, user or port: the page is no
    place for a connection string), the file's name for an export file."""
    if not source:
        return ""
    if "://" not in source:
        return source
    try:
        url = make_url(source)
    except Exception:  # a malformed record shows as nothing rather than as itself
        return ""
    kind = SOURCE_KINDS.get(url.get_backend_name(), url.get_backend_name())
    name = (url.database or "").replace("\\", "/").rsplit("/", 1)[-1]
    return f"{kind} · {name}" if name else kind


def last_success_run(session: Session, now: datetime | None = None) -> dict[str, Any] | None:
    """The last successful run, with the cursor it left behind."""
    run = session.scalar(select(SyncRun).where(SyncRun.status == "success")
                         .order_by(SyncRun.finished_at.desc(), SyncRun.id.desc()).limit(1))
    return _run_dict(run, now or utcnow()) if run else None


def saved_cursors(session: Session) -> list[dict[str, Any]]:
    """How far each source table has been read, as saved now (one row per source table)."""
    return [{"source_table": c.source_table, "updated_at": c.updated_at, "last_id": c.last_id, "saved_at": c.saved_at}
            for c in session.scalars(select(SyncCursor).order_by(SyncCursor.source_table))]
