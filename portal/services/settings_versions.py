"""Versioned settings (the compliance scoring settings, the targeting settings): each save is a new numbered row,
so every score or decision can name the version it used and an old one is never rewritten. One home for the save
rule, so a stale form, a race between two admins and the audit row work the same for every versioned setting."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import audit
from portal.services import edit_versions


def save_version(session: Session, *, model: type, kind: str, action: str, current: Callable[[Session], tuple[int, Any]],
                 settings: Any, actor_id: int | None, actor_username: str | None, note: str | None,
                 expected_version: int | None, opened: dict[str, Any] | None) -> dict[str, Any]:
    """Store the cleaned `settings` (with `to_dict()`) as version current + 1 of `model`, audited as `action` on
    the object `kind`. Unchanged settings add nothing; a form opened on an older version (`expected_version`,
    `opened`) is refused with StaleEdit, as every edit form's is (edit_versions)."""
    version, before = current(session)
    if settings == before and version:
        return {"version": version, "changed": False}
    if not edit_versions.is_current(version, expected_version):
        raise edit_versions.stale(session, opened or {}, before.to_dict(), kind, version)
    new_version = version + 1
    try:
        with session.begin_nested():  # two saves from the same version: the second finds its number taken
            session.add(model(version=new_version, values=settings.to_dict(), created_by_id=actor_id,
                              created_by=actor_username, note=(note or "").strip()[:300] or None))
    except IntegrityError:
        version, now = current(session)
        raise edit_versions.stale(session, opened or before.to_dict(), now.to_dict(), kind, version) from None
    changed_before, changed_after = audit.changed_fields(before.to_dict(), settings.to_dict())
    audit.record(session, actor_id, actor_username, action, kind, new_version, changed_before,
                 changed_after)
    session.flush()
    return {"version": new_version, "changed": True}
