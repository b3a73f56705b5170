"""A sync's refresh works only on what the run changed — the touched companies' rollups and snapshots, the offices' p0
from the snapshots nobody touched, the stored national rows rescored in place — and ends where a full rebuild from
the raw tables ends (docs/performance.md, issue #17)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Application, ServiceUser
from models.compliance import (ALL_SECTIONS, ComplianceNationalRun, ComplianceNationalScore, ComplianceScore,
                               ComplianceStreak)
from portal.domain.compliance import DEFAULT_SETTINGS
from portal.domain.periods import today_in
from portal.services.compliance import national
from portal.services.compliance import rollup as compliance_rollup
from portal.services.compliance.scoring_settings import save_settings
from portal.services.nnc import register
from portal.services.sync import after_sync
from support.compliance_data import gen_nnc, series
from support.factories import gen_action, gen_service_user
from support.national_data import build_two_offices

COUNTS = ("n", "d", "r", "x", "k", "clean_streak", "last_violation_at", "as_of", "window_from", "window_to")


@pytest.fixture
def offices(session):
    """The two offices of the national tests, with more companies at each: two of one name and the same figures
    (their order is the company id's), a clean one and one detained, so that rates and ranks move. Offices of 40
    consignments take their own p0 (Surabaya), smaller ones every office's (Soekarno-Hatta)."""
    data = build_two_offices(session)
    save_settings(session, None, "test", {**DEFAULT_SETTINGS.to_dict(), "p0_min_consignments": 40})
    start = today_in("Asia/Jakarta") - timedelta(days=150)
    for index, office in enumerate((data["home"], data["far"], data["home"], data["far"])):
        record = gen_service_user(session, name="PT Kembar Jaya" if index < 2 else f"PT Lain {index}",
                                  tax_id=f"07.000.000.{index}-000.000", office_id=office)
        apps = series(session, record, 6 + index, start, 7)
        if index == 3:
            gen_action(session, apps[1], "detention", action_at=apps[1].submitted_at + timedelta(hours=1))
    compliance_rollup.recompute_all(session)
    session.commit()
    return data


def _snapshots(session) -> dict:
    c = ComplianceScore
    return {(r.office_id, r.service_user_id, r.section_id): r for r in session.execute(
        select(c.office_id, c.service_user_id, c.section_id, c.score, c.tier, c.settings_version,
               *(getattr(c, name) for name in COUNTS)))}


def _streaks(session) -> set:
    s = ComplianceStreak
    return set(session.execute(select(s.service_user_id, s.section_id, s.office_id, s.last_violation_at,
                                      s.clean_streak)))


def _stored(session) -> tuple[dict, dict]:
    """Every stored national row and run, as values (the runs without the moment they were computed)."""
    n, run = ComplianceNationalScore, ComplianceNationalRun
    session.expire_all()
    rows = {(r.section_id, r.company_id): tuple(getattr(r, c.key) for c in n.__table__.columns)
            for r in session.scalars(select(n))}
    runs = {r.section_id: (r.as_of, r.window_from, r.window_to, r.settings_version, r.office_days, r.links, r.all_v,
                           r.all_n, r.p0) for r in session.scalars(select(run))}
    session.expire_all()
    return rows, runs


def _ends_as_a_full_rebuild(session, touched: set[int]) -> None:
    """The stored national rows are those a full store computes from the same snapshots; the snapshots' counts and
    streaks are those a rebuild from the raw tables computes, and so are the touched records' scores and tiers (the
    others keep the score of their last refresh, as before: the pages score the snapshots' counts again)."""
    stored = _stored(session)
    snapshots, streaks = _snapshots(session), _streaks(session)
    national.refresh_national(session)
    assert _stored(session) == stored
    compliance_rollup.recompute_all(session)
    rebuilt = _snapshots(session)
    assert _streaks(session) == streaks
    assert {key: tuple(getattr(row, name) for name in COUNTS) for key, row in snapshots.items()} == \
        {key: tuple(getattr(row, name) for name in COUNTS) for key, row in rebuilt.items()}
    assert {key: tuple(row) for key, row in snapshots.items() if key[1] in touched} == \
        {key: tuple(row) for key, row in rebuilt.items() if key[1] in touched}


def _latest(session, service_user_id: int) -> Application:
    return session.scalars(select(Application).where(Application.service_user_id == service_user_id)
                           .order_by(Application.id.desc())).first()


def test_a_sync_adding_consignments_and_a_detention_ends_where_a_full_rebuild_ends(session, offices):
    national_before = _stored(session)[1]
    since = datetime.now(timezone.utc)  # after the fixture: only what follows counts as this sync's
    # New consignments at Soekarno-Hatta (its rate and the national one move), a detention of Z's at Surabaya.
    series(session, session.get(ServiceUser, offices["y"]), 5, today_in("Asia/Jakarta") - timedelta(days=20), 2)
    app = _latest(session, offices["z"])
    gen_action(session, app, "detention", action_at=app.submitted_at + timedelta(hours=1), synced_at=since)
    after_sync.refresh_rollups(session, since)
    assert _stored(session)[1][ALL_SECTIONS][-1] != national_before[ALL_SECTIONS][-1]  # the national p0 moved: every company rescored
    _ends_as_a_full_rebuild(session, {offices["y"], offices["z"]})


def test_an_nnc_then_a_sync_end_where_a_full_rebuild_ends(session, offices):
    # The NNC register refreshes the company's snapshots (the offices' p0 from the others' snapshots) and drops the
    # stored national rows; the next sync run stores them again.
    x_far = session.get(ServiceUser, offices["x_far"])
    gen_nnc(session, x_far, notice_date=today_in("Asia/Jakarta") - timedelta(days=10))
    register.refresh_compliance(session, [x_far.id])
    assert not national.stored_any(session)
    since = datetime.now(timezone.utc)  # after the fixture: only what follows counts as this sync's
    app = _latest(session, offices["x_home"])
    gen_action(session, app, "refusal", action_at=app.submitted_at + timedelta(hours=1), synced_at=since)
    after_sync.refresh_rollups(session, since)
    _ends_as_a_full_rebuild(session, {offices["x_far"], offices["x_home"]})


def test_a_sync_that_moves_no_rate_writes_only_the_touched_companys_national_rows(session, offices):
    rows_before = _stored(session)[0]
    since = datetime.now(timezone.utc)  # after the fixture: only what follows counts as this sync's
    # An application still in progress: nothing completed, no violation, so no rate or score moves.
    series(session, session.get(ServiceUser, offices["y"]), 1, today_in("Asia/Jakarta") - timedelta(days=1), 1,
           stages=("submitted",))
    result = after_sync.refresh_rollups(session, since)
    company = session.get(ServiceUser, offices["y"]).company_id
    sections = {section for section, owner in rows_before if owner == company}
    assert result["national_rows_written"] == len(sections)
    assert _stored(session)[0] == rows_before
    _ends_as_a_full_rebuild(session, {offices["y"]})


def _planner_rows(session) -> dict[str, tuple[float, int]]:
    """Each rebuilt rollup's row count as the planner believes it (pg_class.reltuples, set by ANALYZE) and as it is."""
    from sqlalchemy import text

    return {table: (session.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar(),
                    session.execute(text(f"SELECT count(*) FROM {table}")).scalar())
            for table in after_sync.REBUILT}


def test_a_full_rebuild_leaves_the_planner_the_rollups_real_sizes(session, offices, monkeypatch):
    """A first load rebuilds every rollup: analysed in the run, the next run's refresh (and the decisions right after
    the rebuild) are not planned on the sizes from before it, until autovacuum comes round."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("ANALYZE and the planner's statistics are PostgreSQL's")
    monkeypatch.setattr(after_sync, "FULL_REBUILD_AT", 0)  # any run is "a first load" here
    since = datetime.now(timezone.utc)
    series(session, session.get(ServiceUser, offices["y"]), 5, today_in("Asia/Jakarta") - timedelta(days=20), 2)
    before = _planner_rows(session)
    assert any(believed != real for believed, real in before.values())  # else the test would prove nothing
    assert after_sync.refresh_rollups(session, since)["rebuilt"]
    after = _planner_rows(session)
    assert {table: believed for table, (believed, real) in after.items()} == {
        table: real for table, (believed, real) in after.items()}
