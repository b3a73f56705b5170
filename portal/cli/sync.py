"""CLI commands for the IQFast copy: `qcorner sync`, `qcorner scheduler`, `qcorner iqfast-sim init|tick`.

Registered on the main `qcorner` group by portal/cli/main.py (``register(main)``).
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime

from pathlib import Path

import click

from portal.db import Database
from portal.services.sync.export_files import import_export_file
from portal.services.sync.run_log import close_abandoned_runs
from portal.services.sync.runs import run_reconcile, run_sync
from portal.settings import load_settings
from portal.spreadsheets import limits_for


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _print_record(record: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(record, default=_json_default, indent=2, sort_keys=True))
        return
    click.echo(f"run {record.get('run_id')} ({record.get('kind', 'export')}): {record['status']}")
    for key in ("events_read", "events_written", "applications_written", "rows_loaded", "rows_rejected"):
        if key in record:
            click.echo(f"  {key}: {record[key]}")
    if record.get("rows_written"):
        click.echo("  written: " + ", ".join(f"{k} {v}" for k, v in record["rows_written"].items() if v))
    if record.get("error"):
        click.echo("  " + record["error"].replace("\n", "\n  "))
    for error in record.get("errors", [])[:20] if "rows_loaded" in record else []:
        click.echo(f"  baris {error['row']}: {error['reason']}")


@click.command("sync")
@click.option("--once", is_flag=True, help="one incremental pass from IQFast's database (the default)")
@click.option("--reconcile", is_flag=True, help="compare every key with IQFast: mark deletions, fill gaps")
@click.option("--import", "import_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="load one IQFast export file (CSV or XLSX) instead")
@click.option("--url", default=None, help="IQFast's database URL (default QCORNER_IQFAST_URL)")
@click.option("--json", "as_json", is_flag=True, help="print the run record as JSON")
def sync_command(once, reconcile, import_path, url, as_json):
    """Copy certification data from IQFast now and print the sync_runs record."""
    # jobs/ sits above portal/: the lock shared with the scheduler is taken here, not at import.
    from jobs.locks import SYNC_LOCK, ProcessLock

    settings = load_settings()
    database = Database(settings.effective_database_url)
    if import_path:
        record = import_export_file(database, import_path, Path(import_path).name, "cli",
                                    limits_for("export_import", settings), configured_url=settings.iqfast_url)
        _print_record(record, as_json)
        sys.exit(0 if record["status"] != "failed" else 1)
    url = url or settings.iqfast_url
    if not url:
        raise click.UsageError("no IQFast database: give --url or set QCORNER_IQFAST_URL")
    lock = ProcessLock(database.url, SYNC_LOCK)
    lock.acquire(wait=True, poll_seconds=1.0,
                 on_wait=lambda: click.echo("another sync is running: waiting for it to finish", err=True))
    try:
        close_abandoned_runs(database)
        if reconcile:
            record = run_reconcile(database, url, triggered_by="cli", configured_url=settings.iqfast_url)
        else:
            record = run_sync(database, url, triggered_by="cli", notification_horizon=settings.notification_horizon,
                              configured_url=settings.iqfast_url)
    finally:
        lock.release()
        database.dispose()
    _print_record(record, as_json)
    sys.exit(0 if record["status"] == "success" else 1)


@click.command("scheduler")
@click.option("--interval-seconds", type=float, default=None,
              help="sync interval in seconds (default QCORNER_SYNC_INTERVAL_MINUTES; for tests and demos)")
def scheduler_command(interval_seconds):
    """Run the scheduler (IQFast sync, reconciliation, other jobs) until stopped; one per database works."""
    # The CLI starts the scheduler process, which sits above portal/: loaded only for this command.
    from jobs.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler says "Running job…" and "…executed successfully" at INFO for every run of every job (two lines each
    # few seconds in `make run`); our jobs log what they did, and its warnings (a missed run) and errors still show.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    settings = load_settings()
    settings.check_safe_for_production()
    sys.exit(run_scheduler(settings, interval_seconds))


def _simulator():
    """The IQFast simulator module, for the iqfast-sim commands only."""
    # The simulator is a stand-in for the source, never part of the running portal: loaded by these commands alone.
    import iqfast_sim.simulator as simulator

    return simulator


@click.group("iqfast-sim")
def iqfast_sim():
    """The IQFast simulator (a stand-in for the certification system's database)."""


@iqfast_sim.command("init")
@click.option("--url", required=True, help="database URL for the simulator (SQLite, MariaDB, PostgreSQL)")
@click.option("--days", default=90, show_default=True, type=int)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--offices", default=1, show_default=True, type=int)
@click.option("--end", default=None, help="simulated now, naive WIB (YYYY-MM-DD HH:MM); default now")
@click.option("--json", "as_json", is_flag=True)
def iqfast_sim_init(url, days, seed, offices, end, as_json):
    """Drop and create the simulator's tables at URL with DAYS days of history."""
    counts = _simulator().init_simulator(url, days=days, seed=seed, offices=offices,
                            end=datetime.fromisoformat(end) if end else None)
    if as_json:
        click.echo(json.dumps(counts, indent=2, sort_keys=True))
    else:
        click.echo(", ".join(f"{table} {count}" for table, count in counts.items()))


@iqfast_sim.command("tick")
@click.option("--url", required=True)
@click.option("--minutes", default=5, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def iqfast_sim_tick(url, minutes, as_json):
    """Advance the simulator's clock by MINUTES, writing what IQFast would have written."""
    result = _simulator().tick(url, minutes)
    if as_json:
        click.echo(json.dumps(result, default=_json_default, indent=2, sort_keys=True))
    else:
        click.echo(f"clock {result['clock']}; inserted {result['inserted']}; updated {result['updated']}; "
                   f"deleted {result['deleted']}")


def register(main: click.Group) -> None:
    """Add these commands to the `qcorner` group."""
    main.add_command(sync_command)
    main.add_command(scheduler_command)
    main.add_command(iqfast_sim)
