"""Fault scenarios (issue #9): each fault is provoked for real and its outcome measured and written down.

    .venv/bin/python -m proof.faults                 # all five (≈5 min on 2 cores), report in docs/proof/faults.md
    .venv/bin/python -m proof.faults --only 1,4 --report /tmp/faults.md   # some of them, reported elsewhere

1. db-restart     PostgreSQL restarted (clean and crash restart) under steady load on gunicorn: the workers recover
                  by themselves; errors while it is down are quick, clean 503 answers, never hangs.
2. iqfast-outage  IQFast unreachable for "10 minutes" on a compressed clock (a TCP proxy we stop and start in front
                  of the simulator on MariaDB): pages keep answering, the staleness warning shows, failed sync runs
                  are recorded with backoff, and after the source returns the copy catches up exactly.
3. scheduler-kill The working scheduler is SIGKILLed in the middle of a sync: the one waiting on the advisory lock
                  takes over, and our copy ends equal to the simulator's (counts and checksums), with no duplicates.
4. refused-write  The database refuses a write while an NNC with attachments is saved: a clear message, the form
                  keeps what was typed, nothing half-saved (no NNC without its files, no orphan blob, no audit row).
5. iqfast-silent  IQFast's packets stop arriving in the middle of a sync (dropped, not refused): the run fails after
                  the read timeout instead of hanging, and the next run catches up.

Every scenario runs on a private PostgreSQL cluster started here (proof/pgcluster.py), never the shared server;
2 and 5 also use MariaDB on 127.0.0.1:3306 for the simulated IQFast (a database of their own, dropped after).
Exit code 1 when any scenario fails.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from proof.faults.db_restart import scenario_db_restart
from proof.faults.harness import ROOT, Outcome, log
from proof.faults.iqfast_outage import scenario_iqfast_outage
from proof.faults.iqfast_silent import scenario_iqfast_silent
from proof.faults.refused_write import scenario_refused_write
from proof.faults.report import machine, write_report
from proof.faults.scheduler_kill import scenario_scheduler_kill

REPORT = ROOT / "docs" / "proof" / "faults.md"
SCENARIOS: list[tuple[int, str, str, Callable[[Outcome, Path], None]]] = [
    (1, "db-restart", "PostgreSQL restarted under load: gunicorn recovers by itself", scenario_db_restart),
    (2, "iqfast-outage", "IQFast unreachable for \"10 minutes\" (compressed clock ×5)", scenario_iqfast_outage),
    (3, "scheduler-kill", "The scheduler SIGKILLed in the middle of a sync (twice)", scenario_scheduler_kill),
    (4, "refused-write", "The database refuses writes while an NNC with attachments is saved",
     scenario_refused_write),
    (5, "iqfast-silent", "IQFast goes silent in the middle of a sync (packets dropped, not refused)",
     scenario_iqfast_silent),
]


def run(numbers: list[int], workdir: Path) -> list[Outcome]:
    outcomes = []
    for number, name, title, function in SCENARIOS:
        if number not in numbers:
            continue
        outcome = Outcome(number, name, title)
        log(f"scenario {number} ({name}): {title}")
        started = time.monotonic()
        try:
            function(outcome, workdir)
        except Exception as error:  # noqa: BLE001 - a scenario that crashes has failed; the others still run
            outcome.error = "".join(traceback.format_exception(error))[-4000:]
            log(outcome.error)
        outcome.seconds = round(time.monotonic() - started, 1)
        outcome.passed = outcome.error is None and bool(outcome.checks) and all(ok for _, ok in outcome.checks)
        for label, ok in outcome.checks:
            log(f"  {'PASS' if ok else 'FAIL'}  {label}")
        log(f"scenario {number}: {'PASS' if outcome.passed else 'FAIL'} in {outcome.seconds} s")
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proof.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="1,2,3,4,5", help="comma-separated scenario numbers (default all)")
    parser.add_argument("--report", default=str(REPORT), help="where to write the Markdown report")
    parser.add_argument("--workdir", default=None, help="where logs go (default a temp dir, kept on failure)")
    args = parser.parse_args(argv)
    numbers = [int(n) for n in args.only.split(",") if n.strip()]
    import tempfile

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="qcorner-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the private clusters are stopped on the way out
    started = datetime.now(timezone.utc)
    about = machine()
    outcomes = run(numbers, workdir)
    write_report(outcomes, about, started, Path(args.report))
    failed = [o for o in outcomes if not o.passed]
    if not failed and args.workdir is None:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    log(f"{len(outcomes) - len(failed)}/{len(outcomes)} scenarios passed; report: {args.report}"
        + (f"; logs: {workdir}" if workdir.exists() else ""))
    return 1 if failed or not outcomes else 0


if __name__ == "__main__":
    sys.exit(main())
