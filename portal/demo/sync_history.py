"""A year of the scheduler's sync runs for the demo (and the tests' heavy data): the sync page must answer for a
station that has run for a year, ~105,000 runs at the default five-minute interval, not for the demo's handful.

`sync_run_rows` makes the rows (plain dicts, inserted in bulk); `build_sync_history` puts a year of them before the
demo's first real run, once.
"""
from __future__ import annotations

import io
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import SyncRun
from models.base import utcnow
from portal.iqfast.sql_source import explained

EVERY = timedelta(minutes=5)  # the scheduler's default interval (QCORNER_SYNC_INTERVAL_MINUTES)
RECONCILE_HOUR_UTC = 18  # the nightly reconciliation, 01:00 WIB
FAILURE_RATE = 0.004
# As a run that met a silent network says it (portal/iqfast/sql_source.py: SqlSource.check).
FAILURE = "IQFast tidak dapat dihubungi (mysql+pymysql://qcorner_ro@10.30.0.15:3306/iqfast): " + explained(
    "(2003, \"Can't connect to MySQL server on '10.30.0.15' (timed out)\")")


def sync_run_rows(start: datetime, end: datetime, source: str, every: timedelta = EVERY,
                  seed: int = 14) -> list[dict[str, Any]]:
    """The runs a scheduler leaves from `start` to `end`: an incremental run every `every` (a few rows each, more
    in office hours, now and then a failure with its error) and a reconciliation every night."""
    rng = random.Random(seed)
    rows, at = [], start
    while at < end:
        busy = 0 <= at.hour <= 9  # 07:00–16:00 WIB
        read = {"ptk": rng.randint(0, 40 if busy else 3), "riwayat_ptk": rng.randint(0, 200 if busy else 10)}
        failed = rng.random() < FAILURE_RATE
        rows.append({"kind": "incremental", "source": source, "started_at": at,
                     "finished_at": at + timedelta(seconds=rng.randint(2, 40 if busy else 8)),
                     "status": "failed" if failed else "success", "rows_read": read,
                     "rows_written": {} if failed else {"applications": read["ptk"],
                                                        "stage_events": read["riwayat_ptk"]},
                     "cursor": {"ptk": [at.strftime("%Y-%m-%d %H:%M:%S"), rng.randint(1, 10**6)]},
                     "error": FAILURE if failed else None, "triggered_by": None})
        if at.hour == RECONCILE_HOUR_UTC and at.minute < every.total_seconds() / 60:
            rows.append({"kind": "reconcile", "source": source, "started_at": at + timedelta(minutes=1),
                         "finished_at": at + timedelta(minutes=4), "status": "success", "rows_read": {},
                         "rows_written": {}, "cursor": {}, "error": None, "triggered_by": None})
        at += every
    return rows


COLUMNS = ("kind", "source", "started_at", "finished_at", "status", "rows_read", "rows_written", "cursor", "error",
           "triggered_by")
JSON_COLUMNS = frozenset({"rows_read", "rows_written", "cursor"})


def insert_sync_runs(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert runs through the driver's own bulk path, in the session's transaction; returns how many.

    A year's ~105,000 rows went through SQLAlchemy's insertmany in 7–13 s (each of the three JSON values encoded
    through its type, 1,000-row statements of 11,000 parameters for the server to parse): PostgreSQL takes them
    by COPY, SQLite by the sqlite3 module's executemany. The values are the ones SQLAlchemy would store (see
    `_stored`; tests/services/test_demo_sync_history.py compares the two paths row by row). sync_runs is not a
    table the data version watches (portal/data_version.py), so going round the engine's hook misses nothing."""
    if not rows:
        return 0
    session.flush()
    connection = session.connection()
    cursor = connection.connection.driver_connection.cursor()
    table, names = SyncRun.__tablename__, ", ".join(COLUMNS)
    try:
        if connection.dialect.name == "postgresql":
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN",
                               io.StringIO("".join(_copy_line(row) for row in rows)))
        else:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(COLUMNS))})",
                               [tuple(_stored(name, row[name], sqlite=True) for name in COLUMNS) for row in rows])
    finally:
        cursor.close()
    return len(rows)


def _stored(name: str, value: Any, *, sqlite: bool) -> Any:
    """A value as SQLAlchemy would send it: JSON as json.dumps text; a time in UTC (models.base.UTCDateTime), on
    SQLite as the naive text its DateTime writes."""
    if value is None:
        return None
    if name in JSON_COLUMNS:
        return json.dumps(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value.isoformat()
    return value


def _copy_line(row: dict[str, Any]) -> str:
    """One row in COPY's text format: tab-separated, \\N for NULL, backslash, tab and line breaks escaped."""
    fields = []
    for name in COLUMNS:
        value = _stored(name, row[name], sqlite=False)
        fields.append("\\N" if value is None else str(value).replace("\\", "\\\\").replace("\t", "\\t")
                      .replace("\n", "\\n").replace("\r", "\\r"))
    return "\t".join(fields) + "\n"


def build_sync_history(session: Session, source: str, days: int = 365, now: datetime | None = None) -> int:
    """A year of runs before the demo's first run (or before now), unless the history is there already; returns
    how many were added (0 the second time)."""
    now = now or utcnow()
    first = session.scalar(select(func.min(SyncRun.started_at))) or now
    if first < now - timedelta(days=days) / 2:  # older runs than a fresh demo has: the history is there
        return 0
    end = first.replace(second=0, microsecond=0) - EVERY
    return insert_sync_runs(session, sync_run_rows(end - timedelta(days=days), end, source))
