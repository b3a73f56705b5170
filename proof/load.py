"""Load proof (issue 9): many people working at once on national-scale data while the scheduler syncs.

    .venv/bin/python proof/load.py                         # national scale: 50 users for 5 min, then the step search
    .venv/bin/python proof/load.py --applications 20000 --offices 2 --users 10 --duration 30 --steps ""  # quick check

What it does, in order:
1. a fresh PostgreSQL database with every migration, filled by the compliance benchmark's set-based generator
   (`benchmarks/ranking.py: generate`, imported: ≈ 50 offices, 50,000 service users, 1,000,000 applications);
   the generated rows' IQFast ids are moved out of the simulator's range so the sync below adds to them;
2. a simulated IQFast (SQLite file, office 0300) synced in once, the demo's NNCs, complaints and survey
   answers added on top, the compliance and KPI rollups built;
3. one account per simulated person (each role; coordinators of both sections; service users linked to real
   companies with many applications), created through the portal's own service (`portal.services.users`);
4. gunicorn (`wsgi:server`, QCORNER_ENV=production, one SECRET_KEY for every worker, the rate-limit storage
   in Redis) and `qcorner scheduler` against the simulator (demo mode ticks it, so new events keep arriving,
   synced every --sync-interval seconds);
5. locust (its own venv, .venv-load, from benchmarks/load/requirements.txt) runs benchmarks/load/locustfile.py
   headless; meanwhile every gunicorn worker's RSS is sampled from /proc, and the CPU of the workers, of the
   PostgreSQL backends serving this database, of the scheduler and of locust;
6. the step search: the same users for --step-duration seconds at each count of --steps until p95 passes 1 s;
7. the results go into docs/performance.md between the load markers (a rerun replaces them), a summary is
   printed, and every process started here is stopped and the database dropped (unless --keep).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import ranking  # noqa: E402 - benchmarks/ranking.py: the national data generator, reused as it is
from proof.load_report import fmt_counts, render, stats, summarise, write_doc  # noqa: E402
from proof.load_sampling import Sampler, children  # noqa: E402

LOAD_DIR = ROOT / "benchmarks" / "load"
LOCUSTFILE = LOAD_DIR / "locustfile.py"
LOAD_VENV = ROOT / ".venv-load"
PASSWORD = "load-test-password-1"

# Who works at once, in what share (the locust user classes carry the same weights).
ROLE_WEIGHTS = {"service_user": 16, "operator": 8, "coordinator_plant": 6, "coordinator_animal": 6,
                "enforcement": 5, "head": 5, "admin": 4}
# IQFast tables whose ids the generator's rows share with ours; the simulator's ids start at 1.
SYNCED_TABLES = {"service_users": "pengguna_jasa", "handlers": "ppjk", "applications": "ptk",
                 "application_commodities": "ptk_komoditas", "stage_events": "riwayat_ptk",
                 "quarantine_actions": None}
ID_SHIFT = 10 ** 12


def say(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# ------------------------------------------------------------------------------------------- the data


def build_data(url: str, args, sim_url: str) -> dict:
    """Generated national data + a synced simulator + demo extras + rollups; returns counts and seconds."""
    from sqlalchemy import text

    from portal.db import Database
    from portal.demo.build import create_demo_accounts
    from portal.demo.complaints import build_demo_complaints
    from portal.demo.nnc import build_demo_nncs
    from portal.demo.service_portal import simulate_survey_answers
    from iqfast_sim.simulator import init_simulator
    from portal.migrate import upgrade
    from portal.services.sync import runs as sync
    from portal.services.compliance.rollup import recompute_all
    from portal.services.kpi.rollup import rebuild_kpi_rollups

    info: dict = {"seconds": {}}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        info["seconds"][name] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    upgrade(url)
    ranking.OFFICES, ranking.SERVICE_USERS = args.offices, args.offices * 1000
    database = Database(url)
    try:
        say(f"generating {args.applications:,} applications in {args.offices} offices (benchmarks/ranking.py) …")
        info["generated"] = ranking.generate(database.engine, args.applications)["counts"]
        lap("generate")
        say("simulated IQFast:", sim_url, f"({args.sim_days} days, {args.sim_offices} stations from 0300)")
        info["simulator"] = init_simulator(sim_url, days=args.sim_days, seed=1, offices=args.sim_offices)
        lap("simulator")
        shift_generated_ids(database, sim_url)
        lap("shift ids")
        say("first sync of the simulator …")
        record = sync.run_sync(database, sim_url, triggered_by="load setup")
        info["first_sync"] = {k: record.get(k) for k in ("status", "rows_written", "error")}
        lap("first sync")
        with database.session() as session:
            create_demo_accounts(session, PASSWORD)  # the demo complaints are recorded by "operator"
        with database.session() as session:
            info["nncs"] = build_demo_nncs(session, "0300")
        with database.session() as session:
            info["complaints"] = build_demo_complaints(session, "0300")
        with database.session() as session:
            info["survey_answers"] = simulate_survey_answers(session, "0300", seed=1, cooldown_days=30)
        lap("demo extras")
        say("compliance rollups and scores …")
        with database.session() as session:
            recompute_all(session)
        lap("compliance rollups")
        say("KPI rollups …")
        with database.session() as session:
            rebuild_kpi_rollups(session)
        lap("kpi rollups")
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("VACUUM ANALYZE"))
            info["counts"] = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
                "offices", "service_users", "applications", "stage_events", "nncs", "complaints",
                "compliance_monthly", "kpi_application_times")}
            info["database_size"] = connection.execute(text(
                "SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
        lap("vacuum")
    finally:
        database.dispose()
    return info


def shift_generated_ids(database, sim_url: str) -> None:
    """Move the generated rows' IQFast ids above the simulator's, so its sync adds rows instead of rewriting ours.

    The generator numbers source ids from 1, like the simulator; only the low ids can meet, so only those move.
    """
    from sqlalchemy import create_engine, func, select, text

    from portal.iqfast import schema as simulator_schema

    sim = create_engine(sim_url)
    with sim.connect() as connection:
        highest = {}
        for table in ("pengguna_jasa", "ppjk", "ptk", "ptk_komoditas", "riwayat_ptk", "penahanan", "penolakan",
                      "pemusnahan"):
            key = list(simulator_schema.metadata.tables[table].primary_key.columns)[0]
            highest[table] = connection.execute(select(func.coalesce(func.max(key), 0))).scalar()
    sim.dispose()
    highest["quarantine"] = max(highest.pop("penahanan"), highest.pop("penolakan"), highest.pop("pemusnahan"))
    with database.engine.begin() as connection:
        for table, sim_table in SYNCED_TABLES.items():
            top = highest[sim_table or "quarantine"]
            # Room for what the simulator adds during the run (ticks follow the wall clock: a few per minute).
            ceiling = 2 * top + 100_000
            connection.execute(text(f"UPDATE {table} SET source_id = source_id + :shift WHERE source_id <= :ceiling"),
                               {"shift": ID_SHIFT, "ceiling": ceiling})


def create_accounts(url: str, users_needed: int, offices: int) -> dict:
    """Accounts for every simulated person, through the portal's user service; service users linked to companies
    that make many applications (the generator's busiest and the simulator's)."""
    from sqlalchemy import text

    from portal.db import Database
    from portal.services import service_user_links, users

    total_weight = sum(ROLE_WEIGHTS.values())
    database = Database(url)
    accounts: dict[str, list[dict]] = {}
    try:
        with database.session() as session:
            office_codes = ["0300"] + [row[0] for row in session.execute(text(
                "SELECT o.code FROM offices o JOIN applications a ON a.office_id = o.id WHERE o.code <> '0300' "
                "GROUP BY o.code ORDER BY count(*) DESC, o.code LIMIT :n"), {"n": min(offices, 5) - 1})]
            office_ids = {code: users.office_id_by_code(session, code) for code in office_codes}
            sections = {code: users.section_id_by_code(session, code) for code in ("plant", "animal")}
            # Companies with the most applications in each office, busiest first.
            companies = {code: list(session.execute(text(
                "SELECT service_user_id FROM applications WHERE office_id = :o GROUP BY service_user_id "
                "ORDER BY count(*) DESC LIMIT 200"), {"o": office_ids[code]}).scalars()) for code in office_codes}
        for kind, weight in ROLE_WEIGHTS.items():
            count = max(2, -(-users_needed * weight // total_weight) + 1)
            role = "coordinator" if kind.startswith("coordinator") else kind
            section = kind.split("_")[1] if kind.startswith("coordinator") else None
            accounts[kind] = []
            for n in range(count):
                # Most people work at 0300 (the simulator's office: new events arrive there); the rest elsewhere.
                code = office_codes[0] if n % 2 == 0 or len(office_codes) == 1 else office_codes[1 + n % (
                    len(office_codes) - 1)]
                username = f"load_{kind}_{n}"
                with database.session() as session:
                    created = users.create_user(session, None, {
                        "username": username, "role": role, "office_id": office_ids[code],
                        "section_id": sections.get(section), "password": PASSWORD,
                        "full_name": f"Load {kind} {n}"})
                    if role == "service_user":
                        pool = companies[code]
                        service_user_links.link(session, None, created["id"], pool[(n // 2) % len(pool)])
                accounts[kind].append({"username": username, "password": PASSWORD, "office": code})
    finally:
        database.dispose()
    return accounts



# ------------------------------------------------------------------------------------------- the processes


def server_env(url: str, secret: str, redis_db: int) -> dict:
    env = dict(os.environ)
    env.update(QCORNER_ENV="production", QCORNER_SECRET_KEY=secret, QCORNER_DATABASE_URL=url,
               QCORNER_RATELIMIT_STORAGE_URL=f"redis://127.0.0.1:6379/{redis_db}", PYTHONUNBUFFERED="1")
    return env


ACCESS_FORMAT = "%(t)s %(m)s %(U)s %(s)s %(M)s"  # [28/Nov/2026:19:17:25 +0000] GET /path 200 15 (ms in the worker)


def server_times(log_path: Path, start: float, end: float) -> dict:
    """The workers' own time per request (gunicorn's access log) between two wall-clock moments: set beside
    locust's figures, the difference is the wait for a free worker (and for the CPU)."""
    values = []
    for line in log_path.read_text(errors="replace").splitlines():
        if not line.startswith("[") or "] " not in line:
            continue
        stamp, _, rest = line[1:].partition("] ")
        parts = rest.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        try:
            moment = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp()
        except ValueError:
            continue
        if start <= moment <= end and parts[1] != "/healthz":
            values.append(float(parts[3]))
    return stats(values)


def start_gunicorn(env: dict, port: int, args, log_path: Path) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(args.workers), "--bind",
               f"127.0.0.1:{port}", "--timeout", "120", "--access-logfile", "-",
               "--access-logformat", ACCESS_FORMAT]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    command.append("wsgi:server")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    wait_healthy(port, process)
    return process


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200 and len(children(process.pid)) >= 1:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError("gunicorn did not answer /healthz")


def afternoon_zone() -> str:
    """A fixed-offset zone where it is now early afternoon, so the scheduler's nightly jobs (reconciliation at
    02:15, the compliance recompute at 01:30) stay hours away from the run: the reconciliation would mark every
    generated row deleted, since the simulator does not hold them."""
    offset = (13 - datetime.now(timezone.utc).hour + 12) % 24 - 12  # -12 … +11 hours from UTC
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-7 is UTC+7


def start_scheduler(env: dict, sim_url: str, interval: float, log_path: Path) -> subprocess.Popen:
    # demo: each pass ticks the simulator up to now, as if IQFast were busy
    env = dict(env, QCORNER_ENV="demo", QCORNER_IQFAST_URL=sim_url, QCORNER_TIMEZONE=afternoon_zone())
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "qcorner"), "scheduler", "--interval-seconds",
                             str(interval)], cwd=ROOT, env=env, stdout=open(log_path, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM to the process (gunicorn's master stops its workers), SIGKILL if it does not go."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ------------------------------------------------------------------------------------------- locust


def run_locust(host: str, users: int, seconds: int, accounts_path: Path, out_dir: Path, label: str,
               sampler_args: tuple) -> dict:
    """One headless locust run; returns its figures (exact percentiles from the raw response times) and the
    samples of the machine during it."""
    views_path = out_dir / f"{label}-raw.json"
    env = dict(os.environ, LOAD_ACCOUNTS=str(accounts_path), LOAD_VIEWS_OUT=str(views_path))
    for key in [k for k in env if k.startswith("QCORNER_")]:
        env.pop(key)
    rate = max(5, users // 10)
    command = [str(LOAD_VENV / "bin" / "locust"), "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r",
               str(rate), "-t", f"{seconds}s", "--host", host, "--csv", str(out_dir / label), "--only-summary",
               "--loglevel", "WARNING", "--stop-timeout", "30"]
    say(f"locust: {users} users (spawn {rate}/s) for {seconds} s …")
    log = open(out_dir / f"{label}-locust.log", "w")
    process = subprocess.Popen(command, cwd=LOAD_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    sampler = Sampler(*sampler_args, locust=process.pid)
    sampler.start()
    began = time.time()
    try:
        process.wait(seconds + 180)
    except subprocess.TimeoutExpired:
        stop(process)
    machine = sampler.finish()
    raw = json.loads(views_path.read_text()) if views_path.exists() else {"requests": {}, "views": {}}
    return {"users": users, "seconds": seconds, "machine": machine,
            "server": server_times(out_dir / "gunicorn.log", began, time.time()), **summarise(raw, seconds)}


def sync_activity(url: str, since: datetime) -> dict:
    from sqlalchemy import text

    from portal.db import Database

    database = Database(url)
    try:
        with database.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT status, rows_written, finished_at - started_at FROM sync_runs WHERE started_at >= :since "
                "ORDER BY id"), {"since": since}).all()
    finally:
        database.dispose()
    events = sum(int((r[1] or {}).get("stage_events", 0)) for r in rows)
    durations = [r[2].total_seconds() for r in rows if r[2] is not None]
    return {"runs": len(rows), "failed": sum(1 for r in rows if r[0] == "failed"), "stage_events_written": events,
            "longest_seconds": round(max(durations, default=0), 1)}


# ------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=50, help="offices (1,000 service users each)")
    parser.add_argument("--sim-days", type=int, default=30, help="days of simulated IQFast history synced first")
    parser.add_argument("--sim-offices", type=int, default=6,
                        help="simulated stations (1–6): new IQFast events per minute grow with them")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds of the main run")
    parser.add_argument("--steps", default="25,50,60,70,80,100,150,200",
                        help="user counts of the step search, until p95 passes 1 s ('' for none)")
    parser.add_argument("--step-duration", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=20, help="seconds of a 10-user warm-up before the main run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help=">1: gthread workers with this many threads")
    parser.add_argument("--sync-interval", type=float, default=60, help="seconds between the scheduler's syncs")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--keep", action="store_true", help="keep the database, simulator and work folder")
    parser.add_argument("--reuse", metavar="WORKDIR", help="reuse the data a --keep run left in WORKDIR")
    args = parser.parse_args()
    started = time.monotonic()
    if not (LOAD_VENV / "bin" / "locust").exists():
        sys.exit(f"locust is missing: python3 -m venv {LOAD_VENV} && {LOAD_VENV}/bin/pip install -r "
                 f"{LOAD_DIR / 'requirements.txt'}")

    if args.reuse:
        workdir = Path(args.reuse)
        saved = json.loads((workdir / "setup.json").read_text())
        name, setup, accounts = saved["database"], saved["setup"], saved["accounts"]
    else:
        name = f"qcorner_load_{uuid.uuid4().hex[:8]}"
        workdir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    url = f"{ranking.URL_PREFIX}/{name}"
    sim_url = f"sqlite:///{workdir / 'iqfast-sim.db'}"
    gunicorn = scheduler = None
    created = False
    try:
        if not args.reuse:
            ranking.admin(f'CREATE DATABASE "{name}"')
            created = True
            setup = build_data(url, args, sim_url)
            steps_max = max([args.users] + [int(s) for s in args.steps.split(",") if s.strip()])
            say(f"accounts for {steps_max} people …")
            accounts = create_accounts(url, steps_max, args.offices)
            (workdir / "setup.json").write_text(json.dumps({"database": name, "setup": setup,
                                                            "accounts": accounts}, default=str))
        accounts_path = workdir / "accounts.json"
        accounts_path.write_text(json.dumps(accounts))
        say("data ready:", fmt_counts(setup.get("counts", {})), "— setup seconds:", setup.get("seconds"))

        env = server_env(url, secrets.token_hex(32), redis_db=7)
        gunicorn = start_gunicorn(env, args.port, args, workdir / "gunicorn.log")
        scheduler = start_scheduler(env, sim_url, args.sync_interval, workdir / "scheduler.log")
        say(f"gunicorn pid {gunicorn.pid} (workers {children(gunicorn.pid)}), scheduler pid {scheduler.pid}")
        time.sleep(5)
        host = f"http://127.0.0.1:{args.port}"
        sampler_args = (gunicorn.pid, scheduler.pid, name)

        if args.warmup:  # workers that have served a few pages, as in production; not measured
            run_locust(host, min(args.users, 10), args.warmup, accounts_path, workdir, "warmup", sampler_args)
        since = datetime.now(timezone.utc)
        main_run = run_locust(host, args.users, args.duration, accounts_path, workdir, "main", sampler_args)
        main_run["sync"] = sync_activity(url, since)
        say(f"main run: p50 {main_run['all']['p50']} ms, p95 {main_run['all']['p95']} ms, p99 "
            f"{main_run['all']['p99']} ms, {main_run['all']['errors']} errors")
        steps = []
        for users in [int(s) for s in args.steps.split(",") if s.strip()]:
            since = datetime.now(timezone.utc)
            step = run_locust(host, users, args.step_duration, accounts_path, workdir, f"step-{users}", sampler_args)
            step["sync"] = sync_activity(url, since)
            steps.append(step)
            cpu = step["machine"]["cpu_percent_of_one_core"]
            say(f"  {users} users: p95 {step['all']['p95']} ms, {step['requests_per_second']} req/s, errors "
                f"{step['all']['errors']}; CPU workers {cpu['gunicorn workers']} %, postgres "
                f"{cpu['postgres (this database)']} %, locust {cpu['locust']} %")
            if step["all"]["p95"] > 1000:
                break
        if scheduler.poll() is not None:
            say(f"warning: the scheduler exited with {scheduler.returncode} (see {workdir / 'scheduler.log'})")
    finally:
        stop(gunicorn)
        stop(scheduler)
        if not args.keep and (created or args.reuse):
            ranking.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)
    report = {"date": date.today().isoformat(), "command": "proof/load.py " + " ".join(sys.argv[1:]),
              "elapsed_minutes": round((time.monotonic() - started) / 60), "setup": setup, "main": main_run,
              "steps": steps, "step_seconds": args.step_duration, "sync_interval": args.sync_interval,
              "gunicorn": f"{args.workers} workers" + (f" × {args.threads} threads (gthread)" if args.threads > 1
                                                        else " (sync)")}
    if args.keep:
        (workdir / "report.json").write_text(json.dumps(report, indent=1, default=str))
        say("kept:", workdir, "database", name)
    if not args.no_doc:
        write_doc(render(report))
        say("docs/performance.md: Load section updated")
    print()
    print(f"{args.users} users for {args.duration} s: {main_run['all']['count']:,} requests, "
          f"{main_run['all']['errors']} errors; p50 {main_run['all']['p50']} ms, p95 {main_run['all']['p95']} ms, "
          f"p99 {main_run['all']['p99']} ms (aim p95 ≤ 500 ms)")
    rss = main_run["machine"]["worker_rss_mb"]
    print("worker peak RSS (MB):", ", ".join(f"{v['vm_hwm']}" for v in rss.values()), "(aim < 250)")
    print("CPU % of one core:", main_run["machine"]["cpu_percent_of_one_core"], "load average",
          main_run["machine"]["load_average"])
    for step in steps:
        print(f"  step {step['users']:>4} users: p95 {step['all']['p95']:>6} ms, errors {step['all']['errors']}")


if __name__ == "__main__":
    main()
