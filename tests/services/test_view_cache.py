"""Views computed once per data change (issue #17): the cache never answers from before a write that the view
shows, and never answers one scope with another's result.

Each view is read through the real cache (the app's, in-process here) before and after a change made by the code
that makes it in the portal: a detention written as a sync writes it and brought current by the after-sync
refresh, an NNC saved through the register, a guidance record, a scoring-settings change, a survey answer. After
each, the cached answer must equal a fresh computation and differ from the answer before.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Application
from portal import view_cache
from portal.domain.compliance import DEFAULT_SETTINGS
from portal.services import ikm_results
from portal.services.compliance import guidance, national, profile as compliance_profile, ranking as compliance
from portal.services.compliance.scoring_settings import save_settings
from portal.services.kpi import panel as kpi
from portal.services.nnc import register as nnc
from portal.services.sync import after_sync
from support.compliance_data import AS_OF, build_ranked_office, clock_at_as_of
from support.kpi_data import gen_response
from support.nnc_helpers import actor, valid_nnc
from support.factories import gen_action

WINDOW = (date(2025, 6, 16), AS_OF)


@pytest.fixture
def office(session, built_once):
    """The ranked office, with the clock on the day its data was built around for the whole test."""
    with clock_at_as_of():
        yield built_once("ranked_office", session, build_ranked_office)


# Each view as its page asks for it: (service, positional arguments, keyword arguments) from the office's data.
def _views(office: dict) -> dict:
    reach = {"office_id": office["office_id"], "section_scope": None}
    span = kpi.period("custom", AS_OF, *WINDOW)
    return {
        "kpi_panel": (kpi.panel, (office["office_id"], span, None, None), {"today": AS_OF}),
        "ranking": (compliance.ranking, (), {**reach, "sort": "rank", "page": 0}),
        "priority_list": (compliance.ranking, (), {**reach, "filters": {"tier": "A"}, "page_size": None}),
        "guidance_list": (guidance.guidance_list, (), {**reach}),
        "guidance_records": (guidance.records_page, (), {**reach, "page": 0}),
        "profile": (compliance_profile.profile, (office["beta"].id,), {**reach}),
        # Another company's profile: its p0 is the office's, cached apart from the profile (profile.explanation).
        "other_profile": (compliance_profile.profile, (office["alpha"].id,), {**reach}),
        "survey_results": (ikm_results.results, (office["office_id"], *WINDOW), {}),
        # A profile opened from the national ranking: its company's national row.
        "national_standing": (national.company_standing, (office["beta"].id,), {"section_scope": None}),
    }


def _read(app, database, office, view: str, *, fresh: bool = False):
    service, args, kwargs = _views(office)[view]
    with app.server.app_context(), database.session() as session:
        answer = service(session, *args, **kwargs) if fresh else view_cache.cached(session, service, *args, **kwargs)
    return answer


def _detention_synced(database, office, make_user):
    """A detention of Beta's last consignment, written as the sync writes it, and the after-sync refresh."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    with database.session() as session:
        app = session.get(Application, office["beta_apps"][-1].id)
        gen_action(session, app, "detention", action_at=app.submitted_at + timedelta(hours=2), synced_at=since)
        after_sync.refresh_rollups(session, since)


def _nnc_saved(database, office, make_user):
    operator = actor(database, make_user, "operator", username="petugas_cache")
    with database.session() as session:
        nnc.create_nnc(session, operator, valid_nnc(session, number="GACC/NNC/2026/0042",
                                                    service_user=office["beta"], notice_date=date(2026, 5, 4),
                                                    received_date=date(2026, 5, 6)), today=AS_OF)


def _guidance_recorded(database, office, make_user):
    with database.session() as session:
        guidance.record_guidance(session, None, "coordinator_plant", office_id=office["office_id"],
                                 section_scope=None, values={
                                     "service_user_id": office["beta"].id, "given_on": "2026-06-01",
                                     "kind": "visit", "notes": "Kunjungan ke gudang.", "officer_name": "Drh. Sari"},
                                 today=AS_OF)


def _settings_changed(database, office, make_user):
    with database.session() as session:
        save_settings(session, None, "admin", {**DEFAULT_SETTINGS.to_dict(), "tier_a_min_n": 30})


def _survey_answered(database, office, make_user):
    with database.session() as session:
        gen_response(session, [1, 2, 1, 2, 1, 2, 1, 2, 1], date(2026, 6, 1))


CHANGES = {"a sync adding a detention": _detention_synced, "an NNC save": _nnc_saved,
           "a guidance record": _guidance_recorded, "a scoring-settings change": _settings_changed,
           "a survey answer": _survey_answered}
# Which change each view shows (a view that does not show a change must still answer as a fresh computation).
SHOWN = {
    "kpi_panel": ["a sync adding a detention", "an NNC save", "a survey answer"],
    "ranking": ["a sync adding a detention", "an NNC save", "a scoring-settings change"],
    "priority_list": ["a scoring-settings change"],
    "guidance_list": ["a sync adding a detention", "a guidance record", "a scoring-settings change"],
    "guidance_records": ["a guidance record"],
    "profile": ["a sync adding a detention", "an NNC save", "a scoring-settings change"],
    "other_profile": ["a sync adding a detention", "an NNC save", "a scoring-settings change"],
    "survey_results": ["a survey answer"],
    "national_standing": ["a sync adding a detention", "an NNC save", "a scoring-settings change"],
}


@pytest.mark.parametrize("view, change", [(view, change) for view, changes in SHOWN.items() for change in changes])
def test_the_next_answer_of_a_cached_view_shows_the_change(view, change, app, database, office, make_user):
    before = _read(app, database, office, view)
    assert _read(app, database, office, view) == before  # the second read is the cache's
    CHANGES[change](database, office, make_user)
    after = _read(app, database, office, view)
    assert after == _read(app, database, office, view, fresh=True)
    assert after != before, f"{view} did not show {change}"


@pytest.mark.parametrize("view", list(SHOWN))
def test_a_view_is_computed_once_until_the_data_changes(view, app, database, office):
    """Its answer is stored (it pickles) and served again; a write makes the next read compute anew."""
    service, args, kwargs = _views(office)[view]
    calls = []

    def counted(*a, **k):
        calls.append(1)
        return service(*a, **k)

    counted.__module__, counted.__qualname__ = service.__module__, service.__qualname__
    for _ in range(3):
        with app.server.app_context(), database.session() as session:
            view_cache.cached(session, counted, *args, **kwargs)
    assert len(calls) == 1
    _settings_changed(database, office, None)
    with app.server.app_context(), database.session() as session:
        view_cache.cached(session, counted, *args, **kwargs)
    assert len(calls) == 2


def _bare_app(directory: str = ""):
    from flask import Flask

    server = Flask("view-cache-test")
    view_cache.install(server, "memory://", directory)
    return server


def _answer(session, office_id):
    return {"office": office_id, "computed": True}


def test_the_workers_of_one_server_share_answers_through_the_cache_directory(database, tmp_path):
    """Two workers (two apps, as gunicorn forks them) given one directory: what one computed, the other reads."""
    calls = []

    def counted(session, office_id):
        calls.append(office_id)
        return _answer(session, office_id)

    counted.__module__, counted.__qualname__ = _answer.__module__, _answer.__qualname__
    first, second = _bare_app(str(tmp_path)), _bare_app(str(tmp_path))
    for server in (first, second, first):
        with server.app_context(), database.session() as session:
            assert view_cache.cached(session, counted, 7) == {"office": 7, "computed": True}
    assert calls == [7]
    with second.app_context(), database.session() as session:
        view_cache.cached(session, counted, 8)  # another argument is another answer
    assert calls == [7, 8]



def test_a_new_release_does_not_read_the_answers_the_old_code_cached(database, tmp_path, monkeypatch):
    """The cache (Redis in production) outlives the workers and the data stamp does not move at a release: the
    release's digest in the key keeps a new worker from drawing an answer shaped by the code it replaced."""
    calls = []

    def counted(session, office_id):
        calls.append(office_id)
        return _answer(session, office_id)

    counted.__module__, counted.__qualname__ = _answer.__module__, _answer.__qualname__
    server = _bare_app(str(tmp_path))
    for release in ("old", "old", "new"):
        monkeypatch.setattr(view_cache, "release", lambda release=release: release)
        with server.app_context(), database.session() as session:
            view_cache.cached(session, counted, 7)
    assert calls == [7, 7]


def test_the_release_digest_follows_the_code_and_not_where_it_lies(tmp_path):
    for host in ("a", "b"):
        (tmp_path / host / "layouts").mkdir(parents=True)
        (tmp_path / host / "layouts" / "kpi.py").write_text("TITLE = 'KPI'\n")
        (tmp_path / host / "portal" / "translations").mkdir(parents=True)
        (tmp_path / host / "portal" / "translations" / "id.json").write_text('{"kpi.title": "KPI"}')
    same = view_cache.digest_of_code(tmp_path / "a")
    assert view_cache.digest_of_code(tmp_path / "b") == same
    (tmp_path / "b" / "portal" / "translations" / "id.json").write_text('{"kpi.title": "Panel KPI"}')
    assert view_cache.digest_of_code(tmp_path / "b") != same
    view_cache.release.cache_clear()  # the code as it is now (the process may have read it before an edit)
    assert view_cache.release() == view_cache.digest_of_code(Path(view_cache.__file__).resolve().parent.parent)

def test_people_asking_for_one_view_at_once_wait_for_a_single_computation(database):
    import threading

    server = _bare_app()
    started, release = threading.Event(), threading.Event()
    calls, answers = [], []

    def slow(session, office_id):
        calls.append(office_id)
        started.set()
        release.wait(10)
        return _answer(session, office_id)

    slow.__module__, slow.__qualname__ = _answer.__module__, "slow_answer"

    def ask():
        with server.app_context(), database.session() as session:
            answers.append(view_cache.cached(session, slow, 3))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    threads[0].start()
    assert started.wait(10)
    for thread in threads[1:]:
        thread.start()
    # The others are now queued behind the first computation (or about to be); let it finish.
    threading.Timer(0.3, release.set).start()
    for thread in threads:
        thread.join(20)
    assert calls == [3]
    assert answers == [{"office": 3, "computed": True}] * 3


# A filtered ranking (a custom period) is scored whole, then paged: its scored rows are kept apart from each drawn page.
FILTERED = {"period_from": WINDOW[0].isoformat(), "period_to": WINDOW[1].isoformat()}


def _filtered_page(app, database, office, page: int, sort: str = "rank", statements: list | None = None):
    from sqlalchemy import event

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = database.engine
    if statements is not None:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.server.app_context(), database.session() as session:
            return compliance.ranking(session, office_id=office["office_id"], section_scope=None, filters=FILTERED,
                                      sort=sort, page=page, page_size=2)
    finally:
        if statements is not None:
            event.remove(engine, "before_cursor_execute", seen)


def test_another_page_or_order_of_a_filtered_ranking_does_not_read_the_rollup_again(app, database, office):
    first = _filtered_page(app, database, office, 0)
    assert first["total"] > 2  # more than one page
    statements = []
    second = _filtered_page(app, database, office, 1, statements=statements)
    by_name = _filtered_page(app, database, office, 0, sort="name", statements=statements)
    assert not [s for s in statements if "compliance_monthly" in s], statements
    assert [r["rank"] for r in second["rows"]] == [3, 4][:len(second["rows"])]
    assert sorted(r["name"] for r in by_name["rows"]) == [r["name"] for r in by_name["rows"]]


def test_the_next_page_of_a_filtered_ranking_shows_an_nnc_saved_after_the_first(app, database, office, make_user):
    def beta(answer):
        return [r for r in answer["rows"] if r["service_user_id"] == office["beta"].id]

    pages = [_filtered_page(app, database, office, page, sort="name") for page in range(3)]
    before = [row for answer in pages for row in beta(answer)][0]
    _nnc_saved(database, office, make_user)
    after = [row for page in range(3) for row in beta(_filtered_page(app, database, office, page, sort="name"))][0]
    assert after["nncs"] == before["nncs"] + 1
    with database.session() as session:  # no app context: computed, not read from the cache
        fresh = [row for page in range(3) for row in beta(compliance.ranking(
            session, office_id=office["office_id"], section_scope=None, filters=FILTERED, sort="name", page=page,
            page_size=2))]
    assert after == fresh[0]
