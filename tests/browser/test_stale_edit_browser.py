"""No lost updates in Chromium (issue #16): an operator edits an NNC while a colleague saves it; the operator's save is
refused with what the colleague changed, and everything the operator typed is still in the form."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models import Nnc
from portal.services import edit_versions
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.nnc.rules import EDITABLE_FIELDS
from support.browser import browser_login, screenshot
from support.nnc_helpers import actor, valid_nnc

pytestmark = pytest.mark.browser


def test_a_save_over_a_colleagues_newer_save_shows_what_changed_and_keeps_the_typing(page, database, make_user):
    colleague = actor(database, make_user, "operator", username="petugas_rekan")
    make_user("petugas_layar", "operator")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, colleague, valid_nnc(s))["id"]
    browser_login(page, "petugas_layar")
    page.wait_for_url("**/nnc")
    page.goto(f"/nnc/{nnc_id}/edit")
    expect(page.locator("#nnc-form-commodity")).to_have_value("Manggis")  # the form has opened the NNC
    page.fill("#nnc-form-description", "Ketikan petugas layar: larva di 2 buah.")
    page.fill("#nnc-form-lot_number", "LOT-LAYAR-7")

    with database.session() as s:  # meanwhile the colleague saves from their own form
        found = nnc_detail.nnc_for_viewer(s, nnc_id, colleague)
        values = {name: found[name] for name in EDITABLE_FIELDS}
        kept = edit_versions.opened(found["version"], values)
        nnc.update_nnc(s, colleague, nnc_id, {**values, "description": "Dari rekan: fumigasi gagal."},
                       expected_version=kept["version"], opened=kept["values"])

    page.click("#nnc-form-save")
    alert = page.locator("#nnc-form-alert")
    expect(alert).to_contain_text("Tidak disimpan: data ini sudah diubah sejak Anda membukanya.")
    expect(alert).to_contain_text("petugas_rekan menyimpan perubahan pada")
    expect(alert).to_contain_text("Uraian ketidaksesuaian")
    expect(alert).to_contain_text("Dari rekan: fumigasi gagal.")
    expect(page.locator("#nnc-form-description")).to_have_value("Ketikan petugas layar: larva di 2 buah.")
    expect(page.locator("#nnc-form-lot_number")).to_have_value("LOT-LAYAR-7")
    assert page.url.endswith(f"/nnc/{nnc_id}/edit")
    screenshot(page, "nnc-form-stale-save")
    with database.session() as s:
        stored = s.get(Nnc, nnc_id)
        assert (stored.description, stored.lot_number) == ("Dari rekan: fumigasi gagal.", None)
