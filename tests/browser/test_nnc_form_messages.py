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
