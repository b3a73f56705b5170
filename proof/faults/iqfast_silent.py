"""Scenario 5: IQFast's packets stop arriving in the middle of a sync (dropped, not refused)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from proof.faults.harness import Outcome, log, wait_for
from proof.faults.iqfast_proxy import simulated_iqfast
from proof.pgcluster import PrivateCluster


STALL_READ_TIMEOUT = 5  # portal.iqfast.sql_source.READ_TIMEOUT_SECONDS is 300 s; compressed ×60 here


def scenario_iqfast_silent(outcome: Outcome, workdir: Path) -> None:
    """Not refused but silent: mid-query, IQFast's packets stop arriving (a VPN or firewall dropping them)."""
    import portal.iqfast.sql_source as sql_source
    from portal.db import Database
    from portal.services.sync import runs as sync_service
    from support.sync_helpers import checksums, iqfast_rows, our_rows, small_simulator

    saved_timeout = sql_source.READ_TIMEOUT_SECONDS
    with simulated_iqfast("qc_fault") as (direct_url, proxied, proxy):
        try:
            small_simulator(direct_url, days=2, seed=19)
            proxy.start()
            sql_source.READ_TIMEOUT_SECONDS = STALL_READ_TIMEOUT
            with PrivateCluster() as cluster:
                database = Database(cluster.create_database("qcorner", migrate=True))
                try:
                    result: dict = {}
                    worker = threading.Thread(target=lambda: result.update(
                        sync_service.run_sync(database, proxied, chunk_size=500, triggered_by="proof")), daemon=True)
                    worker.start()
                    wait_for(lambda: proxy.connections >= 6, 60, 0.05, "the sync to be reading")
                    proxy.stalled = True
                    stalled_at = time.monotonic()
                    log(f"  IQFast silent after {proxy.connections} connections: the proxy forwards nothing")
                    worker.join(STALL_READ_TIMEOUT * 6)
                    stuck = worker.is_alive()
                    ended_after = time.monotonic() - stalled_at
                    proxy.stalled = False
                    proxy.stop()  # the stalled connections are cut; new ones work again
                    proxy.start()
                    if stuck:
                        worker.join(60)
                    partial = sum(result.get("rows_written", {}).values())
                    again = sync_service.run_sync(database, proxied, triggered_by="proof")
                    equal = checksums(our_rows(database)) == checksums(iqfast_rows(direct_url))
                finally:
                    database.dispose()
        finally:
            sql_source.READ_TIMEOUT_SECONDS = saved_timeout
    outcome.figures.update({
        "read timeout": f"{STALL_READ_TIMEOUT} s here (300 s in production, compressed ×60)",
        "the stalled run": {"status": result.get("status"), "ended after (s)": round(ended_after, 1),
                            "rows written before it stalled": partial,
                            "error": (result.get("error") or "").splitlines()[0][:200] if result else None},
        "the next run": {"status": again["status"], "rows written": sum(again["rows_written"].values())},
    })
    outcome.check(f"the stalled sync did not hang: it ended as failed within {STALL_READ_TIMEOUT * 6} s, "
                  "with a readable error",
                  not stuck and result.get("status") == "failed" and "IQFast" in (result.get("error") or ""))
    outcome.check("the next run caught up: our copy equals IQFast (counts and checksums per table)",
                  again["status"] == "success" and equal)
    outcome.notes += [
        "Found and fixed: pymysql has no read timeout by default; with the proxy stalled the same run was still "
        "waiting after 45 s (forever: the scheduler's sync lock stays held, every later sync and 'sync now' waits, "
        "and the staleness warning never clears until the scheduler is restarted). portal/iqfast/sql_source.py "
        "now sets read/write timeouts of READ_TIMEOUT_SECONDS = 300 on MySQL/MariaDB sources.",
        "Not covered: a PostgreSQL IQFast replica behind a silent network (psycopg2 has no read timeout; TCP "
        "keepalives would be the equivalent).",
    ]
