"""Take the user manual's screenshots by driving the demo portal in Chromium.

    python docs/manual/make_screenshots.py --base-url http://127.0.0.1:8050 [--password qcorner-demo]

`make manual` runs it against a running `make run`; the test suite runs it too (on a small demo), so
the manual cannot silently break when a page changes. Each shot: who logs in, where, what to wait for.
"""
from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

OUT_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("QCORNER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def open_first_row(grid_id: str, wait_for: str) -> Callable:
    """Click the first row of a grid and wait for the page it opens."""
    def action(page):
        page.wait_for_selector(f"#{grid_id} .ag-row", timeout=20000)
        page.click(f"#{grid_id} .ag-row[row-index='0'] .ag-cell >> nth=1")
        page.wait_for_selector(wait_for, timeout=20000)
    return action


# Actions whose entries list changed fields, in the order the shot prefers them (the demo writes its guidance records
# through the audited service, so the first three are always there).
CHANGING_ACTIONS = ("guidance_cancelled", "guidance_planned", "guidance_recorded", "nnc_updated", "user_updated",
                    "user_created")


def open_changed_entry(page):
    """The audit log with the drawer of the newest entry that changed fields. A login changes none, and this script's
    own logins (one per person) fill the newest page on a demo it has run against before: then the log is narrowed to
    an action that changes fields, as an admin would narrow it."""
    page.wait_for_selector("#admin-audit-grid .ag-row", timeout=20000)
    changed = page.locator("#admin-audit-grid .ag-cell[col-id='changed']", has_text=re.compile(r"\w"))
    if not changed.count():
        options = page.locator("#admin-audit-action option")
        offered = [options.nth(i).get_attribute("value") for i in range(options.count())]
        action = next((name for name in CHANGING_ACTIONS if name in offered), None)
        if action is None:
            raise RuntimeError(f"the audit log holds no entry that changed fields (actions: {offered})")
        page.select_option("#admin-audit-action", action)
        changed.first.wait_for(timeout=20000)
    changed.first.click()
    page.wait_for_selector("#admin-audit-changes", timeout=20000)
    page.wait_for_timeout(400)  # the drawer's slide-in


def open_install_item(page):
    """The user menu with "Pasang aplikasi" (assets/qc-pwa.js shows it when the browser offers the install; a fresh
    screenshot context is incognito, where Chromium offers none, so the offer is announced here)."""
    page.wait_for_selector("#shell-user-name", state="attached")
    page.evaluate("window.dispatchEvent(new Event('beforeinstallprompt'))")
    if page.locator("#shell-navbar-toggler").is_visible():
        page.click("#shell-navbar-toggler")
        page.wait_for_selector("#shell-navbar-collapse.show:not(.collapsing)")
    page.click("#shell-user-name")
    page.wait_for_selector("#shell-install", state="visible")


@dataclass(frozen=True)
class Shot:
    name: str
    username: str | None      # None: not logged in
    path: str
    wait_for: str = "#shell-content h1"
    action: Callable | None = None
    phone: bool = False


SHOTS = (
    Shot("login", None, "/login", "#login-submit"),
    Shot("public-complaint", None, "/pengaduan", "#complaint-submit", phone=True),
    Shot("my-applications", "service_user", "/my/applications", phone=True),
    Shot("my-application", "service_user", "/my/applications", phone=True,
         action=lambda page: (page.wait_for_selector("#my-list a.stretched-link"),
                              page.click("#my-list a.stretched-link >> nth=0"),
                              page.wait_for_selector("#shell-content h1"))),
    Shot("my-notifications", "service_user", "/my/notifications", phone=True),
    Shot("my-complaints", "service_user", "/my/complaints", phone=True),
    Shot("my-install", "service_user", "/my/applications", phone=True, action=open_install_item),
    Shot("my-offline", "service_user", "/offline", "#pwa-offline", phone=True),
    Shot("nnc-list", "operator", "/nnc"),
    Shot("nnc-form", "operator", "/nnc/new"),
    Shot("applications", "operator", "/applications"),
    Shot("application-detail", "operator", "/applications",
         action=open_first_row("applications-grid", "#shell-content h1")),
    Shot("targeting-queue", "coordinator_plant", "/targeting/queue"),
    Shot("targeting-effect", "head", "/targeting/effectiveness"),
    Shot("complaints", "operator", "/complaints"),
    Shot("corrections", "operator", "/corrections"),
    Shot("rankings", "coordinator_plant", "/rankings"),
    Shot("profile", "coordinator_plant", "/rankings",
         action=open_first_row("rankings-grid", "#shell-content h1")),
    Shot("priority", "coordinator_plant", "/priority"),
    Shot("guidance", "enforcement", "/guidance"),
    Shot("survey-results", "head", "/survey-results"),
    Shot("kpi", "head", "/kpi"),
    Shot("offices", "national", "/offices", "#offices-grid .ag-row"),
    Shot("rankings-national", "national", "/rankings?office=national", "#rankings-grid .ag-row"),
    Shot("admin-users", "admin", "/admin/users"),
    Shot("admin-sync", "admin", "/admin/sync"),
    Shot("admin-compliance", "admin", "/admin/compliance"),
    Shot("admin-audit", "admin", "/admin/audit", action=open_changed_entry),
)


def take_screenshots(base_url: str, password: str, out_dir: Path = OUT_DIR, browser=None,
                     settle: bool = True) -> list[Path]:
    """Take every shot; returns the files written. Raises when a page does not show what it should.

    `browser`: a Chromium already launched by the caller (the test suite's); else one is launched here.
    `settle=False` (the test suite's check that every shot still finds its page): no pause for the last drawing and
    the grids' slide, which only the pictures need (a third of the script's time).
    """
    if browser is not None:
        return _take_all(browser, base_url, password, out_dir, settle)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return _take_all(chromium, base_url, password, out_dir, settle)
        finally:
            chromium.close()


def _take_all(chromium, base_url: str, password: str, out_dir: Path, settle: bool) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written, tabs = [], {}
    try:
        for shot in SHOTS:
            key = (shot.username, shot.phone)
            if key not in tabs:  # one login and one tab per person and screen size
                tabs[key] = _session(chromium, base_url, password, shot).new_page()
            written.append(_take(tabs[key], shot, out_dir, settle))
    finally:
        for tab in tabs.values():
            tab.context.close()
    return written


def _session(chromium, base_url: str, password: str, shot: Shot):
    viewport = {"width": 390, "height": 844} if shot.phone else {"width": 1366, "height": 850}
    context = chromium.new_context(viewport=viewport, base_url=base_url, locale="id-ID", is_mobile=shot.phone)
    context.set_default_timeout(20000)
    if shot.username:
        _log_in(context, shot.username, password)
    return context


def _log_in(context, username: str, password: str) -> None:
    """The login form posted from the context's own request client (its cookies are the tabs'): the form's CSRF
    token read from it, as a browser would send it. Drawing the home page in a tab only to close it took 2–3 s per
    person, and closing a tab still loading left Chromium waiting for ever on some machines."""
    form = context.request.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text())
    if not form.ok or token is None:
        raise RuntimeError(f"the login page gave no form to fill ({form.status})")
    answer = context.request.post("/login", form={"csrf_token": token.group(1), "username": username,
                                                  "password": password}, max_redirects=0)
    if answer.status != 302 or "/login" in answer.headers.get("location", "/login"):
        raise RuntimeError(f"{username} could not log in ({answer.status}): is the password right?")


def _grids_settled(page) -> None:
    """A grid whose rows grow to their text (autoHeight) lays them out again once they are drawn, and slides each to
    its new place: a shot taken then shows rows over each other. Waits until the rows' height holds, then for the
    slide (AG Grid's 400 ms)."""
    rows = page.locator(".ag-center-cols-container")
    if not rows.count():
        return
    before = None
    for _ in range(20):
        box = rows.first.bounding_box()
        height = box and box["height"]
        if height == before:
            break
        before = height
        page.wait_for_timeout(150)
    page.wait_for_timeout(450)


def _take(page, shot: Shot, out_dir: Path, settle: bool = True) -> Path:
    """The shot's page opened in the person's tab (each shot loads its page whole; the tab keeps the scripts it has
    already read, which a new tab for every shot read again)."""
    page.goto(shot.path)
    page.wait_for_selector(shot.wait_for)
    if shot.action:
        shot.action(page)
    # Let the page's callbacks fill tables and charts: none in flight, then a moment for the last one to draw
    # (a fixed second was both too long on a quiet machine and too short on a busy one).
    # A selector, not a script: the portal's CSP forbids evaluating strings.
    loading = '[data-dash-is-loading="true"]'
    page.wait_for_selector(loading, state="detached")
    if settle:
        page.wait_for_timeout(300)
        page.wait_for_selector(loading, state="detached")
        _grids_settled(page)
    path = out_dir / f"{shot.name}.png"
    page.screenshot(path=str(path), full_page=not shot.phone)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8050")
    parser.add_argument("--password", default=os.environ.get("QCORNER_DEMO_PASSWORD", "qcorner-demo"))
    parser.add_argument("--out", default=str(OUT_DIR))
    arguments = parser.parse_args()
    for path in take_screenshots(arguments.base_url, arguments.password, Path(arguments.out)):
        print(path)


if __name__ == "__main__":
    main()
