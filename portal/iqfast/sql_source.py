"""Reading IQFast's database (a read-only replica, or the simulator): SELECT only, in chunks, by cursor.

The connection is opened read-only wherever the backend allows it (SQLite ``mode=ro`` and ``query_only``,
MySQL/MariaDB ``SET SESSION TRANSACTION READ ONLY``, PostgreSQL ``default_transaction_read_only``), so a
mistake here can never write to the certification system. Rows come back as tuples in the order of
``mapping.source_columns(table)``, with the types of the IQFast schema (naive datetimes, Decimals, ints).

Incremental reads page on (tgl_update, primary key): every IQFast table has both, and tgl_update only
moves forward. The caller starts a little before its saved cursor (the overlap) so rows committed late,
with a tgl_update older than rows already read, are still picked up.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Iterator

from sqlalchemy import Date, DateTime, Numeric, column, create_engine, event, exists, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from portal.iqfast import mapping


# A read from IQFast that gets no data for this long fails the run. Without it, a network that silently drops
# packets in the middle of a query held the sync (and so every later one) forever; a keyset chunk answers in
# seconds, so five minutes only ever catches a dead connection.
READ_TIMEOUT_SECONDS = 300


class SourceUnavailable(RuntimeError):
    """IQFast (or its replica) cannot be reached or read."""


@dataclass(frozen=True, order=True)
class Position:
    """Where a reader stands in one table: the last (tgl_update, id) it has seen."""

    updated_at: datetime
    last_id: int


@dataclass(frozen=True)
class Stations:
    """Which stations' rows a read keeps, by their ``m_upt.kode_upt``: only ``codes`` (an office's own database), or
    every one but ``codes`` (the configured IQFast beside stations read from databases of their own, whose national
    copy would only be refused row by row at every run and fetched again by every night's reconciliation)."""

    codes: frozenset[str]
    only: bool


@dataclass
class Chunk:
    table: str
    columns: list[str]
    rows: list[tuple]

    @property
    def last(self) -> Position:
        row = self.rows[-1]
        return Position(row[self.columns.index("tgl_update")], row[self.columns.index(mapping.source_table(
            self.table).primary_key.columns[0].name)])


def safe_url(url: str) -> str:
    """The URL without its password, for logs and the sync_runs record."""
    try:
        return make_url(url).render_as_string(hide_password=True)[:200]
    except Exception:
        return "(URL tidak valid)"


def read_only_engine(url: str) -> Engine:
    """An engine on IQFast that refuses to write."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            raise SourceUnavailable("sumber SQLite harus berupa file")

        def connect():
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
            connection.execute("PRAGMA query_only = ON")
            return connection
        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    if backend == "postgresql":
        return create_engine(url, poolclass=NullPool,
                             connect_args={"options": "-c default_transaction_read_only=on", "connect_timeout": 10})
    if backend in ("mysql", "mariadb"):
        engine = create_engine(url, poolclass=NullPool, connect_args={
            "connect_timeout": 10, "read_timeout": READ_TIMEOUT_SECONDS, "write_timeout": READ_TIMEOUT_SECONDS})

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.close()
        return engine
    return create_engine(url, poolclass=NullPool)


class SqlSource:
    """IQFast's database at ``url``, read in chunks."""

    kind = "sql"

    def __init__(self, url: str):
        if not url:
            raise SourceUnavailable("QCORNER_IQFAST_URL belum diisi")
        self.url = url
        self.engine = read_only_engine(url)
        self._converters: dict[str, Callable | None] = {}

    def describe(self) -> str:
        return safe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def check(self) -> None:
        """Fail early, with a readable reason, when IQFast cannot be reached."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(mapping.source_table("m_upt").c.id_upt).limit(1)).all()
        except (DBAPIError, OperationalError, sqlite3.Error) as error:
            raise SourceUnavailable(_failure(f"IQFast tidak dapat dihubungi ({self.describe()})", error)) from error

    def require_stations(self, stations: Stations | None) -> None:
        """Fail the run when a station it must read is missing from the source's m_upt: its reads, kept to that
        station's code, would find nothing, and the nightly comparison would then take every record of it as
        deleted (an office added with a mistyped code, a code IQFast renamed)."""
        if stations is None or not stations.only:
            return
        upt = mapping.source_table("m_upt")
        found = {row[0] for row in self._fetch_typed(
            select(upt.c.kode_upt).where(upt.c.kode_upt.in_(sorted(stations.codes))))}
        missing = sorted(stations.codes - found)
        if missing:
            raise SourceUnavailable(f"UPT {', '.join(missing)} tidak ada di m_upt sumber ini ({self.describe()}): "
                                    f"periksa kode UPT kantor dan URL basis data IQFast-nya")

    def stations_with_applications(self, codes: set[str]) -> set[str]:
        """Which of these stations (``m_upt.kode_upt``) have at least one application in this source."""
        if not codes:
            return set()
        upt, ptk = mapping.source_table("m_upt"), mapping.source_table("ptk")
        return {row[0] for row in self._fetch_typed(select(upt.c.kode_upt).where(
            upt.c.kode_upt.in_(sorted(codes)), exists().where(ptk.c.id_upt == upt.c.id_upt)))}

    def read_changes(self, table: str, since: Position | None, chunk_size: int,
                     stations: Stations | None = None) -> Iterator[Chunk]:
        """Rows changed after ``since`` in (tgl_update, id) order, ``chunk_size`` at a time (of ``stations`` only)."""
        source = mapping.source_table(table)
        columns = mapping.source_columns(table)
        updated, key = source.c.tgl_update, source.primary_key.columns[0]
        query = _of_stations(self._select(table), source, stations).order_by(updated, key).limit(chunk_size)
        position = since
        while True:
            statement = query
            if position is not None:
                # The redundant ">=" makes it one index range scan on every backend (an OR alone does not).
                statement = query.where(updated >= position.updated_at,
                                        or_(updated > position.updated_at, key > position.last_id))
            rows = self._fetch(statement, table)
            if not rows:
                return
            chunk = Chunk(table, columns, rows)
            yield chunk
            if len(rows) < chunk_size:
                return
            position = chunk.last

    def read_keys(self, table: str, chunk_size: int = 200_000, stations: Stations | None = None
                  ) -> Iterator[list[int]]:
        """Every primary key of a table (of ``stations`` only), in chunks (for the reconciliation)."""
        source = mapping.source_table(table)
        key = source.primary_key.columns[0]
        last = None
        while True:
            statement = _of_stations(select(key), source, stations).order_by(key).limit(chunk_size)
            if last is not None:
                statement = statement.where(key > last)
            keys = [row[0] for row in self._fetch_typed(statement)]
            if not keys:
                return
            yield keys
            if len(keys) < chunk_size:
                return
            last = keys[-1]

    def read_rows(self, table: str, keys: list[int], chunk_size: int = 1000) -> Iterator[Chunk]:
        """The rows with the given primary keys (for filling gaps the reconciliation found)."""
        source = mapping.source_table(table)
        columns = mapping.source_columns(table)
        key = source.primary_key.columns[0]
        ordered = sorted(keys)
        for start in range(0, len(ordered), chunk_size):
            part = ordered[start:start + chunk_size]
            rows = self._fetch(self._select(table).where(key.in_(part)).order_by(source.c.tgl_update, key), table)
            if rows:
                yield Chunk(table, columns, rows)

    def _select(self, table: str):
        """SELECT of the table's columns, untyped: rows come straight from the driver (much faster), and
        ``_fetch`` converts only what a driver returns as text (SQLite's dates and decimals)."""
        source = mapping.source_table(table)
        return select(*(column(name) for name in mapping.source_columns(table))).select_from(source)

    def _converter_for(self, table: str) -> Callable[[tuple], tuple] | None:
        """Turns a raw driver row into typed values; None when the driver already returns them."""
        if table not in self._converters:
            parts, env, needed = [], {"fi": datetime.fromisoformat, "di": date.fromisoformat, "D": _decimal}, False
            for i, name in enumerate(mapping.source_columns(table)):
                kind = mapping.source_table(table).c[name].type
                function = None
                if self.engine.dialect.name == "sqlite":
                    function = ("fi" if isinstance(kind, DateTime) else "di" if isinstance(kind, Date)
                                else "D" if isinstance(kind, Numeric) else None)
                if function:
                    needed = True
                    parts.append(f"({function}(r[{i}]) if r[{i}] is not None else None)")
                else:
                    parts.append(f"r[{i}]")
            # Generated once per table: one expression per row is several times faster than a loop.
            self._converters[table] = eval(f"lambda r: ({', '.join(parts)},)", env) if needed else None  # noqa: S307
        return self._converters[table]

    def _fetch(self, statement, table: str | None = None) -> list[tuple]:
        try:
            with self.engine.connect() as connection:
                result = connection.execute(statement)
                rows = result.cursor.fetchall()
                result.close()
        except (DBAPIError, OperationalError, sqlite3.Error) as error:
            raise SourceUnavailable(_failure(f"IQFast tidak dapat dibaca ({self.describe()})", error)) from error
        convert = self._converter_for(table) if table else None
        if convert is None:
            return rows if not rows or isinstance(rows[0], tuple) else [tuple(row) for row in rows]
        return [convert(row) for row in rows]

    def _fetch_typed(self, statement) -> list[tuple]:
        try:
            with self.engine.connect() as connection:
                return [tuple(row) for row in connection.execute(statement)]
        except (DBAPIError, OperationalError, sqlite3.Error) as error:
            raise SourceUnavailable(_failure(f"IQFast tidak dapat dibaca ({self.describe()})", error)) from error


def _of_stations(statement, source, stations: Stations | None):
    """``statement`` keeping the rows of ``stations``: a party's or application's own station (``id_upt``), or its
    application's (``id_ptk``). Code lists are everyone's. A row whose application is not there (yet) stays: the
    writer holds it back as a young orphan until its application commits, and must see it to do so."""
    if stations is None:
        return statement
    upt, ptk = mapping.source_table("m_upt"), mapping.source_table("ptk")
    listed = select(upt.c.id_upt).where(upt.c.kode_upt.in_(sorted(stations.codes)))
    if "id_upt" in source.c and source.name != "m_upt":
        kept = source.c.id_upt.in_(listed) if stations.only else source.c.id_upt.not_in(listed)
        return statement.where(kept)
    if "id_ptk" in source.c:
        # NOT EXISTS by the application's key (an index lookup per row), not NOT IN a list of every such application.
        elsewhere = ptk.c.id_upt.not_in(listed) if stations.only else ptk.c.id_upt.in_(listed)
        return statement.where(~exists().where(ptk.c.id_ptk == source.c.id_ptk, elsewhere))
    return statement


def _decimal(value) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


# What the sync page says first when IQFast cannot be reached or read, in the officers' words, before the driver's
# own (kept for whoever fixes it): the usual causes, by the words PyMySQL, psycopg2 and sqlite3 use. An officer read
# "timed out" or "Connection refused" alone and could not tell a network fault from a wrong password. The first
# match counts: MySQL says "Can't connect … (timed out)" for a timeout and "Can't connect … Connection refused".
CAUSES = (
    (("timed out", "timeout expired"),
     "waktu tunggu habis: server IQFast tidak menjawab (jaringan, VPN atau firewall)"),
    (("connection refused", "can't connect", "could not connect"),
     "koneksi ditolak: server IQFast mati atau alamat/port salah"),
    (("name or service not known", "nodename nor servname", "could not translate host name", "getaddrinfo failed",
      "name resolution"), "nama server IQFast tidak dikenal"),
    (("access denied", "password authentication failed", "authentication failed"),
     "nama pengguna atau kata sandi IQFast ditolak"),
    (("unknown database", 'database "'), "basis data IQFast tidak ada di server itu"),
    (("no such table", "doesn't exist", "does not exist"), "tabel IQFast tidak ditemukan (basis data yang salah?)"),
    (("lost connection", "server has gone away", "server closed the connection"), "koneksi ke IQFast terputus"),
    (("unable to open database file",), "file basis data IQFast tidak dapat dibuka"),
)


# What a failure says in words comes before this mark, the driver's own line after it: the sync page shows the words
# and folds the driver's English away under "Rincian teknis" (portal/services/sync/run_log.py: error_parts).
DETAIL = " — "


def _cause(detail: str) -> str | None:
    lowered = detail.lower()
    return next((words for needles, words in CAUSES if any(needle in lowered for needle in needles)), None)


def explained(detail: str) -> str:
    """The driver's line with its cause in Indonesian before it ("waktu tunggu habis: … — (2003, "Can't connect …
    (timed out)")"), or the line alone when the cause is not a usual one."""
    cause = _cause(detail)
    return f"{cause}{DETAIL}{detail}" if cause else detail


def _failure(what: str, error: Exception) -> str:
    """"IQFast tidak dapat dihubungi (…): <its usual cause> — <the driver's line>", or "… (…) — <the driver's line>"
    when the cause is not a usual one: the driver's words always after DETAIL (an unusual one came straight after the
    colon, and read as the message)."""
    text = str(getattr(error, "orig", None) or error).strip()
    line = text.splitlines()[0][:300] if text else type(error).__name__
    cause = _cause(line)
    return f"{what}: {cause}{DETAIL}{line}" if cause else f"{what}{DETAIL}{line}"


def overlap_start(position: Position | None, overlap: timedelta) -> Position | None:
    """Where an incremental read starts: ``overlap`` before the saved cursor, to catch late commits."""
    if position is None:
        return None
    return Position(position.updated_at - overlap, 0)
