"""An alert that closes by itself gives each new message its whole time (callbacks.common.register_timed_alerts):
a second account saved within the first one's eight seconds had its "tersimpan" closed by the first one's timer,
under a second after it appeared. Timed on Chromium's own clock (Playwright's, installed before the page runs), not
the machine's: the test waits for nothing in real time."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import sign_in

pytestmark = pytest.mark.browser


def _save_new_account(page, username: str) -> None:
    page.click("#admin-users-new")
    expect(page.locator("#admin-users-modal")).to_be_visible()
    page.fill("#admin-users-username", username)
    page.fill("#admin-users-full_name", username.title())
    page.select_option("#admin-users-role", "operator")
    page.select_option("#admin-users-office_id", index=1)
    page.fill("#admin-users-password", "sandi-yang-panjang")
    page.click("#admin-users-save")
    expect(page.locator("#admin-users-alert")).to_contain_text(username)


def test_a_second_message_in_a_timed_alert_gets_its_whole_time(page, make_user):
    make_user("admin_alert", "admin")
    page.clock.install()
    sign_in(page, "admin_alert")
    page.goto("/admin/users")
    expect(page.locator("#admin-users-grid .ag-row").first).to_be_visible()
    alert = page.locator("#admin-users-alert")

    _save_new_account(page, "petugas.pertama")
    page.clock.run_for(6000)
    expect(alert).to_contain_text("petugas.pertama")  # 6 of its 8 seconds gone
    _save_new_account(page, "petugas.kedua")
    page.clock.run_for(5000)  # 11 s after the first message, 5 after the second
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("petugas.kedua")
    page.clock.run_for(4000)  # the second's 8 seconds are over
    expect(alert).to_be_hidden()
