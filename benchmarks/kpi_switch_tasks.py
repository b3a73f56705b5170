"""The KPI panel's longest browser task when the head changes its period, in real Chromium: this code against
another, alternated in one run so both meet the same moment of a shared machine.

    make demo        # once; then serve this checkout and, beside it, the code to compare with:
    QCORNER_ENV=demo QCORNER_IQFAST_URL=sqlite:///$PWD/instance/iqfast-sim.db .venv/bin/qcorner serve --port 8060
    git worktree add /tmp/base <commit> && ln -s $PWD/instance /tmp/base/instance && cd /tmp/base && \\
        QCORNER_ENV=demo QCORNER_IQFAST_URL=sqlite:///$OLDPWD/instance/iqfast-sim.db \\
        $OLDPWD/.venv/bin/python -m portal serve --port 8061
    .venv/bin/python benchmarks/kpi_switch_tasks.py --url http://127.0.0.1:8060 --baseline-url http://127.0.0.1:8061

Each round signs in as the head, opens the panel and switches its period sixteen times (this quarter, last month,
this year, last quarter, four times over); for each switch it takes the longest task (PerformanceObserver
'longtask', from the switch until the page is quiet). Prints per server and round the median and the longest of
the sixteen, and the ratio of the medians (this code ÷ the baseline). The bound (issue #14): no task over 200 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.browser_tasks import CHROMIUM, FLAGS, in_turn, server_arguments, servers, signed_in_tab  # noqa: E402

PRESETS = ("this_quarter", "last_month", "this_year", "last_quarter")


def switches(browser, url: str, user: str, password: str, repeats: int = 4) -> list[int]:
    """The longest task of each period switch (0 when none passed 50 ms)."""
    page = signed_in_tab(browser, url, user, password)
    page.wait_for_load_state("networkidle")
    page.goto("/kpi")
    page.wait_for_selector("#kpi-cards > *")
    page.wait_for_load_state("networkidle")
    time.sleep(1.5)
    longest = []
    for _ in range(repeats):
        for preset in PRESETS:
            page.evaluate("window.__qcTasks = []")
            page.select_option("#kpi-preset", preset)
            page.wait_for_load_state("networkidle")
            time.sleep(0.8)  # the answers drawn, and any task they started over
            longest.append(max(page.evaluate("window.__qcTasks") or [0]))
    page.context.close()
    return longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_arguments(parser)
    parser.add_argument("--user", default="head")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    named = servers(args)
    medians: dict[str, list[float]] = {name: [] for name, _url in named}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for round_number in range(1, args.rounds + 1):
            for name, url in in_turn(named, round_number):
                tasks = switches(browser, url, args.user, args.password)
                medians[name].append(statistics.median(tasks))
                print(f"round {round_number} {name:9}: median {statistics.median(tasks):5.0f} ms, longest "
                      f"{max(tasks):4d} ms, over 200 ms: {sum(task > 200 for task in tasks)} of {len(tasks)}")
        browser.close()
    if args.baseline_url:
        ratio = statistics.median(medians["this code"]) / max(1.0, statistics.median(medians["baseline"]))
        print(f"median of the rounds' medians, this code ÷ baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
