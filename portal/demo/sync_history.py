"""A year of the scheduler's sync runs for the demo (and the tests' heavy data): the sync page must answer for a
station that has run for a year, ~105,000 runs at the default five-minute interval, not for the demo's handful.

`sync_run_rows` makes the rows (plain dicts, inserted in bulk); `build_sync_history` puts a year of them before the
demo's first real run, once.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from models import SyncRun
from models.base import utcnow

EVERY = timedelta(minutes=5)  # the scheduler's default interval (QCORNER_SYNC_INTERVAL_MINUTES)
BATCH = 5000
RECONCILE_HOUR_UTC = 18  # the nightly reconciliation, 01:00 WIB
FAILURE_RATE = 0.004
FAILURE = "IQFast tidak dapat dihubungi: timed out"


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


def insert_sync_runs(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert runs in batches (a year's ~105,000 rows in a few seconds); returns how many."""
    for start in range(0, len(rows), BATCH):
        session.execute(insert(SyncRun.__table__), rows[start:start + BATCH])
    session.flush()
    return len(rows)


def build_sync_history(session: Session, source: str, days: int = 365, now: datetime | None = None) -> int:
    """A year of runs before the demo's first run (or before now), unless the history is there already; returns
    how many were added (0 the second time)."""
    now = now or utcnow()
    first = session.scalar(select(func.min(SyncRun.started_at))) or now
    if first < now - timedelta(days=days) / 2:  # older runs than a fresh demo has: the history is there
        return 0
    end = first.replace(second=0, microsecond=0) - EVERY
    return insert_sync_runs(session, sync_run_rows(end - timedelta(days=days), end, source))
