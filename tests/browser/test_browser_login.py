"""Logging in as each demo role in real Chromium: home page, menu, errors, throttling, phone size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import browser_login, screenshot
from portal.demo.build import DEMO_ACCOUNTS, create_demo_accounts

pytestmark = pytest.mark.browser

HOME = {"admin": "/admin/users", "operator": "/nnc", "coordinator": "/rankings", "enforcement": "/rankings",
        "head": "/kpi", "national": "/offices", "service_user": "/my/applications"}
# What each role's menu must show, and one item it must not (checked by link id).
MENU = {
    "admin": (["admin-users", "admin-audit", "nnc", "kpi"], "my"),
    "operator": (["nnc", "applications", "complaints"], "admin-users"),
    "coordinator": (["rankings", "nnc", "survey"], "kpi"),
    "enforcement": (["rankings", "complaints"], "admin-users"),
    "head": (["kpi", "rankings"], "admin-users"),
    "national": (["offices", "kpi", "rankings"], "admin-users"),
    "service_user": (["my"], "nnc"),
}


@pytest.fixture
def demo_accounts(database):
    with database.session() as s:
        create_demo_accounts(s, "qcorner-demo")


@pytest.mark.parametrize("username,role,section,_name", DEMO_ACCOUNTS)
def test_each_demo_role_lands_on_its_home_page_with_its_menu(page, demo_accounts, username, role, section, _name):
    browser_login(page, username, "qcorner-demo")
    page.wait_for_url(f"**{HOME[role]}")
    page.wait_for_selector("#shell-content h1")
    shown, hidden = MENU[role]
    for key in shown:
        assert page.locator(f"#shell-nav-{key}").count() == 1, key
    assert page.locator(f"#shell-nav-{hidden}").count() == 0
    page.click("#shell-user-name")
    assert "Keluar" in page.inner_text("#shell-logout")
    screenshot(page, f"home-{username}")


def test_wrong_password_shows_an_indonesian_error(page, demo_accounts):
    browser_login(page, "operator", "salah-sekali")
    assert page.inner_text("#login-error") == "Nama pengguna atau kata sandi salah."
    assert page.input_value("#username") == "operator"
    screenshot(page, "login-wrong-password")


def test_too_many_failures_say_to_wait_and_reveal_no_account(page, demo_accounts):
    for _ in range(5):
        browser_login(page, "head", "tebakan-salah")
        assert page.inner_text("#login-error") == "Nama pengguna atau kata sandi salah."
    browser_login(page, "head", "qcorner-demo")
    assert page.inner_text("#login-error").startswith("Terlalu banyak percobaan masuk yang gagal dari alamat ini.")
    screenshot(page, "login-throttled")


def test_phone_sized_screen_logs_in_and_opens_the_menu(phone, demo_accounts):
    browser_login(phone, "service_user", "qcorner-demo")
    phone.wait_for_url("**/my/applications")
    assert phone.locator("#shell-nav-my").is_hidden()
    phone.click("#shell-navbar-toggler")
    phone.wait_for_selector("#shell-nav-my", state="visible")
    phone.wait_for_selector("#shell-navbar-collapse.show:not(.collapsing)")
    phone.click("#shell-user-name")
    phone.wait_for_selector("#shell-logout", state="visible")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(phone, "phone-service-user-menu")


def test_phone_menu_closes_when_a_page_is_chosen_from_it_and_the_tab_takes_the_page_title(phone, demo_accounts):
    """The menu, the alert and the title answer in the browser (assets/qc-shell.js): still as before for the reader."""
    browser_login(phone, "service_user", "qcorner-demo")
    phone.wait_for_url("**/my/applications")
    phone.click("#shell-navbar-toggler")
    phone.wait_for_selector("#shell-navbar-collapse.show:not(.collapsing)")
    phone.click("#shell-navbar-toggler")  # the toggler closes it again
    phone.wait_for_selector("#shell-nav-my-nnc", state="hidden")
    phone.click("#shell-navbar-toggler")
    phone.wait_for_selector("#shell-nav-my-nnc", state="visible")
    phone.click("#shell-nav-my-nnc")
    phone.wait_for_url("**/my/nnc")
    phone.wait_for_selector("#shell-nav-my-nnc", state="hidden")  # the chosen page is not covered by the menu
    phone.wait_for_function("document.title === 'NNC perusahaan saya · Q-Corner'")
    # No NNC names the company: the page says so, and a pager with nothing to page takes no room.
    phone.wait_for_selector("#my-nnc-none", state="visible")
    expect(phone.locator("#my-nnc-next")).to_be_disabled()
    expect(phone.locator("#my-nnc-prev")).to_be_hidden()
    expect(phone.locator("#my-nnc-next")).to_be_hidden()
    screenshot(phone, "phone-my-nnc-none")
