"""The service user in real Chromium: "mark all read" clears the bell, opening a notification reads it, and typing
in the applications search filters without Enter (a forwarder with 5,000 applications is in
test_browser_my_forwarder_5000.py, which builds it once for its tests).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from portal.services import notifications
from support.browser import browser_login
from support.factories import gen_application, gen_service_user
from support.portal_helpers import link_account, synced_events

pytestmark = pytest.mark.browser
UTC = timezone.utc


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
        notifications.enqueue_for_synced_events(session, synced_events(session, [application.id]), [])
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
    # "Mark all read?" asks first: a shared account's unread marks are not cleared by one stray tap.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#my-notifications-mark-all")
    page.wait_for_timeout(500)
    expect(page.locator(".qc-message.qc-unread")).to_have_count(3)
    page.once("dialog", lambda dialog: dialog.accept())
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
    # The application names where it was opened from: its link back leads to the notifications.
    phone.wait_for_url(f"**/my/applications/{small_inbox.id}?back=%2Fmy%2Fnotifications")
    expect(phone.locator("#shell-bell-count")).to_have_text("2")
    expect(phone.locator("#my-application-back")).to_have_text("Kembali ke Notifikasi")
    phone.click("#my-application-back")
    phone.wait_for_url("**/my/notifications")


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
