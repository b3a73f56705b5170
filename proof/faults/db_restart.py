"""Scenario 1: PostgreSQL restarted (clean and crash restart) under steady load on gunicorn."""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from proof.faults.harness import HANG_SECONDS, Outcome, connected, log
from proof.faults.portal_under_test import Gunicorn, SteadyLoad, error_window, make_users
from proof.pgcluster import PrivateCluster


RESTARTS = (("fast", 3.0, "clean restart (pg_ctl stop -m fast, 3 s down, start)"),
            ("immediate", 3.0, "crash restart (pg_ctl stop -m immediate: crash recovery on start, 3 s down)"))
RECOVERY_LIMIT = 5.0  # seconds after PostgreSQL accepts connections again by which every kind of request works


def scenario_db_restart(outcome: Outcome, workdir: Path) -> None:
    users = [f"petugas{i}" for i in range(4)]
    with PrivateCluster() as cluster:
        url = cluster.create_database("qcorner", migrate=True)
        make_users(url, *[(name, "operator") for name in users])
        web = Gunicorn(url, workdir / "gunicorn-restart.log", workers=3).start()
        try:
            load = SteadyLoad(web.base, users, request_timeout=30.0)
            load.start()
            workers_before = web.worker_pids()
            outcome.figures["setup"] = (f"gunicorn --workers 3 wsgi:server (QCORNER_ENV=production), PostgreSQL "
                                        f"{postgres_version(cluster)} on port {cluster.port}; {len(users)} logged-in "
                                        f"officers, each cycling GET /nnc, the router callback for /nnc, the "
                                        f"staleness-warning callback and /healthz without pause")
            time.sleep(6)
            rounds = []
            for mode, down, label in RESTARTS:
                began = time.monotonic()
                log(f"  restart: {label}")
                times = cluster.restart(mode=mode, down_seconds=down)
                time.sleep(10)
                window = error_window([s for s in load.snapshot() if s.started >= began], began, times["up_at"])
                window.update(label=label, postgres_down_seconds=round(times["up_at"] - times["down_at"], 2))
                rounds.append(window)
                log(f"    {window.get('failures')} failed requests, window {window.get('window_seconds')} s, "
                    f"recovered {window.get('recovered_after_up_seconds')}")
            load.stop()
            samples = load.snapshot()
            workers_after = web.worker_pids()
            gunicorn_alive = web.process.poll() is None
        finally:
            web.stop()
    failures = [s for s in samples if not s.ok]
    slowest = max(s.ended - s.started for s in samples)
    clean = [s for s in failures if s.detail.startswith("clean 503|")]
    outcome.figures["failures that were not a clean 503"] = [f"{s.kind}: {s.status} {s.detail[:200]}"
                                                              for s in failures if s not in clean][:10]
    outcome.figures.update({
        "requests": len(samples), "failed requests": len(failures),
        "requests per second": round(len(samples) / (samples[-1].ended - samples[0].started), 1),
        "slowest request (s)": round(slowest, 2),
        "gunicorn workers before/after": f"{sorted(workers_before)} / {sorted(workers_after)}"})
    outcome.tables.append((
        "Each restart (error window: first failed request → first successful one after it)",
        ["restart", "PostgreSQL down (s)", "failed requests", "answers", "error window (s)",
         "slowest failure (s)", "working again after PostgreSQL was up (s): page / router / warning / healthz"],
        [[r["label"], r["postgres_down_seconds"], r.get("failures"), r.get("failure_statuses"),
          r.get("window_seconds"), r.get("slowest_failure_seconds"),
          " / ".join(str(v) for v in (r.get("recovered_after_up_seconds") or {}).values())] for r in rounds]))
    outcome.notes += [
        "Found and fixed: during the outage every request failed with Flask's bare English \"500 Internal Server "
        "Error\" page, and /healthz itself answered 500 (not 503) to a logged-in browser, because the after-request "
        "hook loaded the user from the database. Now portal/outage.py answers 503 with Retry-After — an Indonesian "
        "page, or JSON for Dash callbacks — and portal/guard.py no longer fails after the route answered.",
        "Not covered: a database host that silently drops packets (rather than restarting) — the portal's engine "
        "sets no connect_timeout or TCP keepalives, so such requests would wait for the kernel's TCP timeouts "
        "(gunicorn's worker timeout would end them).",
    ]
    outcome.check("every restart caused failures that were then recovered from (the fault really happened)",
                  all(r.get("failures", 0) > 0 and r.get("window_seconds") is not None for r in rounds))
    outcome.check(f"every kind of request worked again within {RECOVERY_LIMIT:.0f} s of PostgreSQL being back, "
                  f"with the same logged-in sessions",
                  all(r.get("recovered_after_up_seconds") and all(v is not None and v <= RECOVERY_LIMIT for v in
                                                                   r["recovered_after_up_seconds"].values())
                      for r in rounds))
    outcome.check("every failed request was a clean 503 (our page, Dash JSON or /healthz 'unreachable')",
                  len(clean) == len(failures))
    outcome.check(f"no hang: no request took {HANG_SECONDS:.0f} s or more (slowest {slowest:.2f} s)",
                  slowest < HANG_SECONDS)
    outcome.check("gunicorn was not restarted: same master, same worker processes",
                  gunicorn_alive and workers_before == workers_after and len(workers_before) == 3)


def postgres_version(cluster: PrivateCluster) -> str:
    """The cluster's server version, as the report names it."""
    with connected(cluster.url()) as c:
        return c.execute(text("SHOW server_version")).scalar().split()[0]
