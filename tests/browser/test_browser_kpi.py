"""The head of office reads the KPI panel in real Chromium, on a laptop and on a large screen."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.domain.periods import today_in
from portal.services.kpi.sla import sla_hours
from support.browser import PHONE_OPTIONS, browser_login, screenshot
from support.kpi_data import build_recent
from portal.services.kpi.rollup import refresh_kpi_rollups

pytestmark = pytest.mark.browser


@pytest.fixture
def year_of_data(session):
    build_recent(session, date.today())
    refresh_kpi_rollups(session)
    session.commit()


def test_head_reads_the_panel_and_changes_the_period(page, browser, live_server, make_user, year_of_data):
    make_user("kepala", "head")
    browser_login(page, "kepala")
    page.wait_for_url("**/kpi")
    page.wait_for_selector("#kpi-value-certificates")
    month = page.inner_text("#kpi-value-certificates")
    page.select_option("#kpi-preset", "this_year")
    page.wait_for_function("document.querySelector('#kpi-period-label').innerText.includes('1 Jan')")
    page.wait_for_selector(f"#kpi-stages [data-period^='{today_in('Asia/Jakarta').year}-01-01/']")
    assert page.inner_text("#kpi-value-certificates") != month or month == "0"
    assert "Sertifikat terbit" in page.inner_text("#kpi-cards")
    page.wait_for_timeout(500)  # let the chart finish drawing
    screenshot(page, "kpi-panel-1366")
    page.click("#kpi-card-ikm")
    # The survey results open on the panel's period, so they show the card's IKM.
    page.wait_for_url("**/survey-results?period=this_year")
    page.wait_for_selector("#survey-responses")
    assert page.input_value("#survey-preset") == "this_year"
    assert "1 Jan" in page.inner_text("#survey-period-label")
    page.wait_for_timeout(500)
    screenshot(page, "survey-results-1366")

    large = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=live_server, locale="id-ID",
                                 bypass_csp=True)
    big = large.new_page()
    show_this_year_as_head(big, "#kpi-value-certificates")
    big.wait_for_timeout(700)
    screenshot(big, "kpi-panel-1920")
    big.set_viewport_size({"width": 1920, "height": 1080})
    big.screenshot(path=screenshot(big, "kpi-panel-1920").replace(".png", "-screen.png"), full_page=False)
    large.close()


def test_on_a_phone_the_stage_table_shows_its_sla_columns_without_scrolling_sideways(browser, live_server, make_user,
                                                                                    year_of_data):
    """At 390 px the table's SLA and "Dalam SLA" columns, the ones it is read for, sat beyond the right edge of its
    scrolling frame; the count and the P90 now stay off a phone and the headers may wrap."""
    make_user("kepala", "head")
    context = browser.new_context(base_url=live_server, bypass_csp=True, **PHONE_OPTIONS)
    phone = context.new_page()
    show_this_year_as_head(phone, "#kpi-stages-table")
    table = phone.locator("#kpi-stages-table")
    table.scroll_into_view_if_needed()
    table_width, frame_width = table.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert table_width <= frame_width, (table_width, frame_width)
    headers = [text.replace("\n", " ") for text in phone.locator("#kpi-stages-table th:visible").all_inner_texts()]
    assert headers == ["Tahap", "Median", "SLA", "Dalam SLA"]
    right = phone.evaluate("document.querySelector('#kpi-stages-table th:last-child').getBoundingClientRect().right")
    assert right <= 390 and phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "kpi-panel-390")

    # The year's twelve months under the chart: upright, every second one left out, none over its neighbour (plotly
    # turned all twelve on their side: "2026 Jan Feb …" read down the axis).
    phone.locator("#kpi-monthly-chart").scroll_into_view_if_needed()
    labels = _tick_labels(phone, "#kpi-monthly-chart")
    assert 5 <= len(labels) <= 6 and labels[0]["text"].startswith("Jan"), labels
    assert not any(label["turned"] for label in labels), labels
    assert all(left["right"] <= right["left"] for left, right in zip(labels, labels[1:])), labels
    phone.locator("#kpi-monthly-chart").screenshot(path=screenshot(phone, "kpi-monthly-chart-390"))

    # The survey's element averages: the scale's whole numbers upright, the grade limits under the axis's name.
    phone.click("#kpi-card-ikm")
    # Waited for as drawn with its figures: the chart's empty frame (0–6) is there first, under a loaded CI.
    expect(phone.locator("#survey-elements-chart .xaxislayer-above .xtick text")).to_have_text(["1", "2", "3", "4"])
    labels = _tick_labels(phone, "#survey-elements-chart")
    assert [label["text"] for label in labels] == ["1", "2", "3", "4"] and not any(l["turned"] for l in labels)
    assert "batas mutu: C ≥ 2,60" in phone.locator("#survey-elements-chart .xtitle").text_content()
    phone.locator("#survey-elements-chart").screenshot(path=screenshot(phone, "survey-elements-chart-390"))
    context.close()


def _tick_labels(page, chart: str) -> list[dict]:
    """The x axis's shown tick labels of a chart: text, left and right edge, and whether plotly turned it."""
    return page.eval_on_selector_all(f"{chart} .xaxislayer-above .xtick text", r"""texts => texts
        .filter(text => getComputedStyle(text).display !== 'none')
        .map(text => { const box = text.getBoundingClientRect();
                       return {text: text.textContent, left: box.left, right: box.right,
                               turned: /rotate\((?!0[,)])/.test(text.getAttribute('transform') || '')}; })""")


def show_this_year_as_head(page, drawn: str) -> None:
    """Log in as the head, wait for `drawn`, and choose this year's period."""
    page.set_default_timeout(15000)
    browser_login(page, "kepala")
    page.wait_for_selector(drawn)
    page.select_option("#kpi-preset", "this_year")
    page.wait_for_function("document.querySelector('#kpi-period-label').innerText.includes('1 Jan')")
    # The stage table is asked for once the cards are drawn: its answer comes a round trip later.
    page.wait_for_selector(f"#kpi-stages [data-period^='{today_in('Asia/Jakarta').year}-01-01/']")


def test_an_admin_sets_a_stages_sla_to_whole_or_half_hours_and_a_value_out_of_range_is_named(page, make_user,
                                                                                              database):
    """The hours fields held a browser step (from 0.1 by 0.5): a whole 7 hours was invalid to the browser, sent as
    nothing, and the save answered "Isi angka jam." for a number the service accepts. Then they were number fields,
    which dropped the comma of an Indonesian "1,5" as it was typed and saved 15 hours."""
    make_user("admin_sla", "admin")
    browser_login(page, "admin_sla")
    page.wait_for_url("**/admin/users")
    page.goto("/kpi")
    page.click("#kpi-sla summary")
    expect(page.locator("#kpi-sla-verified")).to_have_value("2")  # the stored hours are in
    page.fill("#kpi-sla-verified", "7")
    page.fill("#kpi-sla-paid", "")
    page.type("#kpi-sla-paid", "1,5")  # key by key, as a person types it
    page.fill("#kpi-sla-billed", "0.5")  # a decimal point is read as well
    page.click("#kpi-sla-save")
    expect(page.locator("#kpi-sla-alert")).to_contain_text("disimpan")
    with database.session() as session:
        hours = sla_hours(session)
    assert (hours["verified"], hours["paid"], hours["billed"]) == (7.0, 1.5, 0.5)
    expect(page.locator("#kpi-sla-paid")).to_have_value("1,5")  # shown back in the reader's numbers
    expect(page.locator("#kpi-sla-billed")).to_have_value("0,5")

    page.fill("#kpi-sla-billed", "-3")  # the server's range, in its words, on the field
    page.click("#kpi-sla-save")
    expect(page.locator("#kpi-sla-billed-feedback")).to_have_text("Antara 0 dan 2160 jam.")
    expect(page.locator("#kpi-sla-billed")).to_have_value("-3")
    screenshot(page, "kpi-sla-range")
