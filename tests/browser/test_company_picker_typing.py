"""The NNC form's company picker keeps every keystroke typed fast after the other fields were filled.

It used to lose a letter in about one try in four ("Sejahtera" became "Sjahtera", then "Tidak ada yang cocok"), so
an operator could enter a registered company as an outside party. The test fills the notice the way an operator
does (the application number's look-up is still answering), opens the picker and types at 25–40 ms a key, several
times over; every try must end with the whole word in the box and the company offered.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import browser_login, fill, screenshot, sign_in
from support.factories import gen_application, gen_service_user

pytestmark = pytest.mark.browser
TRIES = 6


@pytest.fixture
def registry(database, make_user):
    make_user("petugas_nnc", "operator", full_name="Siti Rahmawati")
    with database.session() as s:
        company = gen_service_user(s, name="PT Sejahtera Abadi Ekspor", tax_id="07.654.321.0-123.000")
        for n in range(30):  # a registry with neighbours, so the search has something to narrow
            gen_service_user(s, name=f"CV Sentosa Jaya {n:02d}", tax_id=f"08.000.000.{n % 10}-{n:03d}.000")
        number = gen_application(s, company).number
        s.commit()
    return number


def test_typing_fast_in_the_company_picker_after_the_other_fields_keeps_every_keystroke(page, registry):
    browser_login(page, "petugas_nnc")
    page.wait_for_url("**/nnc")
    for attempt in range(TRIES):
        page.goto("/nnc/new")
        page.wait_for_selector("#nnc-form-section_id option >> nth=1", state="attached")
        fill(page, {
            "#nnc-form-number": f"GACC/NNC/2026/{attempt:04d}",
            "#nnc-form-notice_date": "2026-05-14",
            "#nnc-form-received_date": "2026-05-16",
            "#nnc-form-notifying_authority": "General Administration of Customs of China (GACC)",
            "#nnc-form-notifying_country": "Tiongkok",
            "#nnc-form-party_country": "",
            "#nnc-form-application_number": registry,
        })
        page.select_option("#nnc-form-section_id", label="Karantina Tumbuhan")
        page.click("#nnc-form-service_user_id")  # the look-up of the application number answers meanwhile
        page.keyboard.type("Sejahtera", delay=25 + 3 * attempt)
        search = page.locator("#nnc-form-service_user_id .dash-dropdown-search, .dash-dropdown-search").first
        try:
            expect(search).to_have_value("Sejahtera")
            expect(page.locator(".dash-dropdown-option", has_text="PT Sejahtera Abadi Ekspor")).to_be_visible()
        finally:
            screenshot(page, f"nnc-picker-typing-{attempt}")
        page.locator(".dash-dropdown-option", has_text="PT Sejahtera Abadi Ekspor").click()
        expect(page.locator("#nnc-form-service_user_id")).to_contain_text("PT Sejahtera Abadi Ekspor")


def test_letters_pressed_before_the_last_one_is_released_all_arrive(page, registry):
    """Rolled typing (the next key down before the last one is up) from a picker reached with the keyboard."""
    sign_in(page, "petugas_nnc")
    page.goto("/nnc/new")
    page.wait_for_selector("#nnc-form-section_id option >> nth=1", state="attached")
    page.select_option("#nnc-form-section_id", label="Karantina Tumbuhan")
    page.focus("#nnc-form-service_user_id")
    previous = None
    for letter in "Sejahtera":
        page.keyboard.down(letter)
        if previous:
            page.keyboard.up(previous)
        previous = letter
    page.keyboard.up(previous)
    expect(page.locator(".dash-dropdown-search")).to_have_value("Sejahtera")
    expect(page.locator(".dash-dropdown-option", has_text="PT Sejahtera Abadi Ekspor")).to_be_visible()
    screenshot(page, "nnc-picker-rolled-typing")
