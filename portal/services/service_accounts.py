"""Service users' accounts: invitations by an admin, self-registration checked against the registry, and
password reset — each through an emailed single-use, expiring link of which only a hash is stored; and anyone's
own password changed while signed in (change_password).

Cheap abuse protection without extra infrastructure: a new link for the same account (or email) is refused
within a cooldown stored in the database (the last link's `created_at`).
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from models import AuditLog, Office, ServiceUser, ServiceUserLink, User
from models.base import utcnow
from models.service_portal import AccessToken, NotificationOutbox
from portal import audit
from portal.i18n import t
from portal.mailer import Mailer
from portal.security.permissions import COMPANY_ROLE, is_company_role
from portal.security.scope import scope_of
from portal.services import service_user_links
from portal.services.accounts import clear_lock, end_all_sessions, end_other_sessions, end_session, hash_password
from portal.services.notifications import RESET_LINK_LIFETIME, hash_token
from portal.services.text_search import contains
from portal.services.users import EMAIL_PATTERN, MIN_PASSWORD_LENGTH, USERNAME_PATTERN, check_full_name
from portal.validation import ErrorCollector, NotFound

LIFETIME = {"invite": timedelta(days=7), "reset": RESET_LINK_LIFETIME, "register": timedelta(hours=24)}
COOLDOWN = timedelta(minutes=5)


class TokenInvalid(Exception):
    """The link is unknown, used or expired (`reason`)."""
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _mint(session: Session, purpose: str, now: datetime, user_id: int | None = None, subject: str | None = None,
          payload: dict | None = None) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AccessToken(purpose=purpose, token_hash=hash_token(token), user_id=user_id, subject=subject,
                            payload=payload, created_at=now, expires_at=now + LIFETIME[purpose]))
    session.flush()
    return token


def check_token(session: Session, token: str, purpose: str, now: datetime | None = None) -> AccessToken:
    """The live link row, or TokenInvalid."""
    now = now or utcnow()
    row = session.scalar(select(AccessToken).where(AccessToken.token_hash == hash_token(token or ""),
                                                   AccessToken.purpose == purpose))
    if row is None:
        raise TokenInvalid("unknown")
    if row.used_at is not None:
        raise TokenInvalid("used")
    if row.expires_at <= now:
        raise TokenInvalid("expired")
    return row


def _recent(session: Session, purpose: str, now: datetime, user_id: int | None = None,
            subject: str | None = None) -> bool:
    query = select(func.count()).select_from(AccessToken).where(AccessToken.purpose == purpose,
                                                                AccessToken.created_at > now - COOLDOWN)
    query = query.where(AccessToken.user_id == user_id) if user_id is not None else \
        query.where(AccessToken.subject == subject)
    return (session.scalar(query) or 0) > 0


def _check_new_password(errors: ErrorCollector, password: str | None, confirm: str | None) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        errors.add("password", "users.error.password_short", min=MIN_PASSWORD_LENGTH)
    elif password != confirm:
        errors.add("password_confirm", "account.error.password_mismatch")


def _normalised_tax_id(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


# --------------------------------------------------------------------------- admin: invitations and links
def search_companies(session: Session, viewer, query: str | None, limit: int = 20) -> list[dict[str, Any]]:
    """Synced companies by name or NPWP, with how many accounts each has."""
    statement = select(ServiceUser).where(ServiceUser.deleted_at.is_(None))
    statement = scope_of(viewer).visible(statement, ServiceUser)
    text = (query or "").strip().lower()
    if text:
        digits = _normalised_tax_id(text)
        conditions = [contains(ServiceUser.name, text)]
        if len(digits) >= 4:
            conditions.append(contains(func.replace(func.replace(ServiceUser.tax_id, ".", ""), "-", ""), digits))
        statement = statement.where(or_(*conditions))
    companies = session.scalars(statement.order_by(ServiceUser.name).limit(limit)).all()
    counts = dict(session.execute(select(ServiceUserLink.service_user_id, func.count())
                                  .where(ServiceUserLink.service_user_id.in_([c.id for c in companies]))
                                  .group_by(ServiceUserLink.service_user_id)).all()) if companies else {}
    return [{"id": c.id, "name": c.name, "tax_id": c.tax_id, "email": c.email, "city": c.city,
             "accounts": counts.get(c.id, 0)} for c in companies]


def company(session: Session, viewer, service_user_id: int) -> dict[str, Any]:
    """One company for the admin page (admins see every office's)."""
    found = session.get(ServiceUser, service_user_id)
    if found is None or not scope_of(viewer).sees_office(found.office_id):
        raise NotFound(service_user_id)
    return {"id": found.id, "name": found.name, "tax_id": found.tax_id, "email": found.email, "city": found.city}


def accounts_of_company(session: Session, service_user_id: int, now: datetime | None = None) -> list[dict]:
    """The accounts linked to a company, with whether an invitation still waits to be used."""
    now = now or utcnow()
    rows = session.execute(select(User, ServiceUserLink.created_at).join(
        ServiceUserLink, ServiceUserLink.user_id == User.id).where(ServiceUserLink.service_user_id == service_user_id)
        .order_by(User.username)).all()
    pending = set(session.scalars(select(AccessToken.user_id).where(
        AccessToken.purpose == "invite", AccessToken.used_at.is_(None), AccessToken.expires_at > now,
        AccessToken.user_id.in_([u.id for u, _ in rows])))) if rows else set()
    others = dict(session.execute(select(ServiceUserLink.user_id, func.count()).where(
        ServiceUserLink.user_id.in_([u.id for u, _ in rows])).group_by(ServiceUserLink.user_id)).all()) if rows else {}
    return [{"id": u.id, "username": u.username, "full_name": u.full_name, "email": u.email, "active": u.active,
             "last_login_at": u.last_login_at, "linked_at": linked_at, "invitation_pending": u.id in pending,
             "companies": others.get(u.id, 1)} for u, linked_at in rows]


def invite(session: Session, actor, *, service_user_id: int, email: str | None, full_name: str | None,
           username: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Create a service-user account linked to a company and an invitation link to set its password.

    An email that already belongs to a service-user account links that account to the company instead
    (a handler serving several companies): no new account, no link.
    """
    now = now or utcnow()
    company = session.get(ServiceUser, service_user_id)
    if company is None:
        raise NotFound(service_user_id)
    email = (email or "").strip().lower()
    errors = ErrorCollector()
    if not EMAIL_PATTERN.match(email):
        errors.add("email", "users.error.email")
    existing = session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if existing is not None and not is_company_role(existing.role):
        errors.add("email", "admin_service_users.error.email_officer")
    check_full_name(errors, full_name)
    username = (username or "").strip().lower()
    if existing is None:
        if not username:
            username = re.sub(r"[^a-z0-9_.-]", "", email.split("@")[0])[:40] or "pengguna"
            base, n = username, 1
            while session.scalar(select(User.id).where(User.username == username)) is not None:
                n += 1
                username = f"{base}{n}"
        if not USERNAME_PATTERN.match(username):
            errors.add("username", "users.error.username_format")
        elif session.scalar(select(User.id).where(User.username == username)) is not None:
            errors.add("username", "users.error.username_taken", username=username)
    errors.raise_if_any()
    if existing is not None:
        service_user_links.link(session, actor, existing.id, company.id)
        return {"user_id": existing.id, "username": existing.username, "token": None, "linked_existing": True}
    user = User(username=username, full_name=(full_name or "").strip() or company.name, email=email,
                role=COMPANY_ROLE, office_id=company.office_id, password_hash=hash_password(secrets.token_hex(32)),
                active=True, language="id", created_at=now)
    session.add(user)
    session.flush()
    session.add(ServiceUserLink(user_id=user.id, service_user_id=company.id, created_at=now))
    token = _mint(session, "invite", now, user_id=user.id)
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "service_user_invited",
                 "user", user.id, after={"username": username, "email": email, "service_user_id": company.id})
    return {"user_id": user.id, "username": username, "token": token, "linked_existing": False}


def reinvite(session: Session, actor, user_id: int, now: datetime | None = None) -> str:
    """A fresh invitation link for an account that has not set its password yet (the old link dies)."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None or not is_company_role(user.role):
        raise NotFound(user_id)
    for row in session.scalars(select(AccessToken).where(AccessToken.user_id == user_id,
                                                         AccessToken.purpose == "invite",
                                                         AccessToken.used_at.is_(None))):
        row.used_at = now
    token = _mint(session, "invite", now, user_id=user.id)
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "service_user_reinvited",
                 "user", user.id)
    return token


def unlink(session: Session, actor, user_id: int, service_user_id: int) -> None:
    row = session.get(ServiceUserLink, (user_id, service_user_id))
    if row is None:
        raise NotFound((user_id, service_user_id))
    session.delete(row)
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "service_user_unlinked",
                 "user", user_id, before={"service_user_id": service_user_id})


def link_existing(session: Session, actor, username: str | None, service_user_id: int) -> dict[str, Any]:
    """Link an existing service-user account (e.g. a handler's) to one more company."""
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    errors = ErrorCollector()
    if user is None:
        errors.add("link_username", "admin_service_users.error.no_account")
    elif not is_company_role(user.role):
        errors.add("link_username", "admin_service_users.error.not_service_user")
    errors.raise_if_any()
    service_user_links.link(session, actor, user.id, service_user_id)
    return {"user_id": user.id, "username": user.username}


# --------------------------------------------------------------------------- the links' own pages
def invitation_account(session: Session, token: str, now: datetime | None = None) -> dict[str, Any]:
    row = check_token(session, token, "invite", now)
    user = session.get(User, row.user_id)
    return {"username": user.username, "full_name": user.full_name}


def use_invitation(session: Session, token: str, password: str | None, confirm: str | None,
                   now: datetime | None = None) -> str:
    """Set the invited account's first password; the link dies. Returns the username."""
    return _password_from_link(session, token, "invite", password, confirm, now, "invitation_accepted")


def _password_from_link(session: Session, token: str, purpose: str, password: str | None, confirm: str | None,
                        now: datetime | None, action: str, *, unlock: bool = False) -> str:
    """Set the password of the account a link of ``purpose`` was sent to: the link dies, every session of the account
    ends, the audit log records ``action``. ``unlock`` also forgets failed logins. Returns the username."""
    now = now or utcnow()
    row = check_token(session, token, purpose, now)
    errors = ErrorCollector()
    _check_new_password(errors, password, confirm)
    errors.raise_if_any()
    user = session.get(User, row.user_id)
    user.password_hash = hash_password(password)
    if unlock:
        clear_lock(session, user)
    row.used_at = now
    end_all_sessions(session, user.id, now)
    audit.record(session, user.id, user.username, action, "user", user.id)
    return user.username


# A session that gives the wrong current password this many times in the window is ended: whoever found it open
# (a shared computer, a copied cookie) cannot try passwords on it, and its owner logs in again.
WRONG_CURRENT_LIMIT = 5
WRONG_CURRENT_WINDOW = timedelta(minutes=15)


def change_password(session: Session, user_id: int, session_id: str, current: str | None, password: str | None,
                    confirm: str | None, now: datetime | None = None) -> dict[str, Any]:
    """A signed-in person's new password (officers and service users alike). The current one must be given: a
    session found open does not let someone else take the account. Every other session of the account ends (a
    phone still signed in, a copied cookie); this one stays. Returns {"changed": True}, or {"changed": False,
    "errors": {field: (message key, params)}, "session_ended": bool}: a wrong current password is recorded in the
    audit log (in the caller's transaction, which commits it: nothing else was written), and the
    WRONG_CURRENT_LIMIT-th in WRONG_CURRENT_WINDOW ends this session too."""
    now = now or utcnow()
    user = session.get(User, user_id)
    errors = ErrorCollector()
    if not current or not check_password_hash(user.password_hash, current):
        errors.add("current_password", "account.error.current_wrong")
        audit.record(session, user.id, user.username, "password_change_refused", "user", user.id)
        session.flush()
        wrong = session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.user_id == user.id, AuditLog.action == "password_change_refused",
            AuditLog.at > now - WRONG_CURRENT_WINDOW)) or 0
        ended = wrong >= WRONG_CURRENT_LIMIT
        if ended:
            end_session(session, session_id, now)
        return {"changed": False, "errors": errors.errors, "session_ended": ended}
    _check_new_password(errors, password, confirm)
    if not errors.errors and check_password_hash(user.password_hash, password):
        errors.add("password", "account.error.password_same")
    if errors.errors:
        return {"changed": False, "errors": errors.errors, "session_ended": False}
    user.password_hash = hash_password(password)
    end_other_sessions(session, user.id, session_id, now)
    audit.record(session, user.id, user.username, "password_changed", "user", user.id)
    return {"changed": True}


def queue_reset(session: Session, identifier: str | None, now: datetime | None = None) -> int | None:
    """Put a reset mail for the account with this username or email in the outbox; its link is minted when the mail
    is sent (notifications.render), so no usable link is ever stored. Returns the outbox row's id, or None when
    there is no such active account with an email, or one was asked for moments ago. Runs after the response
    (portal/web/service_portal.py), so neither answer nor timing says which case it was."""
    now = now or utcnow()
    identifier = (identifier or "").strip().lower()
    if not identifier:
        return None
    user = session.scalar(select(User).where(or_(User.username == identifier, func.lower(User.email) == identifier))
                          .order_by(User.id).limit(1))
    if user is None or not user.active or not user.email or session.scalar(
            select(func.count()).select_from(NotificationOutbox).where(
                NotificationOutbox.recipient_user_id == user.id, NotificationOutbox.template == "reset",
                NotificationOutbox.created_at > now - COOLDOWN)):
        return None
    row = NotificationOutbox(recipient_user_id=user.id, recipient_address=user.email, channel="email",
                             application_id=None, event_key="reset", template="reset", params={}, occurred_at=now,
                             status="pending", attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def use_reset(session: Session, token: str, password: str | None, confirm: str | None,
              now: datetime | None = None) -> str:
    """Set a new password from a reset link; every session of the account ends, and a lockout with them."""
    return _password_from_link(session, token, "reset", password, confirm, now, "password_reset_by_link", unlock=True)


def request_registration(session: Session, tax_id: str | None, email: str | None, now: datetime | None = None
                         ) -> tuple[str, str] | None:
    """A verification link when NPWP and email match the registry: (email, token); else None (same answer)."""
    now = now or utcnow()
    digits, email = _normalised_tax_id(tax_id), (email or "").strip().lower()
    if len(digits) < 15 or not EMAIL_PATTERN.match(email) or _recent(session, "register", now, subject=email):
        return None
    company = session.scalar(select(ServiceUser).where(
        func.replace(func.replace(func.replace(ServiceUser.tax_id, ".", ""), "-", ""), " ", "") == digits,
        func.lower(ServiceUser.email) == email, ServiceUser.deleted_at.is_(None), ServiceUser.blocked.is_(False))
        .limit(1))
    if company is None:
        # Counted too, so guessing NPWPs for one address is as slow as asking for real links.
        _mint(session, "register", now, subject=email, payload={"matched": False})
        return None
    return email, _mint(session, "register", now, subject=email, payload={"service_user_id": company.id})


def registration_company(session: Session, token: str, now: datetime | None = None) -> dict[str, Any]:
    row = check_token(session, token, "register", now)
    company = session.get(ServiceUser, (row.payload or {}).get("service_user_id"))
    if company is None:
        raise TokenInvalid("unknown")
    return {"name": company.name, "email": row.subject}


def complete_registration(session: Session, token: str, *, username: str | None, full_name: str | None,
                          password: str | None, confirm: str | None, now: datetime | None = None) -> str:
    """Create the verified account, linked to the company the registry matched."""
    now = now or utcnow()
    row = check_token(session, token, "register", now)
    company = session.get(ServiceUser, (row.payload or {}).get("service_user_id"))
    if company is None:
        raise TokenInvalid("unknown")
    username = (username or "").strip().lower()
    errors = ErrorCollector()
    if not USERNAME_PATTERN.match(username):
        errors.add("username", "users.error.username_format")
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.add("username", "users.error.username_taken", username=username)
    if not (full_name or "").strip():
        errors.add("full_name", "account.error.name_required")
    check_full_name(errors, full_name)
    _check_new_password(errors, password, confirm)
    errors.raise_if_any()
    user = User(username=username, full_name=full_name.strip(), email=row.subject, role=COMPANY_ROLE,
                office_id=company.office_id, password_hash=hash_password(password), active=True, language="id",
                created_at=now)
    session.add(user)
    session.flush()
    session.add(ServiceUserLink(user_id=user.id, service_user_id=company.id, created_at=now))
    row.used_at = now
    audit.record(session, user.id, user.username, "service_user_registered", "user", user.id,
                 after={"service_user_id": company.id, "email": row.subject})
    return username


# --------------------------------------------------------------------------- sending the links
def send_account_email(database, settings, *, to: str, template: str, values: dict[str, Any],
                       user_id: int | None = None, language: str = "id", now: datetime | None = None) -> str:
    """Send an account email now (the person is waiting for it) and keep a record in the outbox without the link.

    Returns the outcome: sent, failed or skipped (no SMTP configured). The link itself is never stored.
    """
    now = now or utcnow()
    status, error = "sent", None
    if not settings.smtp_url:
        status, error = "skipped", "SMTP not configured (QCORNER_SMTP_URL): kept in the outbox only"
    else:
        mailer = Mailer(settings.smtp_url, settings.smtp_from)
        try:
            mailer.send(to, t(f"notify.{template}.subject", language, **values),
                        t(f"notify.{template}.body", language, **values) + "\n\n" + t("notify.signature", language))
        except Exception as failure:  # noqa: BLE001 - recorded; the person can ask again
            status, error = "failed", f"{type(failure).__name__}: {failure}"[:1000]
        finally:
            mailer.close()
    with database.session() as session:
        session.add(NotificationOutbox(recipient_user_id=user_id, recipient_address=to, channel="email",
                                       application_id=None, event_key=template, template=template,
                                       params={k: v for k, v in values.items() if k != "link"}, occurred_at=now,
                                       status=status, attempts=1, sent_at=now if status == "sent" else None,
                                       last_error=error, created_at=now))
    return status


def office_name(session: Session, office_id: int) -> str:
    office = session.get(Office, office_id)
    return office.name if office else ""
