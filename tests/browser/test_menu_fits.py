"""The menu bar and the lists on the screens people use, in real Chromium.

The admin's menu (eleven entries) took two rows of the bar at 1366 and at 1440 px: the station's figures (KPI panel,
offices side by side, IKM) now share the "Kinerja" drop-down and a laptop's bar shows words without icons. The page
being read is marked, also inside a drop-down, and a drop-down's pages open by keyboard. On a phone a list of one row
was a 60vh box, mostly empty: it is now as tall as its rows, and a long list keeps its scrolling box.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from support.browser import screenshot, sign_in
from support.factories import gen_application, gen_service_user

pytestmark = pytest.mark.browser

ACTIVE = re.compile(r"(^|\s)active(\s|$)")
# The tops of the bar's entries (the brand, each page or drop-down, the user's menu), rounded to a pixel.
ENTRY_TOPS = """() => [document.querySelector('.qc-navbar .navbar-brand'),
                      ...document.querySelectorAll('#shell-nav > *')]
                     .map((entry) => Math.round(entry.getBoundingClientRect().top))"""


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("width", [1366, 1440])
def test_the_admins_menu_takes_one_row_of_the_bar_on_a_laptop(browser, live_server, make_user, width, language):
    username = f"admin_bar_{width}_{language}"
    make_user(username, "admin", full_name="Administrator Q-Corner")
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale="id-ID",
                                  viewport={"width": width, "height": 850})
    try:
        tab = context.new_page()
        sign_in(tab, username)
        tab.goto("/")  # the admin's home page
        tab.wait_for_selector("#shell-user-name")
        if language != "id":  # the account starts in Indonesian: switched from its menu, it comes back on the same page
            tab.click("#shell-user-name")
            tab.click("#shell-language")
            tab.wait_for_function(f"document.documentElement.lang === '{language}'")
            tab.wait_for_selector("#shell-user-name")
        tab.wait_for_selector("#shell-content h1")
        tops = tab.evaluate(ENTRY_TOPS)
        assert len(tops) >= 9, tops  # Kinerja, Kepatuhan, five pages, Administrasi, the user's menu
        screenshot(tab, f"menu-admin-{width}-{language}")
        assert max(tops) - min(tops) <= 4, f"the menu wraps at {width} px in {language}: tops {tops}"
        assert tab.evaluate("document.documentElement.scrollWidth") <= width  # and nothing is pushed off the edge
    finally:
        context.close()


def test_the_page_being_read_is_marked_inside_its_drop_down_and_opens_by_keyboard(page, make_user):
    make_user("admin_keys", "admin")
    sign_in(page, "admin_keys")
    page.goto("/nnc")
    expect(page.locator("#shell-nav-nnc")).to_have_attribute("aria-current", "page")
    expect(page.locator("#shell-nav-group-admin > .dropdown-toggle")).not_to_have_class(ACTIVE)

    # The keyboard reaches the drop-down, opens it and chooses a page in it, as a person without a mouse does.
    page.focus("#shell-nav-group-admin > .dropdown-toggle")
    page.keyboard.press("Enter")
    expect(page.locator("#shell-nav-admin-sync")).to_be_visible()
    page.locator("#shell-nav-admin-sync").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/sync")

    expect(page.locator("#shell-nav-admin-sync")).to_have_attribute("aria-current", "page")
    expect(page.locator("#shell-nav-admin-sync")).to_have_class(ACTIVE)
    expect(page.locator("#shell-nav-group-admin > .dropdown-toggle")).to_have_class(ACTIVE)
    expect(page.locator("#shell-nav-nnc")).not_to_have_attribute("aria-current", "page")
    # A page opened from a list marks the list, not nothing.
    page.goto("/nnc/new")
    expect(page.locator("#shell-nav-nnc")).to_have_attribute("aria-current", "page")
    expect(page.locator("#shell-nav-group-admin > .dropdown-toggle")).not_to_have_class(ACTIVE)


def _grid_and_its_rows(tab) -> dict:
    return tab.evaluate("""() => {
        const box = document.getElementById('applications-grid');
        const rows = [...box.querySelectorAll('.ag-center-cols-container .ag-row')];
        return {box: box.getBoundingClientRect().height, rows: rows.length,
                content: Math.max(...rows.map((row) => row.getBoundingClientRect().bottom)) - box.getBoundingClientRect().top};
    }""")


def test_a_list_of_one_row_on_a_phone_is_as_tall_as_its_row_and_a_long_list_keeps_its_scrolling_box(
        phone, database, make_user):
    with database.session() as s:
        company = gen_service_user(s, name="PT Satu Baris Nusantara")
        now = datetime.now(timezone.utc).replace(microsecond=0)
        for n in range(30):
            gen_application(s, company, submitted_at=now - timedelta(hours=n + 1), number=f"2026.1.0300.0.K21.E.7{n:05d}")
        s.commit()
    make_user("petugas_satu_baris", "operator")
    sign_in(phone, "petugas_satu_baris")

    phone.goto("/applications?number=2026.1.0300.0.K21.E.700007")
    phone.wait_for_selector("#applications-grid .ag-row")
    expect(phone.locator("#applications-grid .ag-center-cols-container .ag-row")).to_have_count(1)
    phone.wait_for_function("""() => {  // the row measured and the box fitted to it
        const box = document.getElementById('applications-grid');
        return box.style.getPropertyValue('--qc-rows-height') && box.getBoundingClientRect().height < 300; }""")
    one = _grid_and_its_rows(phone)
    screenshot(phone, "phone-list-of-one-row")
    assert one["content"] <= one["box"] <= one["content"] + 24, one  # the row whole, and no empty box under it

    phone.goto("/applications")
    phone.wait_for_selector("#applications-grid .ag-row")
    phone.wait_for_timeout(500)
    many = _grid_and_its_rows(phone)
    assert many["box"] >= 0.5 * 844 and many["content"] > many["box"], many  # it scrolls inside its box, as before
