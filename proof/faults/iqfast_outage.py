"""Scenario 2: IQFast unreachable for "10 minutes" on a compressed clock, while pages are used and syncs retry."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from proof.faults.harness import ROOT, Outcome, aware, log, start_scheduler, stop_process, sync_runs, wait_for
from proof.faults.iqfast_proxy import simulated_iqfast
from proof.faults.portal_under_test import Browserless, Gunicorn, SteadyLoad, make_users
from proof.pgcluster import PrivateCluster
from portal.services.sync.runs import SYNC_KINDS

SCALE = 5                       # compressed clock: 1 s here stands for 5 s of the real world
INTERVAL_MINUTES = 1            # QCORNER_SYNC_INTERVAL_MINUTES: 5 minutes in production ÷ 5
FIRST_RETRY_SECONDS = 60 / SCALE  # the first retry after a failure: 1 minute ÷ 5
OUTAGE_SECONDS = 600 / SCALE      # "10 minutes" of IQFast unreachable
# The outage begins this long after the first (successful) sync started: the next three scheduled attempts
# (at +60, +72, +96 s) fall inside it, the one at +144 s after it, and the copy turns stale at about +120 s.
OUTAGE_AFTER_SYNC_START = 12


def scenario_iqfast_outage(outcome: Outcome, workdir: Path) -> None:
    from portal.db import Database
    from iqfast_sim.simulator import tick
    from portal.services.sync import requests as sync_requests
    from support.sync_helpers import checksums, derived_stages, expected_stages, iqfast_rows, our_rows, small_simulator

    scheduler = web = None
    ticker_stop = threading.Event()
    ticks: list[tuple[float, dict]] = []
    with simulated_iqfast("qc_fault") as (direct_url, proxied_url, proxy):
        try:
            small_simulator(direct_url, days=2, seed=17)
            proxy.start()
            with PrivateCluster() as cluster:
                url = cluster.create_database("qcorner", migrate=True)
                make_users(url, ("petugas", "operator"), ("kepala", "head"), ("admin_sync", "admin"))
                env = {**os.environ, "QCORNER_ENV": "production", "QCORNER_SECRET_KEY": secrets.token_hex(32),
                       "QCORNER_DATABASE_URL": url, "QCORNER_IQFAST_URL": proxied_url, "QCORNER_IQFAST_EXPORT_DIR": "",
                       "QCORNER_SYNC_INTERVAL_MINUTES": str(INTERVAL_MINUTES)}
                web = Gunicorn(url, workdir / "gunicorn-outage.log", workers=2,
                               sync_interval_minutes=str(INTERVAL_MINUTES)).start()
                scheduler = start_scheduler(env, workdir / "scheduler-outage.log", harness_retry=FIRST_RETRY_SECONDS)
                first = wait_for(lambda: [r for r in sync_runs(url) if r["status"] == "success"], 120,
                                 what="first sync")
                log(f"  first sync done (run {first[0]['id']}); IQFast keeps working: the simulator ticks")

                def ticker():
                    while not ticker_stop.wait(5):
                        ticks.append((time.monotonic(), tick(direct_url, 15)))
                threading.Thread(target=ticker, daemon=True).start()

                load = SteadyLoad(web.base, ["petugas"], request_timeout=30.0)
                load.start()
                watcher = Browserless(web.base, "kepala")
                watcher.login()
                observations: list[dict] = []
                watch_stop = threading.Event()

                def watch():
                    while not watch_stop.wait(2):
                        observed = {"at": time.monotonic()}
                        try:
                            warning = watcher.sync_warning().json()["response"]["shell-sync-warning"]
                            observed.update(warning_open=warning["is_open"], warning=_plain(warning["children"]))
                            health = watcher.http.get(web.base + "/healthz", timeout=15).json()
                            observed.update(stale=health["sync_stale"], age=health["last_sync_age_seconds"])
                        except Exception as error:  # noqa: BLE001 - a page that fails is recorded, not fatal
                            observed["error"] = f"{type(error).__name__}: {error}"[:200]
                        observations.append(observed)
                threading.Thread(target=watch, daemon=True).start()

                since_start = (datetime.now(timezone.utc) - aware(first[0]["started_at"])).total_seconds()
                outcome.figures["first sync (s)"] = round((aware(first[0]["finished_at"])
                                                           - aware(first[0]["started_at"])).total_seconds(), 1)
                time.sleep(max(0.0, OUTAGE_AFTER_SYNC_START - since_start))
                log(f"  IQFast unreachable: proxy stopped for {OUTAGE_SECONDS:.0f} s (\"10 minutes\" at ×{SCALE})")
                down_at, down_wall = time.monotonic(), datetime.now(timezone.utc)
                proxy.stop()
                time.sleep(OUTAGE_SECONDS)
                proxy.start()
                up_at, up_wall = time.monotonic(), datetime.now(timezone.utc)
                log("  IQFast reachable again")
                recovered = wait_for(lambda: [r for r in sync_runs(url) if r["status"] == "success"
                                              and aware(r["started_at"]) >= up_wall], 120, what="a successful sync")
                recovered_at = time.monotonic()
                ticker_stop.set()
                time.sleep(1)
                last_tick = datetime.now(timezone.utc)
                database = Database(url)
                try:
                    with database.session() as s:  # "sync now" from the admin page, so the last ticks are in
                        from models import User
                        from sqlalchemy import select

                        admin_id = s.scalar(select(User.id).where(User.username == "admin_sync"))
                        sync_requests.record_sync_request(s, admin_id)
                    wait_for(lambda: [r for r in sync_runs(url) if r["status"] == "success"
                                      and aware(r["started_at"]) >= last_tick], 60, what="the requested sync")
                    time.sleep(3)  # the warning callback polls every 2 s: let it see the fresh state
                    watch_stop.set()
                    load.stop()
                    stop_process(scheduler)
                    incremental_equal = _compare(our_rows(database), iqfast_rows(direct_url))
                    # The nightly reconciliation, by hand: deletions IQFast made meanwhile are marked here too.
                    reconcile = subprocess.run([sys.executable, "-m", "portal", "sync", "--reconcile", "--json"],
                                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
                    ours, theirs = checksums(our_rows(database)), checksums(iqfast_rows(direct_url))
                    stages_equal = derived_stages(database) == expected_stages(direct_url)
                finally:
                    database.dispose()
                runs = sync_runs(url)
                samples = load.snapshot()
                web.stop()
        finally:
            ticker_stop.set()
            stop_process(scheduler)
            if web is not None:
                web.stop()

    failed = [r for r in runs if r["status"] == "failed" and r["kind"] in SYNC_KINDS]
    during = [r for r in failed if down_wall <= aware(r["started_at"]) <= up_wall]
    attempts = during + recovered[:1]  # the backoff continues until the first attempt that succeeds
    gaps = [round((aware(b["started_at"]) - aware(a["started_at"])).total_seconds(), 1)
            for a, b in zip(attempts, attempts[1:])]
    failed_after = [r for r in failed if aware(r["started_at"]) > up_wall]
    stale_seen = [o for o in observations if down_at <= o["at"] <= recovered_at + 1 and o.get("stale")]
    warning_seen = [o for o in observations if o.get("warning_open")]
    final = observations[-1] if observations else {}
    outage_samples = [s for s in samples if down_at <= s.started <= up_at]
    inserted = {}
    for moment, result in ticks:
        if down_at <= moment <= up_at:
            for table, count in result["inserted"].items():
                inserted[table] = inserted.get(table, 0) + count
    outcome.figures.update({
        "compressed clock": f"×{SCALE}: sync interval {INTERVAL_MINUTES * 60} s (5 min), staleness after "
                            f"{2 * INTERVAL_MINUTES * 60} s (10 min), first retry {FIRST_RETRY_SECONDS:g} s (1 min), "
                            f"outage {OUTAGE_SECONDS:g} s (10 min) beginning {OUTAGE_AFTER_SYNC_START} s "
                            f"({OUTAGE_AFTER_SYNC_START * SCALE} s) after a successful sync started",
        "source": "the simulator (2 days, 1 station) in MariaDB 127.0.0.1:3306 behind an asyncio TCP proxy we stop "
                  "and start; the simulator ticked 15 minutes every 5 s throughout",
        "rows IQFast wrote during the outage": inserted,
        "page requests during the outage": f"{len(outage_samples)}, of which failed: "
                                           f"{sum(not s.ok for s in outage_samples)}",
        "slowest page request during the outage (s)": round(max((s.ended - s.started for s in outage_samples),
                                                                default=0), 2),
        "failed sync runs during the outage": len(during),
        "seconds between attempts, from the first failure to the first success (backoff)": gaps,
        "first failed run's error": (during[0]["error"] or "").splitlines()[0][:200] if during else None,
        "staleness warning first seen (s after the outage began)":
            round(warning_seen[0]["at"] - down_at, 1) if warning_seen else None,
        "warning text": warning_seen[0]["warning"][:300] if warning_seen else None,
        "/healthz while stale": {k: stale_seen[0].get(k) for k in ("stale", "age")} if stale_seen else None,
        "first successful sync after IQFast returned (s)": round(recovered_at - up_at, 1),
        "catch-up run": {k: recovered[0][k] for k in ("id", "status", "triggered_by")},
        "after the final sync: copy vs IQFast (incremental only)": incremental_equal,
        "reconciliation exit code": reconcile.returncode,
    })
    outcome.check("pages kept answering during the outage (no failed request)",
                  outage_samples and not any(not s.ok for s in outage_samples))
    outcome.check("the staleness warning showed on the page (callback) and /healthz said sync_stale",
                  bool(warning_seen) and bool(stale_seen) and "Data IQFast terakhir tersinkron" in
                  warning_seen[0].get("warning", ""))
    outcome.check("the sync runs during the outage are recorded as failed, with a readable error",
                  len(during) >= 3 and all("IQFast" in (r["error"] or "") for r in during))
    outcome.check(f"the retries backed off: {FIRST_RETRY_SECONDS:g}, {2 * FIRST_RETRY_SECONDS:g}, "
                  f"{4 * FIRST_RETRY_SECONDS:g} s… at most the interval (±3 s)",
                  len(gaps) >= 2 and all(abs(g - min(FIRST_RETRY_SECONDS * 2 ** i, INTERVAL_MINUTES * 60)) <= 3
                                         for i, g in enumerate(gaps)))
    outcome.check(f"the first attempt after IQFast returned succeeded, within {FIRST_RETRY_SECONDS * 4 + 5:g} s",
                  recovered_at - up_at <= FIRST_RETRY_SECONDS * 4 + 5 and not failed_after)
    outcome.check("after catching up nothing is missing: every IQFast row is in our copy, equal",
                  incremental_equal["missing"] == 0 and incremental_equal["different"] == 0)
    outcome.check("after the nightly reconciliation the copy equals IQFast exactly (counts and checksums per "
                  "table, derived stages)", reconcile.returncode == 0 and ours == theirs and stages_equal)
    outcome.check("the warning cleared and /healthz is fresh again",
                  final.get("warning_open") is False and final.get("stale") is False)
    outcome.tables.append(("Our copy vs IQFast after the outage and the reconciliation",
                           ["table", "rows ours", "rows IQFast", "checksum ours", "checksum IQFast"],
                           [[t, ours[t][0], theirs[t][0], ours[t][1], theirs[t][1]] for t in ours]))
    outcome.notes += [
        f"Compressed clock ×{SCALE}: the web and the scheduler ran with QCORNER_SYNC_INTERVAL_MINUTES=1 (staleness "
        "after 2 intervals); the scheduler ran `jobs.scheduler.run_scheduler` with `jobs.sync_jobs.FIRST_RETRY` set to 12 s by a "
        "small harness (the product value is 1 minute); nothing else was changed.",
        "Observation: the nightly reconciliation (02:15 office time) is not retried when IQFast is down at that "
        "moment; the incremental sync still catches up, only deletions made in IQFast wait for the next night.",
    ]


def _plain(children: Any) -> str:
    """The text in a Dash component tree (as JSON)."""
    if children is None:
        return ""
    if isinstance(children, str):
        return children
    if isinstance(children, list):
        return "".join(_plain(c) for c in children)
    if isinstance(children, dict):
        return _plain(children.get("props", {}).get("children"))
    return str(children)


def _compare(ours: dict[str, list[tuple]], theirs: dict[str, list[tuple]]) -> dict[str, int]:
    """Rows of IQFast missing from our copy or different there, and ours IQFast no longer has."""
    missing = different = extra = 0
    for table, rows in theirs.items():
        key = (lambda r: (r[0], r[1])) if table == "quarantine_actions" else (lambda r: r[0])
        mine = {key(r): r for r in ours[table]}
        keys = set()
        for row in rows:
            keys.add(key(row))
            if key(row) not in mine:
                missing += 1
            elif mine[key(row)] != row:
                different += 1
        extra += len(set(mine) - keys)
    return {"missing": missing, "different": different, "extra (deleted in IQFast, until reconciled)": extra}
