"""How fast the IQFast sync loads a station-year into PostgreSQL, against two baselines from the same run.

    .venv/bin/python benchmarks/sync_throughput.py [--days 365] [--sim PATH] [--orm-sample 20000]

1. a simulator of one station over ``--days`` days (≈110,000 applications, ≈900,000 stage events for a
   year) in a SQLite file (``--sim PATH`` reuses a file built before: it is copied, never changed);
2. a fresh PostgreSQL database (created here, dropped at the end) migrated with all of our indexes;
3. our sync end to end (read, map, upsert, derived stage columns), timed;
4. the row-at-a-time ORM baseline on a sample: per event, look its application up, look for an
   existing copy, add it and flush — into a scratch table shaped and indexed like stage_events;
5. the ceiling: a plain ``COPY`` of the same stage events into the same indexed table (emptied first);
6. an incremental run after the simulator ticks ≈1,000 new events;
7. inspection targeting's cost (issue #18): the full load and the incremental run again into a second database
   with targeting switched off (nothing queued, nothing decided), so each pair differs only by the decisions.
   Beside the wall-clock pairs it prints CPU seconds (ours + PostgreSQL's backends, RunCPU) of each run and of
   deciding alone: the ratio a busy machine moves least.

``--incremental`` measures the incremental run alone, on fresh copies of one loaded database, VACUUM ANALYZEd first as
autovacuum leaves it minutes after a first load in production (``--just-loaded`` skips that: the run before autovacuum
has been round, with the rollups' statistics stale and no visibility map).

Figures are printed as rates and as ratios against the baselines measured in the same run, so a busy
machine moves all of them together. PostgreSQL: as the other benchmarks (benchmarks/common.py), QCORNER_TEST_PG_DSN /
QCORNER_TEST_PG_URL as the tests when QCORNER_BENCH_PG_DSN / _URL are not set.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import BigInteger, Column, MetaData, Table, event, select, text
from sqlalchemy.orm import Session, registry

# The code measured: this checkout's, or (an --incremental run's baseline process) the one named in QCORNER_BENCH_CODE.
sys.path.insert(0, os.environ.get("QCORNER_BENCH_CODE") or str(Path(__file__).resolve().parent.parent))

from models import Application  # noqa: E402
from portal.db import Database  # noqa: E402
from portal.iqfast import codes, mapping  # noqa: E402
from iqfast_sim.simulator import init_simulator, tick  # noqa: E402
from portal.iqfast.sql_source import SqlSource  # noqa: E402
from portal.migrate import upgrade  # noqa: E402
from portal.services.sync import runs as sync  # noqa: E402
from portal.services.targeting import deciding  # noqa: E402
from benchmarks.common import create_database, drop_database  # noqa: E402

END = datetime(2026, 3, 1, 12, 0)


def machine() -> str:
    load = os.getloadavg()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")


def orm_baseline(database: Database, sim_url: str, sample: int) -> float:
    """Events per second, one ORM object added and flushed at a time, with per-row lookups."""
    with database.engine.begin() as c:
        c.execute(text("CREATE TABLE bench_orm_events (LIKE stage_events INCLUDING ALL)"))
        c.execute(text("ALTER TABLE bench_orm_events ADD FOREIGN KEY (application_id) REFERENCES applications(id)"))
    table = Table("bench_orm_events", MetaData(), Column("id", BigInteger, primary_key=True), autoload_with=database.engine)

    class Event:
        pass

    registry().map_imperatively(Event, table)
    source = SqlSource(sim_url)
    rows = next(source.read_changes("riwayat_ptk", None, sample)).rows
    columns = mapping.source_columns("riwayat_ptk")
    at = {name: i for i, name in enumerate(columns)}
    source.close()
    started = time.perf_counter()
    with Session(database.engine) as session:
        for row in rows:
            application_id = session.scalar(select(Application.id).where(Application.source_id == row[at["id_ptk"]]))
            existing = session.scalar(select(table.c.id).where(table.c.source_id == row[at["id_riwayat"]]))
            if existing is None:
                event = Event()
                event.source_id, event.application_id = row[at["id_riwayat"]], application_id
                event.stage = codes.STAGES[row[at["kode_status"]]]
                event.occurred_at = codes.to_utc(row[at["waktu"]])
                event.source_updated_at = codes.to_utc(row[at["tgl_update"]])
                event.officer_name, event.officer_nip = row[at["nama_petugas"]], row[at["nip_petugas"]]
                event.note, event.synced_at = row[at["keterangan"]], datetime.now().astimezone()
                session.add(event)
                session.flush()
        session.commit()
    elapsed = time.perf_counter() - started
    with database.engine.begin() as c:
        c.execute(text("DROP TABLE bench_orm_events"))
    return len(rows) / elapsed


def copy_ceiling(database: Database) -> tuple[int, float]:
    """Rows per second of a plain COPY of our stage events back into the (emptied) indexed table."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        buffer = io.StringIO()
        cursor.copy_expert("COPY stage_events TO STDOUT", buffer)
        rows = buffer.getvalue().count("\n")
        cursor.execute("TRUNCATE stage_events")
        raw.commit()
        buffer.seek(0)
        started = time.perf_counter()
        cursor.copy_expert("COPY stage_events FROM STDIN", buffer)
        raw.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("ANALYZE stage_events")
        raw.commit()
    finally:
        raw.close()
    return rows, rows / elapsed


class TargetingOff:
    """Within it, a sync queues and decides nothing (the run as it was before targeting)."""

    def __enter__(self):
        self.saved = deciding.queue_newer_than, deciding.decide_pending
        deciding.queue_newer_than = lambda connection, newest_before: None
        deciding.decide_pending = lambda session: 0

    def __exit__(self, *exc):
        deciding.queue_newer_than, deciding.decide_pending = self.saved


def backend_cpu(pids) -> float:
    """CPU seconds (user + system) PostgreSQL's backends with these process ids have used so far, read from /proc
    (the server on this machine; 0 for a backend that is gone). Other work on the machine does not add to it."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class RunCPU:
    """CPU seconds of a run: this process's and those of the PostgreSQL backends its engine checked out, the two
    that a busy machine stretches far less than wall time (the ratio the aim is about, measured in CPU)."""

    def __init__(self, engine):
        self.pids: set[int] = set()

        def checkout(dbapi_connection, record, proxy):
            if "pid" not in record.info:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    record.info["pid"] = cursor.fetchone()[0]
            self.pids.add(record.info["pid"])
        event.listen(engine, "checkout", checkout)
        self.engine, self.listener = engine, checkout

    def __enter__(self):
        self.client, self.server = time.process_time(), 0.0
        self.start = {pid: backend_cpu([pid]) for pid in self.pids}
        return self

    def __exit__(self, *exc):
        self.client = time.process_time() - self.client
        self.server = sum(backend_cpu([pid]) - self.start.get(pid, 0.0) for pid in self.pids)
        self.total = self.client + self.server


class AfterSyncTimer:
    """The wall seconds of the after-sync refresh (after_sync.bring_current), so the sync's own steps are the rest of
    the run: a first load's step timings add up both of its lanes (runs._two_lanes), more than the wall they took."""

    def __enter__(self):
        self.seconds = 0.0
        self.saved = sync.bring_current

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.saved(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
        sync.bring_current = timed
        return self

    def __exit__(self, *exc):
        sync.bring_current = self.saved


class DecideTimer:
    """Adds up the seconds the after-sync step spends deciding (the queueing is in the run's timings)."""

    def __init__(self):
        self.seconds = 0.0
        self.cpu = 0.0  # CPU seconds, this process's and its PostgreSQL backend's (RunCPU)
        self.decided = 0

    def __enter__(self):
        self.saved = deciding.decide_pending

        def timed(session):
            pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu([pid])
            count = self.saved(session)
            self.seconds += time.perf_counter() - started
            self.cpu += time.process_time() - cpu + backend_cpu([pid]) - server
            self.decided += count
            return count
        deciding.decide_pending = timed
        return self

    def __exit__(self, *exc):
        deciding.decide_pending = self.saved


class StepCPU:
    """CPU (ours + the session's PostgreSQL backend) and wall seconds per after-sync step, by wrapping the functions
    the after-sync calls (whichever of them the measured revision has)."""

    STEPS = [("changed applications", "portal.services.sync.after_sync", "changed_applications"),
             ("monthly rollup", "portal.services.compliance.rollup", "_refresh_monthly"),
             ("clean streaks", "portal.services.compliance.rollup", "_refresh_streaks"),
             ("score snapshots", "portal.services.compliance.rollup", "refresh_scores"),
             ("national store", "portal.services.sync.after_sync", "compliance_national.refresh_national"),
             ("KPI rollups", "portal.services.sync.after_sync", "kpi_rollup.refresh_kpi_rollups"),
             ("targeting decisions", "portal.services.sync.after_sync", "targeting.decide_pending")]

    def __init__(self):
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.saved = []

    def __enter__(self):
        import importlib

        for label, module_name, path in self.STEPS:
            owner = importlib.import_module(module_name)
            *parents, attribute = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            original = getattr(owner, attribute, None)
            if original is None:
                continue
            self.saved.append((owner, attribute, original))
            setattr(owner, attribute, self._timed(label, original))
        return self

    def _timed(self, label, original):
        def timed(session, *args, **kwargs):
            pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu([pid])
            try:
                return original(session, *args, **kwargs)
            finally:
                self.wall[label] = self.wall.get(label, 0.0) + time.perf_counter() - started
                self.cpu[label] = (self.cpu.get(label, 0.0) + time.process_time() - cpu
                                   + backend_cpu([pid]) - server)
        return timed

    def __exit__(self, *exc):
        for owner, attribute, original in reversed(self.saved):
            setattr(owner, attribute, original)


def measure_incremental(warm_url: str, url: str, sim_url: str, chunk_size: int) -> dict:
    """One process's measurement (``--measure``): an incremental run on ``warm_url`` to fill the statement caches,
    then the same run on the copy at ``url``, measured — through the same engine, as the scheduler's one long-lived
    engine runs every sync: SQLAlchemy keeps its compiled statements per engine, so a new engine would compile them all
    again (≈ 150 statements, 0.1–0.2 s of CPU) where the scheduler compiles them once. The copy takes the warm database's
    name for that (the warm one is dropped first)."""
    from sqlalchemy.engine import make_url

    from benchmarks.common import admin, drop_database

    database = Database(warm_url)
    run = sync.run_sync(database, sim_url, chunk_size=chunk_size)
    assert run["status"] == "success", run["error"]
    database.dispose()
    warm_name, name = make_url(warm_url).database, make_url(url).database
    drop_database(warm_name)
    admin(f'ALTER DATABASE "{name}" RENAME TO "{warm_name}"')
    run_cpu = RunCPU(database.engine)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with run_cpu, StepCPU() as steps:
        run = sync.run_sync(database, sim_url, chunk_size=chunk_size)
    wall = time.perf_counter() - started
    assert run["status"] == "success", run["error"]
    database.dispose()
    return {"cpu": run_cpu.total, "ours": run_cpu.client, "server": run_cpu.server, "wall": wall,
            "events": run["events_written"], "rows": sum(run["rows_written"].values()),
            "sync_steps": sum(run["timings"].values()), "step_cpu": steps.cpu, "step_wall": steps.wall,
            "load": (load + os.getloadavg()[0]) / 2}


def vacuum_analyze(name: str) -> None:
    """VACUUM ANALYZE the whole database ``name`` (outside a transaction, as VACUUM must run)."""
    import psycopg2

    from benchmarks.common import ADMIN_DSN

    connection = psycopg2.connect(ADMIN_DSN, dbname=name)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def incremental_comparison(args) -> None:
    """--incremental: load once, tick once, then measured processes on fresh copies (see the module's doc)."""
    import json
    import subprocess

    from benchmarks.common import admin

    work = Path(tempfile.mkdtemp(prefix="qcorner-bench-"))
    sim_path = work / "iqfast.db"
    sim_url = f"sqlite:///{sim_path}"
    created: list[str] = []
    print(f"machine: {machine()}")
    try:
        if args.sim:
            shutil.copy(args.sim, sim_path)
            print(f"simulator: copied from {args.sim}")
        else:
            counts = init_simulator(sim_url, days=args.days, seed=1, offices=1, end=END)
            print(f"simulator: {args.days} days ({counts['ptk']:,} PTK, {counts['riwayat_ptk']:,} stage events)")
            if args.keep_sim:
                shutil.copy(sim_path, args.keep_sim)
        name, url = create_database("qcorner_incbench")
        created.append(name)
        upgrade(url)
        database = Database(url)
        started = time.perf_counter()
        run = sync.run_sync(database, sim_url, chunk_size=args.chunk_size)
        assert run["status"] == "success", run["error"]
        print(f"first load: {run['applications_written']:,} applications, {run['events_written']:,} events in "
              f"{time.perf_counter() - started:.0f} s")
        database.dispose()
        if not args.just_loaded:
            # What autovacuum does within minutes of a first load in production (insert-driven vacuum, analyze):
            # statistics for the rollups rebuilt at the load's end and a current visibility map, which the
            # index-only reads of the after-sync (clean streaks, commodity history) depend on. --just-loaded
            # measures the run that comes before autovacuum has been round.
            started = time.perf_counter()
            vacuum_analyze(name)
            print(f"VACUUM ANALYZE after the first load: {time.perf_counter() - started:.0f} s")
        changes = tick(sim_url, 750)
        print(f"tick: {changes['inserted'].get('riwayat_ptk', 0):,} new stage events, corrections "
              f"{changes.get('corrections', {})}")
        here = str(Path(__file__).resolve().parent.parent)
        codes_ = [("after", here)]
        if args.baseline_code:
            codes_ = [("before", str(Path(args.baseline_code).resolve())), ("after", here)]
        results: dict[str, list[dict]] = {label: [] for label, _ in codes_}
        for repeat in range(args.repeats):
            for label, root in (codes_ if repeat % 2 == 0 else codes_[::-1]):
                copies = []
                for _ in range(2):
                    copy, copy_url = create_database("qcorner_incbench_copy")
                    created.append(copy)
                    admin(f'DROP DATABASE "{copy}"')
                    admin(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
                    copies.append(copy_url)
                env = dict(os.environ, QCORNER_BENCH_CODE=root, PYTHONPATH=root)
                output = subprocess.run([sys.executable, __file__, "--measure", *copies, sim_url,
                                         "--chunk-size", str(args.chunk_size)],
                                        env=env, check=True, capture_output=True, text=True).stdout
                result = json.loads(output.strip().splitlines()[-1])
                results[label].append(result)
                for copy in created[-2:]:
                    drop_database(copy)
                del created[-2:]
                print(f"{label:6} (load {result['load']:.1f}): CPU {result['cpu']:.2f} s ({result['ours']:.2f} ours + "
                      f"{result['server']:.2f} PostgreSQL), wall {result['wall']:.2f} s; {result['events']:,} events, "
                      f"{result['rows']:,} rows; sync steps {result['sync_steps']:.2f} s wall")
                print("         after-sync CPU by step: " + ", ".join(
                    f"{step} {result['step_cpu'][step]:.2f}" for step in result["step_cpu"]))
        for label, runs in results.items():
            cpus = sorted(r["cpu"] for r in runs)
            print(f"{label}: CPU per run {', '.join(f'{c:.2f}' for c in cpus)} s (median {cpus[len(cpus) // 2]:.2f})")
        print(f"\nmachine at the end: {machine()}")
    finally:
        for name in created:
            drop_database(name)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        import json

        measure = argparse.ArgumentParser()
        measure.add_argument("--measure", nargs=3, metavar=("WARM_URL", "URL", "SIM_URL"))
        measure.add_argument("--chunk-size", type=int, default=50_000)
        options = measure.parse_args()
        print(json.dumps(measure_incremental(*options.measure, options.chunk_size)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sim", help="an existing simulator SQLite file to copy instead of building one")
    parser.add_argument("--keep-sim", help="save the simulator built here to this path for later runs")
    parser.add_argument("--orm-sample", type=int, default=20_000)
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument("--no-targeting-comparison", action="store_true",
                        help="skip step 7 (the second database without inspection targeting)")
    parser.add_argument("--incremental", action="store_true",
                        help="measure only the incremental run's CPU, on fresh copies of one loaded database")
    parser.add_argument("--baseline-code", help="with --incremental: a checkout whose code the 'before' runs use")
    parser.add_argument("--repeats", type=int, default=2, help="with --incremental: measured runs per code")
    parser.add_argument("--just-loaded", action="store_true",
                        help="with --incremental: no VACUUM ANALYZE between the first load and the measured runs")
    args = parser.parse_args()
    if args.incremental:
        incremental_comparison(args)
        return

    work = Path(tempfile.mkdtemp(prefix="qcorner-bench-"))
    sim_path = work / "iqfast.db"
    sim_url = f"sqlite:///{sim_path}"
    name = bare_name = None
    print(f"machine: {machine()}")
    try:
        if args.sim:
            shutil.copy(args.sim, sim_path)
            print(f"simulator: copied from {args.sim}")
        else:
            started = time.perf_counter()
            counts = init_simulator(sim_url, days=args.days, seed=1, offices=1, end=END)
            print(f"simulator: {args.days} days built in {time.perf_counter() - started:.0f} s "
                  f"({counts['ptk']:,} PTK, {counts['riwayat_ptk']:,} stage events)")
            if args.keep_sim:
                shutil.copy(sim_path, args.keep_sim)
        name, url = create_database("qcorner_syncbench")
        upgrade(url)
        database = Database(url)
        with database.engine.connect() as c:
            version = c.execute(text("SHOW server_version")).scalar()
        print(f"PostgreSQL {version}, database {name} with every migration and index\n")

        run_cpu = RunCPU(database.engine)
        started = time.perf_counter()
        with DecideTimer() as first_decisions, run_cpu, AfterSyncTimer() as first_after:
            run = sync.run_sync(database, sim_url, chunk_size=args.chunk_size)
        elapsed = time.perf_counter() - started
        assert run["status"] == "success", run["error"]
        events, applications = run["events_written"], run["applications_written"]
        rows = sum(run["rows_written"].values())
        ours = events / elapsed
        print(f"full load      : {applications:,} applications, {events:,} stage events, {rows:,} rows in all, "
              f"in {elapsed:.1f} s")
        print(f"                 {ours:,.0f} events/s end to end ({rows / elapsed:,.0f} rows/s of every table)")
        print("                 seconds by step (both lanes added up): " + ", ".join(
            f"{step} {seconds:.1f}" for step, seconds in sorted(run["timings"].items(), key=lambda i: -i[1])
            if seconds >= 0.5))
        # The run is recorded a success only after the rollups and scores of what it wrote are current
        # (after_sync.bring_current): the rest of the run is the sync's own steps.
        steps = elapsed - first_after.seconds
        print(f"                 the sync's own steps {steps:.1f} s ({events / steps:,.0f} events/s); "
              f"the after-sync rollups, scores and decisions {first_after.seconds:.1f} s")

        print(f"                 of which inspection targeting: queueing {run['timings'].get('targeting', 0):.2f} s, "
              f"deciding {first_decisions.decided:,} applications {first_decisions.seconds:.1f} s")
        print(f"                 CPU (ours + PostgreSQL's backends): the run {run_cpu.total:.1f} s "
              f"({run_cpu.client:.1f} + {run_cpu.server:.1f}), deciding {first_decisions.cpu:.1f} s -> deciding adds "
              f"{first_decisions.cpu / (run_cpu.total - first_decisions.cpu):+.1%} (aim: at most +10 %)")
        bare = None
        if not args.no_targeting_comparison:
            bare_name, bare_url = create_database("qcorner_syncbench_bare")
            upgrade(bare_url)
            bare = Database(bare_url)
            started = time.perf_counter()
            with TargetingOff():
                bare_run = sync.run_sync(bare, sim_url, chunk_size=args.chunk_size)
            bare_elapsed = time.perf_counter() - started
            assert bare_run["status"] == "success", bare_run["error"]
            print(f"without targeting: the same full load in {bare_elapsed:.1f} s -> targeting adds "
                  f"{(elapsed - bare_elapsed) / bare_elapsed:+.1%} (aim: at most +10 %)")

        orm = orm_baseline(database, sim_url, args.orm_sample)
        print(f"ORM baseline   : {orm:,.0f} events/s (row at a time, {args.orm_sample:,} events)"
              f"  -> ours is {ours / orm:.1f}x")

        copied, ceiling = copy_ceiling(database)
        print(f"COPY ceiling   : {ceiling:,.0f} rows/s ({copied:,} stage events into the indexed table)"
              f"  -> ours is {ours / ceiling:.2f} of COPY ({events / steps / ceiling:.2f} for the sync's own steps)")

        changes = tick(sim_url, 750)  # about 1,000 new stage events at a full-size station
        if bare is not None:
            # The same changes into the database without targeting first (its cursors stand where ours do).
            started = time.perf_counter()
            with TargetingOff():
                bare_incremental = sync.run_sync(bare, sim_url, chunk_size=args.chunk_size)
            bare_took = time.perf_counter() - started
            assert bare_incremental["status"] == "success", bare_incremental["error"]
        started = time.perf_counter()
        with DecideTimer() as later_decisions, run_cpu, AfterSyncTimer() as later_after:
            incremental = sync.run_sync(database, sim_url, chunk_size=args.chunk_size)
        took = time.perf_counter() - started
        print(f"incremental    : {changes['inserted'].get('riwayat_ptk', 0):,} new events in the source; "
              f"{incremental['events_written']:,} events and {sum(incremental['rows_written'].values()):,} rows "
              f"written in {took:.2f} s (the after-sync rollups, scores and decisions: {later_after.seconds:.2f} s "
              f"of it)")
        print("                 seconds by step: " + ", ".join(f"{step} {seconds:.2f}" for step, seconds in
                                                          sorted(incremental["timings"].items(), key=lambda i: -i[1])
                                                          if seconds >= 0.05))
        print(f"                 inspection targeting: deciding {later_decisions.decided:,} new applications "
              f"{later_decisions.seconds:.2f} s, queueing {incremental['timings'].get('targeting', 0):.2f} s")
        print(f"                 CPU (ours + PostgreSQL's backends): the run {run_cpu.total:.2f} s "
              f"({run_cpu.client:.2f} + {run_cpu.server:.2f}), deciding {later_decisions.cpu:.2f} s -> deciding adds "
              f"{later_decisions.cpu / (run_cpu.total - later_decisions.cpu):+.1%} (aim: at most +10 %)")
        if bare is not None:
            print(f"without targeting: the same incremental run in {bare_took:.2f} s -> targeting adds "
                  f"{(took - bare_took) / bare_took:+.1%} (aim: at most +10 %)")
            bare.dispose()
        print(f"\nmachine at the end: {machine()}")
        database.dispose()
    finally:
        if name is not None:
            drop_database(name)
        if bare_name is not None:
            drop_database(bare_name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import signal

    # Stopped with kill: still drop the scratch database (the finally block runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
