"""The heaviest pages stay responsive in real Chromium: the profile of a company with 5,000 applications and 108
handlers (its timeline and handler sections opened, and a next page), and the sync page after a year of runs every
five minutes (~105,000 runs).

Each page is opened from the menu after the login, as a person does (the profile from the ranking, where the menu
leads); the long tasks (PerformanceObserver 'longtask', installed before any script runs) are counted from that
click on, so the scripts' first parse at the login does not count.

The bound: every task at most 200 ms (issue #14) — or, when the shared two-core machine is slow at that moment, at
most 1.5 times the longest task of the same step on the small company's page (or the sync page with an hour of
runs, or the accounts grid opened just before and just after in the same round when that took longer), taken in
the same browser:
a RATIO, because 200 ms alone was flaky here (a load average of 8 on two cores stretches drawing a page's first grid
to 100–400 ms, whatever its rows). A step fails only when it is past both bounds in each of three rounds (each round
takes its light page just before the heavy one — the small company's profile also just after it, the slower of the
two the bound — so both meet the same moment of the shared machine): a spike
lengthens one round, a heavy page every round (the profile before issue #14 held the browser 3.7 s; the sync page's
table of every run's cells froze it for seconds).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from support.browser import (LONG_TASK_LIMIT_MS, browser_login, forget_long_tasks, long_tasks, record_long_tasks,
                             screenshot, settle, sign_in)
from support.heavy_data import build_heavy_company, build_sync_year
from portal.services.compliance import rollup as compliance_rollup

pytestmark = pytest.mark.browser
HEAVY_APPLICATIONS = 5000
RATIO = 1.5


def _longest(tasks: list[dict]) -> int:
    return max((task["duration"] for task in tasks), default=0)


def _open(page, click, ready: str) -> int:
    """Forget the tasks so far, do what opens the page or section, wait until it is drawn and quiet; the longest
    task since the click (0 when none passed 50 ms)."""
    settle(page)
    forget_long_tasks(page)
    click()
    page.wait_for_selector(ready)
    settle(page)
    return _longest(long_tasks(page))


def _too_long(heavy: dict[str, int], light: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The steps past both bounds: (heavy, light) longest task in ms."""
    return {step: (heavy[step], light[step]) for step in heavy
            if heavy[step] > LONG_TASK_LIMIT_MS and heavy[step] > RATIO * light[step]}


def _assert_light(measure, rounds: int = 3) -> None:
    """`measure()` takes one round: (heavy page's steps, light page's steps). A step fails when it is past both
    bounds in every round."""
    failing: dict[str, tuple[int, int]] | None = None
    for _ in range(rounds):
        heavy, light = measure()
        slow = _too_long(heavy, light)
        failing = slow if failing is None else {step: slow[step] for step in slow if step in failing}
        if not failing:
            return
    assert not failing, f"longest task (heavy, light) in ms, last round: {failing}"


@pytest.fixture(scope="module")
def _built(reset_to_migrated):
    """What of `companies` is in the database now; the database is reset after the module."""
    built: dict = {}
    yield built
    reset_to_migrated()


@pytest.fixture
def companies(database, make_user, _built):
    """The 5,000-application company and the small one, scored, and a coordinator to look at them. Built once for
    the tests that only read them (logging in and opening pages); the test without them resets the database after
    itself (`clean_database` below) and the next test asking for them builds them again."""
    if "companies" not in _built:
        with database.session() as s:
            heavy = build_heavy_company(s, applications=HEAVY_APPLICATIONS, handlers=108)
            # 24 handlers: a first page of handlers as full as the large company's (20 rows), so the section's step
            # compares like for like — with 3 it drew 4 rows against 20, and a loaded CI machine stretched the 20
            # rows' drawing (then cell by cell: AG Grid's autoHeight) past 1.5 times the 4 rows' three rounds running
            # (296 ms against 126).
            small = build_heavy_company(s, applications=40, handlers=24, name="CV Kecil Makmur", seed=3, nncs=1)
            compliance_rollup.recompute_all(s)
        make_user("koordinator_kt", "coordinator", "plant", full_name="Ir. Ratna Dewi")
        _built["companies"] = heavy, small
    return _built["companies"]


@pytest.fixture(autouse=True)
def clean_database(request, _built, reset_to_migrated):
    """Overrides the suite's reset after every test: kept after a test that only read `companies`, done after any
    other (the sync page's test writes a year of runs)."""
    yield
    if "companies" not in request.fixturenames:
        reset_to_migrated()
        _built.clear()


def test_the_largest_company_profile_and_its_sections_open_without_a_long_task(page, companies):
    heavy, small = companies
    record_long_tasks(page)
    browser_login(page, "koordinator_kt")
    page.wait_for_selector("#rankings-grid .ag-row")

    def visit(company, handler_pages: str) -> dict[str, int]:
        steps = {"profile": _open(page, lambda: page.click(
            f"#rankings-grid .ag-row:has-text('{company.name}') [col-id='name']"), "#profile-name")}
        for step, title, ready in (("timeline", "Riwayat tindakan 3P", "#profile-timeline-grid .ag-row"),
                                   ("handlers", "Pengurus dokumen", "#profile-handlers-grid .ag-row")):
            steps[step] = _open(page, lambda: page.click(f"#profile-sections .accordion-button:has-text('{title}')"),
                                ready)
        if handler_pages:
            steps["next_page"] = _open(page, lambda: page.click("#profile-handlers-next"), handler_pages)
        return steps

    def back_to_ranking():
        if page.locator("#profile-back").count():
            page.click("#profile-back")
        page.wait_for_selector("#rankings-grid .ag-row")
        # A profile's sections opened in a round stay open for that company in the tab (layouts/profile.py
        # persistence): each round opens them again, as a first visit does.
        page.evaluate("""Object.keys(sessionStorage).filter(name => name.startsWith('_dash_persistence.profile-'))
            .forEach(name => sessionStorage.removeItem(name))""")

    def visit_small() -> dict[str, int]:
        back_to_ranking()
        light = visit(small, "")
        light["next_page"] = light["handlers"]  # a page of 20 handlers drawn: the small company's first compares
        return light

    def measure():
        # The small company just before the large one and again just after, the bound the slower of the two: a
        # machine getting busier during a round (CI's other workers starting a heavy test) lengthens the step
        # taken second, and the large company's, always second, failed three rounds running in CI (951 ms against
        # 402 ms) where on a quiet machine both take 90–190 ms.
        before = visit_small()
        back_to_ranking()
        heavy_steps = visit(heavy, "text=21–40 dari 109")  # 108 handlers and the applications without one
        after = visit_small()
        return heavy_steps, {step: max(before[step], after[step]) for step in before}

    _assert_light(measure)
    back_to_ranking()
    visit(heavy, "text=21–40 dari 109")
    assert page.locator("#profile-handlers-grid .ag-row").count() == 20
    screenshot(page, "long-tasks-largest-profile-sections")
    page.click("#profile-handlers-grid .ag-row [col-id='name']")  # a handler's row opens its page
    page.wait_for_selector("#handler-companies-grid .ag-row:has-text('PT Sinar Jaya Ekspor Impor')")
    assert "dari 1" in page.inner_text("#handler-companies-count")


def test_the_largest_profile_opens_short_with_its_long_sections_closed(page, companies):
    heavy, _small = companies
    sign_in(page, "koordinator_kt")
    page.goto(f"/profile/{heavy.id}")
    page.wait_for_selector("#profile-name")
    settle(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, "long-tasks-largest-profile")
    assert height < 3000, f"the profile is {height} px tall: its long sections should be closed until opened"
    assert page.locator("#profile-timeline-grid, #profile-handlers-grid").count() == 0  # nothing read yet
    assert "kejadian" in page.inner_text("#profile-sections")


def test_the_sync_page_after_a_year_of_runs_opens_from_the_menu_without_a_long_task(page, database, make_user):
    now = datetime.now(timezone.utc)
    with database.session() as s:  # a fresh install: an hour of runs
        build_sync_year(s, now=now - timedelta(days=365), days=1 / 24)
    make_user("admin_sync", "admin", full_name="Admin Sinkron")
    record_long_tasks(page)
    browser_login(page, "admin_sync")
    page.wait_for_selector("#shell-nav-group-admin")

    def open_from_menu(key: str, ready: str) -> int:
        def click():
            page.click("#shell-nav-group-admin")
            page.click(f"#shell-nav-{key}")
        return _open(page, click, ready)

    light = {"sync": open_from_menu("admin-sync", "#admin-sync-runs-grid .ag-row")}
    with database.session() as s:
        runs = build_sync_year(s, now=now)
    assert runs > 100_000

    def measure():
        # The hour of runs is gone once the year is written, so each round also takes the accounts grid just
        # before, at the same moment of the shared machine: a light page drawn slowly says the machine is slow now
        # (CI had the hour at 176 ms once, then the year at 327 ms three rounds running while the other worker ran).
        users = open_from_menu("admin-users", "#admin-users-grid .ag-row")
        year = open_from_menu("admin-sync", "#admin-sync-runs-grid .ag-row")
        # …and just after (as the profile's test does): a machine getting busier lengthens what comes second.
        users_after = open_from_menu("admin-users", "#admin-users-grid .ag-row")
        return {"sync": year}, {"sync": max(light["sync"], users, users_after)}

    _assert_light(measure)
    open_from_menu("admin-sync", "#admin-sync-runs-grid .ag-row")
    assert "dari 105." in page.inner_text("#admin-sync-runs-count")
    screenshot(page, "long-tasks-sync-year")
