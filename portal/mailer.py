"""Sending email over SMTP: one connection per run, opened on first use.

URL: smtp[s]://[user:pass@]host[:port][?starttls=1]. With no URL configured nothing is sent,
and callers record that as skipped — never as sent.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from urllib.parse import parse_qs, unquote, urlparse


class Mailer:
    def __init__(self, url: str, sender: str, timeout: float = 10):
        self.url, self.sender, self.timeout = url, sender, timeout
        self.connection: smtplib.SMTP | None = None
        self.error: Exception | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.error is not None:
            raise self.error
        if self.connection is None:
            parsed = urlparse(self.url)
            try:
                if parsed.scheme == "smtps":
                    connection = smtplib.SMTP_SSL(parsed.hostname, parsed.port or 465, timeout=self.timeout)
                else:
                    connection = smtplib.SMTP(parsed.hostname, parsed.port or 25, timeout=self.timeout)
                    if parse_qs(parsed.query).get("starttls", ["0"])[0] in ("1", "true", "yes"):
                        connection.starttls()
                if parsed.username:
                    connection.login(unquote(parsed.username), unquote(parsed.password or ""))
            except Exception as error:  # noqa: BLE001 - remembered: the rest of the run fails fast
                self.error = error
                raise
            self.connection = connection
        return self.connection

    def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        name, address = parseaddr(self.sender)
        message["From"] = formataddr((name, address)) if name else address
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        self._connect().send_message(message)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
            self.connection = None


def send_one(url: str, sender: str, to: str, subject: str, text: str) -> None:
    """Send a single message (opens and closes its own connection)."""
    mailer = Mailer(url, sender)
    try:
        mailer.send(to, subject, text)
    finally:
        mailer.close()
