"""The audit log: who changed what, when, with the values before and after."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from models import AuditLog


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
