"""A chart page's first visit with plotly.js's basic bundle (what the portal loads, assets/qc-plotly.js) against
the full bundle dcc.Graph loads by default, in one run.

    .venv/bin/python benchmarks/chart_bundle.py [--tries 5]

Creates a PostgreSQL database (benchmarks/common.py) with a company of 400 applications over a year (the tests'
bulk builder, tests/support/heavy_data.py), its scores and the KPI rollups; serves the portal in this process; opens
each chart page in a fresh browser context (a first visit: nothing cached) in real Chromium, the two bundles
alternating. The full bundle is had by answering assets/qc-plotly.js with an empty script.

For each page and bundle (median of --tries): the wall time from the address to every chart drawn, and the main
thread's busy time over the same span (Chromium's TaskDuration: the time the page could not answer a tap, which a
busy shared machine stretches less than the wall time); the ratio basic / full of each.
"""
from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.common import create_database, drop_database  # noqa: E402
from benchmarks.pages import CHROMIUM, CHROMIUM_ARGS, PASSWORD  # noqa: E402

BUNDLES = ("basic", "full")


def build(url: str) -> int:
    """The data, the accounts and the rollups; the company's id (its profile has a chart)."""
    from support.heavy_data import build_heavy_company
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.services import users
    from portal.services.compliance.rollup import recompute_all
    from portal.services.kpi.rollup import rebuild_kpi_rollups

    upgrade(url)
    database = Database(url)
    with database.session() as s:
        company = build_heavy_company(s, applications=400, handlers=12)
        office, plant = users.office_id_by_code(s, "0300"), users.section_id_by_code(s, "plant")
        for username, role, section in (("bench_coord", "coordinator", plant), ("bench_head", "head", None)):
            users.create_user(s, None, {"username": username, "role": role, "full_name": username.title(),
                                        "office_id": office, "section_id": section, "password": PASSWORD})
    with database.session() as s:
        recompute_all(s)
    with database.session() as s:
        rebuild_kpi_rollups(s)
    database.dispose()
    return company.id


def first_visit(browser, base: str, username: str, path: str, charts: int, bundle: str) -> tuple[float, float]:
    """(wall ms, main-thread busy ms) of one first visit of `path`, until its `charts` charts are drawn."""
    from support.browser import sign_in

    context = browser.new_context(base_url=base, bypass_csp=True, viewport={"width": 1440, "height": 900})
    try:
        if bundle == "full":
            context.route("**/assets/qc-plotly.js*",
                          lambda route: route.fulfill(body="", content_type="application/javascript"))
        page = context.new_page()
        page.set_default_timeout(60000)
        sign_in(page, username, PASSWORD)
        page.goto("/login")  # the shell's own scripts parsed once, as after a login; the chart page's are not
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        busy = _task_ms(cdp)
        started = time.perf_counter()
        page.goto(path)
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}")
        page.wait_for_load_state("networkidle")
        loaded = page.evaluate("window.Plotly && window.Plotly.version")
        assert loaded, "no chart library"
        wall = (time.perf_counter() - started) * 1000
        return wall, _task_ms(cdp) - busy
    finally:
        context.close()


def _task_ms(cdp) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("portal").setLevel(logging.WARNING)  # a line per login would bury the figures
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    name, url = create_database("qcorner_bench_charts")
    try:
        company = build(url)
        from portal import create_app
        from portal.settings import load_settings

        app = create_app(load_settings(env="development", database_url=url, secret_key=secrets.token_hex(32)))
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        pages = (("KPI panel (head)", "bench_head", "/kpi", 2),
                 ("Ranking (coordinator)", "bench_coord", "/rankings", 1),
                 ("Company profile (coordinator)", "bench_coord", f"/profile/{company}", 1))
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for title, username, path, charts in pages:
                first_visit(browser, base, username, path, charts, "basic")  # the server's own first answers
                for attempt in range(args.tries):
                    order = BUNDLES if attempt % 2 == 0 else BUNDLES[::-1]
                    for bundle in order:
                        results.setdefault((title, bundle), []).append(
                            first_visit(browser, base, username, path, charts, bundle))
            browser.close()
        server.shutdown()
        print(f"\nfirst visit of a chart page, median of {args.tries} (ms)")
        print(f"{'page':32} {'basic wall':>10} {'full wall':>10} {'ratio':>6}   {'basic busy':>10} {'full busy':>10} "
              f"{'ratio':>6}")
        for title, _username, _path, _charts in pages:
            basic = [statistics.median(v) for v in zip(*results[(title, "basic")])]
            full = [statistics.median(v) for v in zip(*results[(title, "full")])]
            print(f"{title:32} {basic[0]:10.0f} {full[0]:10.0f} {basic[0] / full[0]:6.2f}   {basic[1]:10.0f} "
                  f"{full[1]:10.0f} {basic[1] / full[1]:6.2f}")
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
