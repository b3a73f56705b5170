"""The database engine and sessions: one engine per process, one session per unit of work."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal import data_version


def make_engine(url: str, *, jit: bool = True, **kwargs) -> Engine:
    """Create an engine with the settings each backend needs to behave; `jit=False` turns PostgreSQL's JIT
    compilation off for its connections (the web's: see portal/app.py)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Foreign keys are off by default in SQLite; WAL lets the scheduler write while pages read.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _begin_before_savepoint(connection, _name):
            # pysqlite opens a transaction only before INSERT/UPDATE/DELETE, never before SAVEPOINT: a savepoint
            # issued first becomes the transaction itself and releasing it commits on the spot (an NNC row was
            # committed before its attachments were stored). Open the real transaction first.
            if not connection.connection.driver_connection.in_transaction:
                connection.exec_driver_sql("BEGIN")

        return engine
    # pre_ping: after a PostgreSQL restart the pool reconnects instead of failing a request.
    connect_args = POSTGRESQL_KEEPALIVES if jit else {
        **POSTGRESQL_KEEPALIVES, "options": POSTGRESQL_KEEPALIVES["options"] + " -c jit=off"}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=connect_args, **kwargs)


# TCP keepalives on both ends: a peer that vanishes without closing (a host powered off, a dropped network) is
# noticed within about two minutes instead of the kernel's two hours. The client's (libpq keepalives*) fail our
# requests instead of hanging; the server's (tcp_keepalives_* for this session) are what let PostgreSQL drop a dead
# scheduler's connection, and with it the advisory lock, so the standby takes over (docs/scaling.md).
POSTGRESQL_KEEPALIVES = {
    "keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 6,
    "options": "-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=6",
}


class Database:
    """Holds the engine and the session factory of one process."""

    def __init__(self, url: str, *, jit: bool = True):
        self.url = url
        self.engine = make_engine(url, jit=jit)
        data_version.watch(self.engine)  # every write the cached views show bumps the data version (issue #17)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
