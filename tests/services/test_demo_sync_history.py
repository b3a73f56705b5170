"""The demo's year of sync runs: as the scheduler leaves them (every five minutes, a nightly reconciliation, a few
failures with their error), before the demo's own first run, and added once only."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select, text

from models import SyncRun
from portal.demo.sync_history import COLUMNS, build_sync_history, insert_sync_runs, sync_run_rows

NOW = datetime(2026, 12, 3, 5, 0, tzinfo=timezone.utc)


def test_the_history_fills_the_days_before_the_first_run_once(session):
    session.add(SyncRun(kind="incremental", source="demo", started_at=NOW - timedelta(minutes=2),
                        finished_at=NOW - timedelta(minutes=1), status="success", triggered_by="system"))
    session.flush()
    added = build_sync_history(session, "sqlite:////srv/instance/iqfast-sim.db", days=60, now=NOW)
    assert 60 * 288 <= added <= 60 * 288 + 61  # every five minutes, and one reconciliation a night
    first, last = session.execute(select(func.min(SyncRun.started_at), func.max(SyncRun.started_at)).where(
        SyncRun.triggered_by.is_(None))).one()
    assert NOW - timedelta(days=60, minutes=10) <= first < NOW - timedelta(days=59, hours=23)
    assert last < NOW - timedelta(minutes=2)  # all before the demo's own run
    kinds = dict(session.execute(select(SyncRun.kind, func.count()).group_by(SyncRun.kind)).all())
    assert kinds["reconcile"] in (60, 61)
    failed = session.scalars(select(SyncRun).where(SyncRun.status == "failed")).all()
    assert failed and all(run.error for run in failed) and len(failed) < added / 100
    assert build_sync_history(session, "sqlite:////srv/instance/iqfast-sim.db", days=60, now=NOW) == 0
    assert session.scalar(select(func.count()).select_from(SyncRun)) == added + 1


def test_the_bulk_path_stores_exactly_what_sqlalchemys_insert_stores(session):
    """insert_sync_runs goes round SQLAlchemy (COPY, or sqlite3's executemany): the stored values, read back raw,
    are the ones SQLAlchemy's own insert leaves, including NULLs, JSON and text that COPY must escape."""
    rows = sync_run_rows(NOW - timedelta(days=2), NOW, "mysql+pymysql://qcorner_ro@10.30.0.15:3306/iqfast")
    rows.append({"kind": "export", "source": "C:\\impor\\ekspor.xlsx", "started_at": NOW,
                 "finished_at": None, "status": "failed", "rows_read": {"ptk": 0}, "rows_written": {},
                 "cursor": {"note": "tab\tnewline\nbackslash\\ \u00e9"}, "error": "baris 1:\tkolom\r\nsalah \\N",
                 "triggered_by": "admin"})
    raw = text(f"SELECT {', '.join(COLUMNS)} FROM sync_runs ORDER BY id")

    assert insert_sync_runs(session, rows) == len(rows)
    bulk = session.execute(raw).all()
    session.execute(delete(SyncRun))
    session.execute(insert(SyncRun.__table__), rows)
    assert bulk == session.execute(raw).all()
    assert len(bulk) == len(rows) and any(row.status == "failed" for row in bulk)
