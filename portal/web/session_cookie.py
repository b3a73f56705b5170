"""The session cookie, signed again only when it is due (issue #17).

Flask re-signs and re-sends a permanent session's cookie on every response (SESSION_REFRESH_EACH_REQUEST), so that its
expiry slides with activity: serialising, compressing and signing it was ≈ 5 % of a worker's CPU per request. Here
the cookie is sent again only when the session changed (login, logout, a CSRF secret) or its signature is older than
REFRESH_AFTER. The idle expiry still slides, at most REFRESH_AFTER short of where it would be; the server-side
session's own idle check (`accounts.load_session`) is exact and is what ends a session.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(minutes=5)


class SlidingSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        """Flask's own, keeping when the cookie was signed."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                               return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or datetime.now(timezone.utc) - signed_at >= REFRESH_AFTER


def install(server) -> None:
    server.session_interface = SlidingSessionInterface()
