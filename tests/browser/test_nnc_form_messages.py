"""The NNC form's messages: a field's "Wajib diisi." goes once the field is filled, the others stay until they are."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import screenshot, sign_in

pytestmark = pytest.mark.browser
INVALID = re.compile(r"\bis-invalid\b")


def test_filling_a_required_field_clears_its_message_and_keeps_the_others(page, make_user):
    make_user("petugas_nnc", "operator")
    sign_in(page, "petugas_nnc")
    page.goto("/nnc/new")
    page.wait_for_selector("#nnc-form-section_id option >> nth=1", state="attached")
    page.click("#nnc-form-save")
    for name in ("number", "commodity", "section_id"):
        expect(page.locator(f"#nnc-form-{name}-feedback")).to_have_text("Wajib diisi.")
    expect(page.locator("#nnc-form-number")).to_have_class(INVALID)

    page.fill("#nnc-form-number", "GACC/NNC/2026/0042")
    page.select_option("#nnc-form-section_id", label="Karantina Tumbuhan")
    expect(page.locator("#nnc-form-number-feedback")).to_have_text("")
    expect(page.locator("#nnc-form-section_id-feedback")).to_have_text("")
    expect(page.locator("#nnc-form-number")).not_to_have_class(INVALID)
    expect(page.locator("#nnc-form-commodity-feedback")).to_have_text("Wajib diisi.")  # still empty
    screenshot(page, "nnc-form-message-cleared")


def test_a_save_refused_from_the_bottom_button_brings_its_message_into_view_and_focuses_it(page, make_user):
    """The alert stands at the top of a long form, some 1,500 px above the bottom Simpan: the page went nowhere and the
    officer thought nothing had happened. Now it scrolls to the alert and focuses it (a screen reader reads it out)."""
    make_user("petugas_bawah", "operator")
    sign_in(page, "petugas_bawah")
    page.goto("/nnc/new")
    page.wait_for_selector("#nnc-form-section_id option >> nth=1", state="attached")
    page.fill("#nnc-form-number", "GACC/NNC/2026/0099")
    page.fill("#nnc-form-internal_notes", "Ditunda sampai surat aslinya datang.")
    page.locator("#nnc-form-save").scroll_into_view_if_needed()
    alert = page.locator("#nnc-form-alert")
    expect(alert).not_to_be_in_viewport()
    page.click("#nnc-form-save")
    expect(alert).to_contain_text("Data belum disimpan")
    expect(alert).to_be_in_viewport()
    expect(alert).to_be_focused()
    assert alert.get_attribute("role") == "alert"
    assert page.input_value("#nnc-form-number") == "GACC/NNC/2026/0099"  # nothing typed is lost
    assert page.input_value("#nnc-form-internal_notes") == "Ditunda sampai surat aslinya datang."
    screenshot(page, "nnc-form-refused-from-the-bottom")
    # Refused again, after the reader has gone down the form once more: the page takes them back up again.
    page.locator("#nnc-form-save").scroll_into_view_if_needed()
    page.focus("#nnc-form-commodity")
    page.click("#nnc-form-save")
    expect(alert).to_be_in_viewport()
    expect(alert).to_be_focused()


def test_neither_save_button_nor_the_upload_area_works_on_a_closed_nnc(page, make_user, database):
    from portal.services.nnc import register as nnc
    from portal.services.nnc.rules import system_actor
    from support.nnc_helpers import valid_nnc

    make_user("petugas_tutup", "operator")
    with database.session() as s:
        actor = system_actor(s, "0300")
        nnc_id = nnc.create_nnc(s, actor, valid_nnc(s, number="GACC/NNC/2026/0100",
                                                    investigation_findings="Palet tanpa cap ISPM 15",
                                                    corrective_action="Pemasok palet diganti"))["id"]
        for status in ("under_investigation", "clarified", "closed"):
            nnc.change_status(s, actor, nnc_id, status)
    sign_in(page, "petugas_tutup")
    page.goto(f"/nnc/{nnc_id}/edit")
    expect(page.locator("#nnc-form-alert")).to_contain_text("tidak dapat diubah")
    expect(page.locator("#nnc-form-number")).to_have_value("GACC/NNC/2026/0100")
    expect(page.locator("#nnc-form-save-top")).to_be_disabled()
    expect(page.locator("#nnc-form-save")).to_be_disabled()
    expect(page.locator("#nnc-form-upload input[type=file]")).to_be_disabled()
    screenshot(page, "nnc-form-closed")
