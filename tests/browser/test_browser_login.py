"""Logging in as each demo role in real Chromium: home page, menu, its pages drawn with its own dependency map,
logging out for good, errors, throttling, phone size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import browser_login, browser_logout, screenshot, settle
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


# A page with callbacks of its own besides the home page, for each role.
SECOND_PAGE = {"admin": "/admin/audit", "operator": "/complaints", "coordinator": "/nnc", "enforcement": "/complaints",
               "head": "/rankings", "national": "/kpi", "service_user": "/my/complaints"}


@pytest.mark.parametrize("username,role,_section,_name", DEMO_ACCOUNTS)
def test_each_demo_role_lands_on_its_home_page_with_its_menu_draws_its_pages_and_logs_out_for_good(
        page, demo_accounts, username, role, _section, _name):
    """Each role's browser is told only of its own callbacks (`/_dash-dependencies` by role, issue #16): Dash must
    still draw the home page the login leads to and a second page, with no error in the console and no callback
    refused, and the menu's logout (a POST form with the CSRF token) must end the session."""
    problems = []
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if "/_dash-" in response.url and response.status >= 400 else None)
    browser_login(page, username, "qcorner-demo")
    page.wait_for_url(f"**{HOME[role]}")
    for path in (HOME[role], SECOND_PAGE[role]):
        if path != HOME[role]:  # the home page is the one the login has just drawn
            page.goto(path)
        page.wait_for_selector("#shell-content h1")
        settle(page)
        assert not page.locator(".dash-fe-error__title, .dash-debug-menu__error").count(), path
        if path == HOME[role]:
            shown, hidden = MENU[role]
            for key in shown:
                assert page.locator(f"#shell-nav-{key}").count() == 1, key
            assert page.locator(f"#shell-nav-{hidden}").count() == 0
            screenshot(page, f"home-{username}")
    assert not problems, problems
    page.click("#shell-user-name")  # the user menu's logout, as browser_logout does on a desktop screen
    assert "Keluar" in page.inner_text("#shell-logout")
    page.click("#shell-logout")
    page.wait_for_url("**/login")
    page.goto(HOME[role])
    page.wait_for_url("**/login**")  # the session really ended


def test_logout_from_the_phone_menu_ends_the_session(phone, demo_accounts):
    browser_login(phone, "service_user", "qcorner-demo")
    phone.wait_for_url("**/my/applications")
    browser_logout(phone)
    phone.goto("/my/applications")
    phone.wait_for_url("**/login**")


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
