"""Logging in and out: password checks, the last-resort account lock, and server-side sessions that can be revoked."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, func, literal_column, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import LoginFailure, Office, Section, ServiceUserLink, User, UserSession
from models.base import utcnow
from portal import audit
from portal.security.access import CurrentUser
from portal.security.permissions import REACH, is_company_role
from portal.services import service_user_links

# Werkzeug's scrypt (N=2^15, r=8, p=1): about 0.1 s of CPU a hash, on purpose. The parameters are stored in each
# hash, so a check always costs what the hash was made with. The test suite lowers HASH_METHOD for the thousands of
# accounts it makes (tests/conftest.py); a test checks that production hashes are made with PASSWORD_HASH_METHOD.
PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
HASH_METHOD = PASSWORD_HASH_METHOD
_dummy_hashes: dict[str, str] = {}
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class LockoutPolicy:
    """The last-resort account lock: a real account is locked for `lock_for` when its name failed at least `failures`
    times from at least `addresses` addresses within `window`. Throttling of ordinary guessing is not here: it is
    per address and per (name, address) in the rate-limit storage (portal/web/login_throttle.py), so a name's
    failures from one address never lock it for anyone else. `digest_key` keys the stored name digests."""

    failures: int = 100
    addresses: int = 10
    window: timedelta = timedelta(hours=24)
    lock_for: timedelta = timedelta(hours=24)
    digest_key: str = ""


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: ok with a user id, or why not (`invalid`, `locked`, `inactive`). The reason is
    for the log and the tests only: every failure is answered the same way, so no one learns which names exist."""

    ok: bool
    user_id: int | None = None
    reason: str | None = None


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default parameters)."""
    return generate_password_hash(password, method=HASH_METHOD)


def _dummy_hash() -> str:
    """Checked against when the username is unknown, so a wrong username costs as long as a wrong password: made
    with the same method as real hashes, once per process."""
    if HASH_METHOD not in _dummy_hashes:
        _dummy_hashes[HASH_METHOD] = generate_password_hash("not-a-real-password", method=HASH_METHOD)
    return _dummy_hashes[HASH_METHOD]


def normalised_name(username: str | None) -> str:
    """The name as accounts store it (lower case, no surrounding spaces), cut to the column's length."""
    return (username or "").strip().lower()[:64]


def name_digest(username: str | None, key: str) -> str:
    """A keyed digest of a typed name: counters and rows never hold what was typed (it may be a password)."""
    return hmac.new(key.encode(), normalised_name(username).encode(), hashlib.sha256).hexdigest()


def authenticate(session: Session, username: str, password: str, address: str | None = None,
                 policy: LockoutPolicy = LockoutPolicy(), now: datetime | None = None) -> LoginResult:
    """Check a password. Every failure (unknown name, wrong password, locked or inactive account) costs the same:
    one password hash check (against a dummy hash for an unknown name), the same row written and read, one audit
    entry; only the rare moment a spread attack crosses the hard-lock line writes more."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == normalised_name(username)))
    password_ok = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    if user is not None and password_ok and user.active and not locked:
        clear_lock(session, user, address)
        user.last_login_at = now
        audit.record(session, user.id, user.username, "login")
        return LoginResult(ok=True, user_id=user.id)
    reason = "locked" if locked else ("inactive" if user is not None and password_ok else "invalid")
    _count_failure(session, username, address, user, policy, now, reason)
    return LoginResult(ok=False, reason=reason)


def _count_failure(session: Session, username: str, address: str | None, user: User | None, policy: LockoutPolicy,
                   now: datetime, reason: str) -> None:
    """Count one failure for (name, address), for known and unknown names alike, then lock a real account only
    when the failures of its name are both many and spread over many addresses."""
    digest, since = name_digest(username, policy.digest_key), now - policy.window
    stale = LoginFailure.last_failed_at < since  # a count older than the window starts again
    _upsert(session, LoginFailure, {"name_digest": digest, "address": (address or "unknown")[:64], "failures": 1,
                                    "first_failed_at": now, "last_failed_at": now,
                                    "user_id": user.id if user is not None else None},
            ("name_digest", "address"),
            {"failures": case((stale, 1), else_=LoginFailure.failures + 1),
             "first_failed_at": case((stale, now), else_=LoginFailure.first_failed_at), "last_failed_at": now})
    failures, addresses = session.execute(
        select(func.coalesce(func.sum(LoginFailure.failures), 0), func.count())
        .where(LoginFailure.name_digest == digest, LoginFailure.last_failed_at >= since)).one()
    audit.record(session, user.id if user is not None else None, user.username if user is not None else None,
                 "login_failed", "user", user.id if user is not None else None, after={"reason": reason})
    if (user is not None and reason != "locked" and failures >= policy.failures
            and addresses >= policy.addresses):
        user.locked_until = now + policy.lock_for
        audit.record(session, None, None, "account_locked", "user", user.id,
                     after={"locked_until": user.locked_until.isoformat(), "failures": int(failures),
                            "addresses": int(addresses)})


def _upsert(session: Session, model, values: dict, conflict: tuple[str, ...], update_set: dict) -> None:
    """INSERT … ON CONFLICT DO UPDATE on PostgreSQL and SQLite alike: concurrent failures never lose a count."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:  # pragma: no cover - Q-Corner's own database is PostgreSQL or SQLite
        raise NotImplementedError(dialect)
    session.execute(insert(model).values(**values).on_conflict_do_update(index_elements=list(conflict),
                                                                          set_=update_set))


def clear_lock(session: Session, user: User, address: str | None = None) -> None:
    """Forget a user's lock and failed logins: all of them (an admin's unlock, a password reset), or only those from
    `address` (the person just logged in from there; the failures from elsewhere still count)."""
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    forget = delete(LoginFailure).where(LoginFailure.user_id == user.id)
    session.execute(forget.where(LoginFailure.address == (address or "unknown")[:64]) if address else forget)


def forget_old_failures(session: Session, window: timedelta, now: datetime | None = None) -> int:
    """Delete the counts no lock decision can use any more (older than the window); returns how many went."""
    return session.execute(delete(LoginFailure).where(
        LoginFailure.last_failed_at < (now or utcnow()) - window)).rowcount or 0


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
    # Every request of a signed-in person asks this: one joined row by primary keys, read as plain values (the ORM
    # objects and their lazy office/section loads were four queries and ≈ 15 % of a worker's CPU). The ORM row is
    # only fetched for the rare write (once a minute per session, or an idle session's end).
    found = _session_user(session, session_id)
    if found is None or found.revoked_at is not None:
        return None
    if not found.active or found.session_version != found.user_session_version:
        return None
    if now - found.last_seen_at > idle:
        session.get(UserSession, session_id).revoked_at = now
        return None
    if now - found.last_seen_at > LAST_SEEN_RESOLUTION:
        # throttled: one write a minute, not one per request
        _note_activity(session, session.get(UserSession, session_id), now)
    # The companies a service-user account may see; officers are scoped by role, not by company. PostgreSQL's
    # prepared read brings them along; SQLite's reads them in a second statement.
    if not is_company_role(found.role):
        linked = ()
    elif "linked_ids" in found._fields:
        linked = tuple(found.linked_ids or ())
    else:
        linked = service_user_links.linked_ids(session, found.id)
    return CurrentUser(
        id=found.id, username=found.username, full_name=found.full_name or found.username, role=found.role,
        office_id=found.office_id, office_code=found.office_code, office_name=found.office_name,
        office_timezone=found.office_timezone, section_id=found.section_id, section_code=found.section_code,
        language=found.language, session_id=session_id, service_user_ids=linked,
    )


# Built once: the statement's compiled form is then reused from SQLAlchemy's cache on every request.
_SESSION_USER = (
    select(UserSession.revoked_at, UserSession.session_version, UserSession.last_seen_at,
           User.id, User.username, User.full_name, User.role, User.active,
           User.session_version.label("user_session_version"), User.office_id, User.section_id, User.language,
           Office.code.label("office_code"), Office.name.label("office_name"),
           Office.timezone.label("office_timezone"), Section.code.label("section_code"))
    .join(User, User.id == UserSession.user_id)
    .join(Office, Office.id == User.office_id)
    .outerjoin(Section, Section.id == User.section_id)
    .where(UserSession.id == bindparam("session_id"))
)


# On PostgreSQL the statement is prepared once per connection: planning its four-table join cost the server
# ≈ 0.3 ms on every request, five times what running it costs (issue #17). A prepared statement lives as long as
# its connection (a rollback keeps it), so the pool's record of the connection remembers it was made; a new
# connection (after a restart, say) prepares it again.
# It also reads a service user's linked companies: once planned, the correlated sub-select costs the server less
# than a second statement (a service user's read with its COMMIT 0.28–0.33 → 0.20–0.21 ms of backend CPU in loops
# of 1,000; an officer's unchanged, as the CASE runs the sub-select for company roles only). Unprepared, the wider
# statement planned slower than two (docs/performance.md), so SQLite keeps the two. The roles are written into
# the statement (our own constants, checked): PREPARE takes no list parameter.
_PREPARED = "qcorner_session_user_links"
COMPANY_ROLES = tuple(sorted(role for role in REACH if is_company_role(role)))
assert all(role.isidentifier() for role in COMPANY_ROLES)
_COMPANY_ROLE = or_(*(User.role == literal_column(f"'{role}'") for role in COMPANY_ROLES))
_SESSION_USER_LINKS = _SESSION_USER.add_columns(case((_COMPANY_ROLE, (
    select(postgresql.array_agg(postgresql.aggregate_order_by(ServiceUserLink.service_user_id,
                                                              ServiceUserLink.service_user_id)))
    .where(ServiceUserLink.user_id == User.id).scalar_subquery()))).label("linked_ids"))
_EXECUTE_PREPARED = text(f"EXECUTE {_PREPARED}(:session_id)").columns(*_SESSION_USER_LINKS.selected_columns)


def _session_user(session: Session, session_id: str):
    """The joined row of `_SESSION_USER` for this session id (on PostgreSQL with its linked companies), or None
    (through the session, so a session row added just now is flushed first: the login reads the one it has just
    started)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return session.execute(_SESSION_USER, {"session_id": session_id}).one_or_none()
    pooled = connection.connection
    if not pooled.info.get(_PREPARED):
        sql = str(_SESSION_USER_LINKS.compile(dialect=connection.dialect)).replace("%(session_id)s", "$1")
        connection.exec_driver_sql(f"PREPARE {_PREPARED} (text) AS {sql}")
        pooled.info[_PREPARED] = True
    return session.execute(_EXECUTE_PREPARED, {"session_id": session_id}).one_or_none()


def _note_activity(session: Session, row: UserSession, now: datetime) -> None:
    """Move last_seen_at, best effort: a database refusing writes just now (read-only, full disk, a timeout)
    must not turn every page into an error for people who only read; a lost connection still fails."""
    try:
        with session.begin_nested():
            row.last_seen_at = now
    except DBAPIError as error:
        if error.connection_invalidated:
            raise


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


def end_other_sessions(session: Session, user_id: int, keep_session_id: str, now: datetime | None = None) -> None:
    """Revoke every session of a user but the one it is asked from (a password changed while signed in): their
    cookies, copied or not, stop working; the person who changed it stays signed in."""
    session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
                                              UserSession.id != keep_session_id).values(revoked_at=now or utcnow()))


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
