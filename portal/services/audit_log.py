"""Reading the audit log: filtered and paged in the database (it only ever grows)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditLog
from portal.domain.periods import day_bounds
from portal.services.text_search import contains
from portal.settings import DEFAULT_TIMEZONE
from portal.validation import ErrorCollector, NotFound

PAGE_SIZE = 50


def search(session: Session, *, username: str | None = None, action: str | None = None,
           date_from: date | None = None, date_to: date | None = None, tz: str = DEFAULT_TIMEZONE,
           page: int = 0, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of entries, newest first, with the total that match.

    A range whose end is before its start is refused (InvalidInput on date_to) rather than answered with no entry:
    "Tidak ada data" read as "nothing happened", the same rule and words as the applications' list."""
    if date_from and date_to and date_from > date_to:
        errors = ErrorCollector()
        errors.add("date_to", "admin_audit.error.date_range")
        errors.raise_if_any()
    query = select(AuditLog)
    if username:
        query = query.where(contains(AuditLog.username, username))
    if action:
        query = query.where(AuditLog.action == action)
    if date_from:
        query = query.where(AuditLog.at >= day_bounds(date_from, date_from, tz)[0])
    if date_to:
        query = query.where(AuditLog.at < day_bounds(date_to, date_to, tz)[1])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                           .offset(max(page, 0) * page_size).limit(page_size))
    return {"total": total, "page": page, "page_size": page_size, "rows": [_entry(r) for r in rows]}


def entry(session: Session, entry_id: int) -> dict[str, Any]:
    """One entry with the fields it changed, for the detail drawer."""
    found = session.get(AuditLog, entry_id)
    if found is None:
        raise NotFound("audit entry")
    return _entry(found)


def _entry(row: AuditLog) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "username": row.username, "action": row.action,
            "object_type": row.object_type, "object_id": row.object_id, "ip": row.ip,
            "occurrences": row.occurrences or 1,  # access denials are counted per session and minute
            "changes": changes(row.before, row.after)}


def changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """The entry's before and after as one row per field: {field, before, after}, in the order written.

    Entries record dicts of the fields that changed (a few record one plain value, e.g. a status, which becomes the
    field "value"); a field present on one side only was added or cleared. Values stay as recorded: the page
    formats them."""
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    fields = list(before) + [name for name in after if name not in before]
    return [{"field": name, "before": before.get(name), "after": after.get(name)} for name in fields
            if before.get(name) != after.get(name) or name not in before or name not in after]


def actions(session: Session) -> list[str]:
    """The kinds of entry that exist, for the filter."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
