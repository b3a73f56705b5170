"""The longest browser task of the officers' lists whose cells wrap (the applications list, the inspection queue, the
IQFast sync history), in real Chromium: this code against another, alternated in one run so both meet the same
moment of a shared machine.

    # the demo served from this checkout on 8060 and the code to compare with on 8061, as kpi_switch_tasks.py says
    .venv/bin/python benchmarks/wrapped_rows_tasks.py --url http://127.0.0.1:8060 --baseline-url http://127.0.0.1:8061

Each round signs in as the operator, the plant coordinator and the admin, and for each of their lists opens it
(a whole page load, the scripts in the browser's cache) and turns to its next page, `--repeats` times; for each it
takes the longest task (PerformanceObserver 'longtask', until the page is quiet) and the number of layouts of the
page (Chromium's trace). Prints per server, list and round the median and the longest task, how many passed 200 ms,
the median layouts, and the ratio of the medians (this code ÷ the baseline). The bound (issue #14): no task over
200 ms.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.browser_tasks import CHROMIUM, FLAGS, in_turn, server_arguments, servers, signed_in_tab  # noqa: E402

# (who, the list's page, its pager's prefix)
LISTS = (("operator", "/applications", "applications"), ("coordinator_plant", "/targeting/queue", "queue"),
         ("admin", "/admin/sync", "admin-sync-runs"))


def _quiet(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')")
    time.sleep(0.8)  # the rows drawn and measured, and any task they started over


def _layouts(trace: bytes) -> int:
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    return sum(event.get("name") == "Layout" for event in events)


def visits(browser, url: str, user: str, path: str, pager: str, password: str, repeats: int) -> dict[str, list[int]]:
    """The longest task and the layouts of each load of the list and each turn to its next page."""
    page = signed_in_tab(browser, url, user, password, viewport={"width": 1366, "height": 850})
    page.goto(path)  # the scripts into the browser's cache: every load measured below is a returning one
    _quiet(page)
    found: dict[str, list[int]] = {"load": [], "load layouts": [], "next page": [], "next page layouts": []}
    for _ in range(repeats):
        browser.start_tracing(page=page, categories=["devtools.timeline"])
        page.goto(path)
        page.wait_for_selector(".ag-center-cols-container .ag-row")
        _quiet(page)
        found["load layouts"].append(_layouts(browser.stop_tracing()))
        found["load"].append(max(page.evaluate("window.__qcTasks") or [0]))
        next_button = page.locator(f"#{pager}-next")
        if next_button.count() and next_button.is_enabled():
            page.evaluate("window.__qcTasks = []")
            browser.start_tracing(page=page, categories=["devtools.timeline"])
            next_button.click()
            _quiet(page)
            found["next page layouts"].append(_layouts(browser.stop_tracing()))
            found["next page"].append(max(page.evaluate("window.__qcTasks") or [0]))
    page.context.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_arguments(parser)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    medians: dict[tuple[str, str, str], list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for round_number in range(1, args.rounds + 1):
            for name, url in in_turn(servers(args), round_number):
                for user, path, pager in LISTS:
                    found = visits(browser, url, user, path, pager, args.password, args.repeats)
                    for step in ("load", "next page"):
                        tasks, layouts = found[step], found[f"{step} layouts"]
                        if not tasks:
                            continue
                        medians.setdefault((name, path, step), []).append(statistics.median(tasks))
                        print(f"round {round_number} {name:9} {path:17} {step:9}: longest task median "
                              f"{statistics.median(tasks):4.0f} ms, longest {max(tasks):4d} ms, over 200 ms "
                              f"{sum(task > 200 for task in tasks)} of {len(tasks)}; layouts median "
                              f"{statistics.median(layouts):4.0f}")
        browser.close()
    if args.baseline_url:
        for (name, path, step), values in medians.items():
            if name == "this code" and ("baseline", path, step) in medians:
                ratio = statistics.median(values) / max(1.0, statistics.median(medians[("baseline", path, step)]))
                print(f"{path} {step}: median of the rounds' medians, this code ÷ baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
