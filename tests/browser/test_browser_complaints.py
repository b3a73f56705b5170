"""A complaint from the public form to its answer, in real Chromium."""
from __future__ import annotations

import pytest

from support.browser import screenshot, sign_in
from support.web import recorded_complaint

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    app.server.extensions["qcorner_limiter"].reset()


def _editor_filled(page):
    """The handling form holds the complaint's values and version: its answer (one response with the status, the
    answer and the version) also fills the assignee choices. Chosen before it arrived, a status was set back."""
    page.wait_for_selector("#complaint-assignee_id option[value='none']", state="attached")


def test_public_complaint_is_answered_by_an_operator_and_read_with_its_code(browser, live_server, page, make_user):
    reporter = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server, is_mobile=True,
                                   bypass_csp=True)
    public = reporter.new_page()
    public.goto("/pengaduan")
    public.fill("#reporter_name", "Sari Wulandari")
    public.fill("#reporter_email", "sari@contoh.invalid")
    public.select_option("#category", "service")
    public.fill("#subject", "Pemeriksaan lama di gudang kargo")
    public.fill("#text", "Sudah menunggu 4 jam untuk pemeriksaan <b>manggis</b>.")
    screenshot(public, "complaint-public-form-phone")
    public.click("#complaint-submit")
    code = public.inner_text("#complaint-code").strip()
    assert code.startswith("PGD-")
    screenshot(public, "complaint-public-received-phone")

    make_user("petugas_pengaduan", "operator")
    sign_in(page, "petugas_pengaduan")
    page.goto("/complaints")
    try:
        page.wait_for_selector(f"text={code}")
    finally:
        screenshot(page, "complaints-list")
    screenshot(page, "complaints-list")
    page.click(f"text={code}")
    page.wait_for_url("**/complaints/*")
    page.wait_for_selector("#complaint-text")
    assert "<b>manggis</b>" in page.inner_text("#complaint-text")  # shown as text, not HTML
    _editor_filled(page)
    page.select_option("#complaint-status", "answered")
    page.fill("#complaint-answer", "Mohon maaf. Petugas tambahan sudah ditempatkan di gudang kargo.")
    page.click("#complaint-save")
    page.wait_for_selector("#complaint-status-badge:has-text('Dijawab')")
    screenshot(page, "complaint-detail-answered")

    public.goto(f"/pengaduan/lacak?kode={code}")
    assert "Petugas tambahan" in public.inner_text("#track-answer")
    assert public.inner_text("#track-status") == "Dijawab"
    screenshot(public, "complaint-track-answered-phone")
    reporter.close()


def test_a_field_check_is_kept_through_a_refused_save_then_moves_the_due_date(page, database, make_user):
    # Received Mon 6 Jul 2026 in WIB: answer due Mon 13 Jul; with a field check Wed 30 Sep.
    complaint_id = recorded_complaint(database, make_user, "petugas_lapangan", "Gudang kargo kotor")
    sign_in(page, "petugas_lapangan")
    page.goto(f"/complaints/{complaint_id}")
    page.wait_for_selector("#complaint-due-date:has-text('13 Jul 2026')")
    _editor_filled(page)
    page.check("#complaint-needs_field_check")
    page.select_option("#complaint-status", "answered")  # without an answer: refused
    page.click("#complaint-save")
    page.wait_for_selector("#complaint-answer.is-invalid")
    assert page.is_checked("#complaint-needs_field_check")
    assert page.input_value("#complaint-status") == "answered"
    page.select_option("#complaint-status", "in_progress")
    page.click("#complaint-save")
    page.wait_for_selector("#complaint-due-date:has-text('30 Sep 2026')")
    screenshot(page, "complaint-field-check")


def test_a_complaints_history_reads_whole_on_a_phone_without_the_page_scrolling_sideways(phone, database, make_user):
    """The history's "before → after" column ran off a 390 px screen; each entry is now a block of its own there."""
    from models import User
    from portal.services import complaints

    complaint_id = recorded_complaint(database, make_user, "petugas_ponsel", "Antrian pemeriksaan terlalu panjang")
    with database.session() as s:
        officer = s.query(User).filter_by(username="petugas_ponsel").one()
        complaints.update(s, officer, complaint_id, {"status": "in_progress", "category": "service",
                                                     "needs_field_check": True})
        complaints.update(s, officer, complaint_id, {
            "status": "answered", "category": "service",
            "answer": "Jadwal pemeriksaan di gudang kargo ditambah satu petugas pada jam sibuk mulai pekan depan."})
    sign_in(phone, "petugas_ponsel")
    phone.goto(f"/complaints/{complaint_id}")
    phone.wait_for_selector(".qc-complaint-history >> text=Jadwal pemeriksaan")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the complaint page scrolls sideways"
    for after in phone.locator(".qc-complaint-history .qc-after").all():
        box = after.bounding_box()
        assert box["x"] + box["width"] <= 390, after.inner_text()
    phone.locator(".qc-complaint-history").scroll_into_view_if_needed()
    screenshot(phone, "phone-complaint-history")


def test_the_new_complaint_dialog_s_close_button_is_named_in_the_page_s_language(page, make_user):
    """dash-bootstrap-components names every close button "Close" to a screen reader, whatever the language."""
    make_user("petugas_dialog", "operator")
    sign_in(page, "petugas_dialog")
    page.goto("/complaints")
    page.click("#complaints-new")
    close = page.locator(".modal.show .btn-close")
    close.wait_for()
    page.wait_for_function("() => document.querySelector('.modal.show .btn-close').getAttribute('aria-label') "
                           "=== 'Tutup'")
    close.click()  # still closes the dialog
    page.wait_for_selector(".modal.show", state="detached")
