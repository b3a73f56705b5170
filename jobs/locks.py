"""Locks between processes on one Q-Corner database, so a job never runs twice at the same time.

PostgreSQL: a session advisory lock on a connection of its own, held for as long as the lock is (the
scheduler holds it for its whole life). If that connection dies, PostgreSQL releases the lock, so the
holder must check ``alive()`` and stop. SQLite: an ``fcntl`` lock on a file beside the database file,
released by the kernel when the process ends, however it ends.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from typing import Callable

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.db import POSTGRESQL_KEEPALIVES

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "qcorner.scheduler"
SYNC_LOCK = "qcorner.sync"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class ProcessLock:
    """One named lock on the database at ``database_url``."""

    def __init__(self, database_url: str, name: str):
        self.url, self.name = database_url, name
        self.backend = make_url(database_url).get_backend_name()
        self._engine = None
        self._connection = None
        self._file = None
        self.held = False

    def acquire(self, wait: bool = True, poll_seconds: float = 2.0,
                on_wait: Callable[[], None] | None = None, timeout: float | None = None) -> bool:
        """Take the lock; with ``wait``, keep trying (calling ``on_wait`` once) until it is ours."""
        started, told = time.monotonic(), False
        while True:
            if self._try():
                self.held = True
                return True
            if not wait or (timeout is not None and time.monotonic() - started >= timeout):
                return False
            if not told and on_wait:
                on_wait()
                told = True
            time.sleep(poll_seconds)

    def _try(self) -> bool:
        if self.backend == "postgresql":
            if self._connection is None:
                self._engine = create_engine(self.url, poolclass=NullPool, connect_args=POSTGRESQL_KEEPALIVES)
                self._connection = self._engine.raw_connection()
                self._connection.driver_connection.autocommit = True
            cursor = self._connection.cursor()
            try:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(self.name),))
                return bool(cursor.fetchone()[0])
            finally:
                cursor.close()
        path = self.path
        if path is None:
            return True  # an in-memory database: nothing else can share it
        if self._file is None:
            self._file = open(path, "a+")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()
        return True

    @property
    def path(self) -> str | None:
        """The lock file beside a SQLite database file."""
        database = make_url(self.url).database
        if not database or database == ":memory:":
            return None
        return f"{database}.{self.name}.lock"

    def alive(self) -> bool:
        """Whether the lock is still ours (on PostgreSQL: whether its connection still answers)."""
        if not self.held:
            return False
        if self.backend != "postgresql":
            return True
        try:
            cursor = self._connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            return True
        except Exception:
            return False

    def release(self) -> None:
        if self.backend == "postgresql":
            if self._connection is not None:
                try:
                    if self.held:
                        cursor = self._connection.cursor()
                        cursor.execute("SELECT pg_advisory_unlock(%s)", (lock_key(self.name),))
                        cursor.close()
                    self._connection.close()
                except Exception:  # the connection may be gone, and the lock with it
                    pass
                self._connection = None
                self._engine.dispose()
        elif self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self.held = False

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
