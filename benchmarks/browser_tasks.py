"""What the browser benchmarks share that compare this code with another, both served from the demo beside each
other (kpi_switch_tasks.py, wrapped_rows_tasks.py): Chromium as the tests drive it, the long-task observer, a tab
signed in as a demo person, and the servers taken in turn round after round."""
from __future__ import annotations

import argparse

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
# Every task over 50 ms of the document, from its first script on (PerformanceObserver 'longtask').
OBSERVER = """(() => { window.__qcTasks = []; new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__qcTasks.push(Math.round(entry.duration)); })
  .observe({type: 'longtask', buffered: true}); })();"""


def server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default="http://127.0.0.1:8060")
    parser.add_argument("--baseline-url")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--password", default="qcorner-demo")


def servers(args: argparse.Namespace) -> list[tuple[str, str]]:
    """("this code", its address) and, when given, ("baseline", the other's)."""
    return [("this code", args.url)] + ([("baseline", args.baseline_url)] if args.baseline_url else [])


def in_turn(named: list[tuple[str, str]], round_number: int) -> list[tuple[str, str]]:
    """The servers in this round's order: alternated, so neither always meets the machine first."""
    return named if round_number % 2 else named[::-1]


def signed_in_tab(browser, url: str, user: str, password: str, **options):
    """A tab of a new browser context (a laptop's screen, Indonesian) that watches its long tasks, signed in through
    the login form as `user`. bypass_csp: Playwright runs wait_for_function through eval, which the portal's policy
    forbids."""
    context = browser.new_context(**{"viewport": {"width": 1366, "height": 768}, "locale": "id-ID", "base_url": url,
                                     "bypass_csp": True, **options})
    page = context.new_page()
    page.add_init_script(OBSERVER)
    page.goto("/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda address: "/login" not in address)
    return page
