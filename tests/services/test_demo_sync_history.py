"""The demo's year of sync runs: as the scheduler leaves them (every five minutes, a nightly reconciliation, a few
failures with their error), before the demo's own first run, and added once only."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from models import SyncRun
from portal.demo.sync_history import build_sync_history

NOW = datetime(2026, 12, 3, 5, 0, tzinfo=timezone.utc)


def test_the_history_fills_the_days_before_the_first_run_once(session):
    session.add(SyncRun(kind="incremental", source="demo", started_at=NOW - timedelta(minutes=2),
                        finished_at=NOW - timedelta(minutes=1), status="success", triggered_by="demo"))
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
