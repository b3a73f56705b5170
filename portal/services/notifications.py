"""Stage notifications for service users: written to an outbox with the synced events, delivered by a job.

- `enqueue_for_synced_events` runs inside the sync's batch transaction: a few set-based queries find the
  accounts linked to the batch's applications (most have none), and one INSERT … ON CONFLICT DO NOTHING
  writes a row per recipient, application, event and channel — a rerun of the same events writes nothing.
- Only events that happen after the account (and its link to the company) exist are notified, so the first
  backfill of years of history emails nobody.
- `deliver_pending` (run by the scheduler) sends due email, WhatsApp-gateway and Web Push rows with retries and
  exponential backoff; the in-portal inbox needs no delivery. A push row goes to each of the account's devices
  through portal/services/push.py (at most once per device, even across a scheduler killed mid-delivery). Without SMTP the email rows are marked
  `skipped` with the reason — never pretended sent.
- Each account chooses (NotificationPreference) the optional stages besides the mandatory ones, its channels,
  and a daily digest: its email, WhatsApp and push rows are then held with the office day they arrived on
  (`digest_day`) and `deliver_digests` sends one message per account, channel and day once that day is over.
  The inbox always gets every message at once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Application, Office, ServiceUser, ServiceUserLink, User
from models.base import utcnow
from models.service_portal import AccessToken, NotificationOutbox, NotificationPreference, SurveyInvitation
from portal import audit
from portal.i18n import country_name, format_date, format_datetime, format_idr, t
from portal.mailer import Mailer
from portal.security.permissions import roles_with
from portal.services.my_applications import latest_bill
from portal.services import edit_versions, push, survey_invitations
from portal.services.offices import zone_of
from portal.settings import default_timezone, load_settings
from portal.validation import ErrorCollector

log = logging.getLogger(__name__)

# Stage → the event key the service user is told about (3P records arrive as actions too: same key).
NOTIFIED_STAGES = ("draft_certificate", "billed", "certified", "detained", "refused", "destroyed", "handed_over")
# The other stages an account may choose to hear about too (DOMAIN.md: the original app notified at each one).
OPTIONAL_STAGES = ("submitted", "verified", "inspected", "treated", "paid", "released")
# The bell counts what arrived unread in this many days: older unread messages stay in the list, not the bell.
BELL_DAYS = 30
ACTION_EVENTS = {"detention": "detained", "refusal": "refused", "destruction": "destroyed"}
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=10)
# A password-reset link works this long after its mail is sent (minted at sending: the outbox never holds it).
RESET_LINK_LIFETIME = timedelta(hours=1)
CHUNK = 500
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 -]{7,19}$")


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _insert_ignoring_duplicates(session: Session, model, rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike; returns how many rows were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - Q-Corner's own database is PostgreSQL or SQLite
        raise NotImplementedError(dialect)
    inserted = 0
    for chunk in _chunks(rows):
        statement = insert(model).on_conflict_do_nothing().returning(model.id)
        inserted += len(session.execute(statement, chunk).all())
    return inserted


def _chosen_stages(pref: NotificationPreference | None) -> frozenset[str]:
    return frozenset(s for s in ((pref.stages if pref is not None else None) or ()) if s in OPTIONAL_STAGES)


# The fields of the choices form, to say what changed under a stale one (edit_versions).
EDIT_FIELDS = ("email", "whatsapp", "phone", "push", "digest", "stages")
# An account with no stored choices stands on the defaults at the version a first row is written with: a form opened
# then and a row a device wrote meanwhile (push.subscribe, no form save) agree on it.
FIRST_VERSION = 1


def edit_values(row: NotificationPreference | None) -> dict[str, Any]:
    """The stored choices by field of the form (the defaults without a row)."""
    return {"email": True if row is None else bool(row.email), "whatsapp": bool(row and row.whatsapp),
            "phone": row.phone if row else None, "push": bool(row and row.push), "digest": bool(row and row.digest),
            "stages": [s for s in OPTIONAL_STAGES if s in _chosen_stages(row)]}


def preferences(session: Session, user_id: int) -> dict[str, Any]:
    """The account's choices: channels (email on by default, WhatsApp and push off; the inbox always on),
    the optional stages (none by default) and the daily digest (off by default); `version` for the form to keep."""
    row = session.get(NotificationPreference, user_id)
    user = session.get(User, user_id)
    return {**edit_values(row), "version": row.version if row is not None else FIRST_VERSION,
            "has_email": bool(user and user.email), "email_address": user.email if user else None}


def save_preferences(session: Session, user_id: int, *, email: bool, whatsapp: bool, phone: str | None,
                     push: bool = False, digest: bool = False, stages: Iterable[str] = (),
                     expected_version: int | None = None, opened: dict[str, Any] | None = None) -> dict:
    """Change the choices; WhatsApp needs a phone number; only the optional stages can be chosen (the
    mandatory ones are always sent).

    One account is often several staff (a forwarder's): a save from a form opened on an older version
    (`expected_version`, `opened`) is refused with StaleEdit, saying what changed since, so one tab cannot silently
    undo another's choices. `expected_version=None` is a caller with no form."""
    phone = (phone or "").strip() or None
    stages = list(stages or ())
    errors = ErrorCollector()
    if whatsapp and not phone:
        errors.add("phone", "notify.error.phone_required")
    if phone and not PHONE_PATTERN.match(phone):
        errors.add("phone", "notify.error.phone_format")
    if any(stage not in OPTIONAL_STAGES for stage in stages):
        errors.add("stages", "notify.error.stage_unknown")
    errors.raise_if_any()
    wanted = {"email": bool(email), "whatsapp": bool(whatsapp), "phone": phone, "push": bool(push),
              "digest": bool(digest), "stages": [s for s in OPTIONAL_STAGES if s in stages]}
    user = session.get(User, user_id)
    row = session.get(NotificationPreference, user_id)
    before = edit_values(row)
    if wanted == before:
        return preferences(session, user_id)  # nothing to store: every open form stays current
    if row is None:
        if not edit_versions.is_current(FIRST_VERSION, expected_version):
            raise edit_versions.stale(session, opened or {}, before, "notification_preference", user_id)
        try:
            with session.begin_nested():  # the first save from two tabs at once: the second finds the row
                row = NotificationPreference(user_id=user_id, version=FIRST_VERSION, updated_at=utcnow())
                session.add(row)
        except IntegrityError:
            row = session.get(NotificationPreference, user_id)
    edit_versions.claim(session, row, expected_version, opened, edit_values, "notification_preference", user_id)
    row.email, row.whatsapp, row.phone, row.updated_at = wanted["email"], wanted["whatsapp"], phone, utcnow()
    row.push, row.digest, row.stages = wanted["push"], wanted["digest"], wanted["stages"]
    # Who saved last and when: the stale message of another tab names it (edit_versions.last_saved).
    old, new = audit.changed_fields(before, wanted)
    audit.record(session, user_id, user.username if user else None, "notification_preferences_saved",
                 "notification_preference", user_id, old, new)
    session.flush()
    return preferences(session, user_id)


def _office_day(moment: datetime, tz: str) -> date:
    """The office's calendar day of a moment (the digest's day)."""
    return moment.astimezone(ZoneInfo(tz)).date()


def _recipient_channels(user_email: str | None, pref: NotificationPreference | None,
                        has_device: bool = False) -> list[tuple[str, str | None]]:
    """(channel, address) the account receives on: the inbox, then email, WhatsApp and push as chosen (push only
    with a subscribed device: a row nobody can receive is not written)."""
    channels: list[tuple[str, str | None]] = [("inbox", None)]
    if user_email and (pref is None or pref.email):
        channels.append(("email", user_email))
    if pref is not None and pref.whatsapp and pref.phone:
        channels.append(("whatsapp", pref.phone))
    if pref is not None and pref.push and has_device:
        channels.append(("push", None))
    return channels


def _outbox_row(user_id: int, address: str | None, channel: str, application_id: int | None, event_key: str,
                template: str, params: dict, occurred_at: datetime | None, now: datetime,
                digest_day: date | None = None) -> dict[str, Any]:
    """One outbox row; email and WhatsApp rows of a digest account wait (no next attempt) for their day's digest."""
    inbox = channel == "inbox"
    held = None if inbox else digest_day
    return {"recipient_user_id": user_id, "recipient_address": address, "channel": channel,
            "application_id": application_id, "event_key": event_key, "template": template, "params": params,
            "occurred_at": occurred_at or now, "status": "sent" if inbox else "pending", "attempts": 0,
            "next_attempt_at": None if inbox or held else now, "sent_at": now if inbox else None,
            "last_error": None, "read_at": None, "digest_day": held, "created_at": now}


def _digest_day(pref: NotificationPreference | None, tz: str, now: datetime) -> date | None:
    return _office_day(now, tz) if pref is not None and pref.digest else None


def enqueue_for_synced_events(session: Session, stage_events: list[dict], actions: list[dict], *,
                              now: datetime | None = None, survey_cooldown_days: int = 30) -> int:
    """Write the outbox rows for a batch of synced stage events and 3P actions; returns how many are new.

    Call it inside the batch's transaction (it flushes, never commits). Each stage event needs
    `application_id`, `stage`, `occurred_at` (UTC-aware); each action `application_id`, `kind`
    (detention/refusal/destruction), `action_at` (UTC-aware). Other keys are ignored. A `handed_over`
    also opens a survey invitation, at most one per company per `survey_cooldown_days`.
    """
    now = now or utcnow()
    # The optional stages some account chose (one small table): the others cost a sync batch nothing.
    chosen = {stage for stages in session.scalars(select(NotificationPreference.stages).where(
        NotificationPreference.stages.is_not(None))) for stage in (stages or ()) if stage in OPTIONAL_STAGES}
    wanted: dict[tuple[int, str], datetime] = {}
    for event in stage_events:
        if event.get("stage") in NOTIFIED_STAGES or event.get("stage") in chosen:
            key = (int(event["application_id"]), event["stage"])
            at = _aware(event["occurred_at"], "occurred_at")
            wanted[key] = min(at, wanted.get(key, at))
    for action in actions:
        stage = ACTION_EVENTS.get(action.get("kind"))
        if stage:
            key = (int(action["application_id"]), stage)
            at = _aware(action["action_at"], "action_at")
            wanted[key] = min(at, wanted.get(key, at))
    if not wanted:
        return 0
    application_ids = sorted({application_id for application_id, _ in wanted})
    # Who may hear about each application: active service-user accounts linked to its company.
    recipients: dict[int, list[tuple]] = defaultdict(list)
    company_of: dict[int, int] = {}
    office_of: dict[int, int | None] = {}
    for chunk in _chunks(application_ids):
        for row in session.execute(
                select(Application.id, Application.service_user_id, ServiceUserLink.user_id,
                       ServiceUserLink.created_at, User.created_at, User.email, User.office_id)
                .join(ServiceUserLink, ServiceUserLink.service_user_id == Application.service_user_id)
                .join(User, User.id == ServiceUserLink.user_id)
                .where(Application.id.in_(chunk), User.active.is_(True), User.role.in_(roles_with("my.view")))):
            application_id, company_id, user_id, linked_at, created_at, email, office_id = row
            recipients[application_id].append((user_id, max(linked_at, created_at), email))
            office_of[user_id] = office_id
            company_of[application_id] = company_id
    if not recipients:
        return 0
    user_ids = sorted({r[0] for rows in recipients.values() for r in rows})
    prefs = {p.user_id: p for chunk in _chunks(user_ids)
             for p in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id.in_(chunk)))}
    zones = _zones(session, {office for office in office_of.values() if office is not None})
    with_devices = push.users_with_devices(session, sorted(u for u, p in prefs.items() if p.push))
    invitations = _open_invitations(session, wanted, recipients, company_of, survey_cooldown_days)
    rows = []
    for (application_id, stage), occurred_at in sorted(wanted.items(), key=lambda item: item[1]):
        if stage == "handed_over" and application_id not in invitations:
            continue  # the handover is announced with its survey; none is due for this company now
        params = {"stage": stage}
        # The mandatory stages each have their own words; a chosen optional stage shares one template.
        template = stage if stage in NOTIFIED_STAGES else "stage"
        if stage == "handed_over":
            params["survey_invitation_id"] = invitations[application_id]
        for user_id, since, email in recipients.get(application_id, ()):
            if occurred_at <= since:
                continue  # happened before the account could see it: history, not news
            pref = prefs.get(user_id)
            if stage in OPTIONAL_STAGES and stage not in _chosen_stages(pref):
                continue
            held = _digest_day(pref, zones.get(office_of.get(user_id)) or default_timezone(), now)
            for channel, address in _recipient_channels(email, pref, user_id in with_devices):
                rows.append(_outbox_row(user_id, address, channel, application_id, stage, template, params,
                                        occurred_at, now, held))
    return _insert_ignoring_duplicates(session, NotificationOutbox, rows)


def _zones(session: Session, office_ids: set[int]) -> dict[int, str]:
    """Office id → its time zone (the digest's day is the office's day)."""
    if not office_ids:
        return {}
    return {office.id: zone_of(office) for office in session.scalars(select(Office).where(Office.id.in_(office_ids)))}


def _open_invitations(session: Session, wanted: dict, recipients: dict, company_of: dict,
                      cooldown_days: int) -> dict[int, int]:
    """Survey invitations for this batch's handovers someone can hear of: application id → invitation id."""
    return survey_invitations.open_for_handovers(
        session, [(application_id, company_of[application_id], at) for (application_id, stage), at in wanted.items()
                  if stage == "handed_over" and any(at > since for _, since, _ in recipients.get(application_id, ()))],
        cooldown_days)


def notify_user(session: Session, user_id: int, application_id: int | None, event_key: str, template: str,
                params: dict, now: datetime | None = None) -> int:
    """One message to one account on each of its channels (e.g. the answer to a correction request)."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None or not user.active:
        return 0
    pref = session.get(NotificationPreference, user_id)
    held = _digest_day(pref, zone_of(user.office), now)
    rows = [_outbox_row(user_id, address, channel, application_id, event_key, template, params, now, now, held)
            for channel, address in _recipient_channels(
                user.email, pref, bool(pref and pref.push and push.users_with_devices(session, [user_id])))]
    return _insert_ignoring_duplicates(session, NotificationOutbox, rows)


def _pending_email_to(user_id: int, address: str):
    """The conditions of an account's email rows to `address` (in any case) not yet sent."""
    return (NotificationOutbox.recipient_user_id == user_id, NotificationOutbox.channel == "email",
            NotificationOutbox.status == "pending",
            func.lower(NotificationOutbox.recipient_address) == address.strip().lower())


def hold_email(session: Session, user_id: int, event_key: str, address: str, until: datetime) -> int:
    """Keep the account's email of `event_key` to `address` from going before `until`: another email about to go
    there may make it needless (`withdraw_email`); should that one not go, this one still does, at `until`. A row
    waiting for its daily digest waits anyway. Returns how many rows are held."""
    return session.execute(update(NotificationOutbox).where(
        *_pending_email_to(user_id, address), NotificationOutbox.event_key == event_key,
        NotificationOutbox.digest_day.is_(None)).values(next_attempt_at=until)).rowcount


def withdraw_email(session: Session, user_id: int, template: str, event_prefix: str, address: str,
                   reason: str) -> int:
    """Mark the account's emails of `template` whose event key starts with `event_prefix`, to `address` and not yet
    sent (alone or in a digest), skipped with `reason`: what they say has reached that address another way. The inbox
    row stays. Returns how many were withdrawn."""
    return session.execute(update(NotificationOutbox).where(
        *_pending_email_to(user_id, address), NotificationOutbox.template == template,
        NotificationOutbox.event_key.startswith(event_prefix, autoescape=True))
        .values(status="skipped", last_error=reason)).rowcount


# ------------------------------------------------------------------------------------------ rendering
def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_reset_token(session: Session, user_id: int, now: datetime | None = None) -> str:
    """A fresh single-use password-reset link token for an account; only its hash is stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(AccessToken(purpose="reset", token_hash=hash_token(token), user_id=user_id, created_at=now,
                            expires_at=now + RESET_LINK_LIFETIME))
    return token


def mint_survey_token(session: Session, invitation: SurveyInvitation) -> str:
    """A fresh single-use link token for an invitation; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(AccessToken(purpose="survey", token_hash=hash_token(token), survey_invitation_id=invitation.id,
                            expires_at=invitation.expires_at))
    return token


def render(session: Session, row: NotificationOutbox, base_url: str = "", language: str | None = None,
           for_delivery: bool = False) -> dict[str, Any]:
    """Subject, text and link of a message, in the recipient's language, from the current synced data.

    For email and WhatsApp delivery (`for_delivery`) a survey invitation gets a fresh tokenised public link;
    the inbox links to the logged-in pages.
    """
    user = session.get(User, row.recipient_user_id) if row.recipient_user_id else None
    language = language or (user.language if user else "id")
    tz = zone_of(user.office if user else None)
    params = dict(row.params or {})
    application = session.get(Application, row.application_id) if row.application_id else None
    values: dict[str, Any] = {"number": application.number if application else "",
                              "time": format_datetime(row.occurred_at, tz, language) if row.occurred_at else ""}
    if application is not None:
        company = session.get(ServiceUser, application.service_user_id)
        values["company"] = (company.name if company else "") or ""
    link = f"{base_url}/my/applications/{row.application_id}" if row.application_id else f"{base_url}/my/notifications"
    if row.template == "nnc":
        link = f"{base_url}/my/nnc/{params.get('nnc_id')}"
    if row.template == "complaint_answered":  # the answer is read on the complaints page, not the application's
        link = f"{base_url}/my/complaints"
    body_key, subject_key = f"notify.{row.template}.body", f"notify.{row.template}.subject"
    if row.template == "billed" and application is not None:
        bill = latest_bill(session, application.id)
        values["amount"] = format_idr(bill.amount, language) if bill else "–"
        values["billing_code"] = (bill.billing_code or "–") if bill else "–"
        # A bill deleted at the source after the message, or one without its code yet, read "Kode billing –,
        # jumlah –." and still told the user to pay "with that billing code": say what is missing instead.
        if bill is None:
            body_key, subject_key = "notify.billed.body_withdrawn", "notify.billed.subject_withdrawn"
        elif not bill.billing_code:
            body_key = "notify.billed.body_no_code"
    if row.template == "handed_over":
        invitation = session.get(SurveyInvitation, params.get("survey_invitation_id"))
        if invitation is not None and for_delivery and invitation.responded_at is None:
            link = f"{base_url}/survey/{mint_survey_token(session, invitation)}"
        else:
            link = f"{base_url}/my/survey/{row.application_id}"
    if row.template == "reset":
        link = f"{base_url}/account/reset/{mint_reset_token(session, row.recipient_user_id)}" if for_delivery else ""
    if row.template == "stage":
        values["stage_label"] = t(f"my.stage.{params.get('stage')}", language)
    if row.template == "correction_answered":
        values["answer"] = params.get("answer") or t("notify.correction_new_draft", language)
    if row.template == "nnc" and params.get("country"):
        values["country"] = country_name(params["country"], language)  # "from China", not "from Tiongkok"
    if row.template == "nnc" and params.get("flow") == "issued":
        body_key = "notify.nnc.body_issued"  # the station notified the other country: "to", not "from"
    values["link"] = link if for_delivery else ""
    values.update({k: v for k, v in params.items() if isinstance(v, str) and k not in values})
    text = t(body_key, language, **values)
    # Delivered messages carry the link and a signature; the inbox has a button for the link instead.
    text = text + "\n\n" + t("notify.signature", language) if for_delivery else text.rstrip().rstrip(":")
    values["link"] = link
    return {"subject": t(subject_key, language, **values), "text": text, "link": link,
            "template": row.template, "values": values}


# ------------------------------------------------------------------------------------------ the inbox
def _inbox_of(user_id: int):
    return (NotificationOutbox.recipient_user_id == user_id, NotificationOutbox.channel == "inbox")


def inbox(session: Session, user_id: int, page: int = 0, page_size: int = 20, *,
          unread_only: bool = False) -> dict[str, Any]:
    """The account's in-portal messages, newest event first, one page (read from the inbox index).

    Showing a page marks nothing read: a message is read when it is opened (`open_message`) or with
    "mark all read" (`mark_read`).
    """
    where = _inbox_of(user_id) + ((NotificationOutbox.read_at.is_(None),) if unread_only else ())
    total = session.scalar(select(func.count()).select_from(NotificationOutbox).where(*where)) or 0
    page = max(0, min(page, max(0, (total - 1) // page_size)))
    rows = session.scalars(select(NotificationOutbox).where(*where)
                           .order_by(NotificationOutbox.occurred_at.desc(), NotificationOutbox.id.desc())
                           .offset(page * page_size).limit(page_size)).all()
    # What `render` looks up by key for each row, read once for the page: the session's identity map then answers
    # its `get`s. The map holds an object only while something refers to it, hence `held` until the page is drawn;
    # row by row it was four statements a message, ≈ 70 a page.
    held = _page_records(session, user_id, rows)
    messages = []
    for row in rows:
        rendered = render(session, row)
        messages.append({"id": row.id, "at": row.occurred_at or row.created_at, "read": row.read_at is not None,
                         "subject": rendered["subject"], "text": rendered["text"], "link": rendered["link"],
                         "event": row.event_key, "application_id": row.application_id})
    del held  # every row is drawn
    return {"total": total, "page": page, "page_size": page_size, "rows": messages}


def _page_records(session: Session, user_id: int, rows: list[NotificationOutbox]) -> list:
    """The recipient with its office, and the page's applications with their companies, in three statements."""
    recipient = session.get(User, user_id)
    records: list = [recipient, recipient.office if recipient is not None else None]
    application_ids = {row.application_id for row in rows if row.application_id}
    if application_ids:
        applications = session.scalars(select(Application).where(Application.id.in_(application_ids))).all()
        records += applications
        records += session.scalars(select(ServiceUser).where(
            ServiceUser.id.in_({a.service_user_id for a in applications}))).all()
    return records


def unread_count(session: Session, user_id: int, now: datetime | None = None) -> int:
    """The bell: unread messages of the last BELL_DAYS days — one range read of the inbox index."""
    since = (now or utcnow()) - timedelta(days=BELL_DAYS)
    return session.scalar(select(func.count()).select_from(NotificationOutbox).where(
        *_inbox_of(user_id), NotificationOutbox.read_at.is_(None), NotificationOutbox.occurred_at >= since)) or 0


def mark_read(session: Session, user_id: int, message_ids: list[int] | None = None) -> int:
    """Mark some (or, without ids, all) of the account's own unread inbox messages read in ONE UPDATE; other
    accounts' ids are ignored. Returns how many changed."""
    statement = update(NotificationOutbox).where(*_inbox_of(user_id), NotificationOutbox.read_at.is_(None))
    if message_ids is not None:
        statement = statement.where(NotificationOutbox.id.in_(message_ids))
    return session.execute(statement.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def open_message(session: Session, user_id: int, message_id: int) -> str | None:
    """Opening a message reads it: marks it read and gives the page it is about (None if not the account's)."""
    row = session.scalar(select(NotificationOutbox).where(*_inbox_of(user_id), NotificationOutbox.id == message_id))
    if row is None:
        return None
    mark_read(session, user_id, [row.id])
    return render(session, row)["link"]


# ------------------------------------------------------------------------------------------ delivery
def _post_webhook(url: str, token: str, body: dict, timeout: float = 10) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - an https URL from settings
        if response.status >= 300:
            raise RuntimeError(f"webhook answered {response.status}")


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after each failed attempt, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def deliver_pending(database, now: datetime | None = None, smtp_url: str | None = None,
                    webhook_url: str | None = None, webhook_token: str | None = None, *, settings=None,
                    limit: int = 200, only: list[int] | None = None) -> dict[str, int]:
    """Send the due email, WhatsApp and push rows of the outbox; returns counts by outcome.

    `smtp_url`, `webhook_url`, `webhook_token` default (None) to the settings' values; pass "" for "not
    configured"; `only` limits the delivery to those outbox rows (a reset mail sent after its response). A row
    that fails is retried after an exponential backoff, up to MAX_ATTEMPTS, each error recorded. Rows are leased
    before sending, so a crash or a second deliverer cannot send a row twice at once.
    """
    delivery = _Delivery.of(settings, smtp_url, webhook_url, webhook_token)
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    with database.session() as session:
        query = (select(NotificationOutbox.id, NotificationOutbox.channel).where(NotificationOutbox.status == "pending",
                                                     NotificationOutbox.channel != "inbox",
                                                     NotificationOutbox.digest_day.is_(None),
                                                     NotificationOutbox.next_attempt_at <= now)
                 .order_by(NotificationOutbox.next_attempt_at, NotificationOutbox.id).limit(limit))
        if only is not None:
            query = query.where(NotificationOutbox.id.in_(only))
        if database.is_postgresql:
            query = query.with_for_update(skip_locked=True)
        due = list(session.execute(query))
        ids = [outbox_id for outbox_id, _ in due]
        if ids:  # the lease: nobody else picks these rows until it runs out
            session.execute(update(NotificationOutbox).where(NotificationOutbox.id.in_(ids))
                            .values(next_attempt_at=now + LEASE))
    if not ids:
        return counts
    mailer = Mailer(delivery.smtp_url, delivery.smtp_from) if delivery.smtp_url else None
    try:
        for outbox_id, channel in due:
            if channel == "push":  # commits its own steps: the claim before the request, the mark after
                counts[_push(database, [outbox_id], now, delivery, _push_payload)] += 1
                continue
            with database.session() as session:
                row = session.get(NotificationOutbox, outbox_id)
                outcome = _deliver_one(session, row, now, mailer, delivery)
                counts[outcome] += 1
    finally:
        if mailer is not None:
            mailer.close()
    if any(counts.values()):
        log.info("notifications delivered: %s", counts)
    return counts


@dataclass(frozen=True)
class _Delivery:
    """Where messages go: the settings' SMTP and WhatsApp gateway unless a call names others ("" = none)."""

    smtp_url: str
    smtp_from: str
    webhook_url: str
    webhook_token: str
    base_url: str
    push: push.PushConfig | None = None

    @classmethod
    def of(cls, settings, smtp_url: str | None, webhook_url: str | None, webhook_token: str | None) -> "_Delivery":
        settings = settings or load_settings()
        return cls(settings.smtp_url if smtp_url is None else smtp_url, settings.smtp_from,
                   settings.webhook_url if webhook_url is None else webhook_url,
                   settings.webhook_token if webhook_token is None else webhook_token,
                   settings.public_base_url.rstrip("/"), push.config_of(settings))


def _push(database, outbox_ids: list[int], now: datetime, delivery: _Delivery, payload_of) -> str:
    return push.deliver(database, outbox_ids, payload_of, now, delivery.push, max_attempts=MAX_ATTEMPTS,
                        backoff=backoff, backoff_cap=BACKOFF_CAP)


def _push_payload(session: Session, rows: list[NotificationOutbox]) -> dict:
    """One message as a push: its subject, its text without link or signature, and the page it is about (a path:
    the service worker opens it on the portal's own origin)."""
    message = render(session, rows[0])
    return push.payload(message["subject"], message["text"], message["link"], f"qcorner-{rows[0].id}")


def _push_digest_payload(user: User, day: date, language: str):
    def payload_of(session: Session, rows: list[NotificationOutbox]) -> dict:
        rows = sorted(rows, key=lambda row: (row.occurred_at, row.id))
        lines = "\n".join("• " + render(session, row, "", language)["subject"] for row in rows)
        title = t("notify.digest.subject", language, day=format_date(day, language), count=len(rows))
        return push.payload(title, lines, "/my/notifications", f"qcorner-digest-{min(row.id for row in rows)}")
    return payload_of


def _deliver_one(session: Session, row: NotificationOutbox, now: datetime, mailer: Mailer | None,
                 delivery: _Delivery) -> str:
    def compose():
        message = render(session, row, delivery.base_url, for_delivery=True)
        return message["subject"], message["text"], row.template, message["values"]

    return _send(session, [row], row.channel, now, mailer, delivery, compose, f"notification {row.id}")


def _send(session: Session, rows: list[NotificationOutbox], channel: str, now: datetime, mailer: Mailer | None,
          delivery: _Delivery, compose, what: str) -> str:
    """Send one message standing for `rows` (one row, or a digest's) on `channel`; every row gets the outcome.

    `compose()` gives (subject, text, template, parameters). A failure is recorded on every row and retried
    after the backoff, up to MAX_ATTEMPTS; a channel that is not configured marks the rows skipped.
    """
    def settle(status: str, error: str | None, next_attempt: datetime | None = None) -> None:
        for row in rows:
            row.status, row.last_error = status, error
            if next_attempt is not None:
                row.next_attempt_at = next_attempt
            if status == "sent":
                row.sent_at = now

    if channel == "email" and mailer is None:
        settle("skipped", "SMTP not configured (QCORNER_SMTP_URL): kept in the outbox only")
        return "skipped"
    if channel == "whatsapp" and not delivery.webhook_url:
        settle("skipped", "WhatsApp gateway not configured (QCORNER_WEBHOOK_URL)")
        return "skipped"
    for row in rows:
        row.attempts += 1
    address = rows[0].recipient_address
    try:
        with session.begin_nested():  # a survey token minted for a failed send is not kept
            subject, text, template, parameters = compose()
            if channel == "email":
                mailer.send(address, subject, text)
            elif channel == "whatsapp":
                _post_webhook(delivery.webhook_url, delivery.webhook_token, {
                    "recipient": address, "template": template,
                    "parameters": {k: str(v) for k, v in parameters.items()}, "text": subject + "\n\n" + text})
            else:
                raise ValueError(f"unknown channel {channel!r}")
    except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
        message = f"{type(error).__name__}: {error}"[:1000]
        if rows[0].attempts >= MAX_ATTEMPTS:
            log.warning("%s failed for good: %s", what, message)
            settle("failed", message)
            return "failed"
        settle("pending", message, now + backoff(rows[0].attempts))
        return "retry"
    settle("sent", None)
    return "sent"


def deliver_digests(database, now: datetime | None = None, smtp_url: str | None = None,
                    webhook_url: str | None = None, webhook_token: str | None = None, *, settings=None) -> dict[str, int]:
    """One message per account, channel and office day with that day's held rows, once the day is over.

    Same arguments and outcomes as `deliver_pending`; a failed digest is retried as a whole with the same
    backoff, and every row of it carries the attempt and the error.
    """
    delivery = _Delivery.of(settings, smtp_url, webhook_url, webhook_token)
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    due = (NotificationOutbox.status == "pending", NotificationOutbox.digest_day.is_not(None),
           NotificationOutbox.digest_day <= (now + timedelta(days=1)).date(),  # no zone is a day ahead of UTC+24
           or_(NotificationOutbox.next_attempt_at.is_(None), NotificationOutbox.next_attempt_at <= now))
    with database.session() as session:
        groups = session.execute(select(NotificationOutbox.recipient_user_id, NotificationOutbox.channel,
                                        NotificationOutbox.digest_day).where(*due).distinct()
                                 .order_by(NotificationOutbox.digest_day)).all()
    mailer = None
    try:
        for user_id, channel, day in groups:
            pushed = None
            with database.session() as session:
                user = session.get(User, user_id)
                if user is None or day >= _office_day(now, zone_of(user.office)):
                    continue  # the account's office day is not over yet
                query = select(NotificationOutbox).where(
                    *due, NotificationOutbox.recipient_user_id == user_id, NotificationOutbox.channel == channel,
                    NotificationOutbox.digest_day == day).order_by(NotificationOutbox.occurred_at,
                                                                   NotificationOutbox.id)
                if database.is_postgresql:
                    query = query.with_for_update(skip_locked=True)
                rows = list(session.scalars(query))
                if not rows:
                    continue
                language = user.language or "id"
                if channel == "push":  # leased here, pushed after this transaction (its steps commit on their own)
                    for row in rows:
                        row.next_attempt_at = now + LEASE
                    pushed = ([row.id for row in rows], _push_digest_payload(user, day, language))
                else:
                    if channel == "email" and delivery.smtp_url and mailer is None:
                        mailer = Mailer(delivery.smtp_url, delivery.smtp_from)

                    def compose(user=user, day=day, rows=rows, language=language):
                        subject, text = digest_message(session, user, day, rows, delivery.base_url, language)
                        return subject, text, "digest", {"count": len(rows)}

                    counts[_send(session, rows, channel, now, mailer, delivery, compose,
                                 f"digest for account {user_id}")] += 1
            if pushed is not None:
                counts[_push(database, pushed[0], now, delivery, pushed[1])] += 1
    finally:
        if mailer is not None:
            mailer.close()
    if any(counts.values()):
        log.info("notification digests delivered: %s", counts)
    return counts


def digest_message(session: Session, user: User, day: date, rows: list[NotificationOutbox], base_url: str,
                   language: str) -> tuple[str, str]:
    """The digest's subject and text: one line per message (its subject and link), oldest first."""
    lines = []
    for row in rows:
        message = render(session, row, base_url, language, for_delivery=True)
        lines.append(f"• {message['subject']}\n  {message['link']}")
    subject = t("notify.digest.subject", language, day=format_date(day, language), count=len(rows))
    text = t("notify.digest.body", language, day=format_date(day, language), count=len(rows)) + "\n\n" + \
        "\n".join(lines) + "\n\n" + t("notify.signature", language)
    return subject, text


def officer_summary(session: Session) -> dict[str, int]:
    """Counts for the officers' view of the outbox (what is waiting, what failed)."""
    rows = session.execute(select(NotificationOutbox.status, func.count()).where(
        NotificationOutbox.channel != "inbox").group_by(NotificationOutbox.status)).all()
    return {status: count for status, count in rows}
