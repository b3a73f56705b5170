"""Web Push delivered by the outbox (issue 20), end to end against a real HTTP server started here as the push
service: each request carries a VAPID token for the endpoint's origin (checked with the station's public key) and
a body that decrypts (http_ece, aes128gcm) with the device's own private key and auth secret, made here, to the
message's title, text and link. 404/410 removes the device; 429/5xx are retried with backoff (Retry-After
respected); a scheduler killed mid-delivery sends nothing twice."""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import select, text

from models import StageEvent
from models.service_portal import NotificationOutbox, PushDelivery, PushSubscription
from portal.services import notifications, push
from portal.validation import InvalidInput
from support.factories import gen_application, gen_service_user
from support.portal_helpers import link_account

UTC = timezone.utc
MORNING = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)          # 09:00 WIB
NEXT_DAY = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)       # 00:30 WIB on the 11th: the 10th is over
SUBJECT = "mailto:operator@karantina.invalid"
KEYS = push.generate_keys()
ROOT = Path(__file__).resolve().parents[2]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushService:
    """A push service on a free local port: records every POST, answers from a script per path (201 by default),
    and can hold a request unanswered (to kill the scheduler while its request is in flight)."""

    def __init__(self):
        self.received: list[dict] = []
        self.script: dict[str, list[tuple[int, dict]]] = {}
        self.hold = False
        self.arrived, self.release = threading.Event(), threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                if service.hold:
                    service.arrived.set()
                    service.release.wait(60)
                status, headers = (service.script.get(self.path) or [(201, {})]).pop(0) \
                    if service.script.get(self.path) else (201, {})
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender was killed meanwhile

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def to(self, path: str) -> list[dict]:
        return [r for r in self.received if r["path"] == path]


@pytest.fixture
def push_service():
    service = PushService()
    service.thread.start()
    yield service
    service.release.set()
    service.server.shutdown()
    service.server.server_close()


class Device:
    """A browser's side of a subscription: its own P-256 key pair and auth secret, as PushManager makes them."""

    def __init__(self, service: PushService, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.path = f"/push/{name}"
        self.endpoint = service.origin + self.path

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": _b64(public), "auth": _b64(self.auth)}}

    def read(self, request: dict) -> dict:
        """The request's body decrypted as the browser would, and its VAPID token checked."""
        assert request["headers"]["content-encoding"] == "aes128gcm" and int(request["headers"]["ttl"]) > 0
        _check_vapid(request["headers"]["authorization"], self.endpoint)
        plain = http_ece.decrypt(request["body"], private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def _check_vapid(header: str, endpoint: str) -> None:
    """RFC 8292: `vapid t=<JWT>,k=<public key>`; the JWT is ES256-signed by that key for the endpoint's origin."""
    scheme, _, rest = header.partition(" ")
    assert scheme == "vapid"
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert parts["k"] == KEYS["public"]
    head, claims, signature = parts["t"].split(".")
    assert json.loads(_unb64(head)) == {"typ": "JWT", "alg": "ES256"}
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(parts["k"]))
    raw = _unb64(signature)
    public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                  f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises when forged
    claims = json.loads(_unb64(claims))
    origin = endpoint.split("/push/")[0]
    assert claims["aud"] == origin and claims["sub"] == SUBJECT and claims["exp"] > time.time()


@pytest.fixture
def push_settings(settings):
    return settings.model_copy(update={"push_enabled": True, "vapid_public_key": KEYS["public"],
                                       "vapid_private_key": KEYS["private"], "vapid_subject": SUBJECT})


@pytest.fixture
def forwarder(session, make_user):
    """A service-user account linked to its company well before the events."""
    make_user("forwarder", "service_user", email="forwarder@contoh.invalid")
    firm = gen_service_user(session, name="PT Ekspedisi Cepat")
    user_id = link_account(session, "forwarder", firm, MORNING - timedelta(days=90))
    session.commit()
    return {"firm": firm, "user_id": user_id}


def _subscribe(session, forwarder, *devices: Device) -> None:
    for device in devices:
        push.subscribe(session, forwarder["user_id"], device.subscription(), "Chrome · Android",
                       now=MORNING - timedelta(days=1), allow_loopback=True)
    session.commit()


def _notify(session, forwarder, stages=("draft_certificate",), at=MORNING):
    application = gen_application(session, forwarder["firm"], submitted_at=at, step=timedelta(minutes=5),
                                  stages=("submitted", "draft_certificate", "billed", "certified"))
    events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
              for e in session.scalars(select(StageEvent).where(StageEvent.application_id == application.id))
              if e.stage in stages]
    notifications.enqueue_for_synced_events(session, events, [], now=at + timedelta(hours=1))
    session.commit()
    return application


def _deliver(database, push_settings, now):
    return notifications.deliver_pending(database, now=now, smtp_url="", webhook_url="", settings=push_settings)


def _push_rows(session):
    session.expire_all()
    return session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "push")).all()


# ------------------------------------------------------------------------------------------------ delivery
def test_a_stage_message_reaches_every_device_once_vapid_signed_and_decrypting_to_its_title_text_and_link(
        session, database, push_settings, forwarder, push_service):
    phone, tablet = Device(push_service, "phone"), Device(push_service, "tablet")
    _subscribe(session, forwarder, phone, tablet)
    application = _notify(session, forwarder)
    inbox = notifications.inbox(session, forwarder["user_id"])["rows"][0]
    version = session.scalar(text("SELECT version FROM data_version"))
    counts = _deliver(database, push_settings, MORNING + timedelta(hours=1))
    assert counts["sent"] == 1 and counts["skipped"] == 1  # the push row; the email row (no SMTP here)
    for device in (phone, tablet):
        [request] = push_service.to(device.path)
        message = device.read(request)
        assert message["title"] == inbox["subject"] and application.number in message["title"]
        assert message["body"] == inbox["text"]
        assert message["url"] == f"/my/applications/{application.id}"
    # The job runs again and again: nothing more goes out.
    _deliver(database, push_settings, MORNING + timedelta(hours=2))
    assert len(push_service.received) == 2
    [row] = _push_rows(session)
    assert row.status == "sent"
    # Delivering changes nothing a cached view shows: the caches stay valid.
    assert session.scalar(text("SELECT version FROM data_version")) == version
    assert all(s.last_success_at is not None for s in session.scalars(select(PushSubscription)))


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_whose_subscription_the_push_service_no_longer_knows_is_removed(
        session, database, push_settings, forwarder, push_service, status):
    gone, kept = Device(push_service, "gone"), Device(push_service, "kept")
    _subscribe(session, forwarder, gone, kept)
    push_service.script[gone.path] = [(status, {})]
    _notify(session, forwarder)
    _deliver(database, push_settings, MORNING + timedelta(hours=1))
    session.expire_all()
    assert [s.endpoint for s in session.scalars(select(PushSubscription))] == [kept.endpoint]
    assert _push_rows(session)[0].status == "sent"
    _notify(session, forwarder, stages=("billed",), at=MORNING + timedelta(hours=2))
    _deliver(database, push_settings, MORNING + timedelta(hours=3))
    assert len(push_service.to(gone.path)) == 1 and len(push_service.to(kept.path)) == 2


def test_429_and_5xx_are_retried_with_backoff_and_retry_after_then_sent_once(
        session, database, push_settings, forwarder, push_service):
    phone = Device(push_service, "phone")
    _subscribe(session, forwarder, phone)
    push_service.script[phone.path] = [(429, {"Retry-After": "600"}), (503, {}), (201, {})]
    _notify(session, forwarder)
    start = MORNING + timedelta(hours=1)
    assert _deliver(database, push_settings, start)["retry"] == 1
    [delivery] = session.scalars(select(PushDelivery)).all()
    assert delivery.next_attempt_at == start + timedelta(seconds=600)  # Retry-After beats the 1-minute backoff
    assert _push_rows(session)[0].next_attempt_at == delivery.next_attempt_at
    _deliver(database, push_settings, start + timedelta(minutes=5))
    assert len(push_service.received) == 1  # still waiting
    second = start + timedelta(minutes=10)
    assert _deliver(database, push_settings, second)["retry"] == 1
    session.expire_all()
    assert delivery.next_attempt_at == second + notifications.backoff(2)
    assert _deliver(database, push_settings, second + notifications.backoff(2))["sent"] == 1
    assert _deliver(database, push_settings, second + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 0,
                                                                               "skipped": 0}
    bodies = [phone.read(r) for r in push_service.received]
    assert len(bodies) == 3 and bodies[0] == bodies[2]  # the same message each time
    session.expire_all()
    assert (delivery.status, delivery.attempts) == ("sent", 3)


def test_a_scheduler_killed_while_its_push_is_in_flight_never_sends_that_push_twice(
        session, database, push_settings, forwarder, push_service, database_url):
    """The claim is committed before the request; the push service holds the first request while the scheduler
    process is killed (SIGKILL). Restarted, the scheduler leaves the claim alone during its lease, then settles it
    as in doubt without sending it again; the other device, never claimed, gets its push once."""
    first, second = Device(push_service, "a-first"), Device(push_service, "b-second")
    _subscribe(session, forwarder, first, second)
    _notify(session, forwarder)
    start = MORNING + timedelta(hours=1)
    push_service.hold = True
    script = ("import sys; from datetime import datetime; from portal.db import Database; "
              "from portal.settings import load_settings; from portal.services.notifications import deliver_pending; "
              "s = load_settings(); deliver_pending(Database(s.effective_database_url), "
              "now=datetime.fromisoformat(sys.argv[1]), smtp_url='', webhook_url='', settings=s)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QCORNER_ENV": "development", "QCORNER_DATABASE_URL": database_url,
           "QCORNER_PUSH_ENABLED": "1", "QCORNER_VAPID_PUBLIC_KEY": KEYS["public"],
           "QCORNER_VAPID_PRIVATE_KEY": KEYS["private"], "QCORNER_VAPID_SUBJECT": SUBJECT}
    scheduler = subprocess.Popen([sys.executable, "-c", script, start.isoformat()], env=env, cwd=ROOT)
    try:
        assert push_service.arrived.wait(60), "the scheduler never sent its push"
        os.kill(scheduler.pid, signal.SIGKILL)
        scheduler.wait(30)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
    push_service.hold = False
    push_service.release.set()
    assert [r["path"] for r in push_service.received] == [first.path]
    # Restarted within the outbox's lease: the message is not due yet.
    _deliver(database, push_settings, start + timedelta(minutes=1))
    assert len(push_service.received) == 1
    # After the lease: the cut-off claim is in doubt and never resent; the unclaimed device gets its push.
    assert _deliver(database, push_settings, start + notifications.LEASE + timedelta(seconds=1))["sent"] == 1
    _deliver(database, push_settings, start + timedelta(hours=2))
    assert [r["path"] for r in push_service.received] == [first.path, second.path]
    session.expire_all()
    states = {d.subscription_id: d.status for d in session.scalars(select(PushDelivery))}
    assert sorted(states.values()) == ["in_doubt", "sent"]
    assert _push_rows(session)[0].status == "sent"


def test_a_push_digest_account_gets_one_push_a_day_after_the_office_day_ends(
        session, database, push_settings, forwarder, push_service):
    phone = Device(push_service, "phone")
    _subscribe(session, forwarder, phone)
    notifications.save_preferences(session, forwarder["user_id"], email=False, whatsapp=False, phone=None,
                                   push=True, digest=True)
    session.commit()
    _notify(session, forwarder, stages=("draft_certificate", "billed", "certified"))
    assert _deliver(database, push_settings, MORNING + timedelta(hours=2))["sent"] == 0  # held for the digest
    digests = dict(smtp_url="", webhook_url="", settings=push_settings)
    assert notifications.deliver_digests(database, now=MORNING + timedelta(hours=3), **digests)["sent"] == 0
    assert notifications.deliver_digests(database, now=NEXT_DAY, **digests)["sent"] == 1
    assert notifications.deliver_digests(database, now=NEXT_DAY + timedelta(hours=1), **digests)["sent"] == 0
    [request] = push_service.received
    message = phone.read(request)
    assert message["title"] == "Ringkasan Q-Corner 10 Mar 2026: 3 kabar"
    assert message["url"] == "/my/notifications" and message["body"].count("•") == 3
    assert {row.status for row in _push_rows(session)} == {"sent"}


def test_without_push_configured_the_push_rows_are_skipped_and_the_rest_works(
        session, database, settings, forwarder, push_service):
    _subscribe(session, forwarder, Device(push_service, "phone"))
    _notify(session, forwarder)
    assert _deliver(database, settings, MORNING + timedelta(hours=1))["skipped"] == 2  # email (no SMTP) and push
    assert push_service.received == [] and "not configured" in _push_rows(session)[0].last_error
    assert notifications.unread_count(session, forwarder["user_id"], now=MORNING) == 1


# ------------------------------------------------------------------------------------------------ devices
def test_subscribing_keeps_one_row_per_device_turns_push_on_and_refuses_internal_endpoints_and_bad_keys(
        session, forwarder, push_service, make_user):
    phone = Device(push_service, "phone")
    _subscribe(session, forwarder, phone, phone)
    assert len(push.devices(session, forwarder["user_id"])) == 1
    assert notifications.preferences(session, forwarder["user_id"])["push"] is True
    for endpoint in ("http://push.example.com/x", "https://10.0.0.5/x", "https://127.0.0.1/x", "file:///etc/x"):
        with pytest.raises(InvalidInput) as error:
            push.subscribe(session, forwarder["user_id"], {**phone.subscription(), "endpoint": endpoint})
        assert "endpoint" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        push.subscribe(session, forwarder["user_id"], {**phone.subscription(), "keys": {"p256dh": "AAAA", "auth": 1}},
                       allow_loopback=True)
    assert "keys" in error.value.errors
    # An expiry no clock can hold (a hostile body) is ignored rather than a server error.
    assert push.subscribe(session, forwarder["user_id"], {**phone.subscription(), "expirationTime": 1e300},
                          allow_loopback=True)["id"]
    session.commit()
    other = make_user("other", "service_user")
    assert push.unsubscribe(session, other["id"], endpoint=phone.endpoint) == 0  # not theirs
    [device] = push.devices(session, forwarder["user_id"])
    assert push.unsubscribe(session, forwarder["user_id"], subscription_id=device["id"]) == 1
    assert push.devices(session, forwarder["user_id"]) == []


def test_production_with_push_on_refuses_to_start_without_keys_and_subject(settings):
    from portal.settings import InsecureSettings

    production = settings.model_copy(update={"env": "production", "secret_key": "x" * 40, "push_enabled": True})
    with pytest.raises(InsecureSettings, match="QCORNER_VAPID_PUBLIC_KEY"):
        production.check_safe_for_production()
    production.model_copy(update={"push_enabled": False}).check_safe_for_production()
    production.model_copy(update={"vapid_public_key": KEYS["public"], "vapid_private_key": KEYS["private"],
                                  "vapid_subject": SUBJECT}).check_safe_for_production()


def test_push_keys_prints_a_pair_that_signs_and_verifies():
    from click.testing import CliRunner
    from py_vapid import Vapid02

    from portal.cli.main import main

    result = CliRunner().invoke(main, ["push", "keys", "--subject", SUBJECT])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines())
    assert lines["QCORNER_PUSH_ENABLED"] == "1" and lines["QCORNER_VAPID_SUBJECT"] == SUBJECT
    headers = Vapid02.from_raw(lines["QCORNER_VAPID_PRIVATE_KEY"].encode()).sign(
        {"sub": SUBJECT, "aud": "https://push.example.com", "exp": int(time.time()) + 60})
    assert f"k={lines['QCORNER_VAPID_PUBLIC_KEY']}" in headers["Authorization"]
    assert Vapid02.verify(headers["Authorization"])


def test_a_device_whose_endpoint_points_inside_the_station_is_never_posted_to(
        session, database, push_settings, forwarder, push_service):
    """Subscribed while the portal allowed it (here: the tests' loopback), sent by a production station: the
    address is checked again at sending, and an inside address fails that message without a request."""
    phone = Device(push_service, "phone")
    _subscribe(session, forwarder, phone)
    _notify(session, forwarder)
    production = push_settings.model_copy(update={"env": "production"})
    assert _deliver(database, production, MORNING + timedelta(hours=1))["failed"] == 1
    assert push_service.received == []
    assert "inside the station's network" in _push_rows(session)[0].last_error
