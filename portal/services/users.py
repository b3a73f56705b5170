"""Account administration: create, edit, deactivate, reset passwords, unlock. Every change audited."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Office, Section, User
from models.base import utcnow
from portal import audit
from portal.security.permissions import ROLES, needs_section, role_can
from portal.services import edit_versions
from portal.services.accounts import COMPANY_ROLES, clear_lock, end_all_sessions, hash_password
from portal.services.text_search import contains
from portal.validation import ErrorCollector, NotFound

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
# At most 254 characters (RFC 5321, and every email column): a longer one would fail the insert, not the form.
EMAIL_PATTERN = re.compile(r"^(?=.{3,254}$)[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
MAX_FULL_NAME = 200  # the column's length: a longer name is refused beside its field, not by the database


def user_dict(user: User) -> dict[str, Any]:
    """The fields an administrator sees; never the password hash."""
    return {
        "id": user.id, "username": user.username, "full_name": user.full_name, "email": user.email,
        "role": user.role, "office_id": user.office_id, "office_code": user.office.code,
        "office_name": user.office.name,
        "section_id": user.section_id, "section_code": user.section.code if user.section else None,
        "active": user.active, "language": user.language,
        "locked_until": user.locked_until, "failed_logins": user.failed_logins,
        "last_login_at": user.last_login_at, "created_at": user.created_at, "version": user.version,
    }


# The fields of the account form, to say what changed under a stale one (edit_versions).
EDIT_FIELDS = ("full_name", "email", "role", "office_id", "section_id", "active")


def edit_values(user: User) -> dict[str, Any]:
    """The account's values by field of the admin's form."""
    return {name: getattr(user, name) for name in EDIT_FIELDS}


def _audit_view(values: dict[str, Any]) -> dict[str, Any]:
    """The editable fields only, as JSON-safe values for the audit log."""
    keys = ("username", "full_name", "email", "role", "office_id", "section_id", "active")
    return {k: values.get(k) for k in keys if k in values}


# Accounts per page of Admin › Users: officers are a few hundred, but every service-user account is one too (a
# company's staff each have their own), so the list is paged in the database like every list that grows.
PAGE_SIZE = 50


# The accounts list's default: the officers' accounts. A station's service users hold thousands of accounts (each
# company's staff have theirs) among which its few dozen officers were hard to find; theirs are one choice away.
STAFF = "staff"


def role_filter_showing(role_filter: str | None, role: str) -> str | None:
    """The accounts list's role filter once an account of `role` is saved under `role_filter`: kept when the list
    shows that role, else the nearest one that does (every officer for an officer's account, the role itself for a
    company's), so the account the alert names is in the list below it."""
    company = role in COMPANY_ROLES
    if role_filter in (None, "", "all", role) or role_filter == STAFF and not company:
        return role_filter
    return role if company else STAFF


def list_users(session: Session, search: str | None = None, role: str | None = None,
               office_id: int | None = None, page: int = 0, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """A page of accounts, by username, filtered and paged in the database (`rows`, `total`, `page`,
    `page_size`). `role`: one role, STAFF for every officer's account, None for every account."""
    query = select(User)
    if search:
        query = query.where(or_(contains(User.username, search), contains(User.full_name, search),
                                contains(User.email, search)))
    if role == STAFF:
        query = query.where(User.role.not_in(COMPANY_ROLES))
    elif role:
        query = query.where(User.role == role)
    if office_id:
        query = query.where(User.office_id == office_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.username, User.id).offset(max(page, 0) * page_size).limit(page_size))
    return {"rows": [user_dict(u) for u in rows], "total": total, "page": page, "page_size": page_size}


def get_user(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user_dict(user)


def offices(session: Session) -> list[dict[str, Any]]:
    return [{"id": o.id, "code": o.code, "name": o.name, "timezone": o.timezone}
            for o in session.scalars(select(Office).where(Office.active).order_by(Office.code))]


def sections(session: Session) -> list[dict[str, Any]]:
    return [{"id": s.id, "code": s.code, "name_id": s.name_id, "name_en": s.name_en}
            for s in session.scalars(select(Section).where(Section.active).order_by(Section.id))]


def section_id_by_code(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    return session.scalar(select(Section.id).where(Section.code == code))


def office_id_by_code(session: Session, code: str) -> int | None:
    return session.scalar(select(Office.id).where(Office.code == code))


def _check_profile(session: Session, errors: ErrorCollector, data: dict[str, Any]) -> None:
    """The rules every account must satisfy, on create and on edit."""
    role = data.get("role")
    if role not in ROLES:
        errors.add("role", "users.error.role")
    if data.get("office_id") is None or session.get(Office, data["office_id"]) is None:
        errors.add("office_id", "users.error.office")
    section_id = data.get("section_id")
    if needs_section(role) and not section_id:
        errors.add("section_id", "users.error.section_required")
    if section_id and session.get(Section, section_id) is None:
        errors.add("section_id", "users.error.section")
    email = (data.get("email") or "").strip()
    if email and not EMAIL_PATTERN.match(email):
        errors.add("email", "users.error.email")
    check_full_name(errors, data.get("full_name"))


def check_full_name(errors: ErrorCollector, full_name: str | None, field: str = "full_name") -> None:
    if len((full_name or "").strip()) > MAX_FULL_NAME:
        errors.add(field, "users.error.full_name_long", max=MAX_FULL_NAME)


def _check_password(errors: ErrorCollector, password: str | None, field: str = "password") -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        errors.add(field, "users.error.password_short", min=MIN_PASSWORD_LENGTH)


def create_user(session: Session, actor, data: dict[str, Any]) -> dict[str, Any]:
    """Create an account after checking every field; nothing is written if any is wrong."""
    errors = ErrorCollector()
    username = (data.get("username") or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        errors.add("username", "users.error.username_format")
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.add("username", "users.error.username_taken", username=username)
    _check_profile(session, errors, data)
    _check_password(errors, data.get("password"))
    errors.raise_if_any()
    user = User(username=username, full_name=(data.get("full_name") or "").strip(),
                email=(data.get("email") or "").strip() or None, role=data["role"], office_id=data["office_id"],
                section_id=data.get("section_id") or None,
                password_hash=hash_password(data["password"]), active=True,
                language=data.get("language") or "id")
    session.add(user)
    session.flush()
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "user_created", "user",
                 user.id, after=_audit_view(user_dict(user)))
    return user_dict(user)


def update_user(session: Session, actor, user_id: int, data: dict[str, Any], *,
                expected_version: int | None = None, opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Change role, section, office, name, email or active flag; deactivating ends every session.

    A save from a form opened on an older version (`expected_version`, `opened`) is refused with StaleEdit; a login,
    a lockout or a password reset does not move the version, only this form's saves do."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    before = user_dict(user)
    merged = {**before, **{k: v for k, v in data.items() if k in
                           ("full_name", "email", "role", "office_id", "section_id", "active")}}
    errors = ErrorCollector()
    _check_profile(session, errors, merged)
    if actor is not None and actor.id == user_id and (not role_can(merged["role"], "admin.users") or not merged["active"]):
        errors.add("role", "users.error.self_demote")
    errors.raise_if_any()
    planned = {"full_name": (merged["full_name"] or "").strip(), "email": (merged["email"] or "").strip() or None,
               "role": merged["role"], "office_id": merged["office_id"], "active": bool(merged["active"]),
               "section_id": merged["section_id"] or None}
    if any(getattr(user, name) != value for name, value in planned.items()):
        edit_versions.claim(session, user, expected_version, opened, edit_values, "user")
    user.full_name = (merged["full_name"] or "").strip()
    user.email = (merged["email"] or "").strip() or None
    user.role, user.office_id, user.active = merged["role"], merged["office_id"], bool(merged["active"])
    user.section_id = merged["section_id"] or None
    if before["active"] and not user.active:
        end_all_sessions(session, user.id)
    session.flush()
    session.refresh(user)
    after = user_dict(user)
    old, new = audit.changed_fields(_audit_view(before), _audit_view(after))
    if new:
        audit.record(session, actor.id if actor else None, actor.username if actor else None, "user_updated",
                     "user", user.id, before=old, after=new)
    return after


def reset_password(session: Session, actor, user_id: int, new_password: str) -> None:
    """Set a new password and end every session of the account (the hash never reaches the log)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    errors = ErrorCollector()
    _check_password(errors, new_password, "new_password")
    errors.raise_if_any()
    user.password_hash = hash_password(new_password)
    clear_lock(session, user)
    end_all_sessions(session, user.id)
    audit.record(session, actor.id if actor else None, actor.username if actor else None, "password_reset",
                 "user", user.id)


def unlock(session: Session, actor, user_id: int) -> None:
    """Lift a lock early (the last-resort lock of a spread attack), for a person who proved who they are to the
    admin; the failed logins counted against the name are forgotten with it, so the next one does not relock."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    before = {"locked_until": user.locked_until.isoformat() if user.locked_until else None}
    clear_lock(session, user)
    audit.record(session, actor.id if actor else None, actor.username if actor else None, "user_unlocked",
                 "user", user.id, before=before, after={"locked_until": None})


def user_id_by_username(session: Session, username: str) -> int:
    """The id of the account with this username; NotFound when there is none."""
    user_id = session.scalar(select(User.id).where(User.username == (username or "").strip().lower()))
    if user_id is None:
        raise NotFound(username)
    return user_id


def is_locked(user: dict[str, Any]) -> bool:
    return bool(user["locked_until"] and user["locked_until"] > utcnow())
