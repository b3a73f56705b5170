"""How far one PostgreSQL primary goes: bytes per stage event, and the write rates the sync and officers need.

    .venv/bin/python benchmarks/capacity.py [--days 60] [--seconds 15]

1. A simulated full-size station (the busiest, Soekarno-Hatta: ≈ 2,400 stage events a day) for ``--days`` days,
   synced into a fresh, migrated PostgreSQL database with `run_sync`, then the compliance and KPI rollups built
   — what a station's data costs on disk, per table and per stage event (heap + indexes + TOAST).
2. pgbench against that database, ``--seconds`` each: single-row stage-event INSERTs, one commit each (the
   worst case: every event its own transaction), with 1 and 4 clients; and 500-row INSERT … SELECT batches
   (how the sync writes), 1 client. Each inserted event references a real application, so the foreign key and
   all of `stage_events`' indexes are paid for.
3. With ``--backup``: proof/backup_check.py on that database (pg_dump -Fc, restore into a new database, compare):
   dump size and the time of each step, for the backup runbook in docs/operations.md.
4. The arithmetic for 50 stations (docs/scaling.md).

The database is created on QCORNER_BENCH_PG_DSN's server (default postgres@127.0.0.1:5432) and dropped afterwards.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import create_database, drop_database  # noqa: E402 - the same server as the other benchmarks

STATIONS = 50

SINGLE = r"""
\set app random(:amin, :amax)
INSERT INTO stage_events (source_id, application_id, stage, occurred_at, synced_at)
VALUES (nextval('bench_source'), :app, 'inspected', now(), now());
"""
BATCH = r"""
\set app random(:amin, :amax - 500)
INSERT INTO stage_events (source_id, application_id, stage, occurred_at, synced_at)
SELECT nextval('bench_source'), :app + g, 'inspected', now(), now() FROM generate_series(0, 499) g;
"""


def pgbench_path() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)
    return found[0] if found else "pgbench"


def sizes(dsn: str) -> list[tuple[str, int, int, int]]:
    """(table, rows, heap bytes, total bytes incl. indexes and TOAST) for every table with rows."""
    connection = psycopg2.connect(dsn)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_live_tup, pg_relation_size(relid), pg_total_relation_size(relid) "
                       "FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC")
        rows = [row for row in cursor.fetchall() if row[1] > 0]
    connection.close()
    return rows


def pgbench(dsn_parts: dict, script: str, clients: int, seconds: int, amin: int, amax: int) -> float:
    """Transactions per second pgbench reports (excluding connection time)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            [pgbench_path(), "-n", "-f", handle.name, "-c", str(clients), "-j", str(min(clients, 2)), "-T",
             str(seconds), "-D", f"amin={amin}", "-D", f"amax={amax}", "-h", dsn_parts["host"], "-p",
             dsn_parts["port"], "-U", dsn_parts["user"], dsn_parts["dbname"]],
            capture_output=True, text=True, check=True)
    finally:
        os.unlink(handle.name)
    return float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))


def backup(dsn: str, workdir: str, events: int) -> None:
    """Time proof/backup_check.py's dump → restore → compare on this database."""
    import importlib.util
    import io

    spec = importlib.util.spec_from_file_location("backup_check", ROOT / "proof" / "backup_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    started = time.perf_counter()
    result = module.run_check(dsn, dump_file=f"{workdir}/station.dump", out=io.StringIO())
    seconds = time.perf_counter() - started
    info = result.info
    print(f"\nverified backup: {'all equal' if result.equal else 'DIFFERENT'}; dump {info['dump_bytes'] / 2**20:.1f} MB "
          f"({info['dump_bytes'] / events:.0f} bytes per stage event) in {info['dump_seconds']} s, restore "
          f"{info['restore_seconds']} s, whole check {seconds:.1f} s (load average {load_average()})")


def load_average() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--backup", action="store_true", help="also time a verified backup of the station")
    args = parser.parse_args()

    from portal.db import Database
    from iqfast_sim.simulator import init_simulator
    from portal.migrate import upgrade
    from portal.services.sync import runs as sync
    from portal.services.compliance.rollup import recompute_all
    from portal.services.kpi.rollup import rebuild_kpi_rollups

    name, url = create_database("qcorner_capacity")
    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    workdir = tempfile.mkdtemp(prefix="qcorner-capacity-")
    database = None
    try:
        print(f"load average at start: {load_average()}")
        upgrade(url)
        sim = f"sqlite:///{workdir}/iqfast.db"
        started = time.perf_counter()
        init_simulator(sim, days=args.days, seed=1, offices=1)
        print(f"simulator: {args.days} days of one full-size station in {time.perf_counter() - started:.1f} s")
        database = Database(url)
        started = time.perf_counter()
        record = sync.run_sync(database, sim, triggered_by="capacity")
        sync_seconds = time.perf_counter() - started
        with database.session() as session:
            recompute_all(session)
        with database.session() as session:
            rebuild_kpi_rollups(session)
        admin_db = psycopg2.connect(dsn)
        admin_db.autocommit = True
        with admin_db.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        table_sizes = sizes(dsn)
        events = next(rows for table, rows, _heap, _total in table_sizes if table == "stage_events")
        print(f"sync: {record['status']}, {events:,} stage events in {sync_seconds:.1f} s "
              f"= {events / sync_seconds:,.0f} events/s end to end (load average {load_average()})")

        total = sum(t for _n, _r, _h, t in table_sizes)
        print(f"\n{'table':<28}{'rows':>12}{'heap MB':>10}{'total MB':>10}{'bytes/event':>13}")
        for table, rows, heap, table_total in table_sizes[:14]:
            print(f"{table:<28}{rows:>12,}{heap / 2**20:>10.1f}{table_total / 2**20:>10.1f}"
                  f"{table_total / events:>13.0f}")
        print(f"{'all tables':<28}{'':>12}{'':>10}{total / 2**20:>10.1f}{total / events:>13.0f}")
        per_million_gb = total / events * 1e6 / 2**30
        print(f"→ {per_million_gb:.2f} GB per million stage events, everything that comes with them included")

        if args.backup:
            backup(dsn, workdir, events)

        with admin_db.cursor() as cursor:
            cursor.execute("CREATE SEQUENCE bench_source START 9000000000000")
            cursor.execute("SELECT min(id), max(id) FROM applications")
            amin, amax = cursor.fetchone()
        parts = {"host": "127.0.0.1", "port": "5432", "user": "postgres", "dbname": name}
        print(f"\npgbench, {args.seconds} s each (load average before: {load_average()}):")
        single_1 = pgbench(parts, SINGLE, 1, args.seconds, amin, amax)
        print(f"  single-row INSERT + commit, 1 client : {single_1:>8,.0f} events/s")
        single_4 = pgbench(parts, SINGLE, 4, args.seconds, amin, amax)
        print(f"  single-row INSERT + commit, 4 clients: {single_4:>8,.0f} events/s")
        batch = pgbench(parts, BATCH, 1, args.seconds, amin, amax)
        print(f"  500-row INSERT … SELECT, 1 client    : {batch * 500:>8,.0f} events/s ({batch:.1f} tx/s)")
        print(f"load average after: {load_average()}")
        admin_db.close()

        per_day = events / args.days
        national = per_day * STATIONS
        print(f"\n50 stations each as busy as the busiest: {per_day:,.0f} × {STATIONS} = {national:,.0f} events/day "
              f"= {national / 86400:.2f} events/s on average; {national * 365 / 1e6:.1f} million events/year "
              f"≈ {national * 365 / 1e6 * per_million_gb:.0f} GB/year")
    finally:
        if database is not None:
            database.dispose()
        drop_database(name)
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
