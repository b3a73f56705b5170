"""CPU per request over the load mix (issue #17): the CPU time (time.process_time) one web worker spends on each
request of `benchmarks/load/locustfile.py`'s people, driven through Flask's test client in this process, and the CPU
time the PostgreSQL backends serving it spend on the same request.

    .venv/bin/python benchmarks/request_cpu.py                       # builds the demo into a new PostgreSQL database
    .venv/bin/python benchmarks/request_cpu.py --keep                # … and keeps it (prints its URL)
    .venv/bin/python benchmarks/request_cpu.py --url postgresql+psycopg2://…/qcorner_reqcpu_x   # reuses it
    .venv/bin/python benchmarks/request_cpu.py --url … --profile /tmp/mix.prof   # + the top ten costs (cProfile)
    .venv/bin/python benchmarks/request_cpu.py --url … --statements              # + PostgreSQL's CPU per statement

What runs: the demo's data (`qcorner demo`: one station, 110 days, the seven demo accounts) in PostgreSQL, so the
database's own CPU is not in the worker's figure (it runs in other processes, as `proof/load.py`'s "gunicorn
workers" column); it is measured apart, from /proc, as `proof/load.py`'s "postgres (this database)" column: the
backends of the app's engine (their pids, recorded as the pool connects them) read before and after each request.
The benchmark must run on the database's host for that (127.0.0.1, as the tests). One person per role, in `proof/load.py`'s weights, each doing the locustfile's tasks
(login, full page loads, menu navigation, filters, paging, opening rows) with a fixed random seed, one after
another: the same requests in the same order on every run. Each request's CPU time is the process's CPU time across
the test client's call (the WSGI app end to end: session, user loading, guard, Dash, the callback, JSON).

CPU time, not wall time: it holds on a shared, loaded machine. PostgreSQL's is read from
/proc/<pid>/schedstat (the scheduler's run time in nanoseconds): /proc/<pid>/stat's utime + stime, which
`proof/load.py` samples once a second, counts in 10 ms ticks, coarser than one request's few milliseconds; their
total over the pass is printed beside as a check. Printed: the median, p90 and mean per request of both, the same
per kind of request, the requests that cost PostgreSQL most; with --statements the statements that do (each one's
backend read before and after it: slower, so its figures are for the shares, not the totals); with --profile the
ten functions with the most own CPU time (tottime) and the ten of our own code with the most cumulative time. A
warm-up pass runs first (imports, first-call caches, the pool's connections) and is not counted.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import statistics
import sys
import time
import types
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "load"))

HZ = os.sysconf("SC_CLK_TCK")
PG_ADMIN_DSN = os.environ.get("QCORNER_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL_PREFIX = os.environ.get("QCORNER_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")
# proof/load.py's weights: who works at once, in what share.
ROLE_WEIGHTS = {"service_user": 16, "operator": 8, "coordinator_plant": 6, "coordinator_animal": 6,
                "enforcement": 5, "head": 5, "admin": 4}


def _stub_locust() -> None:
    """The locustfile imports locust (its own venv); these stand-ins let its people run on Flask's test client."""
    module = types.ModuleType("locust")

    def task(weight=1):
        if callable(weight):  # @task without a weight
            weight.locust_task_weight = 1
            return weight

        def mark(function):
            function.locust_task_weight = weight
            return function
        return mark

    class _Events:
        class _Hook:
            def add_listener(self, function):
                return function
        request = test_stop = _Hook()

    module.task = task
    module.between = lambda low, high: None
    module.events = _Events()
    module.FastHttpUser = type("FastHttpUser", (), {})
    sys.modules["locust"] = module


def backend_cpu_ns(pid: int) -> int:
    """A process's CPU time so far, in nanoseconds (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return 0


class PgBackends:
    """The PostgreSQL backends of one engine's pool, and the CPU they spend: their pids are recorded as the pool
    connects (and those already connected are read from pg_stat_activity), so other databases' work is not counted."""

    def __init__(self, engine, database: str):
        import psycopg2
        from sqlalchemy import event

        connection = psycopg2.connect(PG_ADMIN_DSN)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                           (database,))
            self.pids = {row[0] for row in cursor.fetchall()}
        connection.close()
        event.listen(engine, "connect", lambda dbapi, _record: self.pids.add(dbapi.get_backend_pid()))

    def snapshot(self) -> dict[int, int]:
        return {pid: backend_cpu_ns(pid) for pid in self.pids}

    def ticks(self) -> int:
        """utime + stime of every backend, in clock ticks: what proof/load.py's sampler adds up."""
        from proof.load_sampling import cpu_ticks
        return sum(cpu_ticks(pid) or 0 for pid in self.pids)

    @staticmethod
    def spent_ms(before: dict[int, int], after: dict[int, int]) -> float:
        """CPU between two snapshots; a backend connected in between counts from its start (its start-up is
        part of the request that needed it)."""
        return sum(ns - before.get(pid, 0) for pid, ns in after.items() if ns) / 1e6


class StatementCosts:
    """PostgreSQL's CPU per statement: the statement's backend read just before and after it runs."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.costs: dict[str, list[float]] = defaultdict(list)
        self.current = ""  # the request being served, for the statements-per-request count
        self.per_request: dict[str, list[int]] = defaultdict(list)
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    @staticmethod
    def _pid(connection) -> int:
        return connection.connection.dbapi_connection.get_backend_pid()

    def _before(self, connection, _cursor, _statement, _parameters, context, _many):
        context._bench_started = backend_cpu_ns(self._pid(connection))

    def _after(self, connection, _cursor, statement, _parameters, context, _many):
        spent = backend_cpu_ns(self._pid(connection)) - context._bench_started
        self.costs[" ".join(statement.split())].append(spent / 1e6)
        self.count += 1

    def start(self, name: str) -> None:
        self.current, self.count = name, 0

    def finish(self) -> None:
        self.per_request[self.current].append(self.count)


class _Response:
    def __init__(self, response):
        self.status_code = response.status_code
        self.content = response.get_data()
        self.text = self.content.decode("utf-8", "replace")
        self.headers = response.headers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def success(self):
        pass

    def failure(self, _why):
        pass


class TimedClient:
    """What the locustfile's `self.client` offers, on a Flask test client; every request's CPU time recorded."""

    def __init__(self, server, samples: dict, errors: dict, profiler: cProfile.Profile | None = None,
                 backends: PgBackends | None = None, pg_samples: dict | None = None,
                 statements: StatementCosts | None = None):
        self.server, self.samples, self.errors, self.profiler = server, samples, errors, profiler
        self.backends, self.pg_samples, self.statements = backends, pg_samples, statements
        self._client = server.test_client()
        self.cookiejar = types.SimpleNamespace(clear=self._new_client)

    def _new_client(self):
        self._client = self.server.test_client()

    def _call(self, method, path, name=None, data=None, headers=None, allow_redirects=True, **_ignored):
        name = name or f"{method} {path}"
        if self.statements:
            self.statements.start(name)
        pg_before = self.backends.snapshot() if self.backends else None  # read outside the worker's CPU window
        if self.profiler:  # the server's work only, not this stand-in browser's
            self.profiler.enable()
        started = time.process_time()
        response = self._client.open(path, method=method, data=data, headers=headers,
                                     follow_redirects=allow_redirects)
        spent = time.process_time() - started
        if self.profiler:
            self.profiler.disable()
        if self.backends:
            self.pg_samples[name].append(PgBackends.spent_ms(pg_before, self.backends.snapshot()))
        if self.statements:
            self.statements.finish()
        wrapped = _Response(response)
        self.samples[name].append(spent * 1000)
        if response.status_code >= 400:
            self.errors[name] += 1
        return wrapped

    def get(self, path, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self._call("POST", path, **kwargs)


def _tasks(cls) -> list:
    found = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if hasattr(value, "locust_task_weight"):
                found[name] = value
    return list(found.values())


def run_mix(server, actions: int, seed: int, samples: dict, errors: dict, profiler=None, **measured) -> None:
    """Each role's person does `actions × weight / 10` of its tasks, chosen by weight with a fixed seed."""
    _stub_locust()
    import dash_client
    import locustfile

    random.seed(seed)
    dash_client.time.time = time.time  # Intervals tick by the wall clock; harmless here
    classes = {"service_user": locustfile.ServiceUser, "operator": locustfile.Operator,
               "coordinator_plant": locustfile.CoordinatorPlant, "coordinator_animal": locustfile.CoordinatorAnimal,
               "enforcement": locustfile.Enforcement, "head": locustfile.Head, "admin": locustfile.Admin}
    for kind, cls in classes.items():
        person = object.__new__(cls)
        person.client = TimedClient(server, samples, errors, profiler, **measured)
        person.on_start()
        tasks = _tasks(cls)
        weights = [t.locust_task_weight for t in tasks]
        for _ in range(max(1, actions * ROLE_WEIGHTS[kind] // 10)):
            random.choices(tasks, weights)[0](person)


def build_database(keep: bool) -> str:
    import psycopg2

    from portal.demo.build import build_demo
    from portal.settings import load_settings

    name = f"qcorner_reqcpu_{uuid.uuid4().hex[:8]}"
    connection = psycopg2.connect(PG_ADMIN_DSN)
    connection.autocommit = True
    connection.cursor().execute(f'CREATE DATABASE "{name}"')
    connection.close()
    url = f"{PG_URL_PREFIX}/{name}"
    simulator = f"sqlite:///{Path('/tmp') / (name + '-sim.db')}"
    settings = load_settings(env="demo", database_url=url, iqfast_url=simulator, secret_key=secrets.token_hex(32))
    print("building the demo into", url, "…", flush=True)
    build_demo(settings, sync_history_days=30, say=lambda *a: print(*a, flush=True))
    if keep:
        print("kept:", url)
    return url


def analyze(url: str) -> None:
    """Fresh planner statistics, as autovacuum keeps them in production (it is off on the test server, and the
    demo's rollups were never analysed): without them PostgreSQL guessed one row where there are 30,000 and chose
    plans no production database would run."""
    import psycopg2

    connection = psycopg2.connect(PG_ADMIN_DSN, dbname=url.rsplit("/", 1)[1])
    connection.autocommit = True
    connection.cursor().execute("ANALYZE")
    connection.close()


def drop_database(url: str) -> None:
    import psycopg2

    connection = psycopg2.connect(PG_ADMIN_DSN)
    connection.autocommit = True
    connection.cursor().execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    connection.close()


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an existing database with the demo in it (else one is built)")
    parser.add_argument("--keep", action="store_true", help="keep the database built here")
    parser.add_argument("--actions", type=int, default=40, help="tasks per person of weight 10 (default 40)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", help="write a cProfile of the measured pass here and print the top ten")
    parser.add_argument("--statements", action="store_true", help="PostgreSQL's CPU per statement (slower)")
    args = parser.parse_args()

    url = args.url or build_database(args.keep)
    try:
        from portal import create_app
        from portal.migrate import upgrade

        upgrade(url)  # a kept database follows the code's migrations
        analyze(url)
        from portal.settings import load_settings

        # Production's code paths (no debug, no dev tools) over plain HTTP: secure cookies off for the test client.
        settings = load_settings(env="development", database_url=url, secret_key=secrets.token_hex(32))
        server = create_app(settings).server
        engine = server.extensions["qcorner_db"].engine
        backends = PgBackends(engine, engine.url.database)
        warm: dict = defaultdict(list)
        run_mix(server, max(2, args.actions // 4), args.seed + 1, warm, defaultdict(int))
        samples: dict = defaultdict(list)
        pg_samples: dict = defaultdict(list)
        errors: dict = defaultdict(int)
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        statements = StatementCosts(engine) if args.statements else None
        ticks_before = backends.ticks()
        run_mix(server, args.actions, args.seed, samples, errors, profiler, backends=backends, pg_samples=pg_samples,
                statements=statements)
        ticks = backends.ticks() - ticks_before
        every = [v for values in samples.values() for v in values]
        pg_every = [v for values in pg_samples.values() for v in values]
        slower = " (under the profiler)" if profiler else " (each statement timed: slower)" if statements else ""
        print(f"\n{len(every)} requests, {sum(errors.values())} answered ≥ 400"
              f"{' (' + ', '.join(f'{k}: {n}' for k, n in errors.items()) + ')' if errors else ''}; "
              f"load average {Path('/proc/loadavg').read_text().split()[0]}")
        print(f"worker CPU per request: median {statistics.median(every):.1f} ms, p90 {pct(every, 0.9):.1f} ms, "
              f"mean {statistics.fmean(every):.1f} ms, total {sum(every) / 1000:.1f} s{slower}")
        print(f"PostgreSQL CPU per request: median {statistics.median(pg_every):.2f} ms, p90 {pct(pg_every, 0.9):.2f} ms, "
              f"mean {statistics.fmean(pg_every):.2f} ms, total {sum(pg_every) / 1000:.1f} s "
              f"(utime + stime over the pass: {ticks / HZ:.1f} s, {1000 * ticks / HZ / len(pg_every):.2f} ms a request)"
              f"{slower}")
        print("\n| request | count | worker median ms | p90 ms | total s | PostgreSQL median ms | p90 ms | total s |"
              "\n|---|---|---|---|---|---|---|---|")
        for name, values in sorted(samples.items(), key=lambda item: -sum(item[1]))[:25]:
            pg = pg_samples[name]
            print(f"| `{name}` | {len(values)} | {statistics.median(values):.1f} | {pct(values, 0.9):.1f} | "
                  f"{sum(values) / 1000:.2f} | {statistics.median(pg):.2f} | {pct(pg, 0.9):.2f} | {sum(pg) / 1000:.2f} |")
        print("\nThe requests that cost PostgreSQL most:\n\n| request | count | PostgreSQL median ms | p90 ms | mean ms | "
              f"total s | share |{' statements a request (median) |' if statements else ''}"
              f"\n|---|---|---|---|---|---|---|{'---|' if statements else ''}")
        for name, pg in sorted(pg_samples.items(), key=lambda item: -sum(item[1]))[:15]:
            counted = f" {statistics.median(statements.per_request[name]):.0f} |" if statements else ""
            print(f"| `{name}` | {len(pg)} | {statistics.median(pg):.2f} | {pct(pg, 0.9):.2f} | "
                  f"{statistics.fmean(pg):.2f} | {sum(pg) / 1000:.2f} | {100 * sum(pg) / sum(pg_every):.1f} % |{counted}")
        if statements:
            in_statements = sum(sum(v) for v in statements.costs.values())
            print(f"\nPostgreSQL CPU per statement ({sum(len(v) for v in statements.costs.values())} statements, "
                  f"{in_statements / 1000:.1f} s; the rest of the requests' {sum(pg_every) / 1000:.1f} s is outside "
                  "them: the pool's pre-ping, BEGIN is inside the first, COMMIT and ROLLBACK):\n\n"
                  "| statement | count | per request | mean ms | total s | share |\n|---|---|---|---|---|---|")
            for text, costs in sorted(statements.costs.items(), key=lambda item: -sum(item[1]))[:20]:
                print(f"| `{text[:160]}` | {len(costs)} | {len(costs) / len(pg_every):.2f} | "
                      f"{statistics.fmean(costs):.3f} | {sum(costs) / 1000:.2f} | "
                      f"{100 * sum(costs) / in_statements:.1f} % |")
        if profiler:
            profiler.dump_stats(args.profile)
            stats = pstats.Stats(profiler)
            print("\nTop ten by own CPU time (tottime):")
            stats.sort_stats("tottime").print_stats(10)
            print("Top of our own code by cumulative CPU time:")
            stats.sort_stats("cumulative").print_stats(r"/(portal|callbacks|layouts|models)/", 15)
            print("Everything by cumulative CPU time:")
            stats.sort_stats("cumulative").print_stats(40)
    finally:
        if not args.url and not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
