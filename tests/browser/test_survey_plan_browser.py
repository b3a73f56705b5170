"""The semester follow-up plan on the survey results page, in Chromium: what an officer types survives the chart's
filters, waits for them while they look at another semester, and is never saved over a colleague's newer plan."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.domain.periods import today_in
from portal.services import edit_versions, ikm_results
from support.browser import screenshot, sign_in
from support.factories import office_id

pytestmark = pytest.mark.browser

TYPED = "Sosialisasi prosedur di loket; papan alur layanan baru (Kasi Pelayanan, Agustus)."


def _this_semester() -> tuple[int, int]:
    today = today_in("Asia/Jakarta")
    return today.year, 1 if today.month <= 6 else 2


def _plan_opened(page) -> None:
    """Wait until the form has its plan and version. It comes after the charts are drawn (load_plan runs on the key
    the loader writes): on a cold, loaded runner Plotly's first draw alone took over 10 s, so wait longer than 15 s."""
    expect(page.locator("#survey-plan-text")).to_be_enabled(timeout=45000)


def _the_loader(response) -> bool:
    """The answer of the callback that draws the page's figures for its filters."""
    return "_dash-update-component" in response.url and "survey-trend-chart" in (response.request.post_data or "")


def test_typed_plan_survives_the_trend_unit_and_section_and_waits_for_its_semester(page, make_user):
    make_user("admin_rencana", "admin")
    sign_in(page, "admin_rencana")
    page.goto("/survey-results")
    _plan_opened(page)
    page.fill("#survey-plan-text", TYPED)

    with page.expect_response(_the_loader):
        page.locator("#survey-trend-unit input[value='semester']").check()
    expect(page.locator("#survey-trend-chart")).to_contain_text("Sem ")  # the chart is drawn per semester
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)

    with page.expect_response(_the_loader):
        page.select_option("#survey-section", "plant")
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)

    page.select_option("#survey-preset", "last_semester")  # another semester: its own (empty) plan …
    expect(page.locator("#survey-plan-draft-kept")).to_be_visible()
    expect(page.locator("#survey-plan-text")).to_have_value("")
    screenshot(page, "survey-plan-draft-kept")
    page.select_option("#survey-preset", "this_semester")  # … and back: the typing is given back
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)
    expect(page.locator("#survey-plan-draft-restored")).to_be_visible()


def test_a_plan_save_over_a_colleagues_newer_plan_is_refused_and_the_newer_text_can_be_loaded(
        page, database, make_user):
    make_user("admin_layar", "admin")
    year, semester = _this_semester()
    with database.session() as s:
        ikm_results.save_follow_up_plan(s, None, "admin", office_id(s), year, semester, "Rencana awal")
    sign_in(page, "admin_layar")
    page.goto("/survey-results")
    _plan_opened(page)
    expect(page.locator("#survey-plan-text")).to_have_value("Rencana awal")
    page.fill("#survey-plan-text", TYPED)

    with database.session() as s:  # meanwhile a colleague saves from their own form
        office = office_id(s)
        version = ikm_results.plan_version(s, office, year, semester)
        kept = edit_versions.opened(version, {"text": "Rencana awal"})
        ikm_results.save_follow_up_plan(s, None, "rekan_kepala", office, year, semester, "Rencana dari rekan",
                                        expected_version=kept["version"], opened=kept["values"])

    page.click("#survey-plan-save")
    alert = page.locator("#survey-plan-alert")
    expect(alert).to_contain_text("Tidak disimpan: data ini sudah diubah sejak Anda membukanya.")
    expect(alert).to_contain_text("rekan_kepala menyimpan perubahan pada")
    expect(alert).to_contain_text("Rencana dari rekan")
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)
    screenshot(page, "survey-plan-stale-save")
    with database.session() as s:
        assert ikm_results.follow_up_plan(s, office, year, semester)["text"] == "Rencana dari rekan"

    page.click("#survey-plan-reload")
    expect(page.locator("#survey-plan-text")).to_have_value("Rencana dari rekan")
    expect(page.locator("#survey-plan-updated")).to_contain_text("rekan_kepala")
    page.fill("#survey-plan-text", "Rencana dari rekan; ditambah papan alur layanan.")
    page.click("#survey-plan-save")
    expect(alert).to_contain_text("Rencana tindak lanjut disimpan.")
    with database.session() as s:
        assert ikm_results.follow_up_plan(s, office, year, semester)["text"] == \
            "Rencana dari rekan; ditambah papan alur layanan."
