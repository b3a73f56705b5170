"""The audit log: who changed what, when, with the values before and after."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditLog
from models.base import utcnow

DENIED = "access_denied"
DENIED_TARGETS_KEPT = 20  # distinct refused targets listed on one denial row; the count goes on


def _request_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(session: Session, actor_id: int | None, actor_username: str | None, action: str,
           object_type: str | None = None, object_id: Any = None, before: Any = None, after: Any = None) -> None:
    """Add one audit entry in the caller's transaction, so it commits or rolls back with the change."""
    session.add(AuditLog(user_id=actor_id, username=actor_username, action=action, object_type=object_type,
                         object_id=None if object_id is None else str(object_id), before=before, after=after,
                         ip=_request_ip()))


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, so the log says what happened and nothing else."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# How much of a refused target a denial row keeps: a paged list's callback key names a dozen outputs.
REFUSED_CHARS = 200


def record_denied(session: Session, actor_id: int, actor_username: str, session_id: str, kind: str, target: Any,
                  now: datetime | None = None) -> None:
    """Count an access denial: the first of a session in a minute writes a row, the rest add to its `occurrences`
    and (up to DENIED_TARGETS_KEPT distinct ones) to the list of what was refused, so a burst of refused requests
    cannot bury the log and the probing still shows. The row is locked while it is counted (PostgreSQL; SQLite
    writes one at a time anyway), so parallel refusals lose nothing; two first refusals at the same instant may
    each write a row, which only splits the count."""
    now = now or utcnow()
    key = hashlib.sha256(session_id.encode()).hexdigest()[:32]  # the id itself would open the session
    refused = f"{kind} {target}"[:REFUSED_CHARS]
    counted = session.scalar(select(AuditLog).where(
        AuditLog.session_key == key, AuditLog.at >= now.replace(second=0, microsecond=0),
        AuditLog.action == DENIED).order_by(AuditLog.id.desc()).limit(1).with_for_update())
    if counted is None:
        session.add(AuditLog(at=now, user_id=actor_id, username=actor_username, action=DENIED, object_type=kind,
                             object_id=str(target)[:64], ip=_request_ip(), session_key=key, occurrences=1,
                             after={"refused": [refused]}))
        return
    counted.occurrences += 1
    targets = list((counted.after or {}).get("refused", []))
    if refused not in targets and len(targets) < DENIED_TARGETS_KEPT:
        counted.after = {"refused": [*targets, refused]}


def denied_targets(row: AuditLog) -> list[str]:
    """What a denial row says was refused ("kind target" each; rows from before the counting name one)."""
    return list((row.after or {}).get("refused", [])) or [f"{row.object_type} {row.object_id}"]
