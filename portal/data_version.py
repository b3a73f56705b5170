"""The data version: what the cached views were computed from (issue #17).

One row (`data_version`) whose stamp changes in the same transaction as every write that can change what a view
shows. The hook sits on the engine, below the ORM, so no writer can forget it: every INSERT, UPDATE or DELETE a
connection runs — an ORM flush, a Core statement, the sync's `INSERT … SELECT` upsert, a rollup's text() SQL — is
matched against the tables it names, and a connection that wrote to a watched table bumps the row just before its
COMMIT. Bumping at the commit, not at the write, holds the row's lock for an instant: a long sync batch does not
make an NNC save wait for it. A write that bypasses SQLAlchemy (a raw `COPY`) calls `mark_changed` itself.

Watched is every table of `models` but the few below, written on every request or by the machinery and shown by no
cached view: a new table is watched until someone decides otherwise, so a forgotten table costs a cache miss, never
a stale answer. A sync's temporary staging tables are not in `models`; its upsert into the real table is.
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine

from models import Base

# Written by logins, requests, the scheduler and the outbox; no cached view reads them. The KPI panel's freshness
# (the last sync run) is read outside the cache for that reason. `users` and `login_failures` are here because every
# sign-in (and every failed one) writes them: watched, a stream of wrong passwords would empty every cache. A view
# that comes to show accounts must not be cached, or `users` must leave this list.
UNWATCHED = frozenset({
    "data_version", "user_sessions", "users", "login_failures", "audit_log", "notification_outbox",
    "access_tokens", "sync_runs", "sync_cursors", "sync_requests", "alembic_version",
    # Web Push (issue 20): the outbox's deliveries every 30 s and the devices' subscriptions; no view shows them.
    "push_deliveries", "push_subscriptions",
})

WATCHED = frozenset(Base.metadata.tables) - UNWATCHED

_CHANGED = "qcorner_data_changed"
# INSERT INTO t / INSERT OR REPLACE INTO t / UPDATE t / UPDATE ONLY t / DELETE FROM t / COPY t — anywhere in the
# statement, so a write inside a CTE counts too. "… DO UPDATE SET" and "FOR UPDATE SKIP LOCKED" name no table.
_WRITE = re.compile(r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM|COPY)\s+"?(\w+)"?',
                    re.IGNORECASE)


@lru_cache(maxsize=4096)
def writes_watched(statement: str) -> bool:
    """Whether the SQL writes to a watched table (cached: SQLAlchemy sends the same compiled strings again)."""
    return any(name.lower() in WATCHED for name in _WRITE.findall(statement))


def mark_changed(connection: Connection) -> None:
    """Tell the hook this transaction changed watched data by a path it cannot see (a raw COPY)."""
    connection.info[_CHANGED] = True


def watch(engine: Engine) -> None:
    """Install the hook on the portal's engine (not on IQFast's or the simulator's: they hold no data_version)."""
    event.listen(engine, "after_cursor_execute", _after_execute)
    event.listen(engine, "commit", _before_commit)
    event.listen(engine, "rollback", _forget)


def _after_execute(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if writes_watched(statement):
        connection.info[_CHANGED] = True


def _before_commit(connection: Connection) -> None:
    """The `commit` event runs just before the DBAPI commit: the bump joins the transaction that wrote."""
    if not connection.info.pop(_CHANGED, False):
        return
    # The DBAPI cursor, not connection.execute: SQLAlchemy is inside its commit and must not begin anew.
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(_bump())
    finally:
        cursor.close()


def _bump() -> str:
    """The statement that gives the row a new version and a new random stamp. The stamp is our own hex, so it goes in
    as a literal (the two drivers' parameter styles differ)."""
    return f"UPDATE data_version SET version = version + 1, stamp = '{secrets.token_hex(16)}' WHERE id = 1"


def renew(engine: Engine) -> None:
    """A new stamp with no write behind it (`qcorner db upgrade`). A database restored from a dump comes back with
    the stamp it had then, and the cache may still hold answers filed under that stamp that were computed from a
    write committed just after it. Nothing on a database not yet migrated as far as `data_version`."""
    with engine.begin() as connection:
        if inspect(connection).has_table("data_version"):
            connection.exec_driver_sql(_bump())


def _forget(connection: Connection) -> None:
    connection.info.pop(_CHANGED, None)


def current(connection_or_session) -> str:
    """The stamp the data is at, read in the caller's transaction: read it before computing a view, so a result
    is never filed under a stamp newer than the data it was computed from."""
    return connection_or_session.execute(text("SELECT stamp FROM data_version WHERE id = 1")).scalar_one()


def counter(connection_or_session) -> int:
    """How many changes the data has seen (for people and tests; caches key on the stamp)."""
    return connection_or_session.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one()
