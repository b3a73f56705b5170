"""One company across offices in the compliance figures: the national ranking (per-office scores as each office's
ranking gives them, and a national score over the pooled events), the profile's other offices, and the ranking's
mark for violations at another office."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.domain import compliance as model
from portal.domain.periods import today_in
from portal.services.compliance import national, ranking
from portal.services.compliance import rollup as compliance_rollup
from portal.services.compliance.scoring_settings import current_settings, save_settings
from portal.validation import Forbidden
from support.national_data import build_two_offices


@pytest.fixture
def offices(session):
    return build_two_offices(session)


def test_the_national_ranking_scores_each_company_per_office_and_over_every_office_pooled(session, offices):
    result = national.national_ranking(session, section_scope=None)
    rows = {row["company_id"]: row for row in result["rows"]}
    x = rows[offices["x"]]
    assert (x["consignments"], x["detentions"]) == (20, 2) and len(rows) == 3
    # Per office: exactly the office's own ranking.
    for row in x["offices"]:
        own = ranking.ranking(session, office_id=row["office_id"], section_scope=None, page_size=None,
                              as_of=result["as_of"])
        mine = next(r for r in own["rows"] if r["service_user_id"] == row["service_user_id"])
        assert (row["score"], row["tier"], row["consignments"]) == (mine["score"], mine["tier"],
                                                                    mine["consignments"])
    # National: the same formula over the pooled counts, shrunk toward every office's rate (2 detentions in 50).
    _version, settings = current_settings(session)
    p0 = model.prior_rate(2, 50, 2, 50, settings)
    assert x["score"] == float(model.score(model.weighted_violations(2, 0, 0, 0, settings), 20, p0, settings))
    assert [row["office_code"] for row in x["offices"]] == ["0300", "0400"]


def test_the_national_ranking_pools_the_clean_run_after_the_last_violation_anywhere(session, offices):
    x = next(row for row in national.national_ranking(session, section_scope=None)["rows"]
             if row["company_id"] == offices["x"])
    # The last violation is the detention of Surabaya's 4th consignment; completed after it (as the office streaks
    # count): that consignment and the 6 after it there, and the 7 Soekarno-Hatta completed from the same day on
    # (the two series run on the same days). Surabaya's own streak is its 7 alone.
    far = ranking.ranking(session, office_id=offices["far"], section_scope=None, page_size=None)["rows"]
    assert next(r for r in far if r["service_user_id"] == offices["x_far"])["clean_streak"] == 7
    assert x["clean_streak"] == 7 + 7


def test_a_coordinator_asks_for_their_own_section_only_in_the_national_ranking(session, offices):
    with pytest.raises(Forbidden):
        national.national_ranking(session, section_scope="plant", filters={"section": "animal"})


def test_the_profile_shows_the_company_at_every_other_office_scored_there(session, offices):
    others = national.other_offices(session, offices["x_home"], office_id=offices["home"], section_scope=None)
    assert [row["office_code"] for row in others] == ["0400"]
    far = others[0]
    assert (far["consignments"], far["actions_3p"], far["nncs"]) == (10, 2, 0)
    own = ranking.ranking(session, office_id=offices["far"], section_scope=None, page_size=None)
    mine = next(r for r in own["rows"] if r["service_user_id"] == offices["x_far"])
    assert (far["score"], far["tier"]) == (mine["score"], mine["tier"])
    assert national.other_offices(session, offices["y"], office_id=offices["home"], section_scope=None) == []


def test_the_ranking_marks_companies_with_violations_at_another_office(session, offices):
    today = today_in("Asia/Jakarta")
    marks = national.violations_elsewhere(session, offices["home"], [offices["x_home"], offices["y"]],
                                          first=today - timedelta(days=365), last=today)
    assert marks == {offices["x_home"]: 2}
    # Seen from Surabaya, Soekarno-Hatta holds no violation of X.
    assert national.violations_elsewhere(session, offices["far"], [offices["x_far"]],
                                         first=today - timedelta(days=365), last=today) == {}


def test_the_national_ranking_reads_the_same_from_the_snapshots_as_computed_live(session, offices):
    version, settings = current_settings(session)
    today = today_in("Asia/Jakarta")
    first, last = national.window(today, settings)
    snapshots = national.current_snapshots(session, None, version, settings)
    assert snapshots is not None
    live = national.national_scores(session, section_id=None, first=first, last=last, as_of=today, settings=settings)
    read = national.national_scores(session, section_id=None, first=first, last=last, as_of=today, settings=settings,
                                    snapshot_rows=snapshots)
    assert live["rows"] == read["rows"] and live["p0"] == read["p0"]


def test_snapshots_marked_behind_are_not_read_and_the_ranking_is_computed_live(session, offices):
    read = national.national_ranking(session, section_scope=None)
    assert read["from_snapshots"] is True
    ranking.mark_snapshots(session, False)
    live = national.national_ranking(session, section_scope=None)
    assert live["from_snapshots"] is False and live["rows"] == read["rows"]


def _live(session, **kwargs):
    """The national ranking computed again (from the snapshots, or the rollup), never from the stored rows."""
    answer = national.national_ranking(session, section_scope=None, stored=False, **kwargs)
    assert answer["stored"] is False
    return answer


def _same(read, live) -> bool:
    return {k: v for k, v in read.items() if k != "stored"} == {k: v for k, v in live.items() if k != "stored"}


@pytest.mark.parametrize("query", [
    {}, {"filters": {"section": "plant"}}, {"sort": "name"}, {"sort": "score_asc", "page_size": 1, "page": 1},
    {"sort": "violations"}, {"sort": "consignments"}, {"search": "xenia"}, {"filters": {"tier": "A"}}])
def test_the_stored_national_ranking_is_the_live_computation(session, offices, query):
    read = national.national_ranking(session, section_scope=None, **query)
    assert read["stored"] is True and read["rows"]
    assert _same(read, _live(session, **query))


def test_a_sync_adding_a_detention_at_one_office_changes_the_stored_national_ranking(session, offices):
    from datetime import datetime, timezone

    from sqlalchemy import select

    from models import Application
    from portal.services.sync import after_sync
    from support.factories import gen_action

    before = national.national_ranking(session, section_scope=None)
    y_before = next(row for row in before["rows"] if row["service_user_id"] == offices["y"])
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    app = session.scalars(select(Application).where(Application.service_user_id == offices["y"])
                          .order_by(Application.id.desc())).first()
    gen_action(session, app, "detention", action_at=app.submitted_at + timedelta(hours=1), synced_at=since)
    after_sync.refresh_rollups(session, since)
    after = national.national_ranking(session, section_scope=None)
    y_after = next(row for row in after["rows"] if row["service_user_id"] == offices["y"])
    assert after["stored"] is True and _same(after, _live(session))
    assert (y_before["detentions"], y_after["detentions"]) == (0, 1) and y_after["score"] < y_before["score"]


def test_stale_stored_national_rows_are_never_served(session, offices):
    from models import ServiceUser

    assert national.national_ranking(session, section_scope=None)["stored"] is True
    # A snapshot refresh of some records (an NNC change): the stored rows were computed from the old snapshots.
    compliance_rollup.refresh_rollups(session, service_user_ids=[offices["x_home"]], scores=True)
    assert national.national_ranking(session, section_scope=None)["stored"] is False
    national.refresh_national(session)
    assert national.national_ranking(session, section_scope=None)["stored"] is True
    # Snapshots behind the rollup.
    ranking.mark_snapshots(session, False)
    assert national.national_ranking(session, section_scope=None)["stored"] is False
    compliance_rollup.recompute_all(session)
    # A record moved to another company (a merge, a rematched NPWP): Y now pools with X.
    session.get(ServiceUser, offices["y"]).company_id = offices["x"]
    session.flush()
    moved = national.national_ranking(session, section_scope=None)
    assert moved["stored"] is False and _same(moved, _live(session))
    assert len(next(row for row in moved["rows"] if row["company_id"] == offices["x"])["offices"]) == 3
    # Another day (the window slid) or another settings version.
    version, settings = current_settings(session)
    today = today_in("Asia/Jakarta")
    first, last = national.window(today, settings)
    national.refresh_national(session)
    assert national.stored_run(session, None, version, today, first, last) is not None
    tomorrow = today + timedelta(days=1)
    assert national.stored_run(session, None, version, tomorrow, *national.window(tomorrow, settings)) is None
    assert national.stored_run(session, None, version + 1, today, first, last) is None


def test_a_sync_with_nothing_new_stores_the_national_rankings_an_nnc_change_dropped(session, offices):
    from datetime import datetime, timezone

    from portal.services.sync import after_sync

    compliance_rollup.refresh_rollups(session, service_user_ids=[offices["x_far"]], scores=True)  # as an NNC does
    assert not national.stored_any(session)
    assert after_sync.refresh_rollups(session, datetime.now(timezone.utc)) == {"applications": 0}
    read = national.national_ranking(session, section_scope=None)
    assert read["stored"] is True and _same(read, _live(session))


def test_the_stored_national_ranking_shows_a_company_renamed_since_it_was_stored(session, offices):
    from models import Company

    session.get(Company, offices["x"]).name = "PT Xenia Nusantara"
    session.flush()
    read = national.national_ranking(session, section_scope=None, search="nusantara")
    assert read["stored"] is True and [row["company_id"] for row in read["rows"]] == [offices["x"]]
    assert _same(read, _live(session, search="nusantara"))


def test_a_records_national_standing_is_its_companys_row_of_the_national_ranking(session, offices):
    """A national row opens one office's record; its profile shows the row's pooled figures beside the office's,
    read from the stored rows for the default view and computed as the ranking computes a custom period."""
    ranked = national.national_ranking(session, section_scope=None)
    assert ranked["stored"] is True
    x = next(row for row in ranked["rows"] if row["company_id"] == offices["x"])
    for record, code in ((offices["x_home"], "0300"), (offices["x_far"], "0400")):
        standing = national.company_standing(session, record, section_scope=None)
        row = standing["row"]
        assert (row["rank"], row["score"], row["tier"], row["consignments"], row["violations"]) == (
            x["rank"], x["score"], x["tier"], x["consignments"], x["violations"])
        assert [office["office_code"] for office in row["offices"]] == ["0300", "0400"]
        assert standing["ranked"] == ranked["ranked"] and standing["office"]["code"] == code
        assert standing["name"] == x["name"]
        assert (standing["window_from"], standing["window_to"]) == (ranked["window_from"], ranked["window_to"])
    # A custom period as the national ranking of that period ranks it, scored live.
    today = today_in("Asia/Jakarta")
    filters = {"period_from": today - timedelta(days=210), "period_to": today - timedelta(days=60)}
    period = national.national_ranking(session, section_scope=None, filters=filters, page_size=None)
    assert period["stored"] is False
    expected = next(row for row in period["rows"] if row["company_id"] == offices["x"])
    standing = national.company_standing(session, offices["x_far"], section_scope=None, filters=filters)
    assert (standing["row"]["rank"], standing["row"]["score"], standing["ranked"]) == (
        expected["rank"], expected["score"], period["ranked"])
    assert (standing["window_from"], standing["window_to"]) == (today - timedelta(days=210),
                                                                today - timedelta(days=60))


def test_a_national_standing_in_tier_d_says_which_rule_put_it_there(session, offices):
    """PT Xenia scores 94,8 nationally and is in D for its two detentions: only the profile's working said so."""
    xenia = national.company_standing(session, offices["x_home"], section_scope=None)
    assert (xenia["row"]["tier"], xenia["row"]["score"]) == ("D", 94.8)
    assert xenia["tier_reason"] == {"rule": "records", "records": 2, "limit": 2}
    assert national.company_standing(session, offices["y"], section_scope=None)["tier_reason"] is None  # tier B
    # One record fewer than the setting asks: the same row is in D only below the score's line.
    _version, scoring = current_settings(session)
    save_settings(session, None, "test", {**scoring.to_dict(), "tier_d_min_violation_records": 3})
    session.flush()
    lifted = national.company_standing(session, offices["x_home"], section_scope=None)
    assert lifted["row"]["tier"] == "C" and lifted["tier_reason"] is None
    # …and with the score's line above 94,8, D for its score.
    save_settings(session, None, "test", {**scoring.to_dict(), "tier_d_min_violation_records": 3,
                                          "tier_d_score_below": 95})
    session.flush()
    lowered = national.company_standing(session, offices["x_home"], section_scope=None)
    assert lowered["row"]["tier"] == "D" and lowered["tier_reason"] == {"rule": "score", "below": 95}


def test_a_company_without_activity_in_the_window_has_no_national_standing(session, offices):
    long_ago = today_in("Asia/Jakarta") - timedelta(days=3000)
    standing = national.company_standing(session, offices["y"], section_scope=None, filters={
        "period_from": long_ago, "period_to": long_ago + timedelta(days=10)})
    assert standing["row"] is None and standing["ranked"] == 0


def test_a_coordinator_asks_for_their_own_sections_national_standing_only(session, offices):
    with pytest.raises(Forbidden):
        national.company_standing(session, offices["x_home"], section_scope="plant", filters={"section": "animal"})
