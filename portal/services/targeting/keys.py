"""The offices' targeting keys: a secret per office, never shown; rotated by an audited action.

A rotation retires the current key and adds the next version; decisions keep the version they were drawn under, so
a rotation changes only the draws of applications decided afterwards."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Office
from models.base import utcnow
from models.targeting import TargetingKey
from portal import audit
from portal.validation import NotFound


def _current_row(session: Session, office_id: int) -> TargetingKey | None:
    return session.scalar(select(TargetingKey).where(TargetingKey.office_id == office_id,
                                                     TargetingKey.retired_at.is_(None))
                          .order_by(TargetingKey.version.desc()).limit(1))


def current_key(session: Session, office_id: int) -> tuple[int, bytes]:
    """(version, key bytes) of the office's key in use; an office without one gets its first here."""
    row = _current_row(session, office_id)
    if row is None:
        last = session.scalar(select(TargetingKey.version).where(TargetingKey.office_id == office_id)
                              .order_by(TargetingKey.version.desc()).limit(1)) or 0
        row = TargetingKey(office_id=office_id, version=last + 1, secret=secrets.token_hex(32))
        with session.begin_nested():
            session.add(row)
    return row.version, bytes.fromhex(row.secret)


def key_of(session: Session, office_id: int, version: int) -> bytes | None:
    """The key bytes of one version (retired or not), to recompute a past draw."""
    secret = session.scalar(select(TargetingKey.secret).where(TargetingKey.office_id == office_id,
                                                              TargetingKey.version == version))
    return bytes.fromhex(secret) if secret else None


def key_versions(session: Session, office_id: int) -> list[dict[str, Any]]:
    """The office's key versions, without the secrets (what an admin may see)."""
    rows = session.scalars(select(TargetingKey).where(TargetingKey.office_id == office_id)
                           .order_by(TargetingKey.version.desc()))
    return [{"version": r.version, "created_at": r.created_at, "created_by_user_id": r.created_by_user_id,
             "retired_at": r.retired_at} for r in rows]


def rotate_key(session: Session, office_id: int, actor_id: int | None, actor_username: str | None) -> dict[str, Any]:
    """Retire the office's key and start the next version (audited, without the secret)."""
    if session.get(Office, office_id) is None:
        raise NotFound("office")
    old_version, _ = current_key(session, office_id)
    now = utcnow()
    old = _current_row(session, office_id)
    old.retired_at = now
    session.flush()
    new = TargetingKey(office_id=office_id, version=old_version + 1, secret=secrets.token_hex(32),
                       created_by_user_id=actor_id, created_at=now)
    session.add(new)
    audit.record(session, actor_id, actor_username, "targeting_key_rotated", "office", office_id,
                 {"key_version": old_version}, {"key_version": new.version})
    session.flush()
    return {"office_id": office_id, "retired_version": old_version, "version": new.version}
