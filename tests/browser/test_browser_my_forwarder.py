"""The service user in real Chromium: "mark all read" clears the bell, typing in the applications search filters
without Enter, and a forwarder with 5,000 applications (and ~20,000 notifications) uses its pages without a long task.

The long-task test: each step (a page opened from the menu, a search typed, the next page) is done three times and
its best try counts, so one moment of a busy shared machine does not decide. A step fails when its best try holds a
task over issue #14's 200 ms (LONG_TASK_LIMIT_MS) AND over twice the same step's best try for a small company in the
same browser: the ratio only takes over when the machine is so loaded that even the small company's page passes
200 ms (on a 2-core machine shared by several test runs a 140 ms task was seen to take 720 ms).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from models import ServiceUser, StageEvent
from models.service_portal import NotificationOutbox
from portal.services import notifications
from support.browser import (LONG_TASK_LIMIT_MS, browser_login, browser_logout, forget_long_tasks, long_tasks,
                             record_long_tasks, screenshot, settle)
from support.factories import gen_application, gen_service_user
from support.heavy_data import build_heavy_company
from support.portal_helpers import link_account

pytestmark = pytest.mark.browser
UTC = timezone.utc


def _events(session, application_ids=None) -> list[dict]:
    query = select(StageEvent.application_id, StageEvent.stage, StageEvent.occurred_at)
    if application_ids is not None:
        query = query.where(StageEvent.application_id.in_(application_ids))
    return [{"application_id": a, "stage": s, "occurred_at": at} for a, s, at in session.execute(query)]


def _open_from_menu(tab, item_id: str) -> None:
    """Open a page from the menu as a person does (on a phone, through the collapsed menu first)."""
    through_toggler = not tab.locator(f"#{item_id}").is_visible()
    if through_toggler:
        tab.click("#shell-navbar-toggler")
    tab.click(f"#{item_id}")
    if through_toggler:  # the chosen page is not left under the open menu
        expect(tab.locator(f"#{item_id}")).to_be_hidden()


TRIES = 3
RATIO = 2.0


def _longest_task(tab, action) -> int:
    """The longest browser task (ms) while `action` runs and the page settles afterwards."""
    settle(tab)
    forget_long_tasks(tab)
    action()
    settle(tab)
    return max((task["duration"] for task in long_tasks(tab)), default=0)


def _best_of(tab, action, undo) -> int:
    """The longest task of the best of TRIES tries of `action` (`undo` puts the page back between tries)."""
    best = None
    for attempt in range(TRIES):
        if attempt:
            undo()
        longest = _longest_task(tab, action)
        best = longest if best is None else min(best, longest)
        if best <= LONG_TASK_LIMIT_MS / 4:
            break  # clearly light: no need to try again
    return best


def _measure_my_pages(tab, search_text: str) -> dict[str, int]:
    """From the applications page: the notifications and the applications opened from the menu, a search typed
    without Enter, and the next page — each step's longest task (best of TRIES)."""
    def open_notifications():
        _open_from_menu(tab, "shell-nav-my-notifications")
        tab.wait_for_selector(".qc-message")

    def open_applications():
        _open_from_menu(tab, "shell-nav-my")
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

    steps = {"notifications": _best_of(tab, open_notifications, open_applications)}
    steps["applications"] = _best_of(tab, open_applications, open_notifications)
    steps["search as you type"] = _best_of(tab, type_search, clear_search)
    clear_search()
    steps["next page"] = _best_of(tab, next_page, previous_page)
    return steps


@pytest.fixture
def small_inbox(database, make_user):
    """`dewi` with three unread notifications about one application."""
    now = datetime.now(UTC)
    make_user("dewi", "service_user", full_name="Dewi Lestari")
    with database.session() as session:
        company = gen_service_user(session, name="PT Buah Segar Dewi")
        link_account(session, "dewi", company, now - timedelta(days=2))
        application = gen_application(session, company, submitted_at=now - timedelta(hours=6), step=timedelta(minutes=30),
                                      stages=("submitted", "verified", "inspected", "draft_certificate", "billed",
                                              "paid", "certified"))
        notifications.enqueue_for_synced_events(session, _events(session, [application.id]), [])
    return application


def test_mark_all_read_clears_the_bell(page, small_inbox):
    browser_login(page, "dewi")
    page.wait_for_url("**/my/applications")
    expect(page.locator("#shell-bell-count")).to_have_text("3")
    expect(page.locator("#shell-bell")).to_have_attribute("aria-label", "Notifikasi: 3 belum dibaca")
    page.click("#shell-bell")
    page.wait_for_selector("#my-notifications-items")
    expect(page.locator(".qc-message.qc-unread")).to_have_count(3)
    expect(page.locator("#my-notifications-items")).to_contain_text("Belum dibaca")
    page.click("#my-notifications-mark-all")
    expect(page.locator("#shell-bell-count")).to_have_text("")
    expect(page.locator("#shell-bell")).to_have_attribute("aria-label", "Notifikasi")
    expect(page.locator(".qc-message.qc-unread")).to_have_count(0)
    expect(page.locator("#my-notifications-unread")).to_contain_text("sudah dibaca")
    page.reload()
    page.wait_for_selector("#my-notifications-items")
    expect(page.locator("#shell-bell-count")).to_have_text("")  # stored, not only drawn


def test_opening_a_notification_reads_it_and_shows_its_application(phone, small_inbox):
    browser_login(phone, "dewi")
    phone.wait_for_url("**/my/applications")
    phone.click("#shell-bell")
    phone.wait_for_selector("#my-notifications-items")
    phone.locator(".qc-message a.btn").first.click()
    phone.wait_for_url(f"**/my/applications/{small_inbox.id}")
    expect(phone.locator("#shell-bell-count")).to_have_text("2")


@pytest.fixture
def two_coffee_and_mango(database, make_user):
    now = datetime.now(UTC)
    make_user("bagus", "service_user")
    with database.session() as session:
        company = gen_service_user(session, name="PT Bagus Rempah")
        link_account(session, "bagus", company, now - timedelta(days=5))
        coffee = gen_application(session, company, submitted_at=now - timedelta(days=2), commodity="Kopi arabika")
        mango = gen_application(session, company, submitted_at=now - timedelta(days=1), commodity="Mangga gedong")
        return coffee.id, mango.id, mango.number


def test_typing_in_the_applications_search_filters_without_enter(phone, two_coffee_and_mango):
    coffee, mango, mango_number = two_coffee_and_mango
    browser_login(phone, "bagus")
    phone.wait_for_url("**/my/applications")
    phone.wait_for_selector(f"#my-card-{coffee}")
    phone.click("#my-search")
    phone.keyboard.type("kopi", delay=90)  # a person's pace; no Enter
    phone.wait_for_selector(f"#my-card-{mango}", state="detached")
    expect(phone.locator(f"#my-card-{coffee}")).to_be_visible()
    phone.fill("#my-search", "")
    phone.wait_for_selector(f"#my-card-{mango}")
    phone.click("#my-search")
    phone.keyboard.type(mango_number[-6:], delay=90)  # by (part of) the number
    phone.wait_for_selector(f"#my-card-{coffee}", state="detached")
    expect(phone.locator(f"#my-card-{mango}")).to_be_visible()


@pytest.fixture
def forwarder(database, make_user):
    """`forwarder_besar` (no email: the inbox only) linked to a 5,000-application company a year before its
    history, with a notification for every mandatory stage of it (~20,000) and its open surveys."""
    now = datetime.now(UTC).replace(microsecond=0)
    make_user("forwarder_besar", "service_user", full_name="Forwarder Besar")
    with database.session() as session:
        heavy = build_heavy_company(session, applications=5000, now=now)
        company = session.get(ServiceUser, heavy.id)
        link_account(session, "forwarder_besar", company, now - timedelta(days=400))
        notifications.enqueue_for_synced_events(session, _events(session, heavy.application_ids), [], now=now)
        inbox = session.scalar(select(func.count()).select_from(NotificationOutbox))
    assert inbox > 10_000
    return heavy


@pytest.fixture
def small_company(database, make_user):
    """`eksportir_kecil`: 12 applications, 11 of them coffee, with their notifications — the yardstick. Its search
    for "kopi" fills a page as the forwarder's does, so the two draw the same number of cards."""
    now = datetime.now(UTC).replace(microsecond=0)
    make_user("eksportir_kecil", "service_user")
    with database.session() as session:
        company = gen_service_user(session, name="CV Kecil Mandiri")
        link_account(session, "eksportir_kecil", company, now - timedelta(days=400))
        ids = [gen_application(session, company, submitted_at=now - timedelta(days=3 * n + 1),
                               commodity="Manggis" if n == 11 else "Kopi biji").id for n in range(12)]
        notifications.enqueue_for_synced_events(session, _events(session, ids), [], now=now)


def _login_and_measure(tab, username: str) -> dict[str, int]:
    browser_login(tab, username)
    tab.wait_for_url("**/my/applications")
    tab.wait_for_selector(".qc-app-card")
    steps = _measure_my_pages(tab, "kopi")
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
        small = _login_and_measure(phone, "eksportir_kecil")
        heavy = _login_and_measure(phone, "forwarder_besar")
        slow = {step: (ms, small[step]) for step, ms in heavy.items()
                if ms > LONG_TASK_LIMIT_MS and ms > RATIO * small[step]}
        too_long = slow if too_long is None else {step: slow[step] for step in slow if step in too_long}
        if not too_long:
            break
    assert not too_long, f"forwarder's longest task (ms) vs the small company's: {too_long}; all: {heavy} vs {small}"


def test_forwarder_sees_20_notifications_a_page_one_survey_banner_and_marks_all_read(phone, forwarder):
    browser_login(phone, "forwarder_besar")
    phone.wait_for_url("**/my/applications")
    expect(phone.locator("#my-surveys-banner")).to_have_count(1)
    expect(phone.locator("#my-count")).to_contain_text("dari 5.000")
    screenshot(phone, "my-applications-forwarder-phone")
    _open_from_menu(phone, "shell-nav-my-notifications")
    phone.wait_for_selector("#my-notifications-items")
    expect(phone.locator(".qc-message")).to_have_count(20)
    assert int(phone.inner_text("#shell-bell-count").replace(".", "")) > 0
    screenshot(phone, "my-notifications-forwarder-phone")
    phone.click("#my-notifications-mark-all")
    expect(phone.locator("#shell-bell-count")).to_have_text("")
    expect(phone.locator(".qc-message.qc-unread")).to_have_count(0)
