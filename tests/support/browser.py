"""Real Chromium helpers: context options, screenshots under test-artifacts/, logging in like a person."""
from __future__ import annotations

import os

from support.web import PASSWORD, token_in

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts", "screenshots")

CHROMIUM = os.environ.get("QCORNER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# Playwright runs a string given to wait_for_function through eval, which the portal's Content-Security-Policy
# forbids; test contexts bypass the policy, except test_security_headers.py, which checks the pages run under it.
PAGE_OPTIONS = {"viewport": {"width": 1366, "height": 850}, "locale": "id-ID"}
PHONE_OPTIONS = {"viewport": {"width": 390, "height": 844}, "locale": "id-ID", "is_mobile": True, "has_touch": True,
                 "device_scale_factor": 2}


def screenshot(page, name: str) -> str:
    """Save a full-page screenshot under test-artifacts/screenshots/ and return its path."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.abspath(os.path.join(ARTIFACTS, f"{name}.png"))
    page.screenshot(path=path, full_page=True)
    return path


def fill(page, values: dict[str, str]) -> None:
    """Type each value into the field its selector names, in order, like a person going down a form."""
    for selector, value in values.items():
        page.fill(selector, value)


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form like a person does."""
    page.goto("/login")
    fill(page, {"#username": username, "#password": password})
    page.click("#login-submit")


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Log the tab's browser context in without drawing a page: the login form is posted (with its CSRF token) from
    the context's own request client, whose cookies are the tabs'. For tests whose subject is another page, which
    they open next: the login form and the home page it leads to took 1–2 s a test (test_browser_login.py and the
    tests of a role's landing page log in through the form)."""
    form = page.request.get("/login")
    assert form.ok, f"no login form ({form.status})"
    answer = page.request.post("/login", form={"csrf_token": token_in(form.text()), "username": username,
                                               "password": password}, max_redirects=0)
    assert answer.status == 302 and "/login" not in answer.headers.get("location", "/login"), (
        f"{username} could not log in ({answer.status})")


def browser_logout(page) -> None:
    """Log out through the user menu's form (a POST with the CSRF token), like a person does; on a phone the menu
    is behind the navbar's toggler first."""
    page.wait_for_selector("#shell-user-name", state="attached")  # the shell is drawn (the toggler shows or not)
    if page.locator("#shell-navbar-toggler").is_visible():
        page.click("#shell-navbar-toggler")
        page.wait_for_selector("#shell-navbar-collapse.show:not(.collapsing)")
    page.click("#shell-user-name")
    page.click("#shell-logout")
    page.wait_for_url("**/login")


def open_from_menu(tab, item_id: str) -> None:
    """Open a page from the menu as a person does (on a phone, through the collapsed menu first)."""
    from playwright.sync_api import expect

    through_toggler = not tab.locator(f"#{item_id}").is_visible()
    if through_toggler:
        tab.click("#shell-navbar-toggler")
    tab.click(f"#{item_id}")
    if through_toggler:  # the chosen page is not left under the open menu
        expect(tab.locator(f"#{item_id}")).to_be_hidden()


# --- long tasks (PerformanceObserver 'longtask': a task that held the main thread for more than 50 ms) -------------
# Installed before any page script runs (page.add_init_script), buffered, so no task of a new document is missed.
LONG_TASK_OBSERVER = """
(() => {
  window.__qcLongTasks = [];
  if (!('PerformanceObserver' in window)) return;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__qcLongTasks.push({start: Math.round(entry.startTime), duration: Math.round(entry.duration)});
    }
  }).observe({type: 'longtask', buffered: true});
})();
"""
LONG_TASK_LIMIT_MS = 200  # issue #14: no browser task longer than this on any page


def record_long_tasks(page) -> None:
    """Watch every document this tab opens from now on for long tasks (call before the first page.goto)."""
    page.add_init_script(LONG_TASK_OBSERVER)


def forget_long_tasks(page) -> None:
    """Start counting afresh: e.g. after the login, so the scripts' first parse does not count against a page
    opened later from the menu (the menu navigates inside the same document)."""
    page.evaluate("window.__qcLongTasksFrom = performance.now()")


def long_tasks(page) -> list[dict]:
    """The long tasks that began since the document opened or the last forget_long_tasks, as
    [{'start': ms, 'duration': ms}] (by start time: an observer may hear of an earlier task only later)."""
    return page.evaluate("window.__qcLongTasks.filter((task) => task.start >= (window.__qcLongTasksFrom || 0))")


def settle(page, quiet_ms: int = 500) -> None:
    """Wait until Dash has no callback in flight, then a moment more, so the tasks the page caused have ended and
    been reported before long_tasks() reads them (an observer hears of a task only after it ends)."""
    busy = "!document.querySelector('[data-dash-is-loading=\"true\"]')"
    page.wait_for_function(busy)
    page.wait_for_timeout(quiet_ms)
    page.wait_for_function(busy)


# A synthetic `beforeunload`, as a reload or a closed tab sends it: whether the page asks to stay (unsaved changes,
# layouts/components/unsaved.py).
ASKS_ON_RELOAD = """(asks) => {
    const event = new Event("beforeunload", {cancelable: true});
    window.dispatchEvent(event);
    return event.defaultPrevented === asks;
}"""


def asks_on_reload(page, asks: bool) -> None:
    """Wait until a reload would (or would not) be asked about: the form is compared in the browser as it changes,
    and on a loaded machine the page's last callbacks (the form's values, then its comparison) came after 5 s (the
    survey plan's "untouched" read as changed twice in CI-like runs, and never alone)."""
    page.wait_for_function(ASKS_ON_RELOAD, arg=asks, timeout=15000)
