"""Each role's browser is told only of its own callbacks (`/_dash-dependencies` by role, issue #16): Dash must still
draw every role's pages in real Chromium, with no error in the console and no callback refused, and the menu's
logout (a POST form with the CSRF token) must still log out."""
from __future__ import annotations

import pytest

from portal.demo.build import DEMO_ACCOUNTS
from portal.security.permissions import home_page
from support.browser import browser_login, browser_logout, settle
from test_browser_login import demo_accounts  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser

# A page with callbacks of its own besides the home page, for each role.
SECOND_PAGE = {"admin": "/admin/audit", "operator": "/complaints", "coordinator": "/nnc", "enforcement": "/complaints",
               "head": "/rankings", "national": "/kpi", "service_user": "/my/complaints"}


@pytest.mark.parametrize("username,role,_section,_name", DEMO_ACCOUNTS)
def test_each_role_draws_its_pages_with_its_own_dependency_map(page, demo_accounts, username, role, _section, _name):
    problems = []
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if "/_dash-" in response.url and response.status >= 400 else None)
    browser_login(page, username, "qcorner-demo")
    page.wait_for_url(f"**{home_page(role)}")
    for path in (home_page(role), SECOND_PAGE[role]):
        page.goto(path)
        page.wait_for_selector("#shell-content h1")
        settle(page)
        assert not page.locator(".dash-fe-error__title, .dash-debug-menu__error").count(), path
    assert not problems, problems
    browser_logout(page)
    page.goto(home_page(role))
    page.wait_for_url("**/login**")  # the session really ended


def test_logout_from_the_phone_menu_ends_the_session(phone, demo_accounts):
    browser_login(phone, "service_user", "qcorner-demo")
    phone.wait_for_url("**/my/applications")
    browser_logout(phone)
    phone.goto("/my/applications")
    phone.wait_for_url("**/login**")
