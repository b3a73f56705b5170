"""The heaviest page of each role against a light one, in one run: server time and the browser's longest task.

    .venv/bin/python benchmarks/pages.py [--tries 3] [--keep]

Creates a PostgreSQL database (benchmarks/common.py), builds the heaviest users with the tests' bulk builder
(tests/support/heavy_data.py): a company with 5,000 applications and 108 handlers over a year, a small company with
40, a year of sync runs every five minutes; computes the compliance scores and KPI rollups; serves the portal in
this process and opens each page from the menu in real Chromium, as a person does.

For each page, light and heavy (median of --tries):
- server time: the CPU time (thread time) the portal's Python spent answering every request the page made —
  its layout and all its callbacks, chained ones included — from the click until the page is drawn and quiet;
  and the same requests' wall time, summed, which adds the time spent waiting for PostgreSQL;
- the browser's longest task (PerformanceObserver 'longtask', from the click on).

The pairs: the largest company's profile / a small company's (coordinator); the forwarder's applications with
5,000 / the small company's account with 40 (service user); the sync page after a year of runs / after an hour
(admin); the KPI panel for this year / this month (head); the ranking against the small company's profile (the
coordinator's light page: the ranking has no light twin in one office). Aim (issue #14): heavy within 3× the light
server time, no task over 200 ms.
"""
from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.common import create_database, drop_database  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "bench-password-123"
UTC = timezone.utc


class CpuMeter:
    """WSGI middleware: the CPU time of this process's request threads, summed (the server is threaded, one
    request a thread, so a thread's time while it answers is that request's), and the requests' wall time, summed
    (which adds the time spent waiting for PostgreSQL)."""

    def __init__(self, app):
        self.app, self.cpu, self.wall, self.lock = app, 0.0, 0.0, threading.Lock()

    def __call__(self, environ, start_response):
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return list(self.app(environ, start_response))  # the body too: Dash answers in one piece anyway
        finally:
            with self.lock:
                self.cpu += time.thread_time() - cpu
                self.wall += time.perf_counter() - wall

    def take(self) -> tuple[float, float]:
        """(CPU ms, wall ms) since the last take."""
        with self.lock:
            spent, self.cpu, self.wall = (self.cpu * 1000, self.wall * 1000), 0.0, 0.0
        return spent


def build(url: str) -> dict:
    """The heavy and light data, the accounts, the rollups; returns the companies' names."""
    from support.heavy_data import build_heavy_company, build_sync_year
    from support.portal_helpers import link_account
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.services import users
    from portal.services.compliance.rollup import recompute_all
    from portal.services.kpi.rollup import rebuild_kpi_rollups

    upgrade(url)
    database = Database(url)
    with database.session() as s:
        heavy = build_heavy_company(s, applications=5000, handlers=108)
        small = build_heavy_company(s, applications=40, handlers=3, name="CV Kecil Makmur", seed=3, nncs=1)
        build_sync_year(s, now=datetime.now(UTC) - timedelta(days=366), days=1 / 24)  # a fresh install's hour
        office, plant = users.office_id_by_code(s, "0300"), users.section_id_by_code(s, "plant")
        for username, role, section in (("bench_coord", "coordinator", plant), ("bench_admin", "admin", None),
                                        ("bench_head", "head", None), ("bench_forwarder", "service_user", None),
                                        ("bench_small", "service_user", None)):
            users.create_user(s, None, {"username": username, "role": role, "full_name": username.title(),
                                        "office_id": office, "section_id": section, "password": PASSWORD})
        link_account(s, "bench_forwarder", heavy)
        link_account(s, "bench_small", small)
    with database.session() as s:
        recompute_all(s)
    with database.session() as s:
        rebuild_kpi_rollups(s)
    database.dispose()
    return {"heavy": heavy.name, "small": small.name}


def add_sync_year(url: str) -> int:
    from support.heavy_data import build_sync_year
    from portal.db import Database

    database = Database(url)
    with database.session() as s:
        count = build_sync_year(s)
    database.dispose()
    return count


class Bench:
    def __init__(self, browser, base: str, meter: CpuMeter, tries: int):
        self.browser, self.base, self.meter, self.tries = browser, base, meter, tries
        self.results: dict[str, dict[str, tuple[float, int]]] = {}

    def tab(self, username: str):
        from support.browser import browser_login, record_long_tasks

        context = self.browser.new_context(base_url=self.base, bypass_csp=True,
                                           viewport={"width": 1440, "height": 900}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(60000)
        record_long_tasks(page)
        browser_login(page, username, PASSWORD)
        page.wait_for_selector("#shell-content > *")
        return context, page

    def once(self, page, action, ready: str) -> tuple[float, float, int]:
        from support.browser import forget_long_tasks, long_tasks, settle

        settle(page)
        forget_long_tasks(page)
        self.meter.take()
        action()
        page.wait_for_selector(ready)
        settle(page)
        cpu, wall = self.meter.take()
        return cpu, wall, max((task["duration"] for task in long_tasks(page)), default=0)

    def measure(self, name: str, side: str, page, action, ready: str, between=None) -> None:
        tries = []
        for number in range(self.tries):
            if number and between:
                between()
            tries.append(self.once(page, action, ready))
        cpu, wall = statistics.median(t[0] for t in tries), statistics.median(t[1] for t in tries)
        longest = (int(statistics.median(t[2] for t in tries)), max(t[2] for t in tries))
        self.results.setdefault(name, {})[side] = (cpu, wall, longest)
        print(f"  {name:<18} {side:<6} server CPU {cpu:5.0f} ms, wall {wall:5.0f} ms   longest task "
              f"{longest[0]:4d} ms (worst {longest[1]:4d} ms)   tries {[tuple(round(v) for v in t) for t in tries]}",
              flush=True)


def menu(page, item: str, group: str | None = None):
    def click():
        if group:
            page.click(f"#shell-nav-group-{group}")
        page.click(f"#shell-nav-{item}")
    return click


def run(bench: Bench, names: dict, url: str) -> None:
    # Coordinator: the largest company's profile, the small one's, the ranking.
    context, page = bench.tab("bench_coord")
    page.wait_for_selector("#rankings-grid .ag-row")

    def profile(name):
        return lambda: page.click(f"#rankings-grid .ag-row:has-text('{name}') [col-id='name']")

    def back():
        page.click("#profile-back")
        page.wait_for_selector("#rankings-grid .ag-row")
        # Sections opened stay open for that company in the tab (layouts/profile.py persistence): each visit measured
        # opens them again, as a first visit does.
        page.evaluate("""Object.keys(sessionStorage).filter(name => name.startsWith('_dash_persistence.profile-'))
            .forEach(name => sessionStorage.removeItem(name))""")

    bench.measure("profile", "light", page, profile(names["small"]), "#profile-name", back)
    back()
    bench.measure("profile", "heavy", page, profile(names["heavy"]), "#profile-name", back)
    def sections():
        page.click("#profile-sections .accordion-button:has-text('Riwayat tindakan 3P')")
        page.click("#profile-sections .accordion-button:has-text('Pengurus dokumen')")

    def reopen(name):
        def again():
            back()
            profile(name)()
            page.wait_for_selector("#profile-name")
        return again

    for side in ("heavy", "light"):
        if side == "light":
            reopen(names["small"])()
        bench.measure("profile sections", side, page, sections, "#profile-handlers-grid .ag-row",
                      reopen(names[side if side == "heavy" else "small"]))
    back()
    bench.results["ranking"] = {"light": bench.results["profile"]["light"]}

    def elsewhere():
        menu(page, "priority", "compliance")()
        page.wait_for_url("**/priority")

    elsewhere()
    bench.measure("ranking", "heavy", page, menu(page, "rankings", "compliance"), "#rankings-grid .ag-row",
                  elsewhere)
    context.close()

    # Service users: the forwarder's applications (5,000) and the small company's (40).
    for side, username in (("light", "bench_small"), ("heavy", "bench_forwarder")):
        context, page = bench.tab(username)
        page.wait_for_selector("#my-list .qc-app-card")
        go_away = menu(page, "my-notifications")
        go_away()
        bench.measure("my applications", side, page, menu(page, "my"), "#my-list .qc-app-card",
                      lambda: (go_away(), page.wait_for_url("**/my/notifications")))
        context.close()

    # Admin: the sync page after an hour of runs, then after a year.
    context, page = bench.tab("bench_admin")
    page.wait_for_selector("#admin-users-grid .ag-row")
    away = menu(page, "admin-users", "admin")
    bench.measure("sync page", "light", page, menu(page, "admin-sync", "admin"), "#admin-sync-runs-grid .ag-row",
                  lambda: (away(), page.wait_for_selector("#admin-users-grid .ag-row")))
    print(f"  (+{add_sync_year(url):,} sync runs)", flush=True)
    away()
    page.wait_for_selector("#admin-users-grid .ag-row")
    bench.measure("sync page", "heavy", page, menu(page, "admin-sync", "admin"), "#admin-sync-runs-grid .ag-row",
                  lambda: (away(), page.wait_for_selector("#admin-users-grid .ag-row")))
    context.close()

    # Head: the KPI panel for this month, then this year.
    context, page = bench.tab("bench_head")
    page.wait_for_selector("#kpi-cards > *")

    def period(value):
        def choose():
            page.select_option("#kpi-preset", value)
        return choose

    label = "#kpi-period-label"
    period("last_month")()
    bench.measure("KPI panel", "light", page, period("this_month"), f"{label}:not(:empty)",
                  lambda: (period("last_month")(), page.wait_for_timeout(300)))
    bench.measure("KPI panel", "heavy", page, period("this_year"), f"{label}:not(:empty)",
                  lambda: (period("last_month")(), page.wait_for_timeout(300)))
    context.close()


def report(results: dict) -> None:
    """A Markdown table: server CPU and wall time (medians) light → heavy with their ratios, the longest task
    (median of the tries, the worst in brackets)."""
    print("\n| page | server CPU light → heavy | ratio | server wall light → heavy | ratio "
          "| longest task light | longest task heavy |")
    print("|---|---|---|---|---|---|---|")
    for name, sides in results.items():
        (cpu_l, wall_l, task_l), (cpu_h, wall_h, task_h) = sides["light"], sides["heavy"]
        print(f"| {name} | {cpu_l:.0f} → {cpu_h:.0f} ms | {cpu_h / cpu_l:.2f}× | {wall_l:.0f} → {wall_h:.0f} ms "
              f"| {wall_h / wall_l:.2f}× | {task_l[0]} ms ({task_l[1]}) | {task_h[0]} ms ({task_h[1]}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line a request would bury the results
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    name, url = create_database("qcorner_bench_pages")
    try:
        started = time.perf_counter()
        names = build(url)
        print(f"built in {time.perf_counter() - started:.0f} s ({url.rsplit('/', 1)[-1]})", flush=True)
        from portal import create_app
        from portal.settings import load_settings

        app = create_app(load_settings(env="development", database_url=url, secret_key=secrets.token_hex(32)))
        meter = CpuMeter(app.server.wsgi_app)
        app.server.wsgi_app = meter
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            bench = Bench(browser, f"http://127.0.0.1:{server.server_port}", meter, args.tries)
            run(bench, names, url)
            browser.close()
        server.shutdown()
        report(bench.results)
    finally:
        if not args.keep:
            drop_database(name)


if __name__ == "__main__":
    main()
