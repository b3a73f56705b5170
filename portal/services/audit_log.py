"""Reading the audit log: filtered and paged in the database (it only ever grows)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditLog
from portal.domain.periods import day_bounds
from portal.settings import DEFAULT_TIMEZONE

PAGE_SIZE = 50


def search(session: Session, *, username: str | None = None, action: str | None = None,
           date_from: date | None = None, date_to: date | None = None, tz: str = DEFAULT_TIMEZONE,
           page: int = 0, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of entries, newest first, with the total that match."""
    query = select(AuditLog)
    if username:
        query = query.where(func.lower(AuditLog.username).like(f"%{username.strip().lower()}%"))
    if action:
        query = query.where(AuditLog.action == action)
    if date_from:
        query = query.where(AuditLog.at >= day_bounds(date_from, date_from, tz)[0])
    if date_to:
        query = query.where(AuditLog.at < day_bounds(date_to, date_to, tz)[1])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                           .offset(max(page, 0) * page_size).limit(page_size))
    return {"total": total, "page": page, "page_size": page_size, "rows": [
        {"id": r.id, "at": r.at, "username": r.username, "action": r.action, "object_type": r.object_type,
         "object_id": r.object_id, "before": r.before, "after": r.after, "ip": r.ip} for r in rows]}


def actions(session: Session) -> list[str]:
    """The kinds of entry that exist, for the filter."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
