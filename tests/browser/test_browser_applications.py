"""In real Chromium: an operator searches applications and opens one; the IQFast sync page; a phone-sized page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from support.browser import browser_login, screenshot, sign_in
from support.factories import (gen_action, gen_application, gen_bill, gen_certificate, gen_handler, gen_service_user)
from models import SyncRequest, SyncRun
from models.base import utcnow

pytestmark = pytest.mark.browser
UTC = timezone.utc


@pytest.fixture
def applications_data(database, make_user):
    """An operator, an admin, 60 applications of several companies, one of them with everything recorded."""
    make_user("petugas", "operator", full_name="Siti Rahmawati")
    make_user("admin_qc", "admin", full_name="Admin Q-Corner")
    with database.session() as s:
        companies = [gen_service_user(s, name=name, tax_id=tax) for name, tax in (
            ("PT Sumber Buah Nusantara", "01.234.567.8-001.000"), ("CV Anggrek Lestari", "02.345.678.9-002.000"),
            ("PT Sarang Walet Borneo", "03.456.789.0-003.000"))]
        handler = gen_handler(s, name="PPJK Cepat Urus Mandiri", tax_id="09.876.543.2-100.000")
        start = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
        for n in range(58):
            gen_application(s, companies[n % 3], section="plant" if n % 3 != 2 else "animal",
                            direction=("export", "import", "domestic_out")[n % 3], handler=handler if n % 2 else None,
                            submitted_at=start + timedelta(hours=7 * n), number=f"2026.1.0300.0.K11.E.{n:06d}",
                            stages=(("submitted", "verified", "inspected", "draft_certificate", "billed")[:1 + n % 5]))
        mango = gen_service_user(s, name="PT Mangga Harum Manis", tax_id="01.777.888.9-404.000",
                                 address="Jl. Raya Pasar Minggu No. 17, Jakarta Selatan")
        detained = gen_application(
            s, mango, section="plant", direction="export", handler=handler, commodity="Manggis segar",
            number="2026.1.0300.0.K11.E.999001", submitted_at=datetime(2026, 3, 9, 2, 30, tzinfo=UTC),
            stages=("submitted", "verified", "inspected", "detained", "released", "inspected", "treated",
                    "draft_certificate", "billed", "paid", "certified"),
            consignor_address="Jl. Raya Pasar Minggu No. 17, Jakarta Selatan",
            consignee_address="No. 88 Jiangnan Fruit Market, Guangzhou, China", destination_place="Guangzhou",
            origin_country="Indonesia", origin_place="Jakarta", origin_port="Bandara Soekarno-Hatta (CGK)",
            destination_port="Guangzhou Baiyun (CAN)", conveyance_name="Garuda Indonesia",
            transport_document="126-12345675", packaging="Kardus", package_count=240,
            marks="MGS-CN-2026/03")
        gen_certificate(s, detained, number="DRAFT-KT1-0042", is_draft=True)
        gen_certificate(s, detained, number="2026/KT-1/0300/004211", is_draft=False,
                        issued_at=detained.submitted_at + timedelta(hours=30),
                        treatment_method="Perlakuan uap panas (VHT)",
                        treatment_dose="47,2 °C selama 20 menit", signer_name="drh. Ratna Sari")
        gen_bill(s, detained, amount=Decimal("1275000"), paid=True,
                 paid_at=detained.submitted_at + timedelta(hours=27), payment_ref="0A1B2C3D4E5F6G7H")
        gen_action(s, detained, "detention", number="P-0300-2026-0107", reason="Ditemukan lalat buah (Bactrocera sp.) "
                   "pada 3 dari 240 kemasan", outcome="released", officer_name="Budi Santoso",
                   action_at=detained.submitted_at + timedelta(hours=9))
        # the last successful sync was long ago: the warning shows on every page
        s.add(SyncRun(kind="incremental", source="IQFast replika", started_at=utcnow() - timedelta(hours=5, minutes=1),
                      finished_at=utcnow() - timedelta(hours=5), status="success",
                      rows_read={"ptk": 312, "riwayat_ptk": 2480}, rows_written={"ptk": 312, "riwayat_ptk": 2477},
                      cursor={"ptk": {"updated_at": "2026-03-09 14:00:00", "last_id": 48211},
                              "riwayat_ptk": {"updated_at": "2026-03-09 14:00:02", "last_id": 388104}}))
        s.add(SyncRun(kind="incremental", source="IQFast replika", started_at=utcnow() - timedelta(hours=1),
                      finished_at=utcnow() - timedelta(minutes=59), status="failed", rows_read={}, rows_written={},
                      error="(pymysql.err.OperationalError) (2003, \"Can't connect to MySQL server on '10.0.3.5'\")"))
        return {"detained_id": detained.id, "number": detained.number}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page scrolls sideways ({width}px on a {viewport}px screen)"


def test_operator_searches_applications_and_opens_one(page, applications_data):
    browser_login(page, "petugas")
    page.wait_for_url("**/nnc")
    page.click("#shell-nav-applications")
    page.wait_for_url("**/applications")
    page.wait_for_selector("#applications-grid .ag-row")
    assert re.search(r"Menampilkan 1–50 dari 59", page.inner_text("#applications-count"))
    assert "Data IQFast terakhir tersinkron" in page.inner_text("#shell-sync-warning")
    screenshot(page, "applications-list")

    page.click("#applications-next")
    page.wait_for_function("document.querySelector('#applications-count').innerText.includes('51–59')")
    page.wait_for_url("**/applications?page=2")
    # A row of the second page, and the page's own link back: the second page again, as Back would give it.
    page.click("#applications-grid .ag-row [col-id='number'] >> nth=0")
    page.wait_for_url(re.compile(r"/applications/\d+$"))
    page.click("#application-detail-back")
    page.wait_for_url("**/applications?page=2")
    page.wait_for_function("document.querySelector('#applications-count')?.innerText.includes('51–59')")

    page.fill("#applications-service_user", "mangga harum")
    page.press("#applications-service_user", "Enter")
    page.wait_for_function("document.querySelector('#applications-count').innerText.includes('dari 1')")
    page.wait_for_function("document.querySelectorAll("
                           "'#applications-grid .ag-center-cols-container .ag-row').length === 1")
    screenshot(page, "applications-search")

    page.click(f"#applications-grid .ag-row[row-id='{applications_data['detained_id']}'] [col-id='number']")
    page.wait_for_url(f"**/applications/{applications_data['detained_id']}")
    page.wait_for_selector("#application-detail-timeline")
    assert page.inner_text("#application-detail-number") == applications_data["number"]
    # its tab is named by its number (every open application's tab read "Permohonan · Q-Corner")
    expect(page).to_have_title(f"{applications_data['number']} · Permohonan · Q-Corner")
    timeline = page.inner_text("#application-detail-timeline")
    assert page.locator("#application-detail-timeline li").count() == 11
    for text in ("Diajukan", "Ditahan", "Dibebaskan", "Sertifikat terbit", "Petugas Uji", "WIB"):
        assert text in timeline, text
    assert "Rp\u00a01.275.000" in page.inner_text("#application-detail-bill")  # no-break space
    assert "Penahanan" in page.inner_text("#application-detail-actions")
    assert "Perlakuan uap panas" in page.inner_text("#application-detail-documents")
    screenshot(page, "application-detail")

    page.click("#application-detail-back")  # the list as left: the search kept
    page.wait_for_url("**/applications?service_user=mangga+harum")
    page.wait_for_function("document.querySelector('#applications-count')?.innerText.includes('dari 1')")
    assert page.input_value("#applications-service_user") == "mangga harum"


def test_application_page_fits_a_phone(phone, applications_data):
    sign_in(phone, "petugas")
    phone.goto(f"/applications/{applications_data['detained_id']}")
    phone.wait_for_selector("#application-detail-timeline")
    phone.wait_for_selector("#application-detail-commodity-table")
    _no_sideways_scroll(phone)
    screenshot(phone, "application-detail-phone")
    phone.goto("/applications")
    phone.wait_for_selector("#applications-grid .ag-row")
    _no_sideways_scroll(phone)
    screenshot(phone, "applications-list-phone")


def test_admin_asks_for_a_sync_and_follows_it(page, applications_data, database):
    sign_in(page, "admin_qc")
    page.goto("/admin/sync")
    page.wait_for_selector("#admin-sync-runs-grid .ag-row")
    # the overview and the runs are separate callbacks: the grid's rows may arrive before the lag card is filled
    page.wait_for_selector("#admin-sync-lag-value")
    assert "Tertinggal" in page.inner_text("#admin-sync-lag")
    assert "48211" in page.inner_text("#admin-sync-cursor")
    screenshot(page, "admin-sync")

    page.click("#admin-sync-now")
    page.wait_for_selector("#admin-sync-request-status:has-text('Menunggu penjadwal')")
    with database.session() as s:  # what the scheduler process does: pick the request, run, link the run
        request = s.scalar(select(SyncRequest))
        run = SyncRun(kind="incremental", source="IQFast replika", status="running", started_at=utcnow(),
                      rows_read={}, rows_written={}, triggered_by="scheduler request")
        s.add(run)
        s.flush()
        request.picked_at = utcnow()
        run_id = run.id
    page.wait_for_selector("#admin-sync-request-status:has-text('sedang berjalan')")
    screenshot(page, "admin-sync-running")
    with database.session() as s:
        run = s.get(SyncRun, run_id)
        run.status, run.finished_at, run.rows_written = "success", utcnow(), {"ptk": 14, "riwayat_ptk": 96}
        s.scalar(select(SyncRequest)).run_id = run_id
    page.wait_for_selector("#admin-sync-request-status:has-text('Sinkronisasi selesai')")
    page.wait_for_selector("#admin-sync-lag:has-text('Mutakhir')")
    page.wait_for_selector("#shell-sync-warning", state="hidden")  # the staleness warning checks again at once
    screenshot(page, "admin-sync-done")


def test_admin_uploads_an_export_through_the_plain_form(page, applications_data, tmp_path):
    pytest.importorskip("portal.iqfast.export_source")
    export = tmp_path / "m_negara.csv"
    export.write_text("id_negara;kode_negara;nama_negara;tgl_update\n1;ID;Indonesia;2026-03-01 08:00:00\n"
                      "dua;CN;China;2026-03-01 08:00:00\n", encoding="utf-8")
    sign_in(page, "admin_qc")
    page.goto("/admin/sync")
    page.wait_for_selector("#admin-sync-upload-form")
    page.set_input_files("#admin-sync-upload-file", str(export))
    page.click("#admin-sync-upload-submit")
    page.wait_for_url("**/admin/sync/upload")
    page.wait_for_selector("#sync-upload-status")
    assert page.inner_text("#sync-upload-loaded") == "1" and page.inner_text("#sync-upload-rejected") == "1"
    assert "3" in page.inner_text("#sync-upload-errors")
    screenshot(page, "sync-upload-report")
    page.click("#sync-upload-back")
    page.wait_for_url("**/admin/sync")
