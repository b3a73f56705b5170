"""The NNC register in real Chromium: record one with its letter (its dates said in words), find it, open the
letter; a wrong form."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from support.browser import browser_login, fill, screenshot, sign_in
from support.factories import gen_service_user
from models import Nnc
from support.nnc_helpers import EXE, PDF

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(make_user, database):
    make_user("petugas_nnc", "operator", full_name="Siti Rahmawati")
    with database.session() as s:
        gen_service_user(s, name="PT Buah Tropis Nusantara", tax_id="02.345.678.9-012.000")


def test_an_empty_date_field_says_the_month_comes_first_where_the_browser_puts_it_first(browser, live_server,
                                                                                         officer):
    """A US-English browser shows "mm/dd/yyyy" in an empty date field: 05/12 typed for the fifth of December would
    be the twelfth of May. Its empty fields say the order under them; a browser that puts the day first is told
    nothing; a chosen date is said in words either way."""
    for locale, empty in (("en-US", "Urutan: bulan/tanggal/tahun"), ("id-ID", "")):
        context = browser.new_context(base_url=live_server, locale=locale, viewport={"width": 1366, "height": 850})
        page = context.new_page()
        sign_in(page, "petugas_nnc")
        page.goto(live_server + "/nnc/new")
        page.wait_for_selector("#nnc-form-notice_date-words", state="attached")
        if empty:
            page.wait_for_selector(f"#nnc-form-notice_date-words:has-text('{empty}')")
        else:
            page.wait_for_selector("#nnc-form-notice_date", state="visible")
            assert page.inner_text("#nnc-form-notice_date-words") == ""
        fill(page, {"#nnc-form-notice_date": "2025-05-14"})
        page.wait_for_selector("#nnc-form-notice_date-words:has-text('Rabu, 14 Mei 2025')")
        context.close()


def _pick_company(page, text: str, name: str) -> None:
    page.click("#nnc-form-service_user_id")
    page.locator(".dash-dropdown-search").fill(text)
    page.click(f".dash-dropdown-option:has-text('{name}')")
    page.wait_for_selector(f"#nnc-form-service_user_id-value:has-text('{name}')")


def test_operator_records_an_nnc_with_its_letter_finds_it_and_opens_the_letter(page, officer, live_server):
    browser_login(page, "petugas_nnc")
    page.wait_for_url("**/nnc")
    page.click("#nnc-new")
    page.wait_for_url("**/nnc/new")
    fill(page, {
        "#nnc-form-number": "GACC/NNC/2025/0173",
        "#nnc-form-notice_date": "2025-05-14",
        "#nnc-form-received_date": "2025-05-16",
        "#nnc-form-notifying_authority": "General Administration of Customs of China (GACC)",
        "#nnc-form-notifying_country": "Tiongkok",
    })
    # The browser shows a date field in its own language's format (this Chromium's: mm/dd/yyyy); the form says the
    # chosen date in Indonesian under it, and the field is described by those words.
    page.wait_for_selector("#nnc-form-notice_date-words:has-text('Rabu, 14 Mei 2025')")
    page.wait_for_selector("#nnc-form-received_date-words:has-text('Jumat, 16 Mei 2025')")
    page.wait_for_function("document.querySelector('#nnc-form-notice_date').getAttribute('aria-describedby')"
                           " === 'nnc-form-notice_date-words'")
    page.select_option("#nnc-form-section_id", label="Karantina Tumbuhan")
    _pick_company(page, "Buah Tropis", "PT Buah Tropis Nusantara")
    page.fill("#nnc-form-commodity", "Manggis")
    page.fill("#nnc-form-scientific_name", "Garcinia mangostana")
    page.select_option("#nnc-form-category", "pest")
    page.fill("#nnc-form-organism", "Bactrocera dorsalis")
    page.select_option("#nnc-form-action_taken", "destruction")
    page.set_input_files("#nnc-form-upload input[type=file]",
                         files=[{"name": "Surat GACC 0173.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.wait_for_selector("#nnc-form-staged >> text=Surat GACC 0173.pdf")
    page.click("#nnc-form-save")
    page.wait_for_url(re.compile(r".*/nnc/\d+$"))
    page.wait_for_selector("#nnc-detail-number >> text=GACC/NNC/2025/0173")
    assert "PT Buah Tropis Nusantara" in page.inner_text("#nnc-detail-party")
    link = page.locator(".qc-nnc-attachment", has_text="Surat GACC 0173.pdf")
    href = link.get_attribute("href")
    screenshot(page, "nnc-page")

    opened = page.context.request.get(live_server + href)  # the browser's own session, as the link opens it
    assert opened.status == 200 and opened.headers["content-type"] == "application/pdf"
    assert opened.body() == PDF

    page.click("#nnc-detail-back")
    page.wait_for_url("**/nnc")
    pinned = page.locator(".qc-nnc-grid .ag-row", has_text="GACC/NNC/2025/0173")
    pinned.wait_for()
    row = page.locator(f".qc-nnc-grid .ag-center-cols-container .ag-row[row-id='{pinned.get_attribute('row-id')}']")
    assert "PT Buah Tropis Nusantara" in row.inner_text() and "Baru" in row.inner_text()
    assert page.inner_text("#nnc-count-received") == "1"
    # One page: the pager says how many, without two buttons that can do nothing.
    expect(page.locator("#nnc-pager-text")).to_have_text("Menampilkan 1–1 dari 1")
    expect(page.locator("#nnc-prev")).to_be_hidden()
    expect(page.locator("#nnc-next")).to_be_hidden()
    screenshot(page, "nnc-list")


def test_a_wrong_form_shows_each_message_in_indonesian_and_keeps_what_was_typed(page, officer, database):
    sign_in(page, "petugas_nnc")
    page.goto("/nnc/new")
    fill(page, {
        "#nnc-form-number": "NNC/UJI/9",
        "#nnc-form-notice_date": "2099-01-01",
        "#nnc-form-received_date": "2098-12-01",
        "#nnc-form-commodity": "Manggis",
    })
    page.select_option("#nnc-form-category", "documentation")
    page.fill("#nnc-form-internal_notes", "Eksportir ini sering terlambat mengirim dokumen.")
    page.set_input_files("#nnc-form-upload input[type=file]", files=[
        {"name": "surat.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": EXE}])
    page.wait_for_selector("#nnc-form-staged >> text=surat.pdf")
    assert "bukti.pdf" in page.inner_text("#nnc-form-attachments-feedback")
    assert "bukan PDF, JPEG atau PNG" in page.inner_text("#nnc-form-attachments-feedback")
    page.click("#nnc-form-save")
    page.wait_for_selector("#nnc-form-alert >> text=Data belum disimpan")
    expected = {
        "notice_date": "Tanggal tidak boleh melewati hari ini",
        "received_date": "Tanggal tidak boleh melewati hari ini",
        "notifying_authority": "Wajib diisi.",
        "section_id": "Wajib diisi.",
        "service_user_id": "Pilih pengguna jasa dari registri, atau isi nama dan negara pihak di luar registri.",
        "subcategory": "Pilih masalah dokumennya.",
        "action_taken": "Pilih tindakan yang diambil.",
    }
    for name, message in expected.items():
        assert page.inner_text(f"#nnc-form-{name}-feedback").startswith(message), name
    assert page.get_attribute("#nnc-form-number", "class").count("is-invalid") == 0
    assert "is-invalid" in page.get_attribute("#nnc-form-notice_date", "class")
    assert page.input_value("#nnc-form-number") == "NNC/UJI/9"
    assert page.input_value("#nnc-form-commodity") == "Manggis"
    assert page.input_value("#nnc-form-notice_date") == "2099-01-01"
    assert page.input_value("#nnc-form-internal_notes").startswith("Eksportir ini sering")
    assert "surat.pdf" in page.inner_text("#nnc-form-staged")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "nnc-form-errors")
    with database.session() as s:
        assert s.scalar(select(func.count(Nnc.id))) == 0


def test_the_register_is_usable_on_a_phone(phone, officer, database):
    from support.nnc_helpers import valid_nnc
    from portal.services.nnc import register as nnc
    from portal.services.nnc.rules import system_actor

    with database.session() as s:
        actor = system_actor(s, "0300", role="operator")
        saved = nnc.create_nnc(s, actor, valid_nnc(s, number="MAFF/NNC/2025/0042", category="documentation",
                                                   subcategory="missing"), [("surat.pdf", PDF)])
    browser_login(phone, "petugas_nnc")
    phone.wait_for_url("**/nnc")
    phone.locator(".qc-nnc-grid .ag-row", has_text="MAFF/NNC/2025/0042").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the list scrolls sideways"
    screenshot(phone, "phone-nnc-list")
    phone.goto(f"/nnc/{saved['id']}")
    phone.wait_for_selector("#nnc-detail-number >> text=MAFF/NNC/2025/0042")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the NNC page scrolls sideways"
    screenshot(phone, "phone-nnc-page")


def test_an_nncs_histories_read_whole_on_a_phone_without_the_page_scrolling_sideways(phone, officer, database):
    """At 390 px the page was 551 px wide: the status history cut the new status ("Dalam investiga…") and the change
    history's "Sebelum → sesudah" was off the screen. Each entry is now a block of its own there."""
    from support.nnc_helpers import valid_nnc
    from portal.services.nnc import register as nnc
    from portal.services.nnc.rules import system_actor

    with database.session() as s:
        actor = system_actor(s, "0300")
        saved = nnc.create_nnc(s, actor, valid_nnc(s, number="GACC/NNC/2026/0431"), [("surat.pdf", PDF)])
        steps = [("under_investigation", "Klarifikasi diminta kepada eksportir dan PPJK."),
                 ("clarified", "Penyebab sudah diketahui."), ("closed", "Tindakan korektif diterima.")]
        nnc.record_follow_up(s, actor, saved["id"], {
            "investigation_findings": "Palet kayu dari pemasok baru belum bertanda ISPM 15.",
            "corrective_action": "Eksportir hanya memakai palet bertanda ISPM 15; petugas memeriksa palet sebelum muat."})
        for status, note in steps:
            nnc.change_status(s, actor, saved["id"], status, note)
    sign_in(phone, "petugas_nnc")
    phone.goto(f"/nnc/{saved['id']}")
    phone.wait_for_selector("#nnc-detail-statuses-table >> text=Klarifikasi diminta")
    phone.wait_for_selector("#nnc-detail-changes-table >> text=Palet kayu")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the NNC page scrolls sideways"
    for badge in phone.locator("#nnc-detail-statuses-table .qc-nnc-status").all():  # each new status whole
        box = badge.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 - 12, badge.inner_text()
    for after in phone.locator("#nnc-detail-changes-table .qc-after").all():  # each "after" on the screen
        box = after.bounding_box()
        assert box["x"] + box["width"] <= 390 - 12, after.inner_text()
    phone.locator("#nnc-detail-statuses").scroll_into_view_if_needed()
    screenshot(phone, "phone-nnc-histories")
