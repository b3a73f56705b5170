"""'Sync now' from the admin page: the web worker only records the request; the scheduler runs it.

The scheduler (jobs/sync_jobs.py) marks pending requests picked, runs one sync and only then links the
requests to that run. So a request is *pending* until picked, *running* while a sync runs after it was
picked, and *done* or *failed* as that run ended. Asking again while one is still open returns that one.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import SyncRequest, SyncRun
from models.base import utcnow
from portal import audit
from portal.db import Database
from portal.validation import NotFound

OPEN_STATES = ("pending", "running")
# Picked, yet no sync ran or is running this long after: the scheduler ran nothing for it (no source set?).
NO_RUN_AFTER = timedelta(minutes=5)
RECENT_REQUESTS = 20


def _resolve(session: Session, request: SyncRequest, now: datetime) -> tuple[str, SyncRun | None, str | None]:
    """(state, the run that answers the request if known, a reason when it failed without a run)."""
    if request.picked_at is None:
        return "pending", None, None
    if request.run_id is not None:
        run = session.get(SyncRun, request.run_id)
        if run is None or run.status == "running":
            return "running", run, None
        return ("done" if run.status == "success" else "failed"), run, None
    # Picked but not linked yet: the scheduler links the run only once it has finished.
    running = session.scalar(select(SyncRun).where(SyncRun.status == "running")
                             .order_by(SyncRun.started_at.desc()).limit(1))
    if running is not None:
        return "running", running, None
    finished = session.scalar(select(SyncRun).where(SyncRun.started_at >= request.picked_at)
                              .order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1))
    if finished is not None:
        return ("done" if finished.status == "success" else "failed"), finished, None
    if now - request.picked_at > NO_RUN_AFTER:
        return "failed", None, "no_run"
    return "running", None, None


def _request_dict(session: Session, request: SyncRequest, now: datetime) -> dict[str, Any]:
    state, run, reason = _resolve(session, request, now)
    return {"id": request.id, "state": state, "reason": reason, "requested_at": request.requested_at,
            "requested_by_id": request.requested_by_id, "picked_at": request.picked_at,
            "run_id": run.id if run else request.run_id,
            "waiting_seconds": int((now - request.requested_at).total_seconds()) if request.picked_at is None else 0,
            "run_status": run.status if run else None, "error": run.error if run else None,
            "rows_written": (run.rows_written or {}) if run else {}}


def request_status(session: Session, request_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Where a request stands: pending → running → done | failed."""
    request = session.get(SyncRequest, request_id)
    if request is None:
        raise NotFound(request_id)
    return _request_dict(session, request, now or utcnow())


def open_request(session: Session, now: datetime | None = None) -> dict[str, Any] | None:
    """The newest request not finished yet, if any (only the few latest unfinished ones are looked at)."""
    now = now or utcnow()
    candidates = session.scalars(
        select(SyncRequest).outerjoin(SyncRun, SyncRun.id == SyncRequest.run_id)
        .where(or_(SyncRequest.run_id.is_(None), SyncRun.status == "running"))
        .order_by(SyncRequest.requested_at.desc(), SyncRequest.id.desc()).limit(RECENT_REQUESTS))
    for request in candidates:
        found = _request_dict(session, request, now)
        if found["state"] in OPEN_STATES:
            return found
    return None


def request_sync(session: Session, actor) -> dict[str, Any]:
    """Ask the scheduler for a sync now; returns the request (an already open one if there is one)."""
    existing = open_request(session)
    if existing is not None:
        return {**existing, "created": False}
    request_id = record_sync_request(session, getattr(actor, "id", None))
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "sync_requested",
                 "sync_request", request_id)
    return {**request_status(session, request_id), "created": True}


def record_sync_request(session: Session, user_id: int | None) -> int:
    """Ask the scheduler for a sync now (it polls every few seconds); returns the request's id."""
    request = SyncRequest(requested_by_id=user_id, requested_at=utcnow())
    session.add(request)
    session.flush()
    return request.id


def pick_sync_requests(database: Database) -> list[int]:
    """Mark every pending request picked (the scheduler is about to run a sync for them)."""
    with database.session() as session:
        ids = list(session.scalars(select(SyncRequest.id).where(SyncRequest.picked_at.is_(None))
                                   .order_by(SyncRequest.id).with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(SyncRequest).where(SyncRequest.id.in_(ids)).values(picked_at=utcnow()))
        return ids


def link_sync_requests(database: Database, request_ids: Iterable[int], run_id: int) -> None:
    """Link the picked requests to the run that answered them (once it has finished)."""
    ids = list(request_ids)
    if ids:
        with database.session() as session:
            session.execute(update(SyncRequest).where(SyncRequest.id.in_(ids)).values(run_id=run_id))

