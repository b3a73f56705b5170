"""A plant coordinator in real Chromium: opens the ranking, filters it, opens a profile, reads the explanation."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from support.compliance_data import gen_nnc
from support.browser import asks_on_reload, browser_login, screenshot, sign_in
from support.factories import gen_action, gen_application, gen_handler, gen_service_user
from portal.domain.periods import today_in
from portal.services.compliance import rollup as compliance_rollup

pytestmark = pytest.mark.browser
UTC = timezone.utc


def _ago(days: int) -> datetime:
    return datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=days)


@pytest.fixture
def station(database, make_user):
    """A plant section with a clean big exporter, a handful of ordinary ones and two that need guidance."""
    with database.session() as s:
        handler = gen_handler(s, name="PPJK Cepat Urus")
        big = gen_service_user(s, name="PT Sinar Manggis Ekspor")
        for i in range(26):
            gen_application(s, big, submitted_at=_ago(10 + 11 * i), handler=handler)
        for n, name in enumerate(("CV Anggrek Nusantara", "PT Kopi Priangan", "PT Benih Unggul", "UD Walet Jaya")):
            su = gen_service_user(s, name=name)
            for i in range(8 + 3 * n):
                gen_application(s, su, submitted_at=_ago(20 + 17 * i))
        beta = gen_service_user(s, name="PT Beta Tani")
        for i in range(10):
            app = gen_application(s, beta, submitted_at=_ago(15 + 20 * i), handler=handler)
            if i == 3:
                gen_action(s, app, "detention", reason="Dokumen fitosanitari tidak sesuai")
                gen_action(s, app, "refusal", action_at=app.submitted_at + timedelta(hours=5),
                           reason="Ditolak masuk negara tujuan")
        gamma = gen_service_user(s, name="CV Gamma Agro")
        apps = [gen_application(s, gamma, submitted_at=_ago(30 + 30 * i)) for i in range(5)]
        gen_nnc(s, gamma, notice_date=date.today() - timedelta(days=70), application=apps[1])
        delta = gen_service_user(s, name="PT Delta Satwa")
        for i in range(4):
            gen_application(s, delta, section="animal", submitted_at=_ago(12 + 30 * i))
        compliance_rollup.recompute_all(s)
        ids = {"beta": beta.id}
    make_user("koordinator_kt", "coordinator", "plant", full_name="Ir. Ratna Dewi")
    return ids


def test_coordinator_ranks_filters_and_reads_how_a_score_was_computed(page, station):
    browser_login(page, "koordinator_kt")
    page.wait_for_url("**/rankings")
    page.wait_for_selector("#rankings-grid .ag-row")
    page.wait_for_function("document.querySelector('#rankings-chart-answer').innerText.length > 0")
    grid = page.inner_text("#rankings-grid")
    assert "PT Sinar Manggis Ekspor" in grid and "PT Delta Satwa" not in grid  # animal only: not in plant
    assert "perlu pembinaan" in page.inner_text("#rankings-chart-answer")
    screenshot(page, "compliance-rankings-coordinator")

    page.select_option("#rankings-tier", "D")
    page.wait_for_function(
        "!document.querySelector('#rankings-grid').innerText.includes('PT Sinar Manggis Ekspor')")
    filtered = page.inner_text("#rankings-grid")
    assert "PT Beta Tani" in filtered and "CV Gamma Agro" in filtered
    screenshot(page, "compliance-rankings-tier-d")

    page.click("#rankings-grid .ag-row:has-text('PT Beta Tani') [col-id='name']")
    page.wait_for_url(f"**/profile/{station['beta']}?section=plant")  # on the ranking's section
    page.wait_for_selector("#profile-how-card")
    how = page.inner_text("#profile-how-card")
    assert "Bagaimana skor ini dihitung" in how
    assert "Penahanan" in how and "Penolakan" in how and "p0" in how
    assert page.locator("#profile-how-events a").count() == 2  # each event links to its application
    screenshot(page, "compliance-profile-explanation")


def test_coordinator_opens_the_guidance_page_and_sees_field_errors(page, station):
    sign_in(page, "koordinator_kt")
    page.goto("/guidance")
    page.wait_for_selector("#guidance-grid .ag-row")
    page.click("#guidance-save")
    page.wait_for_selector("#guidance-notes.is-invalid")
    assert "Tulis catatan pembinaan." in page.inner_text("#guidance-form")
    screenshot(page, "compliance-guidance-errors")


def test_coordinator_plans_guidance_then_cancels_it_from_the_records_grid(page, station):
    """A future date saves as planned; its row opens the actions; 'done' refuses a future day; a cancel needs and
    shows its reason."""
    sign_in(page, "koordinator_kt")
    page.goto("/guidance")
    page.wait_for_selector("#guidance-grid .ag-row:has-text('PT Beta Tani')")
    planned_on = date.today() + timedelta(days=20)
    # The company is searched as it is typed (the drop-down never holds the whole tier-D list).
    page.click("#guidance-service_user_id")
    page.locator(".dash-dropdown-search").fill("Beta Tani")
    page.click(".dash-dropdown-option:has-text('PT Beta Tani')")
    page.wait_for_selector("#guidance-service_user_id-value:has-text('PT Beta Tani')")
    page.select_option("#guidance-status", "planned")
    page.fill("#guidance-given_on", planned_on.isoformat())
    page.fill("#guidance-notes", "Kunjungan ke gudang untuk membahas dokumen.")
    asks_on_reload(page, True)  # typed and not saved: leaving asks first
    page.click("#guidance-save")
    page.wait_for_selector("#guidance-saved:has-text('Rencana pembinaan tersimpan')")
    asks_on_reload(page, False)  # saved: the company and day stay for the next record, and are no unsaved typing
    row = page.locator("#guidance-records-grid .ag-row:has-text('PT Beta Tani')")
    row.wait_for()
    assert "Direncanakan" in row.inner_text()
    page.wait_for_selector("#guidance-grid .ag-row:has-text('PT Beta Tani') [col-id='planned']:has-text('Kunjungan')")

    row.locator("[col-id='name']").click()
    page.wait_for_selector("#guidance-action-modal", state="visible")
    # The dialog proposes today for a plan still to come; wait for it before typing over it.
    today = today_in("Asia/Jakarta")  # the office's day, not the test machine's
    page.wait_for_function(f"document.querySelector('#guidance-action-given_on').value == '{today}'")
    page.fill("#guidance-action-given_on", planned_on.isoformat())
    page.click("#guidance-action-done")
    page.wait_for_selector("#guidance-action-given_on.is-invalid")
    assert "tidak boleh di masa depan" in page.inner_text("#guidance-action-modal")
    page.click("#guidance-action-cancel")
    page.wait_for_selector("#guidance-action-cancel_reason.is-invalid")
    page.fill("#guidance-action-cancel_reason", "Perusahaan meminta jadwal ulang.")
    asks_on_reload(page, True)  # a reason typed in the open dialog
    page.click("#guidance-action-cancel")
    page.wait_for_selector("#guidance-action-modal", state="hidden")
    asks_on_reload(page, False)  # done, and the dialog closed
    page.wait_for_selector("#guidance-records-grid .ag-row:has-text('Dibatalkan: Perusahaan meminta jadwal ulang.')")
    screenshot(page, "compliance-guidance-cancelled")


def test_coordinator_prints_the_traceability_dossier_from_the_profile(page, station):
    from portal.reports import dossier

    browser_login(page, "koordinator_kt")
    page.wait_for_url("**/rankings")
    # Opened on its exports (a ranking so filtered opens it so): the dossier sends the direction with its period.
    page.goto(page.url.replace("/rankings", f"/profile/{station['beta']}?direction=export"))
    page.wait_for_selector("#profile-dossier-print")
    assert page.input_value("#profile-dossier-to") == today_in("Asia/Jakarta").isoformat()
    expect(page.locator("#profile-dossier-form input[type=hidden][name=direction]")).to_have_value("export")
    downloads = []
    # The form opens a new tab whose answer is the PDF as a download; Chromium reports it on the profile's page.
    page.on("download", lambda download: downloads.append(download))
    page.context.on("page", lambda opened: opened.on("download", lambda download: downloads.append(download)))
    page.click("#profile-dossier-print")
    for _ in range(200):
        if downloads:
            break
        page.wait_for_timeout(100)
    assert downloads, "no dossier was downloaded"
    assert downloads[0].suggested_filename.startswith("dokumen-penelusuran-")
    with open(downloads[0].path(), "rb") as handle:
        found = dossier.content_of(handle.read())[0]
    assert found["company"]["name"] == "PT Beta Tani" and found["section"] == "plant"
    assert found["direction"] == "export" and found["commodity"] is None


def test_back_from_an_application_opened_in_a_profiles_history_finds_the_history_open_where_it_was_left(
        page, station):
    """Back from an application opened in "Riwayat tindakan 3P dan NNC" gave the profile with every section closed
    and at its top: the section stays open for this company in the tab, and the page comes back scrolled as left
    (it was scrolled over the application page, still drawn when the address changed, then drawn over)."""
    page.set_viewport_size({"width": 1366, "height": 500})
    browser_login(page, "koordinator_kt")
    page.goto(f"/profile/{station['beta']}")
    page.click("#profile-sections .accordion-button:has-text('Riwayat tindakan 3P')")
    page.wait_for_selector("#profile-timeline-grid .ag-row")
    page.locator("#profile-timeline-grid").scroll_into_view_if_needed()
    page.click("#profile-timeline-grid .ag-row [col-id='reference']")
    page.wait_for_url("**/applications/*")
    page.wait_for_selector("#application-detail-timeline")
    left = float(page.evaluate(f"sessionStorage.getItem('qc-scroll /profile/{station['beta']}')"))
    assert left > 200  # the profile was left scrolled down to its history
    page.go_back()
    page.wait_for_url(f"**/profile/{station['beta']}")
    page.wait_for_selector("#profile-timeline-grid .ag-row")  # the section open again, its rows drawn
    page.wait_for_function(f"Math.abs(window.scrollY - {left}) < 5")


def test_a_ranking_of_a_custom_period_opens_the_profile_scored_for_that_period(page, phone, station):
    """The ranking of a period showed Beta with 3 consignments; its profile opened on the last 12 months with 10,
    another score than the row clicked. It opens on the period (in its fields and its address), scores over it, and
    its fields give the default window back when emptied."""
    today = date.today()
    first, last = (today - timedelta(days=100)).isoformat(), (today - timedelta(days=50)).isoformat()
    sign_in(page, "koordinator_kt")
    page.goto(f"/rankings?from={first}&to={last}")
    row = page.locator("#rankings-grid .ag-row:has-text('PT Beta Tani')")
    expect(row).to_have_count(1)
    index = row.get_attribute("row-index")  # the name is pinned: the counts are in the same row of another container
    counted = page.locator(f"#rankings-grid .ag-row[row-index='{index}'] [col-id='consignments']").inner_text().strip()
    assert counted == "3"  # 55, 75 and 95 days ago
    row.locator("[col-id='name']").click()
    page.wait_for_url(f"**/profile/{station['beta']}?section=plant&from={first}&to={last}")
    expect(page.locator("#profile-from")).to_have_value(first)
    expect(page.locator("#profile-to")).to_have_value(last)
    summary = page.locator("#profile-summary-card")
    # the score's window is the period (the dossier's period starts as the score's window)
    expect(page.locator("#profile-dossier-from")).to_have_value(first)
    expect(page.locator("#profile-dossier-to")).to_have_value(last)
    assert summary.locator(".qc-big-number").nth(1).inner_text().strip() == counted  # the row's consignments
    expect(page.locator("#profile-how-steps")).to_contain_text("periode yang dipilih")  # not "12 bulan terakhir"
    screenshot(page, "compliance-profile-custom-period")

    # the fields take a date when left or on Enter: a year typed digit by digit is no period of the year 2
    page.fill("#profile-from", "")
    page.fill("#profile-to", "")
    page.press("#profile-to", "Enter")
    page.wait_for_url(f"**/profile/{station['beta']}?section=plant")
    expect(summary.locator(".qc-big-number").nth(1)).to_have_text("10")  # the last 12 months again
    # Both fields empty: their words' line goes too (only its dash was left, alone under the fields)
    expect(page.locator("#profile-from-words")).to_be_empty()
    expect(page.locator(".qc-period-words").first).to_be_hidden()

    page.fill("#profile-from", last)
    page.fill("#profile-to", first)  # the wrong way round: said, and the default window kept
    page.press("#profile-to", "Enter")
    expect(page.locator("#profile-period-problem")).to_contain_text("Tanggal akhir harus sesudah tanggal awal")
    expect(summary.locator(".qc-big-number").nth(1)).to_have_text("10")

    sign_in(phone, "koordinator_kt")
    phone.goto(f"/profile/{station['beta']}?section=plant&from={first}&to={last}")
    expect(phone.locator("#profile-summary-card .qc-big-number").nth(1)).to_have_text(counted)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    screenshot(phone, "compliance-profile-custom-period-phone")
