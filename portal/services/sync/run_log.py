"""The record of each sync run (one ``sync_runs`` row): kind, source, start, end, status, rows read and written
per table, cursors, and an error text with the rows it rejected.

Every kind of run (first load, incremental, reconciliation, export file) keeps its progress in a ``RunLog`` and saves
it in the transaction of the rows it describes, so the record always matches what was committed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from models import SyncRun
from models.base import utcnow
from portal.db import Database
from portal.iqfast.sql_source import DETAIL

MAX_REPORTED_ERRORS = 500
# The source tables whose rows are counted as "events" and "applications" in the run summary.
EVENTS, APPLICATIONS = "stage_events", "applications"


class Reach:
    """The earliest moment a run's writes moved a compliance count away from: the old completion times and 3P action
    times its upserts overwrote, read just before they were. The after-sync refresh rebuilds the touched companies'
    monthly rollup from the earliest month these and the changed applications' current times reach, not over their
    whole history (after_sync.months_reached)."""

    def __init__(self):
        self.earliest: datetime | None = None
        # The service users the run's upserts took applications away from (an applicant IQFast corrected): their
        # counts lose the application, and only the new applicant is among the changed applications' own.
        self.companies: set[int] = set()

    def note(self, moment: datetime | None) -> None:
        if moment is not None and (self.earliest is None or moment < self.earliest):
            self.earliest = moment


@dataclass
class RunLog:
    """One run's progress while it runs: counters, cursors, rejected rows and timings."""

    id: int
    kind: str
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_written: dict[str, int] = field(default_factory=dict)
    cursor: dict[str, list] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    rejected: int = 0
    analysed: dict[str, int] = field(default_factory=dict)  # for Writer: rows written since the last ANALYZE
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step (Writer's, plus read and map)
    uncommitted: int = 0  # rows read into the open transaction
    reach: Reach = field(default_factory=Reach)  # for Writer: the old times its writes overwrote
    notes: list[str] = field(default_factory=list)  # what the run left alone and why, on the sync page

    def note(self, text: str) -> None:
        self.notes.append(text)

    def read(self, name: str, count: int) -> None:
        self.rows_read[name] = self.rows_read.get(name, 0) + count

    def wrote(self, name: str, count: int) -> None:
        self.rows_written[name] = self.rows_written.get(name, 0) + count

    def reject(self, row: Any, reason: str, table: str | None = None) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            entry = {"row": row, "reason": reason}
            if table:
                entry["table"] = table
            self.errors.append(entry)

    def save(self, connection) -> None:
        """Progress, in the batch's transaction: the record always matches what was committed."""
        connection.execute(update(SyncRun.__table__).where(SyncRun.__table__.c.id == self.id).values(
            rows_read=dict(self.rows_read), rows_written=dict(self.rows_written), cursor=dict(self.cursor)))

    def merge(self, lane: "RunLog") -> None:
        """Add what a second lane of the run counted (LaneLog) to this one."""
        for mine, theirs in ((self.rows_read, lane.rows_read), (self.rows_written, lane.rows_written),
                             (self.analysed, lane.analysed), (self.timings, lane.timings)):
            for name, value in theirs.items():
                mine[name] = mine.get(name, 0) + value
        self.cursor.update(lane.cursor)
        self.rejected += lane.rejected
        self.errors.extend(lane.errors[:max(0, MAX_REPORTED_ERRORS - len(self.errors))])
        self.reach.note(lane.reach.earliest)
        self.reach.companies |= lane.reach.companies


class LaneLog(RunLog):
    """A run's counters for the tables a second connection writes beside the run's own (runs._second_lane), added to
    the run's when that lane ends. It leaves the run's record alone: two connections updating one row would wait for
    each other's commits. The cursors it commits are the record of its progress."""

    def save(self, connection) -> None:
        pass


def start_run(database: Database, kind: str, source: str, triggered_by: str | None) -> RunLog:
    with database.session() as session:
        run = SyncRun(kind=kind, source=source[:200], status="running", started_at=utcnow(),
                      triggered_by=(triggered_by or "")[:64] or None, rows_read={}, rows_written={}, cursor={})
        session.add(run)
        session.flush()
        return RunLog(run.id, kind)


def finish_run(database: Database, run: RunLog, status: str, error: str | None = None) -> dict:
    lines = ([error] if error else []) + run.notes
    if run.rejected:
        lines.append(f"{run.rejected} baris ditolak:")
        lines += [_error_line(entry) for entry in run.errors]
    with database.session() as session:
        record = session.get(SyncRun, run.id)
        record.status, record.finished_at = status, utcnow()
        record.rows_read, record.rows_written, record.cursor = dict(run.rows_read), dict(run.rows_written), dict(
            run.cursor)
        record.error = "\n".join(lines) or None
        session.flush()
        result = run_record(session, run.id)
    result.update(rows_rejected=run.rejected, errors=run.errors,
                  timings={step: round(seconds, 2) for step, seconds in sorted(run.timings.items())})
    return result


def unexpected(error: BaseException) -> str:
    """A run's error for a fault of ours (a bug, Q-Corner's own database): in words, then Python's and the driver's
    own after DETAIL, for whoever reads the server's log."""
    return f"kesalahan tak terduga di Q-Corner (lihat log server){DETAIL}{type(error).__name__}: {error}"


def error_parts(text: str | None) -> dict[str, str | None]:
    """A run's error as the sync page shows it: `message`, what its first line says in words (before DETAIL, after
    which the driver's English follows), and `detail`, the whole text kept for diagnosis — None when it says no more
    than the message. The driver's words after the message read as the message itself to an officer."""
    text = (text or "").strip()
    if not text:
        return {"message": "", "detail": None}
    first = text.splitlines()[0]
    message = first.split(DETAIL, 1)[0].strip() or first
    return {"message": message, "detail": None if text == message else text}


def _error_line(entry: dict) -> str:
    where = f"{entry['table']} " if entry.get("table") else ""
    return f"{where}baris {entry['row']}: {entry['reason']}"


def run_record(session: Session, run_id: int) -> dict:
    """One sync_runs row as plain values, with the summary counts the CLI and pages show."""
    run = session.get(SyncRun, run_id)
    read, written = run.rows_read or {}, run.rows_written or {}
    return {"id": run.id, "run_id": run.id, "kind": run.kind, "source": run.source, "status": run.status,
            "started_at": run.started_at, "finished_at": run.finished_at, "rows_read": read,
            "rows_written": written, "cursor": run.cursor or {}, "error": run.error,
            "triggered_by": run.triggered_by, "events_read": read.get("riwayat_ptk", 0),
            "events_written": written.get(EVENTS, 0), "applications_written": written.get(APPLICATIONS, 0)}


def close_abandoned_runs(database: Database) -> int:
    """Runs still 'running' from a process that died: call only while holding the sync lock.

    Export files uploaded through the web run outside that lock, so an export run counts as abandoned
    only after an hour.
    """
    stale_export = and_(SyncRun.kind == "export", SyncRun.started_at < utcnow() - timedelta(hours=1))
    with database.session() as session:
        result = session.execute(update(SyncRun).where(
            SyncRun.status == "running", or_(SyncRun.kind != "export", stale_export)).values(
            status="failed", finished_at=utcnow(), error="terhenti sebelum selesai (proses sync berhenti)"))
        return result.rowcount or 0



def last_successful_sync(session: Session) -> datetime | None:
    """When the last successful run (first load, incremental, reconciliation or export file) finished; None if
    never."""
    return session.scalar(select(func.max(SyncRun.finished_at)).where(SyncRun.status == "success"))
