"""Login throttling (issue #16): failed logins counted per address and per (typed name, address).

The counts live in the storage of the app's Flask-Limiter (Redis in production, so every worker and host sees the
same count; memory:// for one process), in a moving window. Only failures count, and a throttled client gets 429
with Retry-After before its password is even looked at. Because the per-name count is kept per address, failures
from one address for a name never stop the name's owner logging in from another; the last-resort account lock
for attacks spread over many addresses is the database's (portal.services.accounts.LockoutPolicy).

Unknown names are counted exactly like real ones, so being throttled says nothing about which names exist. Names
enter the keys only as their keyed digest (a person may type a password into the username field).
"""
from __future__ import annotations

import logging
import math
import time

from flask import current_app
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.strategies import MovingWindowRateLimiter

from portal.services.accounts import name_digest
from portal.settings import Settings

log = logging.getLogger(__name__)
PREFIX = "qcorner-login"


class LoginThrottle:
    """Failed-login counters: `per_address` over every name tried from an address, `per_name` for one name from
    one address (its tiers are the backoff: each tier waits longer)."""

    def __init__(self, limiter: Limiter, per_address: str, per_name: str, digest_key: str):
        self.strategy = MovingWindowRateLimiter(limiter.storage)
        self.per_address, self.per_name = parse_many(per_address), parse_many(per_name)
        self.digest_key = digest_key

    def _counters(self, address: str | None, username: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        address = address or "unknown"
        name = (PREFIX, "name", address, name_digest(username, self.digest_key))
        return [(item, (PREFIX, "address", address)) for item in self.per_address] + \
               [(item, name) for item in self.per_name]

    def retry_after(self, address: str | None, username: str) -> int | None:
        """Seconds until this address may try this name again, or None when it may now."""
        try:
            waits = [self.strategy.get_window_stats(item, *keys).reset_time - time.time()
                     for item, keys in self._counters(address, username) if not self.strategy.test(item, *keys)]
        except Exception:  # noqa: BLE001 - the storage is away: logins go on, the database's lock still holds
            log.exception("login throttle: rate-limit storage unreachable, not throttling")
            return None
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, address: str | None, username: str) -> None:
        """Count one failed login of this name from this address."""
        try:
            for item, keys in self._counters(address, username):
                self.strategy.hit(item, *keys)
        except Exception:  # noqa: BLE001 - as in retry_after
            log.exception("login throttle: rate-limit storage unreachable, failure not counted")

    def succeeded(self, address: str | None, username: str) -> None:
        """The right password from this address: its own failures for the name are forgiven (not the address's)."""
        try:
            for item, keys in self._counters(address, username)[len(self.per_address):]:
                self.strategy.clear(item, *keys)
        except Exception:  # noqa: BLE001 - as in retry_after
            log.exception("login throttle: rate-limit storage unreachable, failures not cleared")


def install(server, limiter: Limiter, settings: Settings) -> LoginThrottle:
    """One throttle per app, on the storage of its Flask-Limiter (portal.web.public_complaints.register)."""
    throttle = LoginThrottle(limiter, settings.login_limit_per_address, settings.login_limit_per_name,
                             settings.secret_key)
    server.extensions["qcorner_login_throttle"] = throttle
    return throttle


def throttle() -> LoginThrottle:
    """The running app's login throttle."""
    return current_app.extensions["qcorner_login_throttle"]
