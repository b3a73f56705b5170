"""In real Chromium: an application opened from the inspection queue leads back to the queue as it was left, and
logging out forgets every list the tab kept (filters and scroll positions)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from models import Office
from portal.domain.periods import local_date
from support.browser import browser_logout, sign_in
from support.factories import gen_application, gen_service_user
from support.targeting_data import gen_decision, queue_consignment

pytestmark = pytest.mark.browser


def test_an_application_opened_from_the_queue_leads_back_to_the_queue_as_left_and_logout_forgets_it(
        page, database, make_user):
    make_user("antrian", "operator")
    day, application_id = queue_consignment(database, company="PT Sinar Manggis Ekspor", commodity="Manggis segar",
                                            number="2026.1.0300.0.K21.M.033072")

    sign_in(page, "antrian")
    page.goto(f"/targeting/queue?day={day}&level=tightened")
    row = page.locator("#queue-grid .ag-center-cols-container .ag-row").first
    expect(row).to_contain_text("Sinar Manggis")
    row.locator("[col-id='number']").click()
    page.wait_for_url(re.compile(rf"/applications/{application_id}\?back=%2Ftargeting%2Fqueue$"))
    back = page.locator("#application-detail-back")
    expect(back).to_have_text(re.compile("Kembali ke Antrian pemeriksaan"))
    back.click()
    page.wait_for_url(f"**/targeting/queue?day={day}&level=tightened")
    expect(page.locator("#queue-grid .ag-center-cols-container .ag-row").first).to_contain_text("Sinar Manggis")

    page.set_viewport_size({"width": 1280, "height": 320})  # room to scroll, so the position is kept
    page.evaluate("window.scrollTo(0, 60)")
    page.wait_for_function("Object.keys(sessionStorage).some(name => name.startsWith('qc-scroll '))")
    kept = page.evaluate("Object.keys(sessionStorage).filter(name => name.startsWith('qc-'))")
    assert any(name.startswith("qc-list ") for name in kept), kept
    browser_logout(page)
    assert page.evaluate("Object.keys(sessionStorage).filter(name => name.startsWith('qc-'))") == []


def test_back_from_an_application_finds_the_queue_scrolled_where_it_was_left_inside_its_grid(
        page, database, make_user):
    """The queue scrolls inside its grid (62% of the screen's height), not the page: Back and the application's link
    back showed its first rows, and the officer looked for the row they had opened."""
    make_user("antrian_gulir", "operator")
    with database.session() as s:
        company = gen_service_user(s, name="PT Antrian Panjang")
        submitted = datetime.now(timezone.utc).replace(microsecond=0)
        for n in range(40):
            application = gen_application(s, company, submitted_at=submitted, stages=("submitted",),
                                          number=f"2026.1.0300.0.K21.M.{n:06d}")
            gen_decision(s, application, level="tightened", draw=0.9)
        day = local_date(submitted, s.get(Office, application.office_id).timezone).isoformat()
        s.commit()

    sign_in(page, "antrian_gulir")
    page.goto(f"/targeting/queue?day={day}")
    viewport = page.locator("#queue-grid .ag-body-viewport")
    expect(page.locator("#queue-grid .ag-center-cols-container .ag-row").first).to_be_visible()
    viewport.evaluate("element => { element.scrollTop = 600; }")
    page.wait_for_function("Object.keys(sessionStorage).some(name => name.startsWith('qc-scroll-grid '))")
    assert viewport.evaluate("element => element.scrollTop") > 300
    row = page.locator("#queue-grid .ag-center-cols-container .ag-row[row-index='15'] [col-id='number']")

    def opened_row_and_left() -> int:
        """Opens the row; where the grid was left (the click may move it a little: AG Grid shows the clicked row
        whole)."""
        row.click()
        page.wait_for_url(re.compile(r"/applications/\d+\?back="))
        left = int(page.evaluate(f"sessionStorage.getItem('qc-scroll-grid /targeting/queue?day={day} queue-grid')"))
        assert left > 300
        return left

    def given_back(left: int) -> None:
        page.wait_for_url(f"**/targeting/queue?day={day}")
        page.wait_for_function(f"""Math.abs((document.querySelector('#queue-grid .ag-center-cols-container .ag-row')
            ? document.querySelector('#queue-grid .ag-body-viewport').scrollTop : -100) - {left}) <= 5""")
        page.wait_for_timeout(1500)  # …and kept there: a list drawn again after it was given back came back at its top
        assert abs(viewport.evaluate("element => element.scrollTop") - left) <= 5

    left = opened_row_and_left()
    page.locator("#application-detail-back").click()
    given_back(left)
    # Back at once, before the application is drawn (a quick thumb, a busy server): the list still on screen was
    # scrolled, then drawn again at its top.
    left = opened_row_and_left()
    page.go_back()  # the browser's Back gives it back too
    given_back(left)
