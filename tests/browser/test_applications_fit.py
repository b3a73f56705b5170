"""The applications' list reads whole at a 1366 px laptop and at 1440 px, without scrolling sideways: every header
whole and inside the grid (the list was 1,490 px wide: "PPJK" and "Selesai (WIB)" past the edge, "Media pemb…" cut),
and a long company, commodity or forwarder wraps rather than ends in "…". The inspection queue's commodities wrap at
word boundaries ("Aglaonem a", "Dendrobiu m" broke mid-word)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from support.browser import screenshot, sign_in
from support.factories import gen_application, gen_handler, gen_service_user

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "id-ID"}
LAPTOP = {"viewport": {"width": 1366, "height": 800}, "locale": "id-ID"}

# Whether a grid scrolls sideways, its headers that are cut or past its edge, and its cells whose text is cut.
FIT = """(grid) => {
    const box = document.querySelector(grid).getBoundingClientRect();
    const viewport = document.querySelector(`${grid} .ag-center-cols-viewport`);
    const headers = [...document.querySelectorAll(`${grid} .ag-header-cell:not(.ag-hidden)`)]
        .filter(cell => cell.offsetWidth > 0);
    const cells = [...document.querySelectorAll(`${grid} .ag-row .ag-cell`)].filter(cell => cell.offsetWidth > 0);
    return {sideways: viewport.scrollWidth > viewport.clientWidth + 1,
            outside: headers.filter(cell => cell.getBoundingClientRect().right > box.right + 1)
                            .map(cell => cell.textContent),
            headers: headers.map(cell => cell.querySelector('.ag-header-cell-text'))
                            .filter(text => text && (text.scrollWidth > text.clientWidth + 1
                                                     || text.scrollHeight > text.clientHeight + 1))
                            .map(text => text.textContent),
            cut: cells.filter(cell => cell.scrollWidth > cell.clientWidth + 1
                                      || cell.scrollHeight > cell.clientHeight + 1)
                      .map(cell => cell.getAttribute('col-id') + ': ' + cell.textContent)};
}"""
WHOLE = {"sideways": False, "outside": [], "headers": [], "cut": []}

# The words of a column's cells that the browser broke across two lines.
SPLIT_WORDS = """([grid, column]) => {
    const split = [];
    for (const cell of document.querySelectorAll(`${grid} .ag-row .ag-cell[col-id="${column}"]`)) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.textContent.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
                if (lines.size > 1) split.push(word[0]);
            }
        }
    }
    return split;
}"""


def _tab(browser, live_server, options: dict):
    context = browser.new_context(base_url=live_server, bypass_csp=True, **options)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    return tab


def _settled(tab, grid: str) -> dict:
    """What the grid shows once it has laid itself out (flex widths shared out, then rows grown to their lines)."""
    try:
        tab.wait_for_function(f"() => JSON.stringify(({FIT})('{grid}')) === '{json.dumps(WHOLE, separators=(',', ':'))}'",
                              timeout=10000)
    except PlaywrightTimeout:
        pass  # the assertion says what never fitted
    return tab.evaluate(FIT, grid)


@pytest.mark.parametrize("viewport", [LAPTOP, DESKTOP], ids=["1366", "1440"])
def test_the_applications_list_reads_whole_without_scrolling_sideways(browser, live_server, database, make_user,
                                                                      viewport):
    with database.session() as s:
        company = gen_service_user(s, name="PT Sinar Manggis Ekspor Nusantara Raya")
        handler = gen_handler(s, name="PT Jasa Pengurusan Dokumen Kepabeanan Nusantara")
        gen_application(s, company, handler=handler, direction="domestic_out",
                        commodity="Sarang burung walet olahan (dibersihkan)", number="2026.1.0300.0.K21.E.032936")
        s.commit()
    make_user("permohonan_lebar", "operator")
    tab = _tab(browser, live_server, viewport)
    sign_in(tab, "permohonan_lebar")
    tab.goto("/applications")
    expect(tab.locator("#applications-grid .ag-center-cols-container .ag-row").first).to_contain_text("Sinar Manggis")
    try:
        assert _settled(tab, "#applications-grid") == WHOLE
        for column in ("handler", "completed"):  # the two that were past the edge
            header = tab.locator(f"#applications-grid .ag-header-cell[col-id={column}]")
            assert header.bounding_box()["x"] + header.bounding_box()["width"] <= viewport["viewport"]["width"]
        for column in ("number", "commodity"):  # the number is one word: never cut in two
            assert tab.evaluate(SPLIT_WORDS, ["#applications-grid", column]) == [], column
    finally:
        screenshot(tab, f"applications-{viewport['viewport']['width']}")
        tab.context.close()


def test_the_queues_commodities_wrap_between_words_not_inside_them(browser, live_server, database, make_user):
    from models import Office
    from portal.domain.periods import local_date
    from support.targeting_data import gen_decision

    with database.session() as s:
        submitted = datetime.now(timezone.utc).replace(microsecond=0)
        for n, (name, commodity) in enumerate((("CV Bumi Harapan Agro", "Aglaonema"),
                                               ("PT Anggrek Nusantara", "Dendrobium"),
                                               ("CV Satwa Kesayangan", "Kucing kesayangan"))):
            application = gen_application(s, gen_service_user(s, name=name), submitted_at=submitted,
                                          stages=("submitted",), commodity=commodity,
                                          number=f"2026.1.0300.0.K21.E.03307{n}")
            gen_decision(s, application, level="tightened", draw=0.9, flags=("new_commodity",))
        day = local_date(submitted, s.get(Office, application.office_id).timezone)
        s.commit()
    make_user("antrian_kata", "operator")
    tab = _tab(browser, live_server, LAPTOP)
    sign_in(tab, "antrian_kata")
    tab.goto(f"/targeting/queue?day={day.isoformat()}")
    expect(tab.locator("#queue-grid .ag-center-cols-container")).to_contain_text("Dendrobium")
    try:
        assert _settled(tab, "#queue-grid") == WHOLE
        assert tab.evaluate(SPLIT_WORDS, ["#queue-grid", "commodity"]) == []
    finally:
        screenshot(tab, "queue-words-1366")
        tab.context.close()
