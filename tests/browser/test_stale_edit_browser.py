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
from support.browser import browser_login, screenshot, sign_in
from support.web import recorded_complaint
from support.nnc_helpers import actor, valid_nnc

pytestmark = pytest.mark.browser


def test_a_save_over_a_colleagues_newer_save_shows_what_changed_and_keeps_the_typing(page, database, make_user):
    colleague = actor(database, make_user, "operator", username="petugas_rekan")
    make_user("petugas_layar", "operator")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, colleague, valid_nnc(s))["id"]
    sign_in(page, "petugas_layar")
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


def _hold_fill(page, marker: str) -> list:
    """Hold back the answer of the callback that fills a form (the one whose outputs name `marker`): the page is
    drawn and usable around the form while its stored values are still on their way."""
    held = []

    def route(request_route):
        if marker in (request_route.request.post_data or ""):
            held.append(request_route)
        else:
            request_route.continue_()

    page.route("**/_dash-update-component*", route)
    return held


def _release(page, held: list) -> None:
    page.wait_for_timeout(300)  # long enough for a change made meanwhile to reach the page
    for request_route in held:
        request_route.continue_()
    page.unroute("**/_dash-update-component*")


def test_a_complaint_handling_form_cannot_be_changed_before_its_values_arrive(page, database, make_user):
    complaint_id = recorded_complaint(database, make_user, "petugas_cepat", "Antrean panjang")
    browser_login(page, "petugas_cepat")
    held = _hold_fill(page, "complaint-opened")
    page.goto(f"/complaints/{complaint_id}")
    page.wait_for_selector("#complaint-text")
    expect(page.locator("#complaint-status")).to_be_disabled()
    expect(page.locator("#complaint-answer")).to_be_disabled()
    expect(page.locator("#complaint-save")).to_be_disabled()
    assert held, "the form's fill was not held back"
    _release(page, held)
    expect(page.locator("#complaint-status")).to_be_enabled()
    expect(page.locator("#complaint-status")).to_have_value("new")
    page.select_option("#complaint-status", "in_progress")
    page.click("#complaint-save")
    expect(page.locator("#complaint-status-badge")).to_have_text("Diproses")


def test_an_nnc_edit_form_opens_disabled_until_its_values_arrive_and_a_new_one_opens_ready(page, database,
                                                                                            make_user):
    colleague = actor(database, make_user, "operator", username="petugas_pembuat")
    make_user("petugas_tergesa", "operator")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, colleague, valid_nnc(s))["id"]
    browser_login(page, "petugas_tergesa")
    page.wait_for_url("**/nnc")
    held = _hold_fill(page, "nnc-form-opened")
    page.goto(f"/nnc/{nnc_id}/edit")
    page.wait_for_selector("#nnc-form-description", state="attached")
    expect(page.locator("#nnc-form-description")).to_be_disabled()
    expect(page.locator("#nnc-form-save")).to_be_disabled()
    assert held, "the form's fill was not held back"
    _release(page, held)
    expect(page.locator("#nnc-form-commodity")).to_have_value("Manggis")
    expect(page.locator("#nnc-form-description")).to_be_enabled()
    expect(page.locator("#nnc-form-save")).to_be_enabled()

    page.goto("/nnc/new")
    expect(page.locator("#nnc-form-number")).to_be_enabled()
    page.fill("#nnc-form-number", "GACC/NNC/2025/0099")
    expect(page.locator("#nnc-form-number")).to_have_value("GACC/NNC/2025/0099")


def test_the_scoring_settings_cannot_be_typed_into_before_the_stored_ones_arrive(page, make_user):
    make_user("admin_pengaturan", "admin")
    browser_login(page, "admin_pengaturan")
    page.wait_for_url("**/admin/users")
    held = _hold_fill(page, "admin-compliance-opened")
    page.goto("/admin/compliance")
    page.wait_for_selector("#admin-compliance-weight_nnc", state="attached")
    expect(page.locator("#admin-compliance-weight_nnc")).to_be_disabled()
    expect(page.locator("#admin-compliance-save")).to_be_disabled()
    _release(page, held)
    expect(page.locator("#admin-compliance-weight_nnc")).to_be_enabled()
    assert page.input_value("#admin-compliance-weight_nnc") != ""
