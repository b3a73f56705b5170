"""No lost updates in Chromium (issue #16): an operator edits an NNC while a colleague saves it; the operator's save is
refused with what the colleague changed, and everything the operator typed is still in the form. On a record's page
(a complaint, an NNC's follow-up) the record beside the form then shows it as the colleague left it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models import Complaint, Nnc
from portal.services import complaints, edit_versions
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.nnc.rules import EDITABLE_FIELDS, FOLLOW_UP_FIELDS
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


def test_a_refused_complaint_save_shows_the_colleagues_answer_beside_what_was_typed(page, database, make_user):
    """The card on the left is the complaint as stored: after a refusal it shows the colleague's newer answer and
    status (not the ones the page opened with), while the form keeps the typing; a save after a reload shows its own."""
    complaint_id = recorded_complaint(database, make_user, "petugas_layar_aduan", "Antrean loket karantina")
    colleague = actor(database, make_user, "operator", username="petugas_rekan_aduan")
    sign_in(page, "petugas_layar_aduan")
    page.goto(f"/complaints/{complaint_id}")
    expect(page.locator("#complaint-status")).to_be_enabled()  # the form has opened the complaint
    expect(page.locator("#complaint-status-badge")).to_have_text("Baru")
    expect(page.locator("#complaint-answer-text")).to_have_count(0)  # no answer yet
    page.select_option("#complaint-status", "in_progress")
    page.fill("#complaint-answer", "Ketikan petugas layar: loket kami periksa hari ini.")

    with database.session() as s:  # meanwhile the colleague answers from their own form
        found = complaints.detail(s, colleague, complaint_id)
        kept = edit_versions.opened(found["version"], {name: found[name] for name in complaints.EDIT_FIELDS})
        complaints.update(s, colleague, complaint_id, {**kept["values"], "status": "answered",
                                                       "answer": "Dari rekan: loket tambahan dibuka mulai Senin."},
                          expected_version=kept["version"], opened=kept["values"])

    page.click("#complaint-save")
    alert = page.locator("#complaint-alert")
    expect(alert).to_contain_text("Tidak disimpan: data ini sudah diubah sejak Anda membukanya.")
    expect(alert).to_contain_text("petugas_rekan_aduan menyimpan perubahan pada")
    # The record beside the form as it now stands: the colleague's answer and status, and their entry in the history.
    expect(page.locator("#complaint-answer-text")).to_have_text("Dari rekan: loket tambahan dibuka mulai Senin.")
    expect(page.locator("#complaint-status-badge")).to_have_text("Dijawab")
    expect(page.locator("#complaint-history")).to_contain_text("petugas_rekan_aduan")
    # The form keeps what was typed, and still stands on the version it opened.
    expect(page.locator("#complaint-answer")).to_have_value("Ketikan petugas layar: loket kami periksa hari ini.")
    expect(page.locator("#complaint-status")).to_have_value("in_progress")
    screenshot(page, "complaint-stale-save")
    with database.session() as s:
        assert s.get(Complaint, complaint_id).answer == "Dari rekan: loket tambahan dibuka mulai Senin."

    page.reload()  # as the message says: open the latest version, then save again
    expect(page.locator("#complaint-status")).to_have_value("answered")
    page.fill("#complaint-answer", "Loket tambahan dibuka mulai Senin; antrean kami pantau tiap pagi.")
    page.click("#complaint-save")
    expect(page.locator("#complaint-alert")).to_contain_text("Perubahan tersimpan.")
    expect(page.locator("#complaint-answer-text")).to_have_text(
        "Loket tambahan dibuka mulai Senin; antrean kami pantau tiap pagi.")


def test_a_refused_follow_up_shows_the_colleagues_findings_beside_what_was_typed(page, database, make_user):
    """The NNC's page: after a follow-up is refused, its "Status dan tindak lanjut" card shows the colleague's findings
    and status, and the follow-up panel keeps what was typed (it is not filled again from the record)."""
    operator = actor(database, make_user, "operator", username="petugas_nnc_fu")
    colleague = actor(database, make_user, "coordinator", "plant", username="koordinator_rekan")
    make_user("koordinator_layar", "coordinator", "plant")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, operator, valid_nnc(s))["id"]
    sign_in(page, "koordinator_layar")
    page.goto(f"/nnc/{nnc_id}")
    expect(page.locator("#nnc-detail-fu-investigation_findings")).to_be_enabled()  # the panel has opened the NNC
    expect(page.locator("#nnc-detail-status")).to_have_text("Baru")
    page.fill("#nnc-detail-fu-investigation_findings", "Ketikan koordinator layar: perangkap tidak dipasang.")
    page.fill("#nnc-detail-fu-corrective_action", "Pemasangan perangkap di kebun.")

    with database.session() as s:  # meanwhile the colleague records their follow-up
        found = nnc_detail.nnc_for_viewer(s, nnc_id, colleague)
        kept = edit_versions.opened(found["version"], {name: found[name] for name in FOLLOW_UP_FIELDS + ("status",)})
        nnc.record_follow_up(s, colleague, nnc_id, {"investigation_findings": "Dari rekan: fumigasi tidak tuntas."},
                             "under_investigation", expected_version=kept["version"], opened=kept["values"])

    page.click("#nnc-detail-fu-save")
    alert = page.locator("#nnc-detail-fu-alert")
    expect(alert).to_contain_text("Tidak disimpan: data ini sudah diubah sejak Anda membukanya.")
    expect(alert).to_contain_text("koordinator_rekan menyimpan perubahan pada")
    expect(page.locator("#nnc-detail-content")).to_contain_text("Dari rekan: fumigasi tidak tuntas.")
    expect(page.locator("#nnc-detail-status")).to_have_text("Dalam investigasi")
    expect(page.locator("#nnc-detail-fu-investigation_findings")).to_have_value(
        "Ketikan koordinator layar: perangkap tidak dipasang.")
    expect(page.locator("#nnc-detail-fu-corrective_action")).to_have_value("Pemasangan perangkap di kebun.")
    screenshot(page, "nnc-follow-up-stale-save")
    with database.session() as s:
        stored = s.get(Nnc, nnc_id)
        assert (stored.investigation_findings, stored.corrective_action, stored.status) == (
            "Dari rekan: fumigasi tidak tuntas.", None, "under_investigation")


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
