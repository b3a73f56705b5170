"""Helpers for the service users' portal tests: linked accounts, PDF text, a local SMTP server and webhook receiver."""
from __future__ import annotations

import base64
import json
import re
import socket
import threading
import zlib
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import select

from models import ServiceUserLink, StageEvent, User

UTC = timezone.utc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def my_list(app, client, search=None, stage="all", date_from=None, date_to=None, changed=None, page=0,
            company="all", surveys_drawn=None):
    """The service user's applications list as the page asks for it (every section; the pager's store at `page`,
    from 0; the surveys and levels not drawn yet, as on the page's first answer): the callback's response."""
    from support.hostile import find_key
    from support.web import dash_callback, pager_body, pager_state

    values = {"my-search.value": search, "my-status.value": "all", "my-stage.value": stage,
              "my-company.value": company, "my-section.value": "all", "my-from.value": date_from,
              "my-to.value": date_to}
    inputs = [{"id": key.rsplit(".", 1)[0], "property": key.rsplit(".", 1)[1], "value": value}
              for key, value in values.items()] + pager_body("my")
    return dash_callback(client, find_key(app, "my-list.children"), inputs=inputs,
                         state=[{"id": "my-surveys", "property": "children", "value": surveys_drawn},
                                *pager_state("my-page", page)],
                         changed=changed)


def link_account(session, username: str, service_user, linked_at: datetime | None = None) -> int:
    """Link an existing account to a company, optionally back-dating the link (and the account) to `linked_at`."""
    user = session.scalar(select(User).where(User.username == username))
    session.add(ServiceUserLink(user_id=user.id, service_user_id=service_user.id,
                                created_at=linked_at or datetime.now(UTC)))
    if linked_at is not None:
        user.created_at = linked_at
    session.flush()
    return user.id


def synced_events(session, application_ids=None) -> list[dict]:
    """The stage events (of these applications, or all) as the sync hands them to the notifications."""
    query = select(StageEvent.application_id, StageEvent.stage, StageEvent.occurred_at)
    if application_ids is not None:
        query = query.where(StageEvent.application_id.in_(application_ids))
    return [{"application_id": a, "stage": s, "occurred_at": at} for a, s, at in session.execute(query)]


def pdf_text(content: bytes) -> str:
    """The text drawn in a PDF's content streams, compressed (ASCII85/Flate) or not, for searching."""
    assert content.startswith(b"%PDF"), content[:20]
    parts = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", content, re.S):
        header, data = match.group(1), match.group(2)
        if b"ASCII85Decode" in header:
            data = data.strip()
            if data.endswith(b"~>") and not data.startswith(b"<~"):
                data = b"<~" + data
            data = base64.a85decode(data, adobe=data.startswith(b"<~"))
        if b"FlateDecode" in header:
            try:
                data = zlib.decompress(data)
            except zlib.error:
                continue
        parts.append(data.decode("latin-1"))
    text = "\n".join(parts)
    # Literal strings drawn with Tj: unescape \( \) \\ so tests search plain text.
    return text.replace("\\(", "(").replace("\\)", ")").replace("\\\\", "\\")


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free local port that keeps what it receives."""

    def __init__(self, port: int | None = None):
        from aiosmtpd.controller import Controller

        self.messages: list[dict] = []
        self.port = port or free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes, policy

                message = message_from_bytes(envelope.content, policy=policy.default)
                sink.messages.append({"to": envelope.rcpt_tos, "subject": message["Subject"],
                                      "body": message.get_body(("plain",)).get_content()})
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class WebhookReceiver:
    """A local HTTP server that records the JSON POSTs and their Authorization header."""

    def __init__(self):
        self.calls: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                receiver.calls.append({"authorization": self.headers.get("Authorization"),
                                       "body": json.loads(self.rfile.read(length))})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/send"

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def company_viewer(session, username: str):
    """A service-user account as the pages pass it to the services: logged in, with its linked companies."""
    from portal.services.accounts import current_user_from
    from portal.services.service_user_links import linked_ids

    user = session.scalar(select(User).where(User.username == username))
    return current_user_from(user, "test", linked_ids(session, user.id))
