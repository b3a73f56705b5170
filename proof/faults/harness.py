"""What every fault scenario shares: its verdict (Outcome), the log line, short looks into a database, and the
scheduler processes the scenarios start, wait on and stop."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "fault-proof-password-1"
VENV_BIN = Path(sys.executable).parent
HANG_SECONDS = 10.0  # an answer slower than this counts as a hang


@dataclass
class Outcome:
    """One scenario's verdict, its figures and what it checked."""

    number: int
    name: str
    title: str
    passed: bool = False
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list]]] = field(default_factory=list)  # (title, header, rows)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def check(self, label: str, ok: bool) -> bool:
        self.checks.append((label, bool(ok)))
        return bool(ok)


def log(message: str) -> None:
    """A progress line with the time, flushed at once (the runs are long)."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


@contextmanager
def connected(database_url: str) -> Iterator:
    """A connection on an engine of its own, disposed afterwards: the proofs look into databases that other
    processes (the portal, the scheduler) write, and keep no pool open between looks."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def count_rows(database_url: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Row count of each of ``tables``."""
    with connected(database_url) as c:
        return {t: c.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in tables}


SCHEDULER_HARNESS = """
import logging, sys
from datetime import timedelta
import jobs.scheduler as scheduler
import jobs.sync_jobs as sync_jobs
from portal.settings import load_settings
# The compressed clock: the first retry after a failed sync (1 minute in production) scaled like the interval.
sync_jobs.FIRST_RETRY = timedelta(seconds=float(sys.argv[1]))
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
sys.exit(scheduler.run_scheduler(load_settings()))
"""


def start_scheduler(env: dict[str, str], log_path: Path, *args: str, harness_retry: float | None = None
                    ) -> subprocess.Popen:
    """`qcorner scheduler` (python -m portal scheduler …), or the same loop with a scaled first retry."""
    command = ([sys.executable, "-c", SCHEDULER_HARNESS, str(harness_retry)] if harness_retry is not None
               else [sys.executable, "-m", "portal", "scheduler", *args])
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    """Signal the process group of a process we started, and SIGKILL it if it has not ended within 30 s."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def sync_runs(database_url: str) -> list[dict]:
    """Every recorded sync run, oldest first."""
    with connected(database_url) as c:
        return [dict(r._mapping) for r in c.execute(text(
            "SELECT id, kind, status, started_at, finished_at, triggered_by, error FROM sync_runs ORDER BY id"))]


def wait_for(predicate: Callable[[], Any], timeout: float, poll: float = 0.5, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy (and return that), or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def aware(moment: datetime) -> datetime:
    """A timestamp read back from the database, as UTC-aware (SQLAlchemy may hand it back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
