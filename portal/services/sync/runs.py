"""The copy from IQFast into Q-Corner: incremental runs, the nightly reconciliation, export files.

How a run stays correct whatever happens to it:
- each IQFast table is read in (tgl_update, id) order, in chunks; each chunk is mapped, written and its
  table's cursor saved in **one transaction**, so a crash leaves either the whole chunk with its cursor
  or neither, and the next run starts where the last committed chunk ended;
- writes are idempotent upserts that only change rows whose content changed, so reading a row twice
  (the overlap window re-reads the last minutes of every table, to catch late commits) writes nothing;
- a row whose parent we do not hold yet (its PTK committed after we read the PTKs) holds the table's
  cursor back while it is young, so the next run reads it again; an old one is reported and skipped;
- the reconciliation compares every key with IQFast: records IQFast deleted are marked (``deleted_at``),
  records we miss are fetched, records that came back are restored.

Every run is one ``sync_runs`` row: kind, source, start, end, status, rows read and written per table,
cursors, and an error text (with the rows it rejected). Services here take a ``Database``: a run spans
many transactions.
"""
from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from models import SyncRequest, SyncRun
from models.base import utcnow
from portal.db import Database
from portal.iqfast import mapping
from portal.iqfast.mapping import Lookups, Rejected, TableMapping
from portal.iqfast.sql_source import Chunk, Position, SourceUnavailable, SqlSource, overlap_start
from portal.services.sync.store import Writer, load_cursors, save_cursor

log = logging.getLogger(__name__)

CHUNK_SIZE = 20_000
# Re-read this much before each table's cursor: a row stamped earlier but committed later is not missed.
OVERLAP = timedelta(minutes=10)
# A row whose parent is missing holds its table's cursor back while it is younger than this.
ORPHAN_GRACE = timedelta(hours=1)
MAX_REPORTED_ERRORS = 500
# The source tables whose rows are counted as "events" and "applications" in the run summary.
EVENTS, APPLICATIONS = "stage_events", "applications"


def _checkpoint(where: str, source_table: str, batch: int) -> None:
    """Does nothing; tests replace it to stop a run inside a batch ("in_batch") or between ("after_batch")."""


# ---------------------------------------------------------------- run bookkeeping


@dataclass
class _Run:
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


def _start_run(database: Database, kind: str, source: str, triggered_by: str | None) -> _Run:
    with database.session() as session:
        run = SyncRun(kind=kind, source=source[:200], status="running", started_at=utcnow(),
                      triggered_by=(triggered_by or "")[:64] or None, rows_read={}, rows_written={}, cursor={})
        session.add(run)
        session.flush()
        return _Run(run.id, kind)


def _finish_run(database: Database, run: _Run, status: str, error: str | None = None) -> dict:
    lines = [error] if error else []
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


# ---------------------------------------------------------------- mapping a batch


def _map(spec: TableMapping, columns: list[str], rows: list[tuple], lookups: Lookups
         ) -> tuple[list[int], list[tuple], list[tuple[int, str]]]:
    """Map a batch: (positions kept, mapped rows, [(position, reason)] rejected).

    The generated fast mapper runs first; only a batch with a bad row is mapped again row by row, to say
    which rows are wrong and why.
    """
    fast = spec.compile_fast(columns, lookups)
    try:
        return list(range(len(rows))), [fast(row) for row in rows], []
    except Exception:
        pass
    careful = spec.compile(columns, lookups)
    kept, mapped, rejected = [], [], []
    for position, row in enumerate(rows):
        try:
            mapped.append(careful(row))
            kept.append(position)
        except Rejected as error:
            rejected.append((position, str(error)))
    return kept, mapped, rejected


def _write_rows(writer: Writer, source_table: str, columns: list[str], rows: list[tuple], lookups: Lookups,
                run: _Run) -> list[tuple[int, str, bool]]:
    """Map and write one batch of one source table into every target it feeds.

    Returns [(position in the batch, reason, is_orphan)] for the rows not written.
    """
    failed: dict[int, tuple[str, bool]] = {}
    for spec in mapping.mappings_for(source_table):
        started = time.perf_counter()
        kept, mapped, rejected = _map(spec, columns, rows, lookups)
        run.timings["map"] = run.timings.get("map", 0.0) + time.perf_counter() - started
        for position, reason in rejected:
            failed.setdefault(position, (reason, False))
        result = writer.write(spec, mapped)
        for index, reason, orphan in result.rejected:
            failed.setdefault(kept[index], (reason, orphan))
        run.wrote(spec.target, result.written)
    return [(position, reason, orphan) for position, (reason, orphan) in sorted(failed.items())]


# ---------------------------------------------------------------- incremental sync from IQFast's database


def run_sync(database: Database, url: str | None = None, *, source: SqlSource | None = None,
             triggered_by: str | None = None, chunk_size: int = CHUNK_SIZE, overlap: timedelta = OVERLAP) -> dict:
    """One incremental pass over every IQFast table; returns the run record (also when it failed)."""
    own_source = source is None
    try:
        source = source or SqlSource(url or "")
    except SourceUnavailable as error:
        run = _start_run(database, "incremental", "", triggered_by)
        return _finish_run(database, run, "failed", str(error))
    run = _start_run(database, "incremental", source.describe(), triggered_by)
    try:
        source.check()
        # One connection for the run (its temporary staging tables are made once); a transaction per batch.
        with database.engine.connect() as connection:
            cursors = load_cursors(connection)
            connection.commit()
            for source_table in mapping.SOURCE_TABLES:
                _sync_table(database, source, source_table, cursors.get(source_table), run, chunk_size, overlap,
                            connection)
            if connection.in_transaction():
                _commit(connection, run)
    except SourceUnavailable as error:
        log.warning("sync run %s failed: %s", run.id, error)
        return _finish_run(database, run, "failed", str(error))
    except Exception as error:  # recorded, then raised again: a bug must not look like a quiet failure
        log.exception("sync run %s failed", run.id)
        _finish_run(database, run, "failed", f"{type(error).__name__}: {error}")
        raise
    finally:
        if own_source:
            source.close()
    return _finish_run(database, run, "success")


def _timed_iter(chunks, run: _Run):
    """Chunks from the source, read one ahead in a thread while the database writes the current one.

    The time the writer still waits for a chunk is counted as "read".
    """
    results: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item) -> bool:
        """Hand an item over, unless the consumer has stopped listening."""
        while not stop.is_set():
            try:
                results.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for chunk in chunks:
                if not put(("chunk", chunk)):
                    return
            put(("end", None))
        except BaseException as error:  # handed to the consumer, which raises it
            put(("error", error))

    reader = threading.Thread(target=produce, name="iqfast-reader", daemon=True)
    reader.start()
    try:
        while True:
            started = time.perf_counter()
            kind, value = results.get()
            run.timings["read"] = run.timings.get("read", 0.0) + time.perf_counter() - started
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        reader.join(timeout=30)


def _sync_table(database: Database, source: SqlSource, source_table: str, saved: tuple[datetime, int] | None,
                run: _Run, chunk_size: int, overlap: timedelta, connection) -> None:
    """Read one table from its cursor on; each batch is written with the cursor in the same transaction."""
    cursor = Position(*saved) if saved else None
    hold: Position | None = None
    run.rows_read.setdefault(source_table, 0)
    key = mapping.source_table(source_table).primary_key.columns[0].name
    writer = Writer(connection, run.analysed, run.timings)
    lookups = None
    chunks = _timed_iter(source.read_changes(source_table, overlap_start(cursor, overlap), chunk_size), run)
    for batch, chunk in enumerate(chunks):
        stamp_at, key_at = chunk.columns.index("tgl_update"), chunk.columns.index(key)
        newest = chunk.last.updated_at
        if not connection.in_transaction():
            connection.begin()
        lookups = lookups or writer.load_lookups()
        failed = _write_rows(writer, source_table, chunk.columns, chunk.rows, lookups, run)
        for position, reason, orphan in failed:
            row = chunk.rows[position]
            young = orphan and row[stamp_at] >= newest - ORPHAN_GRACE
            if young:
                # Its parent may still be committing: read it again next run (the upserts make that safe).
                candidate = Position(row[stamp_at], row[key_at] - 1)
                hold = candidate if hold is None else min(hold, candidate)
            else:
                run.reject(f"{key}={row[key_at]}", reason, source_table)
        run.read(source_table, len(chunk.rows))
        if hold is not None:
            cursor = min(hold, cursor) if cursor else hold
        else:
            cursor = max(cursor, chunk.last) if cursor else chunk.last
        save_cursor(connection, source_table, cursor.updated_at, cursor.last_id)
        run.cursor[source_table] = [cursor.updated_at.isoformat(sep=" "), cursor.last_id]
        run.save(connection)
        _checkpoint("in_batch", source_table, batch)
        # Small batches (the usual few minutes of changes, table after table) share one transaction;
        # it commits once it holds a chunk's worth of rows, and at the end of the run.
        run.uncommitted += len(chunk.rows)
        if run.uncommitted >= chunk_size:
            _commit(connection, run)
            _checkpoint("after_batch", source_table, batch)


def _commit(connection, run: _Run) -> None:
    started = time.perf_counter()
    connection.commit()
    run.uncommitted = 0
    run.timings["commit"] = run.timings.get("commit", 0.0) + time.perf_counter() - started


# ---------------------------------------------------------------- nightly reconciliation


def run_reconcile(database: Database, url: str | None = None, *, source: SqlSource | None = None,
                  triggered_by: str | None = None) -> dict:
    """Compare every key with IQFast: mark what it deleted, fetch what we miss, restore what came back."""
    own_source = source is None
    try:
        source = source or SqlSource(url or "")
    except SourceUnavailable as error:
        run = _start_run(database, "reconcile", "", triggered_by)
        return _finish_run(database, run, "failed", str(error))
    run = _start_run(database, "reconcile", source.describe(), triggered_by)
    try:
        source.check()
        for source_table in mapping.SOURCE_TABLES:
            if source_table in mapping.LOOKUP_TABLES:
                _reread_whole(database, source, source_table, run)
            else:
                _reconcile_table(database, source, source_table, run)
    except SourceUnavailable as error:
        return _finish_run(database, run, "failed", str(error))
    except Exception as error:
        log.exception("reconcile run %s failed", run.id)
        _finish_run(database, run, "failed", f"{type(error).__name__}: {error}")
        raise
    finally:
        if own_source:
            source.close()
    return _finish_run(database, run, "success")


def _reread_whole(database: Database, source: SqlSource, source_table: str, run: _Run) -> None:
    """Code lists are small: read them whole and upsert (writes nothing when nothing changed)."""
    for chunk in source.read_changes(source_table, None, CHUNK_SIZE):
        _write_chunk_once(database, source_table, chunk, run)


def _write_chunk_once(database: Database, source_table: str, chunk: Chunk, run: _Run) -> None:
    key = mapping.source_table(source_table).primary_key.columns[0].name
    key_at = chunk.columns.index(key)
    with database.engine.begin() as connection:
        writer = Writer(connection, run.analysed, run.timings)
        for position, reason, _orphan in _write_rows(writer, source_table, chunk.columns, chunk.rows,
                                                     writer.load_lookups(), run):
            run.reject(f"{key}={chunk.rows[position][key_at]}", reason, source_table)
        run.read(source_table, len(chunk.rows))
        run.save(connection)


def _reconcile_table(database: Database, source: SqlSource, source_table: str, run: _Run) -> None:
    theirs: set[int] = set()
    for keys in source.read_keys(source_table):
        theirs.update(keys)
    specs = mapping.mappings_for(source_table)
    with database.engine.begin() as connection:
        writer = Writer(connection, run.analysed, run.timings)
        for spec in specs:
            live, deleted = writer.our_keys(spec)
            gone = sorted(live - theirs)
            if gone:
                run.wrote(f"{spec.target}_deleted", writer.mark_deleted(spec, gone))
        run.save(connection)
    missing: set[int] = set()
    for spec in specs:
        with database.engine.connect() as connection:
            live, deleted = Writer(connection, run.analysed, run.timings).our_keys(spec)
        missing |= (theirs - live - deleted) | (theirs & deleted)
    if missing:
        log.info("reconcile: %s rows of %s to fetch again", len(missing), source_table)
        for chunk in source.read_rows(source_table, sorted(missing)):
            _write_chunk_once(database, source_table, chunk, run)


# ---------------------------------------------------------------- export files (CSV / XLSX)


def import_export_file(database: Database, path: str, filename: str, triggered_by: str | None) -> dict:
    """Load one IQFast export file (CSV or XLSX, layout in docs/sync.md) in one transaction.

    Bad rows are reported by row number and reason (in Indonesian) and the good ones load; a row whose
    parent was rejected is rejected too, so nothing is half-written. Returns
    ``{"status", "rows_loaded", "rows_rejected", "errors": [{"row", "reason", "table"}], "run_id"}``
    with status ``success`` (every row loaded), ``partial`` (some rejected) or ``failed`` (none loaded).
    """
    from portal.iqfast.export_source import ExportFileError, read_export_file

    run = _start_run(database, "export", filename, triggered_by)
    try:
        sheets = read_export_file(path, filename)
    except ExportFileError as error:
        run.reject(0, str(error))
        _finish_run(database, run, "failed")
        return _export_result("failed", 0, run)
    loaded = 0
    try:
        with database.engine.begin() as connection:
            writer = Writer(connection, run.analysed, run.timings)
            for sheet in sorted(sheets, key=lambda s: mapping.SOURCE_TABLES.index(s.table)):
                for row_number, reason in sheet.errors:
                    run.reject(row_number, reason, sheet.table)
                numbers = [number for number, _row in sheet.rows]
                rows = [row for _number, row in sheet.rows]
                failed = _write_rows(writer, sheet.table, sheet.columns, rows, writer.load_lookups(), run)
                for position, reason, _orphan in failed:
                    run.reject(numbers[position], reason, sheet.table)
                run.read(sheet.table, len(rows) + len(sheet.errors))
                loaded += len(rows) - len(failed)
            run.save(connection)
    except Exception as error:
        log.exception("export import %s failed", filename)
        # The transaction rolled back: nothing was written, whatever the counters say. The reason is listed as the
        # file's own error (row 0) so the upload page says why; it is not counted as a rejected row, so the
        # export folder's pass still retries the file (it may be ours: the database).
        run.rows_written = {}
        cause = str(getattr(error, "orig", None) or error).strip().splitlines() or [""]
        reason = (f"berkas tidak dapat dimuat, tidak ada yang disimpan: {type(error).__name__}: "
                  f"{' — '.join(line.strip() for line in cause[:2])}")[:500]
        run.errors.append({"row": 0, "reason": reason})
        _finish_run(database, run, "failed", reason)
        return _export_result("failed", 0, run)
    status = "success" if not run.rejected else ("partial" if loaded else "failed")
    _finish_run(database, run, "failed" if status == "failed" else "success")
    return _export_result(status, loaded, run)


def _export_result(status: str, loaded: int, run: _Run) -> dict:
    return {"status": status, "rows_loaded": loaded, "rows_rejected": run.rejected, "errors": run.errors,
            "run_id": run.id, "kind": "export"}


def import_export_dir(database: Database, directory: str, triggered_by: str | None = None,
                      min_age_seconds: float = 10.0) -> list[dict]:
    """Load every export file dropped in ``directory`` (parents first) and move each to ``done/``.

    Files younger than ``min_age_seconds`` may still be being copied in, so they wait for the next pass.
    A file is left in place only when loading it failed for a reason of ours (the database); a file
    that is unreadable or wrong goes to ``done/`` with its run recording why.
    """
    from portal.iqfast.export_source import EXPORT_SUFFIXES, table_for_filename

    folder = Path(directory)
    if not folder.is_dir():
        return []
    done = folder / "done"
    now = time.time()
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
             and now - p.stat().st_mtime >= min_age_seconds]

    def order(path: Path):
        table = table_for_filename(path.name)
        return (mapping.SOURCE_TABLES.index(table) if table in mapping.SOURCE_TABLES else -1, path.name)

    results = []
    for path in sorted(files, key=order):
        result = import_export_file(database, str(path), path.name, triggered_by)
        result["filename"] = path.name
        results.append(result)
        if result["status"] == "failed" and result["rows_rejected"] == 0:
            continue  # our side failed: try again next pass
        done.mkdir(exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        shutil.move(str(path), str(done / f"{stamp}_{path.name}"))
    return results


# ---------------------------------------------------------------- for the web side


def last_successful_sync(session: Session) -> datetime | None:
    """When the last successful run (incremental, reconciliation or export file) finished; None if never."""
    return session.scalar(select(func.max(SyncRun.finished_at)).where(SyncRun.status == "success"))


def request_sync(session: Session, user_id: int | None) -> int:
    """Ask the scheduler for a sync now (it polls every few seconds); returns the request's id."""
    request = SyncRequest(requested_by_id=user_id, requested_at=utcnow())
    session.add(request)
    session.flush()
    return request.id


def pick_sync_requests(database: Database) -> list[int]:
    """Mark every pending request picked (the scheduler is about to run a sync for them)."""
    with database.session() as session:
        ids = list(session.scalars(select(SyncRequest.id).where(SyncRequest.picked_at.is_(None))
                                   .order_by(SyncRequest.id).with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(SyncRequest).where(SyncRequest.id.in_(ids)).values(picked_at=utcnow()))
        return ids


def link_sync_requests(database: Database, request_ids: Iterable[int], run_id: int) -> None:
    ids = list(request_ids)
    if ids:
        with database.session() as session:
            session.execute(update(SyncRequest).where(SyncRequest.id.in_(ids)).values(run_id=run_id))


def sync_from_settings(database: Database, settings, triggered_by: str | None = None) -> list[dict]:
    """What one scheduled pass does with the configured sources: IQFast's database, then the export folder."""
    results = []
    if settings.iqfast_url:
        results.append(run_sync(database, settings.iqfast_url, triggered_by=triggered_by))
    if settings.iqfast_export_dir:
        results += import_export_dir(database, settings.iqfast_export_dir, triggered_by)
    return results


__all__ = ["run_sync", "run_reconcile", "import_export_file", "import_export_dir", "last_successful_sync",
           "request_sync", "pick_sync_requests", "link_sync_requests", "close_abandoned_runs", "run_record",
           "sync_from_settings"]
