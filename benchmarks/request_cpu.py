"""Worker CPU per request over the load mix (issue #17): the CPU time (time.process_time) one web worker spends on
each request of `benchmarks/load/locustfile.py`'s people, driven through Flask's test client in this process.

    .venv/bin/python benchmarks/request_cpu.py                       # builds the demo into a new PostgreSQL database
    .venv/bin/python benchmarks/request_cpu.py --keep                # … and keeps it (prints its URL)
    .venv/bin/python benchmarks/request_cpu.py --url postgresql+psycopg2://…/qcorner_reqcpu_x   # reuses it
    .venv/bin/python benchmarks/request_cpu.py --url … --profile /tmp/mix.prof   # + the top ten costs (cProfile)

What runs: the demo's data (`qcorner demo`: one station, 110 days, the seven demo accounts) in PostgreSQL, so the
database's own CPU is not counted (it runs in other processes; this measures the worker only, as `proof/load.py`'s
"gunicorn workers" column). One person per role, in `proof/load.py`'s weights, each doing the locustfile's tasks
(login, full page loads, menu navigation, filters, paging, opening rows) with a fixed random seed, one after
another: the same requests in the same order on every run. Each request's CPU time is the process's CPU time across
the test client's call (the WSGI app end to end: session, user loading, guard, Dash, the callback, JSON).

CPU time, not wall time: it holds on a shared, loaded machine. Printed: the median, p90 and mean per request,
the same per kind of request, and with --profile the ten functions with the most own CPU time (tottime) and the
ten of our own code with the most cumulative time. A warm-up pass runs first (imports, first-call caches) and is
not counted.
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

    def __init__(self, server, samples: dict, errors: dict, profiler: cProfile.Profile | None = None):
        self.server, self.samples, self.errors, self.profiler = server, samples, errors, profiler
        self._client = server.test_client()
        self.cookiejar = types.SimpleNamespace(clear=self._new_client)

    def _new_client(self):
        self._client = self.server.test_client()

    def _call(self, method, path, name=None, data=None, headers=None, allow_redirects=True, **_ignored):
        if self.profiler:  # the server's work only, not this stand-in browser's
            self.profiler.enable()
        started = time.process_time()
        response = self._client.open(path, method=method, data=data, headers=headers,
                                     follow_redirects=allow_redirects)
        if self.profiler:
            self.profiler.disable()
        wrapped = _Response(response)
        self.samples[name or f"{method} {path}"].append((time.process_time() - started) * 1000)
        if response.status_code >= 400:
            self.errors[name or path] += 1
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


def run_mix(server, actions: int, seed: int, samples: dict, errors: dict, profiler=None) -> None:
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
        person.client = TimedClient(server, samples, errors, profiler)
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
    args = parser.parse_args()

    url = args.url or build_database(args.keep)
    try:
        from portal import create_app
        from portal.migrate import upgrade

        upgrade(url)  # a kept database follows the code's migrations
        from portal.settings import load_settings

        # Production's code paths (no debug, no dev tools) over plain HTTP: secure cookies off for the test client.
        settings = load_settings(env="development", database_url=url, secret_key=secrets.token_hex(32))
        server = create_app(settings).server
        warm: dict = defaultdict(list)
        run_mix(server, max(2, args.actions // 4), args.seed + 1, warm, defaultdict(int))
        samples: dict = defaultdict(list)
        errors: dict = defaultdict(int)
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        run_mix(server, args.actions, args.seed, samples, errors, profiler)
        every = [v for values in samples.values() for v in values]
        print(f"\n{len(every)} requests, {sum(errors.values())} answered ≥ 400"
              f"{' (' + ', '.join(f'{k}: {n}' for k, n in errors.items()) + ')' if errors else ''}")
        print(f"worker CPU per request: median {statistics.median(every):.1f} ms, p90 {pct(every, 0.9):.1f} ms, "
              f"mean {statistics.fmean(every):.1f} ms, total {sum(every) / 1000:.1f} s"
              f"{' (under the profiler)' if profiler else ''}")
        print("\n| request | count | median ms | p90 ms | total s |\n|---|---|---|---|---|")
        for name, values in sorted(samples.items(), key=lambda item: -sum(item[1]))[:25]:
            print(f"| `{name}` | {len(values)} | {statistics.median(values):.1f} | {pct(values, 0.9):.1f} | "
                  f"{sum(values) / 1000:.2f} |")
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
