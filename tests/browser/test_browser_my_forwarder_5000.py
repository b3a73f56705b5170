"""A forwarder with 5,000 applications (and ~20,000 notifications) in real Chromium: its pages have no long task,
its inbox pages by twenty and "mark all read" clears it.

The forwarder takes ~10 s to build, so this module builds it (and the small company it is compared with) once and
commits it: a test logging in, measuring or reading changes none of it, the one that marks the inbox read puts it
back unread afterwards (`clean_database` below), and the database goes back to its migrated content after the
module's last test.

The long-task test: each step (a page opened from the menu, a search typed, the next page) is tried up to three
times and its best try counts, so one moment of a busy shared machine does not decide. A step fails when its best try
holds a task over issue #14's 200 ms (LONG_TASK_LIMIT_MS) AND over twice the same step's best try for a small company
in the same browser: the ratio only takes over when the machine is so loaded that even the small company's page passes
200 ms (on a 2-core machine shared by several test runs a 140 ms task was seen to take 720 ms). A try within the limit
ends the step's tries (no later try can fail it), and the small company is measured only when a step went over.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from models import ServiceUser
from models.service_portal import NotificationOutbox
from portal.services import notifications
from support.browser import (LONG_TASK_LIMIT_MS, browser_login, browser_logout, forget_long_tasks, long_tasks,
                             open_from_menu, record_long_tasks, screenshot, settle)
from support.factories import gen_application, gen_service_user
from support.heavy_data import build_heavy_company
from support.portal_helpers import link_account, synced_events

pytestmark = pytest.mark.browser
UTC = timezone.utc


TRIES = 3
RATIO = 2.0


def _longest_task(tab, action) -> int:
    """The longest browser task (ms) while `action` runs and the page settles afterwards."""
    settle(tab)
    forget_long_tasks(tab)
    action()
    settle(tab)
    return max((task["duration"] for task in long_tasks(tab)), default=0)


def _best_of(tab, action, undo, enough: float) -> int:
    """The longest task of the best of TRIES tries of `action` (`undo` puts the page back between tries); a try
    at or under `enough` (ms) ends them."""
    best = None
    for attempt in range(TRIES):
        if attempt:
            undo()
        longest = _longest_task(tab, action)
        best = longest if best is None else min(best, longest)
        if best <= enough:
            break
    return best


def _measure_my_pages(tab, search_text: str, enough: float) -> dict[str, int]:
    """From the applications page: the notifications and the applications opened from the menu, a search typed
    without Enter, and the next page — each step's longest task (best of up to TRIES, see `_best_of`)."""
    def open_notifications():
        open_from_menu(tab, "shell-nav-my-notifications")
        tab.wait_for_selector(".qc-message")

    def open_applications():
        open_from_menu(tab, "shell-nav-my")
        tab.wait_for_selector("#my-search")
        tab.wait_for_selector(".qc-app-card")

    def type_search():
        before = tab.inner_text("#my-count")
        tab.click("#my-search")
        tab.keyboard.type(search_text, delay=90)
        expect(tab.locator("#my-count")).not_to_have_text(before)

    def clear_search():
        before = tab.inner_text("#my-count")
        tab.fill("#my-search", "")
        expect(tab.locator("#my-count")).not_to_have_text(before)

    def next_page():
        tab.click("#my-next")
        expect(tab.locator("#my-count")).to_contain_text("Menampilkan 11–")

    def previous_page():
        tab.click("#my-prev")
        expect(tab.locator("#my-count")).to_contain_text("Menampilkan 1–")

    steps = {"notifications": _best_of(tab, open_notifications, open_applications, enough)}
    steps["applications"] = _best_of(tab, open_applications, open_notifications, enough)
    steps["search as you type"] = _best_of(tab, type_search, clear_search, enough)
    clear_search()
    steps["next page"] = _best_of(tab, next_page, previous_page, enough)
    return steps


@pytest.fixture(scope="module")
def forwarder(database, make_user, reset_to_migrated):
    """`forwarder_besar` (no email: the inbox only) linked to a 5,000-application company a year before its
    history, with a notification for every mandatory stage of it (~20,000), all unread, and its open surveys.
    Built once for the module; the database is reset after its last test."""
    now = datetime.now(UTC).replace(microsecond=0)
    make_user("forwarder_besar", "service_user", full_name="Forwarder Besar")
    with database.session() as session:
        heavy = build_heavy_company(session, applications=5000, now=now)
        company = session.get(ServiceUser, heavy.id)
        link_account(session, "forwarder_besar", company, now - timedelta(days=400))
        notifications.enqueue_for_synced_events(session, synced_events(session, heavy.application_ids), [], now=now)
        inbox = session.scalar(select(func.count()).select_from(NotificationOutbox))
    assert inbox > 10_000
    yield heavy
    reset_to_migrated()


@pytest.fixture(scope="module")
def small_company(database, make_user, forwarder):
    """`eksportir_kecil`: 12 applications, 11 of them coffee, with their notifications — the yardstick. Its search
    for "kopi" fills a page as the forwarder's does, so the two draw the same number of cards. (After `forwarder`,
    whose teardown resets the database for both.)"""
    now = datetime.now(UTC).replace(microsecond=0)
    make_user("eksportir_kecil", "service_user")
    with database.session() as session:
        company = gen_service_user(session, name="CV Kecil Mandiri")
        link_account(session, "eksportir_kecil", company, now - timedelta(days=400))
        ids = [gen_application(session, company, submitted_at=now - timedelta(days=3 * n + 1),
                               commodity="Manggis" if n == 11 else "Kopi biji").id for n in range(12)]
        notifications.enqueue_for_synced_events(session, synced_events(session, ids), [], now=now)


@pytest.fixture(autouse=True)
def clean_database(database):
    """Overrides the suite's reset after every test, which would empty the data built once for the module: the
    inboxes go back to unread, the one thing a test here writes besides its logins (which no test reads)."""
    yield
    with database.session() as session:
        session.execute(update(NotificationOutbox).where(NotificationOutbox.read_at.is_not(None)).values(read_at=None))


def _login_and_measure(tab, username: str, enough: float) -> dict[str, int]:
    browser_login(tab, username)
    tab.wait_for_url("**/my/applications")
    tab.wait_for_selector(".qc-app-card")
    steps = _measure_my_pages(tab, "kopi", enough)
    browser_logout(tab)
    return steps


def test_forwarder_with_5000_applications_has_no_long_task_on_its_pages(phone, small_company, forwarder):
    """On a phone, the service user's screen: see the module's note for the rule (200 ms, or 2× a small company's
    same step when the machine is too busy for the small one to stay under 200 ms)."""
    record_long_tasks(phone)  # the scripts' first parse at each login is not measured: steps start after it
    # A step fails only when it is past both bounds in each of three rounds: one spike of a shared machine is
    # not the page, a page that really blocks the browser is slow every time.
    too_long = None
    for _round in range(3):
        heavy = _login_and_measure(phone, "forwarder_besar", enough=LONG_TASK_LIMIT_MS)
        over = {step: ms for step, ms in heavy.items() if ms > LONG_TASK_LIMIT_MS}
        # The yardstick only when a step went over: the small company's own best (a light try ends its tries).
        small = _login_and_measure(phone, "eksportir_kecil", enough=LONG_TASK_LIMIT_MS / 4) if over else {}
        slow = {step: (ms, small[step]) for step, ms in over.items() if ms > RATIO * small[step]}
        too_long = slow if too_long is None else {step: slow[step] for step in slow if step in too_long}
        if not too_long:
            break
    assert not too_long, f"forwarder's longest task (ms) vs the small company's: {too_long}; all: {heavy} vs {small}"


def test_forwarder_sees_20_notifications_a_page_one_survey_banner_and_marks_all_read(phone, forwarder):
    browser_login(phone, "forwarder_besar")
    phone.wait_for_url("**/my/applications")
    expect(phone.locator("#my-surveys-banner")).to_have_count(1)
    shown = phone.locator("#my-surveys-summary span:visible")
    expect(shown).to_have_text(["Lihat"])  # folded: the summary says what a tap does
    phone.click("#my-surveys-summary")
    expect(shown).to_have_text(["Tutup"])
    expect(phone.locator("#my-count")).to_contain_text("dari 5.000")
    screenshot(phone, "my-applications-forwarder-phone")
    # 500 pages: a page number typed (taken on Enter), the last and the first page, not "Berikutnya" 499 times.
    expect(phone.locator("#my-pages")).to_have_text("dari 500")
    phone.fill("#my-goto", "300")
    phone.press("#my-goto", "Enter")
    expect(phone.locator("#my-count")).to_have_text("Menampilkan 2.991–3.000 dari 5.000")
    expect(phone).to_have_url(re.compile(r"[?&]page=300\b"))
    phone.click("#my-last")
    expect(phone.locator("#my-count")).to_have_text("Menampilkan 4.991–5.000 dari 5.000")
    expect(phone.locator("#my-goto")).to_have_value("500")
    phone.click("#my-first")
    expect(phone.locator("#my-count")).to_have_text("Menampilkan 1–10 dari 5.000")
    open_from_menu(phone, "shell-nav-my-notifications")
    phone.wait_for_selector("#my-notifications-items")
    expect(phone.locator(".qc-message")).to_have_count(20)
    expect(phone.locator("#shell-bell-count")).to_have_text("99+")  # thousands unread: the badge stays small
    assert int(phone.get_attribute("#shell-bell", "aria-label").split(": ")[1].split()[0].replace(".", "")) > 99
    screenshot(phone, "my-notifications-forwarder-phone")
    phone.once("dialog", lambda dialog: dialog.accept())  # "mark all read?" asks first
    phone.click("#my-notifications-mark-all")
    expect(phone.locator("#shell-bell-count")).to_have_text("")
    expect(phone.locator(".qc-message.qc-unread")).to_have_count(0)
