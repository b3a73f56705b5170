"""The officers' lists on a 390×844 phone when no row ever comes (an empty office, a filter in the address that
matches nothing): the header shows the phone's one stacked column from the grid's making (the lists with rows are in
test_phone_lists.py, which builds its data once for all its tests)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import screenshot, sign_in
from test_phone_lists import PHONE_WIDTH, _only_the_stacked_column

pytestmark = pytest.mark.browser


# name: (page, grid, its empty state's words): no row to draw on the first load, of an empty office or of a filter in
# the address that matches nothing
EMPTY_LISTS = {
    "complaints": ("/complaints", "complaints-grid", "Tidak ada data"),
    "complaints-filtered": ("/complaints?q=tidak-ada-yang-cocok", "complaints-grid", "Tidak ada data"),
    "queue": ("/targeting/queue", "queue-grid", "Belum ada konsinyasi baru"),
}


@pytest.mark.parametrize("name", EMPTY_LISTS)
def test_on_a_phone_a_list_empty_from_its_first_load_shows_only_the_stacked_header(phone, make_user, name):
    """No row ever comes, so no row-drawn or row-updated event asks for the swap: the header picks the phone's one
    column from the grid's making, not the desktop's first two columns cut at the screen's edge."""
    path, grid, empty = EMPTY_LISTS[name]
    make_user("petugas_kosong", "operator", full_name="Siti Rahmawati")
    sign_in(phone, "petugas_kosong")
    phone.goto(path)
    expect(phone.locator(f"#{grid}")).to_contain_text(empty)
    try:
        _only_the_stacked_column(phone, grid)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, "the page scrolls sideways"
    finally:
        screenshot(phone, f"phone-list-empty-{name}")
