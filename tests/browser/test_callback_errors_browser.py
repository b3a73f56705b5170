"""A callback the server refuses is said over the page (assets/qc-callback-errors.js): before, the page stayed as it
was and said nothing, and the person clicked again and waited."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import screenshot, sign_in
from support.web import token_in

pytestmark = pytest.mark.browser


def _complaints_open(page, make_user, username: str) -> None:
    make_user(username, "operator")
    sign_in(page, username)
    page.goto("/complaints")
    page.wait_for_selector("#complaints-grid")
    page.wait_for_selector('[data-dash-is-loading="true"]', state="detached")


def test_a_session_ended_elsewhere_says_so_at_the_next_click_with_a_way_back_in(page, make_user):
    _complaints_open(page, make_user, "petugas_sesi")
    # Logged out in another tab (the same browser's cookie): the server ends the session for good.
    body = page.context.request.get("/logout").text()
    page.context.request.post("/logout", form={"csrf_token": token_in(body)})
    page.select_option("#complaints-status", "new")
    banner = page.locator("#qc-callback-banner")
    expect(banner).to_contain_text("Sesi Anda telah berakhir")
    expect(banner.locator("a")).to_have_attribute("href", "/login?next=%2Fcomplaints")
    expect(banner.locator(".btn-close")).to_have_attribute("aria-label", "Tutup")
    screenshot(page, "callback-error-session")
    banner.locator("a").click()
    page.wait_for_url(re.compile(r".*/login\?next=%2Fcomplaints$"))


def test_a_refused_callback_says_part_of_the_page_failed_and_offers_a_reload(page, make_user):
    _complaints_open(page, make_user, "petugas_gagal")
    page.route("**/_dash-update-component*", lambda route: route.fulfill(
        status=400, content_type="application/json", body='{"error": "malformed request"}'))
    page.select_option("#complaints-status", "new")
    banner = page.locator("#qc-callback-banner")
    expect(banner).to_contain_text("Sebagian halaman ini gagal dimuat atau disimpan")
    expect(banner.locator("a")).to_contain_text("Muat ulang halaman")
    banner.locator(".btn-close").click()  # it can be put away
    expect(banner).to_have_count(0)


def test_a_callback_with_nothing_to_update_says_nothing(page, make_user):
    """Dash's own "nothing to update" is a 204: no failure."""
    _complaints_open(page, make_user, "petugas_tenang")
    page.route("**/_dash-update-component*", lambda route: route.fulfill(status=204, body=""))
    page.select_option("#complaints-status", "new")
    page.wait_for_timeout(300)
    expect(page.locator("#qc-callback-banner")).to_have_count(0)


def test_a_callback_without_any_answer_says_the_server_could_not_be_reached(page, make_user):
    """A tap on a weak signal did nothing and said nothing (only the console knew: "the server did not respond")."""
    _complaints_open(page, make_user, "petugas_sinyal")
    page.context.set_offline(True)
    try:
        page.select_option("#complaints-status", "new")
        banner = page.locator("#qc-callback-banner")
        expect(banner).to_contain_text("Server tidak dapat dihubungi")
        expect(banner.locator("a")).to_contain_text("Muat ulang halaman")
        screenshot(page, "callback-error-offline")
    finally:
        page.context.set_offline(False)
