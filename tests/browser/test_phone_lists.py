"""The officers' lists on a 390×844 phone, in real Chromium: complaints, applications, NNCs, both guidance grids, the
inspection queue, the compliance ranking (an office's and the national one) and the priority list show one stacked
column (layouts/components/grid.py stacked_column) with the row's number on its own line inside
the screen, every line whole, and a tap on it opens the row as before; the pager, the sort menu and the ranking's
office keep the one column. At a 1366×768 laptop the stacked column stays hidden and the columns are as they were.

Side by side the columns ran past the phone's right edge: the phone showed the number and one more column, never
the company, the status or the due date."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from models import Application, Complaint, Office
from models.compliance import GuidanceRecord
from portal.domain.periods import local_date
from portal.services.compliance import rollup as compliance_rollup
from support.browser import screenshot, sign_in
from support.compliance_data import gen_nnc
from support.factories import gen_action, gen_application, gen_service_user, office_id, section_id
from support.national_data import build_two_offices
from support.targeting_data import gen_decision

pytestmark = pytest.mark.browser
UTC = timezone.utc
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "id-ID"}
NUMBER = "2026.1.0300.0.K21.I.032771"
TRACKING = "PGD-PONSEL-01"
NNC_NUMBER = "GACC/NNC/2026/0417"
TIER_D = "PT Beta Tani Sejahtera"


def _ago(days: int = 0, hours: int = 0) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days, hours=hours)


def _tier_d_company(s):
    """A company whose detention and refusal put it in tier D: the guidance list's row, with one record."""
    company = gen_service_user(s, name=TIER_D)
    for i in range(10):
        application = gen_application(s, company, submitted_at=_ago(15 + 20 * i),
                                      number=f"2026.1.0300.0.K11.E.9{i:05d}")
        if i == 3:
            gen_action(s, application, "detention", reason="Dokumen fitosanitari tidak sesuai")
            gen_action(s, application, "refusal", action_at=application.submitted_at + timedelta(hours=5),
                       reason="Ditolak masuk negara tujuan")
    s.add(GuidanceRecord(office_id=company.office_id, service_user_id=company.id, section_id=section_id(s, "plant"),
                         given_on=date.today() - timedelta(days=20), kind="visit", officer_name="Ir. Ratna Dewi",
                         notes="Membahas kelengkapan dokumen fitosanitari.", status="done"))
    return company


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides the suite's reset after every test: the lists are built once for the module (`lists`, then
    `field_lists` on top of them for the tests after it) and only read; `lists` resets the database after the
    module's last test. Building them for each of the 15 tests cost ≈ 80 s of a loaded run's worker time."""
    yield


@pytest.fixture(scope="module")
def lists(database, make_user, reset_to_migrated):
    """62 applications (two pages), one complaint, one NNC and a tier-D company with a guidance record. Built once;
    the tests that need only these come before those of `field_lists`, which adds to them (the applications' pager
    counts 62)."""
    reset_to_migrated()  # the reference snapshot is taken before this module writes
    with database.session() as s:
        exporter = gen_service_user(s, name="PT Sinar Manggis Ekspor Nusantara Raya")
        for n in range(51):
            gen_application(s, exporter, submitted_at=_ago(days=40, hours=n), number=f"2026.1.0300.0.K21.E.{n:06d}")
        newest = gen_application(s, exporter, submitted_at=_ago(hours=1), number=NUMBER, direction="import")
        complaint = Complaint(office_id=office_id(s), tracking_code=TRACKING, channel="whatsapp", category="service",
                              subject="Antrean pemeriksaan lama di gudang kargo bandara", text="Mohon ditindaklanjuti.",
                              due_date=date.today() + timedelta(days=5),
                              first_response_due=date.today() + timedelta(days=1))
        s.add(complaint)
        nnc = gen_nnc(s, exporter, notice_date=date.today() - timedelta(days=10), number=NNC_NUMBER)
        beta = _tier_d_company(s)
        compliance_rollup.recompute_all(s)
        s.flush()
        ids = {"application": newest.id, "complaint": complaint.id, "nnc": nnc.id, "beta": beta.id}
        s.commit()
    make_user("petugas_ponsel", "operator", full_name="Siti Rahmawati")
    make_user("koordinator_ponsel", "coordinator", "plant", full_name="Ir. Ratna Dewi")
    yield ids
    reset_to_migrated()


# name: (user, page, grid, the row's key text, where its tap goes: a path with the id's name, or None for a dialog)
LISTS = {
    "complaints": ("petugas_ponsel", "/complaints", "complaints-grid", TRACKING, "/complaints/{complaint}"),
    "applications": ("petugas_ponsel", "/applications", "applications-grid", NUMBER, "/applications/{application}"),
    "nnc": ("petugas_ponsel", "/nnc", "nnc-grid", NNC_NUMBER, "/nnc/{nnc}"),
    "guidance": ("koordinator_ponsel", "/guidance", "guidance-grid", TIER_D, "/profile/{beta}"),
    "guidance-records": ("koordinator_ponsel", "/guidance", "guidance-records-grid", TIER_D, None),
}


def _only_the_stacked_column(tab, grid: str) -> None:
    """The header and every row show the stacked column and nothing else."""
    expect(tab.locator(f"#{grid} .ag-header-cell[col-id=stacked]")).to_be_visible()
    expect(tab.locator(f"#{grid} .ag-header-cell:not([col-id=stacked])")).to_have_count(0)
    expect(tab.locator(f"#{grid} .ag-row .ag-cell:not([col-id=stacked])")).to_have_count(0)


def _lines_whole(cell) -> dict:
    """Whether the stacked row's lines sit inside their cell, each one unclipped (autoHeight)."""
    return cell.evaluate("""cell => {
        const box = cell.getBoundingClientRect(), lines = cell.querySelector('.qc-stacked-row').getBoundingClientRect();
        const cut = [...cell.querySelectorAll('.qc-stacked-row > div')]
            .filter(line => line.scrollWidth > line.clientWidth + 1).map(line => line.textContent);
        return {inside: lines.bottom <= box.bottom + 1 && lines.right <= box.right + 1, cut: cut,
                tall: cell.scrollHeight <= cell.clientHeight + 1};
    }""")


def _checked_on_a_phone(phone, ids: dict, name: str, spec: tuple, parts: tuple = ()) -> None:
    """Open the list as its user on the phone, check the one column (with `parts`: (selector in the row's cell, its
    text), a colour or a label the row must show), then tap the row's number or name and land on its page."""
    user, path, grid, key, target = spec
    sign_in(phone, user)
    phone.goto(path.format(**ids))
    cell = phone.locator(f"#{grid} .ag-row .qc-stacked-cell", has_text=key).first
    expect(cell).to_be_visible()
    try:
        _only_the_stacked_column(phone, grid)
        number = cell.locator(".qc-link-cell, .qca-link-cell").first
        expect(number).to_have_text(key)
        box = number.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, (name, box)
        assert _lines_whole(cell) == {"inside": True, "cut": [], "tall": True}
        for selector, text in parts:
            expect(cell.locator(selector).first).to_contain_text(text)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, "the page scrolls sideways"
        # Several stacked rows at once: a list kept short to share a wide screen (45vh) showed three on a phone. A list
        # of fewer rows than fill that is as tall as they are, all of them in view (test_menu_fits.py).
        all_in_view = phone.evaluate(f"""() => {{ const body = document.querySelector('#{grid} .ag-body-viewport');
                                         return body.scrollHeight <= body.clientHeight + 1; }}""")
        assert all_in_view or phone.locator(f"#{grid}").bounding_box()["height"] >= PHONE_HEIGHT / 2, name
    finally:
        phone.locator(f"#{grid}").scroll_into_view_if_needed()
        screenshot(phone, f"phone-list-{name}")
    number.tap()
    if target is None:  # a guidance record opens its actions in a dialog
        expect(phone.locator("#guidance-action-modal")).to_be_visible()
        expect(phone.locator("#guidance-action-body")).to_contain_text(key)
    else:
        phone.wait_for_url(f"**{target.format(**ids)}")
        # The page it opens fits the phone too (a profile's tier badge ran 50 px past its edge).
        phone.wait_for_selector("#shell-content h1")
        phone.wait_for_selector('[data-dash-is-loading="true"]', state="detached")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, (name, "opened page scrolls")
        # Nor does a table inside it: a profile's events behind the score cut their application number at the
        # card's edge (the table scrolled in its own box, not the page).
        cut = phone.evaluate("""[...document.querySelectorAll('.table-responsive')]
            .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.innerText.slice(0, 80))""")
        assert cut == [], (name, cut)


@pytest.mark.parametrize("name", LISTS)
def test_on_a_phone_a_list_shows_one_stacked_column_with_the_number_on_screen_and_a_tap_opens_it(phone, lists,
                                                                                                name):
    _checked_on_a_phone(phone, lists, name, LISTS[name])


def test_on_a_phone_the_applications_pager_and_sort_keep_the_one_column(phone, lists):
    sign_in(phone, "petugas_ponsel")
    phone.goto("/applications")
    # The first row as shown (AG Grid keeps its rows' elements in any order, and a page's old rows a moment longer).
    first = "#applications-grid .ag-row[row-index='0']"
    expect(phone.locator(first, has_text=NUMBER)).to_have_count(1)  # the newest first
    _only_the_stacked_column(phone, "applications-grid")
    expect(phone.locator("#applications-count")).to_contain_text("1–50")
    phone.locator("#applications-next").tap()
    expect(phone.locator("#applications-count")).to_contain_text("51–62")
    expect(phone.locator("#applications-grid .ag-row", has_text=NUMBER)).to_have_count(0)  # page 1's rows gone
    _only_the_stacked_column(phone, "applications-grid")
    phone.select_option("#applications-sort", "number")
    expect(phone.locator("#applications-count")).to_contain_text("1–50")
    expect(phone.locator(first, has_text="2026.1.0300.0.K11.E.900000")).to_have_count(1)  # the smallest number
    _only_the_stacked_column(phone, "applications-grid")
    screenshot(phone, "phone-list-applications-sorted")


def _hidden_on_a_laptop(browser, live_server, ids: dict, specs: dict) -> None:
    """Each list at 1366×768, opened by its user: its rows, its columns side by side and no stacked column."""
    for user in dict.fromkeys(spec[0] for spec in specs.values()):
        context = browser.new_context(base_url=live_server, bypass_csp=True, **LAPTOP)
        tab = context.new_page()
        tab.set_default_timeout(15000)
        try:
            sign_in(tab, user)
            for name, (owner, path, grid, key, _target) in specs.items():
                if owner != user:
                    continue
                tab.goto(path.format(**ids))
                expect(tab.locator(f"#{grid} .ag-row", has_text=key).first).to_be_visible()
                expect(tab.locator(f"#{grid} [col-id=stacked]")).to_have_count(0)
                assert tab.locator(f"#{grid} .ag-header-cell").count() > 3, name
                screenshot(tab, f"laptop-list-{name}")
        finally:
            context.close()


def test_on_a_laptop_the_stacked_column_stays_hidden(browser, live_server, lists):
    _hidden_on_a_laptop(browser, live_server, lists, LISTS)


# --- the inspection queue, the compliance ranking and the priority list -------------------------------------------
QUEUE_COMPANY = "CV Antrian Pagi Sentosa"
TIER_A = "CV Anggrek Prioritas Nusantara"
ELSEWHERE = "PT Xenia Ekspor"  # support.national_data: detained at the second office


@pytest.fixture(scope="module")
def field_lists(lists, database, make_user):
    """The newest application's day in the queue, two pages: it selected by a flag, 51 more of the day not; a company
    with 22 clean consignments (tier A: the priority list); a second office sharing PT Xenia Ekspor, detained there
    (the ranking's mark); an account reading every office."""
    with database.session() as s:
        newest = s.get(Application, lists["application"])
        gen_decision(s, newest, level="normal", draw=0.9, flags=("new_commodity",))
        queue_company = gen_service_user(s, name=QUEUE_COMPANY)
        submitted = newest.submitted_at if newest.submitted_at.tzinfo else newest.submitted_at.replace(tzinfo=UTC)
        for n in range(51):
            application = gen_application(s, queue_company, submitted_at=submitted - timedelta(seconds=n + 1),
                                          stages=("submitted",), number=f"2026.1.0300.0.K21.E.5{n:05d}")
            gen_decision(s, application, level="normal", draw=0.9)
        day = local_date(submitted, s.get(Office, newest.office_id).timezone)
        priority = gen_service_user(s, name=TIER_A)
        for n in range(22):
            gen_application(s, priority, submitted_at=_ago(days=30 + n))
        s.commit()
        offices = build_two_offices(s)  # computes every score
    make_user("nasional_ponsel", "national", full_name="Dr. Hendra Wijaya")
    return {**lists, **offices, "day": day.isoformat(), "tier_a": priority.id}


# name: (user, page, grid, the row's key text, where its tap goes)
FIELD_LISTS = {
    # An application opened from the queue leads back to it; a profile opens on the ranking's section.
    "queue": ("petugas_ponsel", "/targeting/queue?day={day}", "queue-grid", NUMBER,
              "/applications/{application}?back=%2Ftargeting%2Fqueue"),
    "rankings": ("koordinator_ponsel", "/rankings", "rankings-grid", TIER_D, "/profile/{beta}?section=plant"),
    # …and a national row says so: its profile shows the row's pooled figures above the office's record.
    "rankings-national": ("nasional_ponsel", "/rankings?office=national", "rankings-grid", "PT Yasa Tani",
                          "/profile/{y}?ranking=national"),
    "priority": ("koordinator_ponsel", "/priority", "priority-grid", TIER_A, "/profile/{tier_a}"),
}
# What each row must show besides its name: the desktop cell's colour, a label before a bare value.
FIELD_PARTS = {
    "queue": ((".qca-dot-cell.qca-tone-danger", "Periksa"), ("div", "Tingkat: Normal"),
              ("div", "Alasan: Komoditas baru")),
    "rankings": ((".qc-tier-cell.qc-tier-D", "D · Pembinaan"), ("div", "Rekomendasi intervensi:"),
                 ("div", "Penahanan: 1")),
    "rankings-national": ((".qc-tier-cell", "·"), ("div", "Skor nasional:"), ("div", "Skor per UPT: 0300: ")),
    "priority": (("div", "Peringkat: 1"), ("div", "NPWP: "), ("div", "Konsinyasi: 22"),
                 ("div", "Pelanggaran terakhir: Belum pernah")),
}


@pytest.mark.parametrize("name", FIELD_LISTS)
def test_on_a_phone_the_queue_and_the_compliance_lists_show_one_stacked_column_and_a_tap_opens_the_row(
        phone, field_lists, name):
    _checked_on_a_phone(phone, field_lists, name, FIELD_LISTS[name], FIELD_PARTS[name])


def _chosen_texts_cut(tab, *select_ids: str) -> dict:
    """Each select whose chosen text is wider than the room inside it (the text a person reads ends in "…")."""
    return tab.evaluate("""ids => Object.fromEntries(ids.map(id => {
        const select = document.getElementById(id), style = getComputedStyle(select);
        const context = document.createElement('canvas').getContext('2d');
        context.font = style.font;
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const text = select.options[select.selectedIndex].text;
        return [id, context.measureText(text).width > room ? text : null];
    }).filter(([, text]) => text))""", list(select_ids))


def _rows_fit_their_lines(tab, grid: str) -> None:
    """Wait until every drawn row is as tall as its stacked lines and sits below the one before: new rows come at a
    guessed height and grow once measured (autoHeight), then move apart; a row left short or in place would hide its
    last lines under the next row."""
    tab.wait_for_function("""grid => {
        const rows = [...document.querySelectorAll(`#${grid} .ag-center-cols-container .ag-row`)]
            .map(row => ({box: row.getBoundingClientRect(), lines: row.querySelector('.qc-stacked-row')}))
            .sort((a, b) => a.box.top - b.box.top);
        return rows.every((row, i) => row.lines !== null && row.lines.offsetHeight <= row.box.height
                                      && (i === 0 || rows[i - 1].box.bottom <= row.box.top + 1));
    }""", arg=grid)


def test_on_a_phone_the_queue_filters_read_whole_and_the_pager_keeps_the_one_column(phone, field_lists):
    sign_in(phone, "petugas_ponsel")
    phone.goto(f"/targeting/queue?day={field_lists['day']}")
    first = "#queue-grid .ag-row[row-index='0']"
    expect(phone.locator(first, has_text=NUMBER)).to_have_count(1)  # the selected one first
    selects = ("queue-section", "queue-level", "queue-selected", "queue-flag")
    assert _chosen_texts_cut(phone, *selects) == {}  # "Dipilih dan tida…", "Semua tanda ri…" before
    _only_the_stacked_column(phone, "queue-grid")
    expect(phone.locator("#queue-count")).to_contain_text("1–50")
    phone.locator("#queue-next").tap()
    expect(phone.locator("#queue-count")).to_contain_text("51–52")
    expect(phone.locator("#queue-grid .ag-row", has_text=NUMBER)).to_have_count(0)  # page 1's rows gone
    expect(phone.locator(first, has_text=QUEUE_COMPANY)).to_have_count(1)
    expect(phone.locator(f"{first} .qca-dot-cell.qca-tone-secondary")).to_have_text("Tidak dipilih")
    _only_the_stacked_column(phone, "queue-grid")
    _rows_fit_their_lines(phone, "queue-grid")
    screenshot(phone, "phone-list-queue-page-2")
    phone.select_option("#queue-section", "plant")
    expect(phone.locator("#queue-count")).to_contain_text("1–50")  # a new filter starts again from page 1
    expect(phone.locator("#queue-grid .ag-row", has_text="K21.E.500050")).to_have_count(0)  # page 2's rows gone
    assert _chosen_texts_cut(phone, *selects) == {}  # "Karantina Tumbuhan" too
    _only_the_stacked_column(phone, "queue-grid")
    _rows_fit_their_lines(phone, "queue-grid")
    screenshot(phone, "phone-list-queue-plant")
    phone.select_option("#queue-flag", "recent_nnc")  # no consignment of the day has it
    expect(phone.locator("#queue-grid")).to_contain_text("Belum ada konsinyasi baru")
    _only_the_stacked_column(phone, "queue-grid")  # the empty list's header too, not the desktop's first two


def test_on_a_phone_the_rankings_sort_and_office_keep_the_one_column(phone, field_lists):
    """Each answer of the ranking sends its columns again (the office's or the national ones): the phone keeps
    the one column through a new order and a new office."""
    sign_in(phone, "nasional_ponsel")
    phone.goto("/rankings")
    first = "#rankings-grid .ag-row[row-index='0']"
    marked = phone.locator("#rankings-grid .qc-stacked-cell", has_text=ELSEWHERE).first
    expect(marked.locator(".text-danger")).to_have_text("⚑ Pelanggaran di UPT lain")
    _only_the_stacked_column(phone, "rankings-grid")
    phone.select_option("#rankings-sort", "name")
    expect(phone.locator(first, has_text=TIER_A)).to_have_count(1)  # "CV Anggrek …" first by name
    phone.wait_for_load_state("networkidle")  # the columns the answer sent again are in place
    _only_the_stacked_column(phone, "rankings-grid")
    _rows_fit_their_lines(phone, "rankings-grid")
    phone.select_option("#rankings-office", "national")
    expect(phone.locator("#rankings-grid .qc-stacked-cell", has_text="PT Zamrud Laut")).to_contain_text(
        "Skor per UPT: 0400: ")  # a company of the second office only: the national ranking
    phone.wait_for_load_state("networkidle")
    _only_the_stacked_column(phone, "rankings-grid")
    _rows_fit_their_lines(phone, "rankings-grid")
    screenshot(phone, "phone-list-rankings-national-by-name")


def test_on_a_laptop_the_queue_and_the_compliance_lists_keep_their_columns(browser, live_server, field_lists):
    _hidden_on_a_laptop(browser, live_server, field_lists, FIELD_LISTS)
