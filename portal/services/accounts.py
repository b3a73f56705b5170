"""Logging in and out: password checks, lockout, and server-side sessions that can be revoked."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import User, UserSession
from models.base import utcnow
from portal import audit
from portal.security.access import CurrentUser
from portal.security.permissions import is_company_role
from portal.services import service_user_links

# Checked against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: ok with a user id, or why not (`invalid`, `locked`, `inactive`)."""

    ok: bool
    user_id: int | None = None
    reason: str | None = None
    locked_until: datetime | None = None


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default)."""
    return generate_password_hash(password, method="scrypt")


def authenticate(session: Session, username: str, password: str, policy: LockoutPolicy = LockoutPolicy(),
                 now: datetime | None = None) -> LoginResult:
    """Check a password, counting failures and locking the account after too many."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(ok=False, reason="invalid")
    if user.locked_until and user.locked_until > now:
        return LoginResult(ok=False, reason="locked", locked_until=user.locked_until)
    if not check_password_hash(user.password_hash, password):
        return _count_failure(session, user, policy, now)
    if not user.active:
        return LoginResult(ok=False, reason="inactive")
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    user.last_login_at = now
    audit.record(session, user.id, user.username, "login")
    return LoginResult(ok=True, user_id=user.id)


def _count_failure(session: Session, user: User, policy: LockoutPolicy, now: datetime) -> LoginResult:
    if user.first_failed_at is None or now - user.first_failed_at > policy.window:
        user.failed_logins, user.first_failed_at = 0, now
    user.failed_logins += 1
    audit.record(session, user.id, user.username, "login_failed", "user", user.id,
                 after={"failed_logins": user.failed_logins})
    if user.failed_logins >= policy.max_failures:
        user.locked_until = now + policy.lock_for
        audit.record(session, None, None, "account_locked", "user", user.id,
                     after={"locked_until": user.locked_until.isoformat()})
        return LoginResult(ok=False, reason="locked", locked_until=user.locked_until)
    return LoginResult(ok=False, reason="invalid")


def start_session(session: Session, user_id: int, ip: str | None = None, user_agent: str | None = None) -> str:
    """Record a new login and return its id, the only thing the cookie carries."""
    user = session.get(User, user_id)
    session_id = secrets.token_urlsafe(32)
    session.add(UserSession(id=session_id, user_id=user_id, session_version=user.session_version, ip=ip,
                            user_agent=(user_agent or "")[:300]))
    return session_id


def load_session(session: Session, session_id: str, idle: timedelta, now: datetime | None = None
                 ) -> CurrentUser | None:
    """The user behind a live session, or None when it is revoked, idle too long or outdated."""
    now = now or utcnow()
    row = session.get(UserSession, session_id)
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or row.session_version != user.session_version:
        return None
    if now - row.last_seen_at > idle:
        row.revoked_at = now
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        _note_activity(session, row, now)  # throttled: one write a minute, not one per request
    return current_user_from(user, session_id, _linked_service_users(session, user))


def _note_activity(session: Session, row: UserSession, now: datetime) -> None:
    """Move last_seen_at, best effort: a database refusing writes just now (read-only, full disk, a timeout)
    must not turn every page into an error for people who only read; a lost connection still fails."""
    try:
        with session.begin_nested():
            row.last_seen_at = now
    except DBAPIError as error:
        if error.connection_invalidated:
            raise


def _linked_service_users(session: Session, user: User) -> tuple[int, ...]:
    """The companies a service-user account may see; officers are scoped by role, not by company."""
    return service_user_links.linked_ids(session, user.id) if is_company_role(user.role) else ()


def current_user_from(user: User, session_id: str, service_user_ids: tuple[int, ...] = ()) -> CurrentUser:
    """Copy the ORM user into plain values, so nothing outlives the request's database session."""
    return CurrentUser(
        id=user.id, username=user.username, full_name=user.full_name or user.username, role=user.role,
        office_id=user.office_id, office_code=user.office.code, office_name=user.office.name,
        office_timezone=user.office.timezone, section_id=user.section_id,
        section_code=user.section.code if user.section else None, language=user.language,
        session_id=session_id, service_user_ids=service_user_ids,
    )


def end_session(session: Session, session_id: str, now: datetime | None = None) -> None:
    """Revoke one session: its cookie, copied or not, stops working."""
    row = session.get(UserSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()
        audit.record(session, row.user_id, None, "logout", "user", row.user_id)


def end_all_sessions(session: Session, user_id: int, now: datetime | None = None) -> None:
    """Revoke every session of a user (password reset, deactivation)."""
    session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
                    .values(revoked_at=now or utcnow()))
    user = session.get(User, user_id)
    user.session_version += 1


def set_language(session: Session, user_id: int, language: str) -> None:
    """Remember the account's language for its next visit."""
    user = session.get(User, user_id)
    if user is not None and language in ("id", "en"):
        user.language = language
