"""A select whose empty value means something ("no section") shows its words, not a blank box: dbc.Select draws its
placeholder as a hidden first option of value "", which a value of "" selects."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import browser_login, screenshot

pytestmark = pytest.mark.browser

SHOWN = "e => e.options[e.selectedIndex].text"


def test_a_new_account_without_a_section_says_so_in_the_section_box(page, make_user):
    make_user("admin_bidang", "admin")
    browser_login(page, "admin_bidang")
    page.wait_for_url("**/admin/users")
    page.click("#admin-users-new")
    expect(page.locator("#admin-users-modal")).to_be_visible()
    expect(page.locator("#admin-users-section_id option")).not_to_have_count(0)  # the sections have arrived
    assert page.input_value("#admin-users-section_id") == ""
    assert page.eval_on_selector("#admin-users-section_id", SHOWN) == "— tanpa bidang —"
    page.select_option("#admin-users-section_id", label="Karantina Tumbuhan")
    page.select_option("#admin-users-section_id", index=1)  # back to the listed "none" (0 is the hidden placeholder)
    assert page.input_value("#admin-users-section_id") == ""
    assert page.eval_on_selector("#admin-users-section_id", SHOWN) == "— tanpa bidang —"
    screenshot(page, "admin-users-new-no-section")
