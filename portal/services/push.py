"""Web Push (issue 20; RFC 8030 delivery, RFC 8291 aes128gcm payloads, RFC 8292 VAPID): a service user's devices
and the delivery of outbox messages to them.

- A device subscribes from the notification settings page: the browser's PushSubscription (endpoint and keys) is
  kept per account, one row per endpoint; subscribing again from the same device refreshes its row.
- The scheduler's outbox job (notifications.deliver_pending / deliver_digests) hands each due `push` outbox row, or
  a push digest's rows, to `deliver`: one `push_deliveries` row per message and device (unique), so however often
  the job runs, a device gets a message once.
- At most once, never twice. A delivery is `claimed` (with a lease) and committed BEFORE its request goes out, and
  marked `sent` after the answer. A scheduler killed between the two leaves a claim nobody can tell apart from one
  killed just before sending; it is never sent again once its lease runs out (`in_doubt`). The trade-off, chosen
  because the issue asks that nothing is sent twice: a kill in that window of a few seconds may lose that one push
  (the inbox and email still have the message). The payload's `tag` makes a device show one notification per
  message even if a push service itself were to deliver twice.
- Answers: 201 sent; 404/410 the browser dropped the subscription → it is removed; 429 and 5xx (and a push service
  that could not be reached at all) are retried after the outbox's backoff, or the push service's Retry-After when
  that is longer, up to notifications' MAX_ATTEMPTS; any other answer fails that delivery for good. A timeout after
  the request was sent is in doubt, like a kill.
"""
from __future__ import annotations

import base64
import ipaddress
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.service_portal import NotificationOutbox, NotificationPreference, PushDelivery, PushSubscription
from portal.validation import ErrorCollector

log = logging.getLogger(__name__)

# A claim outlives the request's timeout with room to spare: a live deliverer always settles before it runs out.
CLAIM_LEASE = timedelta(minutes=2)
REQUEST_TIMEOUT_SECONDS = 10
# How long a push service keeps a message for a device that is offline (a stage older than a day is not news).
TTL_SECONDS = 24 * 3600
# Push services take about 4 KB of payload; the text is cut well before that.
BODY_MAX = 600
MAX_DEVICES = 10
ENDPOINT_MAX = 1000
KEY_FILE = "push-keys.json"


# ------------------------------------------------------------------------------------------ keys
def generate_keys() -> dict[str, str]:
    """A fresh VAPID key pair as the settings hold it: base64url of the raw private number and the public point."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"public": _b64(public), "private": _b64(private)}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PushConfig:
    """What sending needs; None from `config_of` means push is off (the push rows are then skipped)."""

    public_key: str
    private_key: str
    subject: str
    timeout: float = REQUEST_TIMEOUT_SECONDS
    allow_loopback: bool = False  # outside production: a push service on this machine (the tests' own)


def config_of(settings) -> PushConfig | None:
    """The station's push settings; outside production a missing pair is generated once and kept in instance/
    (so `make run` works without set-up). Production without keys never gets here: it refuses to start."""
    if not settings.push_enabled:
        return None
    public, private = settings.vapid_public_key, settings.vapid_private_key
    if not (public and private):
        if settings.env == "production":
            return None
        kept = kept_keys(Path(settings.effective_database_url.removeprefix("sqlite:///")).parent
                         if settings.effective_database_url.startswith("sqlite:///") else None)
        public, private = kept["public"], kept["private"]
    return PushConfig(public, private, settings.vapid_subject or "mailto:admin@qcorner.invalid",
                      allow_loopback=settings.env != "production")


def kept_keys(folder: Path | None = None) -> dict[str, str]:
    """The demo's key pair in instance/push-keys.json, made by whichever process asks first (O_EXCL: the web
    workers and the scheduler agree on one pair)."""
    from portal.settings import PROJECT_ROOT

    folder = folder or PROJECT_ROOT / "instance"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it this instant
            try:
                return json.loads(path.read_text())
            except ValueError:
                import time
                time.sleep(0.02)
        raise
    keys = generate_keys()
    with os.fdopen(descriptor, "w") as handle:
        json.dump(keys, handle)
    return keys


def public_key(settings) -> str | None:
    """The applicationServerKey the browser subscribes with (None: push is off at this station)."""
    config = config_of(settings)
    return config.public_key if config else None


# ------------------------------------------------------------------------------------------ devices
def _endpoint_allowed(endpoint: str, allow_loopback: bool) -> bool:
    """A push endpoint is an https URL of a public host: the server POSTs to it, so an address inside the station's
    network is refused (the loopback only where tests run their own push service)."""
    parsed = urlparse(endpoint)
    host = (parsed.hostname or "").lower()
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if loopback:
        return allow_loopback and parsed.scheme in ("http", "https")
    if parsed.scheme != "https" or host.endswith(".local") or host.endswith(".internal"):
        return False
    return address is None or address.is_global


def _resolves_outside(endpoint: str, allow_loopback: bool) -> bool:
    """Checked again just before sending: the endpoint's host name resolves only to public addresses (a name
    registered to point inside the station's network is not posted to)."""
    host = urlparse(endpoint).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return True  # not resolvable now: the request fails to connect and is retried like any other
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if not (address.is_global or (allow_loopback and address.is_loopback)):
            return False
    return True


def subscribe(session: Session, user_id: int, subscription: Any, device_label: str | None = None, *,
              now: datetime | None = None, allow_loopback: bool = False) -> dict:
    """Keep a browser's PushSubscription (its toJSON(): endpoint, keys.p256dh, keys.auth, expirationTime) for the
    account, and turn its push channel on. The same endpoint again updates its row (and moves it to this account:
    a shared phone follows whoever subscribed last)."""
    now = now or utcnow()
    errors = ErrorCollector()
    data = subscription if isinstance(subscription, dict) else {}
    endpoint = data.get("endpoint") if isinstance(data.get("endpoint"), str) else ""
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not endpoint or len(endpoint) > ENDPOINT_MAX or not _endpoint_allowed(endpoint, allow_loopback):
        errors.add("endpoint", "push.error.endpoint")
    try:
        valid_keys = (isinstance(p256dh, str) and isinstance(auth, str) and len(_unb64(p256dh)) == 65
                      and _unb64(p256dh)[0] == 4 and len(_unb64(auth)) == 16)
    except ValueError:
        valid_keys = False
    if not valid_keys:
        errors.add("keys", "push.error.keys")
    errors.raise_if_any()
    expires = data.get("expirationTime")
    expires_at = None
    if isinstance(expires, (int, float)) and not isinstance(expires, bool):
        try:
            expires_at = datetime.fromtimestamp(expires / 1000, tz=now.tzinfo)
        except (OverflowError, OSError, ValueError):
            expires_at = None  # no sensible expiry given: the push service's 404/410 will say when it ends
    label = (device_label or "").strip()[:120] or None
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        count = session.scalar(select(func.count()).select_from(PushSubscription)
                               .where(PushSubscription.user_id == user_id)) or 0
        if count >= MAX_DEVICES:
            errors.add("endpoint", "push.error.too_many")
            errors.raise_if_any()
        row = PushSubscription(endpoint=endpoint, created_at=now, failures=0)
        session.add(row)
    row.user_id, row.p256dh, row.auth, row.device_label, row.expires_at = user_id, p256dh, auth, label, expires_at
    pref = session.get(NotificationPreference, user_id)
    if pref is None:
        pref = NotificationPreference(user_id=user_id, email=True, whatsapp=False, push=True, digest=False,
                                      updated_at=now)
        session.add(pref)
    pref.push = True
    session.flush()
    return _device(row)


def unsubscribe(session: Session, user_id: int, *, subscription_id: int | None = None,
                endpoint: str | None = None) -> int:
    """Remove one of the account's own devices (by id from the list, or by the endpoint the browser reports);
    another account's device is never touched. Returns how many rows went."""
    statement = delete(PushSubscription).where(PushSubscription.user_id == user_id)
    if subscription_id is not None:
        statement = statement.where(PushSubscription.id == subscription_id)
    elif endpoint:
        statement = statement.where(PushSubscription.endpoint == endpoint)
    else:
        return 0
    return session.execute(statement).rowcount


def devices(session: Session, user_id: int) -> list[dict]:
    """The account's subscribed devices, newest first (at most MAX_DEVICES)."""
    rows = session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)
                           .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
                           .limit(MAX_DEVICES))
    return [_device(row) for row in rows]


def users_with_devices(session: Session, user_ids: list[int]) -> set[int]:
    """Which of these accounts have at least one device (they get push outbox rows)."""
    if not user_ids:
        return set()
    return set(session.scalars(select(PushSubscription.user_id).where(PushSubscription.user_id.in_(user_ids))
                               .distinct()))


def _device(row: PushSubscription) -> dict:
    return {"id": row.id, "label": row.device_label, "created_at": row.created_at,
            "last_success_at": row.last_success_at, "failures": row.failures}


def device_label(user_agent: str | None) -> str:
    """A short name for a device from its User-Agent: the browser and the system, as a person recognises them."""
    agent = user_agent or ""
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                          ("Windows", "Windows"), ("Mac OS", "macOS"), ("Linux", "Linux"))
                   if key in agent), "")
    browser = next((name for key, name in (("Edg/", "Edge"), ("SamsungBrowser", "Samsung Internet"),
                                           ("Firefox", "Firefox"), ("Chrome", "Chrome"), ("Safari", "Safari"))
                    if key in agent), "")
    return " · ".join(part for part in (browser, system) if part) or "Perangkat"


# ------------------------------------------------------------------------------------------ delivery
def _retry_after(value: str | None, now: datetime) -> timedelta:
    """The push service's Retry-After (seconds, or an HTTP date) as a delay; zero when absent or unreadable."""
    if not value:
        return timedelta(0)
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        return max(parsedate_to_datetime(value) - now, timedelta(0))
    except (TypeError, ValueError):
        return timedelta(0)


class _Refused(Exception):
    """A request the portal will not make (nothing left: sending again cannot duplicate it)."""


def _could_not_connect(error: Exception) -> bool:
    """True when the request never reached the push service (so sending again cannot duplicate it)."""
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.exceptions.ConnectionError):
        reason = getattr(error.args[0] if error.args else None, "reason", None)
        return isinstance(reason, NewConnectionError)
    return False


def _post(config: PushConfig, subscription: PushSubscription, payload: dict):
    """Encrypt (aes128gcm) and POST one message with its VAPID token; returns the response."""
    from py_vapid import Vapid02
    from pywebpush import WebPusher

    parsed = urlparse(subscription.endpoint)
    claims = {"sub": config.subject, "aud": f"{parsed.scheme}://{parsed.netloc}",
              "exp": int(utcnow().timestamp()) + 12 * 3600}
    headers = Vapid02.from_raw(config.private_key.encode()).sign(claims)
    headers["Urgency"] = "normal"
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    data = json.dumps(payload, ensure_ascii=False).encode()
    return WebPusher(info).send(data, headers, ttl=TTL_SECONDS, content_encoding="aes128gcm",
                                timeout=config.timeout)


def payload(title: str, body: str, url: str, tag: str) -> dict:
    """What the service worker shows: title, text (cut to fit a push message), the page to open, and a tag that
    makes a second copy replace the first on the device."""
    body = body.strip()
    if len(body) > BODY_MAX:
        body = body[:BODY_MAX - 1].rstrip() + "…"
    return {"title": title[:200], "body": body, "url": url, "tag": tag}


def deliver(database, outbox_ids: list[int], payload_of: Callable[[Session, list[NotificationOutbox]], dict],
            now: datetime, config: PushConfig | None, *, max_attempts: int, backoff: Callable[[int], timedelta],
            backoff_cap: timedelta) -> str:
    """Push one message (an outbox row, or a digest's rows) to every device of its account; returns the outcome for
    the outbox's counts: sent, retry, failed or skipped. Each step commits on its own (see the module's notes)."""
    anchor = min(outbox_ids)
    with database.session() as session:
        rows = list(session.scalars(select(NotificationOutbox).where(NotificationOutbox.id.in_(outbox_ids))))
        if not rows:
            return "skipped"
        if config is None:
            _settle_rows(rows, now, "skipped", "Web Push not configured (QCORNER_PUSH_ENABLED, QCORNER_VAPID_*)")
            return "skipped"
        user_id = rows[0].recipient_user_id
        session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id,
                                                       PushSubscription.expires_at.is_not(None),
                                                       PushSubscription.expires_at <= now))
        known = set(session.scalars(select(PushDelivery.subscription_id).where(PushDelivery.outbox_id == anchor)))
        fresh = [s for s in session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)
                                            .order_by(PushSubscription.id)) if s.id not in known]
        if fresh:
            content = payload_of(session, rows)
            for subscription in fresh:
                session.add(PushDelivery(outbox_id=anchor, subscription_id=subscription.id, payload=content,
                                         status="pending", attempts=0, next_attempt_at=now, created_at=now))
        # A claim whose lease ran out was cut off mid-send: in doubt, and never sent again.
        session.execute(update(PushDelivery).where(
            PushDelivery.outbox_id == anchor, PushDelivery.status == "claimed", PushDelivery.claimed_until <= now)
            .values(status="in_doubt", last_error="interrupted while sending; not sent again, so nothing arrives "
                                                  "twice").execution_options(synchronize_session=False))
        due = list(session.scalars(select(PushDelivery.id).where(
            PushDelivery.outbox_id == anchor, PushDelivery.status == "pending", PushDelivery.next_attempt_at <= now)
            .order_by(PushDelivery.id)))
    for delivery_id in due:
        _deliver_one(database, delivery_id, now, config, max_attempts, backoff, backoff_cap)
    with database.session() as session:
        rows = list(session.scalars(select(NotificationOutbox).where(NotificationOutbox.id.in_(outbox_ids))))
        deliveries = list(session.scalars(select(PushDelivery).where(PushDelivery.outbox_id == anchor)))
        return _settle_outbox(rows, deliveries, now)


def _deliver_one(database, delivery_id: int, now: datetime, config: PushConfig, max_attempts: int,
                 backoff: Callable[[int], timedelta], backoff_cap: timedelta) -> None:
    with database.session() as session:  # the claim: committed before anything leaves
        claimed = session.execute(update(PushDelivery).where(PushDelivery.id == delivery_id,
                                                             PushDelivery.status == "pending")
                                  .values(status="claimed", claimed_until=now + CLAIM_LEASE,
                                          attempts=PushDelivery.attempts + 1)
                                  .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return  # another deliverer has it
    with database.session() as session:
        delivery = session.get(PushDelivery, delivery_id)
        subscription = session.get(PushSubscription, delivery.subscription_id)
        content, attempts = dict(delivery.payload), delivery.attempts
        session.expunge_all()
    status = None
    retry_after = timedelta(0)
    try:
        if not (_endpoint_allowed(subscription.endpoint, config.allow_loopback)
                and _resolves_outside(subscription.endpoint, config.allow_loopback)):
            raise _Refused("the endpoint's host is inside the station's network: not sent")
        response = _post(config, subscription, content)
        status = response.status_code
        retry_after = _retry_after(response.headers.get("Retry-After"), now)
        error = None if 200 <= status < 300 else f"push service answered {status}: {response.text[:200]}"
        outcome = "sent" if error is None else "gone" if status in (404, 410) else \
            "retry" if status == 429 or status >= 500 else "failed"
    except Exception as failure:  # noqa: BLE001 - every failure is recorded
        error = f"{type(failure).__name__}: {failure}"[:1000]
        outcome = "failed" if isinstance(failure, _Refused) else "retry" if _could_not_connect(failure) else \
            "in_doubt"
    if outcome == "retry" and attempts >= max_attempts:
        outcome = "failed"
    with database.session() as session:  # the mark
        delivery = session.get(PushDelivery, delivery_id)
        subscription = session.get(PushSubscription, delivery.subscription_id)
        if outcome == "gone":
            log.info("push subscription %s is gone (%s): removed", subscription.id, status)
            session.execute(delete(PushDelivery).where(PushDelivery.subscription_id == subscription.id))
            session.delete(subscription)
            return
        delivery.claimed_until, delivery.last_error = None, error
        if outcome == "sent":
            delivery.status, delivery.sent_at = "sent", now
            subscription.last_success_at, subscription.failures = now, 0
        elif outcome == "retry":
            delivery.status = "pending"
            delivery.next_attempt_at = now + min(max(backoff(attempts), retry_after), backoff_cap)
            subscription.failures += 1
        else:
            delivery.status = outcome  # failed, or in_doubt (a timeout after the request went out)
            subscription.failures += 1


def _settle_rows(rows: list[NotificationOutbox], now: datetime, status: str, error: str | None,
                 next_attempt: datetime | None = None) -> None:
    for row in rows:
        row.status, row.last_error = status, error
        if next_attempt is not None:
            row.next_attempt_at = next_attempt
        if status == "sent":
            row.sent_at = now


def _settle_outbox(rows: list[NotificationOutbox], deliveries: list[PushDelivery], now: datetime) -> str:
    """The outbox rows' state from their deliveries: waiting while any device waits, sent once any device got it."""
    for row in rows:
        row.attempts += 1
    if not deliveries:
        _settle_rows(rows, now, "skipped", "no device subscribed to push")
        return "skipped"
    waiting = [d.next_attempt_at if d.status == "pending" else d.claimed_until
               for d in deliveries if d.status in ("pending", "claimed")]
    errors = "; ".join(sorted({d.last_error for d in deliveries if d.last_error}))[:1000] or None
    if waiting:
        _settle_rows(rows, now, "pending", errors, min(waiting))
        return "retry"
    if any(d.status == "sent" for d in deliveries):
        _settle_rows(rows, now, "sent", errors)
        return "sent"
    _settle_rows(rows, now, "failed", errors)
    return "failed"
