"""The targeting effectiveness page's month fields say their month in Indonesian under them, in real Chromium.

Chromium draws a month field in its own language ("July 2026" in an English one); a browser without month fields
(Firefox, older Safari) shows a text box holding "2026-07". Either way the words under the field read "Juli 2026"
(layouts.components.date_words, assets/qc-shell.js: monthWords).
"""
from __future__ import annotations

from datetime import date

import pytest

from portal.domain.periods import add_months, month_start, today_in
from support.browser import screenshot, sign_in

pytestmark = pytest.mark.browser
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember")


def _in_words(month: date) -> str:
    return f"{MONTHS_ID[month.month - 1]} {month.year}"


def test_the_chosen_months_are_said_in_indonesian_under_their_fields(page, make_user):
    make_user("wasdak_bulan", "enforcement")
    sign_in(page, "wasdak_bulan")
    page.goto("/targeting/effectiveness")
    # The default period: the last six months through this one (the office's today; the test office's zone).
    last = month_start(today_in("Asia/Jakarta"))
    page.wait_for_selector(f"#effect-to-words:has-text('{_in_words(last)}')")
    page.wait_for_selector(f"#effect-from-words:has-text('{_in_words(add_months(last, -5))}')")
    assert page.get_attribute("#effect-from", "aria-describedby") == "effect-from-words"

    page.fill("#effect-from", "2026-03")
    page.locator("#effect-from").blur()  # the field sends its month on leaving it (debounce)
    page.wait_for_selector("#effect-from-words:has-text('Maret 2026')")
    screenshot(page, "targeting-effect-month-words")


def test_a_browser_without_month_fields_has_the_typed_month_in_words_too(page, make_user):
    make_user("wasdak_teks", "enforcement")
    sign_in(page, "wasdak_teks")
    page.goto("/targeting/effectiveness")
    page.wait_for_selector("#effect-from-words:not(:empty)")
    # What Firefox draws for type="month": a plain text box, where the officer types the month as the page reads it.
    page.eval_on_selector("#effect-from", "field => { field.type = 'text'; }")
    page.fill("#effect-from", "2025-07")
    page.press("#effect-from", "Enter")
    page.wait_for_selector("#effect-from-words:has-text('Juli 2025')")
    page.fill("#effect-from", "Juli")  # not a month the page reads: no words, the field's own message says why
    page.press("#effect-from", "Enter")
    page.wait_for_selector("#effect-from-words:empty", state="attached")
