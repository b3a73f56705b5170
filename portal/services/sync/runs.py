"""The copy from IQFast into Q-Corner: incremental runs and the nightly reconciliation (export files:
export_files.py; the run record: run_log.py).

How a run stays correct whatever happens to it:
- each IQFast table is read in (tgl_update, id) order, in chunks; each chunk is mapped, written and its
  table's cursor saved in **one transaction**, so a crash leaves either the whole chunk with its cursor
  or neither, and the next run starts where the last committed chunk ended;
- writes are idempotent upserts that only change rows whose content changed, so reading a row twice
  (the overlap window re-reads the last minutes of every table, to catch late commits) writes nothing;
- a row whose parent we do not hold yet (its PTK committed after we read the PTKs) holds the table's
  cursor back while it is young, so the next run reads it again; an old one is reported and skipped;
- the reconciliation compares every key with IQFast: records IQFast deleted are marked (``deleted_at``),
  records we miss are fetched, records that came back are restored;
- a source is compared with, and writes, only the records it holds (holdings.py): a station read from a database
  of its own is neither "deleted" by the national comparison nor overwritten by a database whose ids overlap.
- a first load on PostgreSQL writes the applications' commodity lines, bills and certificates on a second connection
  beside the stage events (_two_lanes): each table keeps its chunks and cursor together as above, and a failure in
  either lane stops the other and fails the run;
- a first load on PostgreSQL writes its still-empty tables without their foreign keys and adds them back after its
  after-sync (set_aside.py); a run stopped in between leaves them recorded, and the next sync or reconciliation puts
  them back before it reads or writes anything (an export file's import meanwhile writes without them: its upserts
  join every row to its parent as the sync's do).

Every run is one ``sync_runs`` row (run_log.py). Services here take a ``Database``: a run spans many
transactions.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime, timedelta
from typing import Callable

from portal.db import Database
from portal.iqfast import mapping
from portal.iqfast.fields import Lookups
from portal.iqfast.sql_source import Chunk, Position, SourceUnavailable, SqlSource, overlap_start
from portal.services.offices import own_sources
from portal.services.sync import set_aside
from portal.services.sync.after_sync import bring_current
from portal.services.sync.batches import PreparedBatch, prepare_batch, write_rows
from portal.services.sync.export_files import import_export_dir
from portal.services.sync.holdings import EVERYTHING, Holdings, holdings_of, without_stations_it_lacks
from portal.services.sync.run_log import LaneLog, RunLog, finish_run, start_run, unexpected
from portal.services.sync.store import Writer, load_cursors, save_cursor
from portal.spreadsheets import limits_for

log = logging.getLogger(__name__)

CHUNK_SIZE = 20_000
# Re-read this much before each table's cursor: a row stamped earlier but committed later is not missed.
OVERLAP = timedelta(minutes=10)
# A row whose parent is missing holds its table's cursor back while it is younger than this.
ORPHAN_GRACE = timedelta(hours=1)
# A first load notifies only what happened this recently (QCORNER_NOTIFICATION_HORIZON_DAYS).
NOTIFICATION_HORIZON = timedelta(days=30)
# The kinds of run_sync's runs: a first load (the stage events never read yet: an empty portal, or a station
# newly connected) says so on the sync page; an officer would otherwise read a year's load as a routine run.
SYNC_KINDS = ("incremental", "first_load")


def _checkpoint(where: str, source_table: str, batch: int) -> None:
    """Does nothing; tests replace it to stop a run inside a batch ("in_batch") or between ("after_batch")."""


# ---------------------------------------------------------------- incremental sync from IQFast's database


def _recorded_run(database: Database, kind: str, label: str, url: str | None, source: SqlSource | None,
                  triggered_by: str | None, work: Callable[[SqlSource, RunLog], None]) -> dict:
    """Open the source (unless one is given), record a run of ``kind``, do ``work`` and close what it opened.

    An unreachable source ends the run as failed; so does any other error, which is then raised again (a bug must
    not look like a quiet failure). Returns the run record."""
    own_source = source is None
    try:
        source = source or SqlSource(url or "")
    except SourceUnavailable as error:
        run = start_run(database, kind, "", triggered_by)
        return finish_run(database, run, "failed", str(error))
    run = start_run(database, kind, source.describe(), triggered_by)
    try:
        source.check()
        _put_back(database, run)  # what a first load stopped midway left aside, before anything is read or written
        work(source, run)
        # Scores current before the run says success; an error fails the run. An incremental run's writers noted
        # the old times they overwrote, so its monthly rollups are rebuilt from the earliest month reached only.
        bring_current(database, run.id, reach=run.reach if kind in SYNC_KINDS else None,
                      moved_from=run.reach.companies)
        _put_back(database, run)
    except SourceUnavailable as error:
        log.warning("%s run %s failed: %s", label, run.id, error)
        _put_back_after_failure(database, run)
        return finish_run(database, run, "failed", str(error))
    except Exception as error:
        log.exception("%s run %s failed", label, run.id)
        _put_back_after_failure(database, run)
        finish_run(database, run, "failed", unexpected(error))
        raise
    finally:
        if own_source:
            source.close()
    return finish_run(database, run, "success")


def _put_back(database: Database, run: RunLog) -> None:
    """The foreign keys a first load set aside (set_aside.py), this run's or a stopped one's, back in force."""
    started = time.perf_counter()
    with database.engine.connect() as connection:
        if set_aside.put_back(connection):
            run.timings["keys put back"] = run.timings.get("keys put back", 0.0) + time.perf_counter() - started


def _put_back_after_failure(database: Database, run: RunLog) -> None:
    """The keys back after a failed run; if that fails too (the database gone), the next run puts them back, and the
    run's own error is the one reported."""
    try:
        _put_back(database, run)
    except Exception:
        log.exception("sync: the foreign keys set aside are left for the next run to put back")


def run_sync(database: Database, url: str | None = None, *, source: SqlSource | None = None,
             triggered_by: str | None = None, chunk_size: int = CHUNK_SIZE, overlap: timedelta = OVERLAP,
             notification_horizon: timedelta = NOTIFICATION_HORIZON, cursor_scope: str = "",
             configured_url: str | None = None) -> dict:
    """One incremental pass over every IQFast table; returns the run record (also when it failed).

    A table read for the first time (no cursor yet: an empty portal's first load) queues notifications only for
    events younger than ``notification_horizon``; later runs notify whatever they bring. ``cursor_scope`` keeps
    the cursors of an office's own IQFast source apart from the configured source's ("<code>:" + table).
    ``configured_url``: the configured IQFast's URL (holdings_of)."""
    holds = holdings_of(database, url, configured_url)

    def work(source: SqlSource, run: RunLog) -> None:
        source.require_stations(holds.stations)
        # One connection for the run (its temporary staging tables are made once); a transaction per batch. A first
        # load on PostgreSQL takes a second one for the applications' other children (_two_lanes).
        with database.engine.connect() as connection:
            cursors = load_cursors(connection)
            connection.commit()
            if run.kind == "first_load":
                # The tables it fills are written without their foreign keys while they are empty (set_aside.py):
                # back once the after-sync has filled its own (_recorded_run).
                started = time.perf_counter()
                set_aside.set_aside(connection)
                run.timings["keys set aside"] = time.perf_counter() - started
            # The code lists, loaded once for the run's tables (at the first chunk that needs them) and again only
            # after a code list wrote something: an incremental run reads a chunk of every table, and loading them
            # per table was ≈ 6 % of its time.
            lookups: dict[str, Lookups] = {}
            beside = _second_lane(connection, cursors, cursor_scope)

            def sync_tables(tables, log: RunLog, on, loaded: dict[str, Lookups], stop=None) -> None:
                for source_table in tables:
                    if stop is not None and stop.is_set():
                        return
                    _sync_table(database, source, source_table, cursors.get(cursor_scope + source_table), log,
                                chunk_size, overlap, on, notification_horizon, cursor_scope, holds, loaded, stop)

            if not beside:
                sync_tables(mapping.SOURCE_TABLES, run, connection, lookups)
            else:
                split = mapping.SOURCE_TABLES.index(SECOND_LANE_AFTER) + 1
                sync_tables(mapping.SOURCE_TABLES[:split], run, connection, lookups)
                if connection.in_transaction():
                    _commit(connection, run)  # the second connection must see every application
                _two_lanes(database, run, connection, lookups, sync_tables,
                           [table for table in mapping.SOURCE_TABLES[split:] if table not in beside], beside)
            if connection.in_transaction():
                _commit(connection, run)
    return _recorded_run(database, _sync_kind(database, cursor_scope), "sync", url, source, triggered_by, work)


def _sync_kind(database: Database, cursor_scope: str) -> str:
    """"first_load" when the stage events have no cursor yet in this scope (their whole history is read), else
    "incremental". A first load stopped midway resumes as an incremental run: the cursors say where it was."""
    with database.engine.connect() as connection:
        cursors = load_cursors(connection)
    return "incremental" if cursor_scope + "riwayat_ptk" in cursors else "first_load"


# A first load on PostgreSQL writes the applications' commodity lines, bills and certificates on a second connection
# while the run's own writes the stage events (and the 3P actions): PostgreSQL's second backend on the machine's second
# core. Only tables that queue no notifications go there: two transactions inserting the same outbox key (an
# application's detention is announced once, by its stage event or its 3P action) would wait for each other.
SECOND_LANE_AFTER = "ptk"
SECOND_LANE = ("ptk_komoditas", "billing", "sertifikat")


def _second_lane(connection, cursors: dict, cursor_scope: str) -> tuple[str, ...]:
    """The tables a second connection loads beside the stage events: on PostgreSQL, when none of them nor the stage
    events has a cursor yet (their first load); else () and every table on the run's connection (SQLite has one
    writer; an incremental run's few rows share one transaction)."""
    if connection.dialect.name != "postgresql" or SECOND_LANE_AFTER not in mapping.SOURCE_TABLES:
        return ()
    if any(cursor_scope + table in cursors for table in (*SECOND_LANE, "riwayat_ptk")):
        return ()
    return tuple(table for table in SECOND_LANE if table in mapping.SOURCE_TABLES)


def _two_lanes(database: Database, run: RunLog, connection, lookups: dict[str, Lookups], sync_tables,
               own: list[str], beside: tuple[str, ...]) -> None:
    """``own`` on the run's connection and ``beside`` on a second one, at once. Each table's chunks still commit with
    its cursor, so a run stopped in either lane resumes as a serial one would. A failure in one lane stops the other
    at its next chunk and is raised once both have ended."""
    lane = LaneLog(run.id, run.kind)
    stop, failed = threading.Event(), []

    def second() -> None:
        try:
            with database.engine.connect() as other:
                sync_tables(beside, lane, other, {}, stop)
                if other.in_transaction() and not stop.is_set():
                    _commit(other, lane)
        except BaseException as error:
            failed.append(error)
            stop.set()

    thread = threading.Thread(target=second, name="sync-second-lane", daemon=True)
    thread.start()
    try:
        sync_tables(own, run, connection, lookups, stop)
    except BaseException:
        stop.set()
        raise
    finally:
        thread.join()
        run.merge(lane)
    if failed:
        raise failed[0]


def _timed_iter(chunks, run: RunLog, prepare: Callable[[Chunk], PreparedBatch | None] = lambda _chunk: None):
    """(chunk, prepared) from the source, read one ahead in a thread while the database writes the current one; the
    thread also prepares each chunk for the writer (``prepare``: mapped and encoded, or None when it cannot yet).

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
                if not put(("chunk", (chunk, prepare(chunk)))):
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
                run: RunLog, chunk_size: int, overlap: timedelta, connection,
                notification_horizon: timedelta = NOTIFICATION_HORIZON, cursor_scope: str = "",
                holds: Holdings = EVERYTHING, loaded: dict[str, Lookups] | None = None,
                stop: threading.Event | None = None) -> None:
    """Read one table from its cursor on; each batch is written with the cursor in the same transaction.
    ``loaded``: the run's code lists once loaded ("lookups"), shared by its tables; ``stop``: set when the run's other
    lane failed (_two_lanes), ends the table before its next chunk, the chunks committed so far kept."""
    cursor = Position(*saved) if saved else None
    hold: Position | None = None
    run.rows_read.setdefault(source_table, 0)
    key = mapping.source_table(source_table).primary_key.columns[0].name
    writer = Writer(connection, run.analysed, run.timings, run.reach, holds)
    if saved is None:
        # The table's first load: its history is not news (and most of it old).
        writer.notify_from = writer.now - notification_horizon
    # The lookups once the writer has loaded them (at the first chunk, in the run's transaction): from then on the
    # reader thread maps and encodes each chunk it reads, while PostgreSQL writes the one before.
    loaded = {} if loaded is None else loaded
    feeds_lookups = source_table in mapping.LOOKUP_TABLES

    def prepare(chunk: Chunk) -> PreparedBatch | None:
        ready = loaded.get("lookups")
        return prepare_batch(source_table, chunk.columns, chunk.rows, ready, writer.dialect) if ready else None

    chunks = _timed_iter(source.read_changes(source_table, overlap_start(cursor, overlap), chunk_size, holds.stations),
                         run, prepare)
    for batch, (chunk, prepared) in enumerate(chunks):
        if stop is not None and stop.is_set():
            return
        stamp_at, key_at = chunk.columns.index("tgl_update"), chunk.columns.index(key)
        newest = chunk.last.updated_at
        if not connection.in_transaction():
            connection.begin()
        lookups = loaded.get("lookups") or writer.load_lookups()
        loaded["lookups"] = lookups
        written_before = sum(run.rows_written.values())
        failed = write_rows(writer, source_table, chunk.columns, chunk.rows, lookups, run, prepared)
        if feeds_lookups and sum(run.rows_written.values()) != written_before:
            loaded.pop("lookups", None)  # a code list changed what the next tables resolve: loaded again for them
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
        save_cursor(connection, cursor_scope + source_table, cursor.updated_at, cursor.last_id)
        run.cursor[source_table] = [cursor.updated_at.isoformat(sep=" "), cursor.last_id]
        run.save(connection)
        _checkpoint("in_batch", source_table, batch)
        # Small batches (the usual few minutes of changes, table after table) share one transaction;
        # it commits once it holds a chunk's worth of rows, and at the end of the run.
        run.uncommitted += len(chunk.rows)
        if run.uncommitted >= chunk_size:
            _commit(connection, run)
            _checkpoint("after_batch", source_table, batch)


def _commit(connection, run: RunLog) -> None:
    """Commit the open transaction (batches and their cursors), timing it."""
    started = time.perf_counter()
    connection.commit()
    run.uncommitted = 0
    run.timings["commit"] = run.timings.get("commit", 0.0) + time.perf_counter() - started


# ---------------------------------------------------------------- nightly reconciliation


def run_reconcile(database: Database, url: str | None = None, *, source: SqlSource | None = None,
                  triggered_by: str | None = None, configured_url: str | None = None) -> dict:
    """Compare every key of the records the source holds (holdings_of; ``configured_url`` the configured IQFast's)
    with it: mark what it deleted, fetch what we miss, restore what came back."""
    holds = holdings_of(database, url, configured_url)

    def work(source: SqlSource, run: RunLog) -> None:
        source.require_stations(holds.stations)  # else a station missing there would be "deleted" here whole
        compared, lacking = without_stations_it_lacks(database, holds, source.stations_with_applications)
        if lacking:
            log.warning("reconcile: %s holds no application of UPT %s; their records are left as they are",
                        source.describe(), ", ".join(lacking))
            # On the sync page too ("Keterangan"): a station IQFast purged whole would otherwise go unseen.
            run.note(f"UPT {', '.join(lacking)}: sumber ini tidak memuat satu pun permohonannya; catatannya tidak "
                     f"dibandingkan (tidak ditandai terhapus)")
        for source_table in mapping.SOURCE_TABLES:
            if source_table in mapping.LOOKUP_TABLES:
                _reread_whole(database, source, source_table, run)
            else:
                _reconcile_table(database, source, source_table, run, compared, holds)
    return _recorded_run(database, "reconcile", "reconcile", url, source, triggered_by, work)


def reconcile_from_settings(database: Database, settings, triggered_by: str | None = None) -> list[dict]:
    """What the nightly job does: the configured IQFast, then each office's own database, each compared with the
    records it holds."""
    results = []
    if settings.iqfast_url:
        results.append(run_reconcile(database, settings.iqfast_url, triggered_by=triggered_by,
                                     configured_url=settings.iqfast_url))
    for _code, url in _own_sources(database, settings):
        results.append(run_reconcile(database, url, triggered_by=triggered_by, configured_url=settings.iqfast_url))
    return results


def _own_sources(database: Database, settings) -> list[tuple[str, str]]:
    """(office code, URL) of the offices' own IQFast databases, the configured one left out (read as itself)."""
    with database.session() as session:
        return [(code, url) for code, url in own_sources(session) if url != settings.iqfast_url]


def _reread_whole(database: Database, source: SqlSource, source_table: str, run: RunLog) -> None:
    """Code lists are small: read them whole and upsert (writes nothing when nothing changed)."""
    for chunk in source.read_changes(source_table, None, CHUNK_SIZE):
        _write_chunk_once(database, source_table, chunk, run, EVERYTHING)


def _write_chunk_once(database: Database, source_table: str, chunk: Chunk, run: RunLog, holds: Holdings) -> None:
    key = mapping.source_table(source_table).primary_key.columns[0].name
    key_at = chunk.columns.index(key)
    with database.engine.begin() as connection:
        writer = Writer(connection, run.analysed, run.timings, run.reach, holds)
        for position, reason, _orphan in write_rows(writer, source_table, chunk.columns, chunk.rows,
                                                     writer.load_lookups(), run):
            run.reject(f"{key}={chunk.rows[position][key_at]}", reason, source_table)
        run.read(source_table, len(chunk.rows))
        run.save(connection)


def _reconcile_table(database: Database, source: SqlSource, source_table: str, run: RunLog,
                     holds: Holdings, read: Holdings | None = None) -> None:
    """``holds``: the records compared; ``read``: what the key reads keep, when wider. A table naming its own station
    (id_upt) is read as compared; one hanging on an application is read as the source holds (a station left out for
    holding no application has no row there, and keeping to stations would cost an application lookup per row)."""
    theirs: set[int] = set()
    reads = holds if read is None or "id_upt" in mapping.source_table(source_table).c else read
    for keys in source.read_keys(source_table, stations=reads.stations):
        theirs.update(keys)
    specs = mapping.mappings_for(source_table)
    with database.engine.begin() as connection:
        writer = Writer(connection, run.analysed, run.timings)
        for spec in specs:
            live, deleted = writer.our_keys(spec, holds)
            gone = sorted(live - theirs)
            if gone:
                run.wrote(f"{spec.target}_deleted", writer.mark_deleted(spec, gone))
        run.save(connection)
    missing: set[int] = set()
    for spec in specs:
        with database.engine.connect() as connection:
            live, deleted = Writer(connection, run.analysed, run.timings).our_keys(spec, holds)
        missing |= (theirs - live - deleted) | (theirs & deleted)
    if missing:
        log.info("reconcile: %s rows of %s to fetch again", len(missing), source_table)
        for chunk in source.read_rows(source_table, sorted(missing)):
            _write_chunk_once(database, source_table, chunk, run, holds)



def sync_from_settings(database: Database, settings, triggered_by: str | None = None) -> list[dict]:
    """What one scheduled pass does with the configured sources: IQFast's database, then the export folder."""
    results = []
    if settings.iqfast_url:
        results.append(run_sync(database, settings.iqfast_url, triggered_by=triggered_by,
                                notification_horizon=settings.notification_horizon,
                                configured_url=settings.iqfast_url))
    # Offices with their own IQFast database (offices.iqfast_url): each read once, with its own cursors.
    for code, url in _own_sources(database, settings):
        results.append(run_sync(database, url, triggered_by=triggered_by, cursor_scope=f"{code}:",
                                notification_horizon=settings.notification_horizon,
                                configured_url=settings.iqfast_url))
    if settings.iqfast_export_dir:
        results += import_export_dir(database, settings.iqfast_export_dir, triggered_by,
                                     limits=limits_for("export_import", settings), configured_url=settings.iqfast_url)
    return results
