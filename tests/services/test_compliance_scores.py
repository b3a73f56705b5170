"""Scores, tiers and streaks through the database, against figures worked out by hand (DOMAIN: compliance)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from support.compliance_data import AS_OF, build_ranked_office, gen_nnc
from portal.services.compliance import profile as compliance_profile
from portal.services.compliance import ranking as compliance
from portal.services.compliance import rollup as compliance_rollup
from portal.domain.compliance import DEFAULT_SETTINGS
from portal.services.compliance.scoring_settings import save_settings
from portal.validation import InvalidInput


def _by_name(result):
    return {row["name"]: row for row in result["rows"]}


@pytest.fixture
def office(session, built_once):
    """The small office, with its own rate as p0 (settings version 2: p0_min_consignments 1), so the figures worked
    by hand below are those of DOMAIN.md's office rate; the fallbacks have their own tests."""
    def build(s):
        save_settings(s, None, "test", {**DEFAULT_SETTINGS.to_dict(), "p0_min_consignments": 1})
        return build_ranked_office(s)

    return built_once("ranked_office_own_p0", session, build)


def test_plant_section_scores_are_those_worked_by_hand(session, office):
    """p0 = ΣV/Σn = (0 + 3 + 3) / (25 + 10 + 5) = 0.15; p = (V + 20·0.15) / (n + 20)."""
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                filters={"section": "plant"}, as_of=AS_OF)
    assert result["window_from"] == date(2025, 6, 16) and result["window_to"] == AS_OF
    assert result["office_n"] == 40 and result["office_v"] == 6 and result["p0"] == pytest.approx(0.15)
    rows = _by_name(result)
    assert set(rows) == {"PT Alpha Buah Segar", "PT Beta Tani", "CV Gamma Agro"}  # Delta is animal only
    alpha, beta, gamma = rows["PT Alpha Buah Segar"], rows["PT Beta Tani"], rows["CV Gamma Agro"]
    # Alpha: (0 + 3) / 45 = 0.0667 → 93.3; 26 clean since the old detention, none in 30 months, n 25 → A.
    assert (alpha["consignments"], alpha["violations"], alpha["score"]) == (25, 0, 93.3)
    assert (alpha["clean_streak"], alpha["months_since_last_violation"], alpha["tier"]) == (26, 30, "A")
    assert alpha["intervention"] == "reduced"  # 26 ≥ 5 + 20
    # Beta: detained then refused: d 1, r 1, V 3 → (3 + 3) / 30 = 0.2 → 80.0; 2 records → D; 4 clean since.
    assert (beta["consignments"], beta["detentions"], beta["refusals"], beta["score"]) == (10, 1, 1, 80.0)
    assert (beta["tier"], beta["clean_streak"], beta["intervention"]) == ("D", 4, "tightened")
    # Gamma: one NNC (the void one does not count): V 3 → 6 / 25 = 0.24 → 76.0; 1 record but score < 90 → D.
    assert (gamma["nncs"], gamma["score"], gamma["tier"], gamma["clean_streak"]) == (1, 76.0, "D", 2)
    assert [row["name"] for row in result["rows"]] == ["PT Alpha Buah Segar", "PT Beta Tani", "CV Gamma Agro"]
    assert [row["rank"] for row in result["rows"]] == [1, 2, 3]
    assert result["tier_counts"] == {"A": 1, "B": 0, "C": 0, "D": 2}


def test_overall_score_takes_p0_over_every_section(session, office):
    """p0 = 6 / 44 = 3/22: Alpha (60/22)/45 → 93.9; Beta (126/22)/30 → 80.9; Gamma (126/22)/25 → 77.1;
    Delta (60/22)/24 = 0.1136 → 88.6, below 90 → D although clean."""
    rows = _by_name(compliance.ranking(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF))
    assert {name: row["score"] for name, row in rows.items()} == {
        "PT Alpha Buah Segar": 93.9, "PT Beta Tani": 80.9, "CV Gamma Agro": 77.1, "PT Delta Satwa": 88.6}
    assert rows["PT Delta Satwa"]["tier"] == "D"


def test_animal_section_alone_scores_delta_at_100(session, office):
    """p0 = 0 / 4 = 0, so Delta's p = 0 → 100.0; streak 4 < 20 so not A; no record, ≥ 97 → B."""
    rows = _by_name(compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                       filters={"section": "animal"}, as_of=AS_OF))
    assert list(rows) == ["PT Delta Satwa"]
    assert (rows["PT Delta Satwa"]["score"], rows["PT Delta Satwa"]["tier"]) == (100.0, "B")


def test_a_custom_period_counts_only_its_months(session, office):
    """January–June 2026 (plant): Alpha's applications (5 Jul 2025 + 13·i days) from 3 Jan to 13 May: 11;
    Beta's (1 Aug 2025 + 20·i days) on 8 and 28 Jan: 2 (the refusal was in November); Gamma's last one completed
    on 31 Dec (WIB) and its NNC was in November: none. p0 = 0 / 13 = 0 → every score is 100.0.
    """
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                filters={"section": "plant", "period_from": "2026-01-01",
                                         "period_to": "2026-06-30"}, as_of=AS_OF)
    rows = _by_name(result)
    assert {name: row["consignments"] for name, row in rows.items()} == {
        "PT Alpha Buah Segar": 11, "PT Beta Tani": 2}
    assert result["office_v"] == 0 and all(row["score"] == 100.0 for row in rows.values())


def test_a_profile_scored_for_a_custom_period_reads_as_that_period_s_ranking_row(session, office):
    """A ranking of October–January opened its companies' profiles on the last 12 months: other counts, another
    score than the row clicked. Scored for the period, the profile's working is the row's, its window the period's,
    its chart the period's months."""
    period = {"period_from": "2025-10-01", "period_to": "2026-01-31"}
    rows = _by_name(compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                       filters={"section": "plant", **period}, as_of=AS_OF))
    for name in ("PT Beta Tani", "PT Alpha Buah Segar"):
        row = rows[name]
        found = compliance_profile.profile(session, row["service_user_id"], office_id=office["office_id"],
                                           section_scope=None, section="plant", as_of=AS_OF, **period)
        working = found["explanation"]
        assert (working["n"], working["score"], working["tier"]) == (row["consignments"], row["score"], row["tier"])
        assert (working["window_from"], working["window_to"]) == (date(2025, 10, 1), date(2026, 1, 31))
        assert found["custom_period"] is True
        months = compliance_profile.profile_section(session, row["service_user_id"], "monthly",
                                                    office_id=office["office_id"], section_scope=None,
                                                    section="plant", **period)["rows"]
        assert [f"{month['month']:%Y-%m}" for month in months] == ["2025-10", "2025-11", "2025-12", "2026-01"]
    default = compliance_profile.profile(session, rows["PT Beta Tani"]["service_user_id"],
                                         office_id=office["office_id"], section_scope=None, section="plant",
                                         as_of=AS_OF)
    assert default["custom_period"] is False and default["explanation"]["window_from"] == date(2025, 6, 16)
    with pytest.raises(InvalidInput):  # the wrong way round, as the ranking refuses it
        compliance_profile.profile(session, rows["PT Beta Tani"]["service_user_id"], office_id=office["office_id"],
                                   section_scope=None, period_from="2026-01-31", period_to="2025-10-01")


def test_a_profiles_monthly_chart_adds_up_to_its_score_s_consignments_and_violations(session, office):
    """A period from 15 September counted September whole in its chart: bars of twice the period's n. Its edge
    months hold only the period's days, so the bars add up to the working's n and violation records."""
    period = {"period_from": "2025-10-15", "period_to": "2026-01-20"}
    for company in (office["alpha"], office["beta"], office["gamma"]):
        found = compliance_profile.profile(session, company.id, office_id=office["office_id"], section_scope=None,
                                           as_of=AS_OF, **period)
        working = found["explanation"]
        months = compliance_profile.profile_section(session, company.id, "monthly", office_id=office["office_id"],
                                                    section_scope=None, **period)["rows"]
        assert [f"{m['month']:%Y-%m}" for m in months] == ["2025-10", "2025-11", "2025-12", "2026-01"]
        assert sum(m["consignments"] for m in months) == working["n"], company.name
        assert sum(m["violations"] for m in months) == working["violation_records"], company.name
        assert working["consignments_by_month"] == months
    assert sum(m["consignments"] for m in compliance_profile.profile_section(
        session, office["alpha"].id, "monthly", office_id=office["office_id"], section_scope=None,
        period_from="2025-09-01", period_to="2025-09-30")["rows"]) > 0


def test_a_profile_period_is_refused_when_its_open_end_leaves_no_window_or_a_century(session, office):
    """A start alone takes the default window's end (today): after today it ended before it began, a century back
    it scored a century; a year 9999 (an address, a date field) could not be computed at all and the page answered
    "malformed request". Each is refused with the ranking's own messages, so the profile says why."""
    beta = office["beta"].id
    for period_from, period_to, field in (("2026-07-01", None, "period_from"), ("1901-01-01", None, "period_from"),
                                          (None, "9999-12-31", "period_to"), ("0001-01-01", "2026-01-01",
                                                                              "period_from")):
        with pytest.raises(InvalidInput) as refused:
            compliance_profile.profile(session, beta, office_id=office["office_id"], section_scope=None,
                                       as_of=AS_OF, period_from=period_from, period_to=period_to)
        assert field in refused.value.errors, (period_from, period_to, refused.value.errors)
    with pytest.raises(InvalidInput):  # the ranking refuses the year 9999 too, rather than failing to compute it
        compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                           filters={"period_to": "9999-12-31"}, as_of=AS_OF)
    found = compliance_profile.profile(session, beta, office_id=office["office_id"], section_scope=None,
                                       as_of=AS_OF, period_from="2026-01-01x")  # read as the ranking reads it
    assert found["explanation"]["window_from"] == date(2026, 1, 1) and found["custom_period"] is True


def test_direction_filter_changes_scores_not_only_rows(session, office):
    """Only imports: nobody imported anything, so the ranking is empty (not the export ranking, filtered)."""
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                filters={"direction": "import"}, as_of=AS_OF)
    assert result["rows"] == [] and result["office_n"] == 0


def test_commodity_filter_counts_only_that_commodity_and_its_office_rate(session, office):
    """Mangosteen (plant): Alpha n 25 V 0, Beta n 10 V 3 → p0 = 3/35; Alpha (60/35)/45 = 0.0381 → 96.2;
    Beta (3 + 60/35)/30 = 0.1571 → 84.3. Gamma's lines name no commodity, so it is not in this ranking."""
    rows = _by_name(compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                       filters={"commodity_id": office["mangosteen"].id}, as_of=AS_OF))
    assert {name: row["score"] for name, row in rows.items()} == {"PT Alpha Buah Segar": 96.2, "PT Beta Tani": 84.3}


def test_a_profile_scored_for_a_commodity_reads_as_that_commodity_s_ranking_row(session, office):
    """A ranking filtered on mangosteen opened its companies' profiles on every commodity: other counts, another
    score than the row clicked. Scored for the commodity, the profile's working (n, score, tier, streak) is the row's,
    its events and chart those of the commodity; the company's commodities are offered to choose from."""
    chosen = {"commodity_id": office["mangosteen"].id}
    rows = _by_name(compliance.ranking(session, office_id=office["office_id"], section_scope=None, filters=chosen,
                                       as_of=AS_OF))
    for name in ("PT Alpha Buah Segar", "PT Beta Tani"):
        row = rows[name]
        found = compliance_profile.profile(session, row["service_user_id"], office_id=office["office_id"],
                                           section_scope=None, as_of=AS_OF, commodity_id=str(chosen["commodity_id"]))
        working = found["explanation"]
        assert (working["n"], working["score"], working["tier"], working["clean_streak"]) == (
            row["consignments"], row["score"], row["tier"], row["clean_streak"]), name
        assert (found["commodity_id"], found["commodity"], found["direction"]) == (
            office["mangosteen"].id, office["mangosteen"].name, None)
        assert working["events_total"] == row["detentions"] + row["refusals"] + row["destructions"] + row["nncs"]
        choices = compliance_profile.commodity_choices(session, row["service_user_id"],
                                                       office_id=office["office_id"], section_scope=None)
        assert office["mangosteen"].id in [choice["id"] for choice in choices]
    # Gamma's lines name no commodity: scored for mangosteen it has no consignment and its NNC does not count.
    gamma = compliance_profile.profile(session, office["gamma"].id, office_id=office["office_id"], section_scope=None,
                                       as_of=AS_OF, **chosen)
    assert (gamma["explanation"]["n"], gamma["explanation"]["events_total"], gamma["sizes"]["timeline"]) == (0, 0, 0)
    whole = compliance_profile.profile(session, office["gamma"].id, office_id=office["office_id"], section_scope=None,
                                       as_of=AS_OF)
    assert whole["explanation"]["events_total"] == 1 and whole["commodity_id"] is None
    period = {"period_from": "2025-09-01", "period_to": "2026-01-31"}  # Gamma's five consignments and its NNC
    for filters, consignments, violations in (({}, 5, 1), (chosen, 0, 0)):
        months = compliance_profile.profile_section(session, office["gamma"].id, "monthly",
                                                    office_id=office["office_id"], section_scope=None, **period,
                                                    **filters)["rows"]
        assert (sum(m["consignments"] for m in months), sum(m["violations"] for m in months)) == (
            consignments, violations), filters
    for refused in ({"commodity_id": "999999"}, {"direction": "sideways"}):
        with pytest.raises(InvalidInput):  # as the ranking refuses them
            compliance_profile.profile(session, office["gamma"].id, office_id=office["office_id"],
                                       section_scope=None, as_of=AS_OF, **refused)


def test_tier_filter_keeps_the_ranks_of_the_whole_ranking(session, office):
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                filters={"section": "plant", "tier": "D"}, as_of=AS_OF)
    assert [(row["name"], row["rank"]) for row in result["rows"]] == [("PT Beta Tani", 2), ("CV Gamma Agro", 3)]
    assert result["tier_counts"]["A"] == 1  # the chart still shows every tier


def test_snapshot_records_the_settings_version_and_tier_history(session, office):
    from models import ComplianceScore, ComplianceTierHistory

    # The fixture's recompute used today's date; recompute as of the test's day.
    compliance.refresh_scores(session, as_of=AS_OF)
    scores = {(s.service_user_id, s.section_id): s for s in session.query(ComplianceScore)}
    overall = scores[(office["alpha"].id, 0)]
    assert (overall.settings_version, overall.tier, float(overall.score)) == (2, "A", 93.9)
    assert session.query(ComplianceTierHistory).filter_by(service_user_id=office["beta"].id).count() >= 1


def _history_and_snapshot(session, service_user_id):
    from models import ComplianceScore, ComplianceTierHistory

    h = ComplianceTierHistory
    rows = session.execute(select(h.as_of, h.tier, h.score).where(h.service_user_id == service_user_id,
                                                                   h.section_id == 0).order_by(h.id)).all()
    snapshot = session.scalars(select(ComplianceScore).where(ComplianceScore.service_user_id == service_user_id,
                                                             ComplianceScore.section_id == 0)).one()
    return [(day, tier, float(score)) for day, tier, score in rows], (snapshot.tier, float(snapshot.score))


def test_a_tier_recorded_today_takes_the_days_later_score_and_an_earlier_days_row_keeps_its_own(session, office):
    """Gamma stays in tier D when an NNC is recorded: the history row of the day the tier was recorded shows the
    score the profile shows above it that day; a later day adds no row and leaves the earlier day's row alone."""
    gamma = office["gamma"]
    compliance.refresh_scores(session, as_of=AS_OF)
    history, (tier, score) = _history_and_snapshot(session, gamma.id)
    assert history[-1] == (AS_OF, tier, score) and tier == "D"
    rows_before = len(history)

    gen_nnc(session, gamma, notice_date=AS_OF - timedelta(days=10))
    compliance.refresh_scores(session, service_user_ids=[gamma.id], as_of=AS_OF)
    history, (tier_after, lower) = _history_and_snapshot(session, gamma.id)
    assert tier_after == "D" and lower < score
    assert len(history) == rows_before and history[-1] == (AS_OF, "D", lower)

    gen_nnc(session, gamma, notice_date=AS_OF)
    compliance.refresh_scores(session, service_user_ids=[gamma.id], as_of=AS_OF + timedelta(days=1))
    history, (_tier, lowest) = _history_and_snapshot(session, gamma.id)
    assert lowest < lower and len(history) == rows_before and history[-1] == (AS_OF, "D", lower)


def test_of_a_day_with_several_tiers_only_its_latest_row_of_the_holding_tier_takes_the_later_score(session, office):
    """Gamma went D → C → D earlier the same day (two rows added here as a refresh would have written them): the NNC
    moves the score and D holds, so the last row takes it; the morning's D and C rows keep theirs."""
    from models import ComplianceTierHistory

    gamma = office["gamma"]
    compliance.refresh_scores(session, as_of=AS_OF)
    first = session.scalars(select(ComplianceTierHistory).where(
        ComplianceTierHistory.service_user_id == gamma.id, ComplianceTierHistory.section_id == 0)
        .order_by(ComplianceTierHistory.id.desc())).first()
    for tier, score in (("C", 71.0), ("D", 64.0)):
        session.add(ComplianceTierHistory(service_user_id=gamma.id, section_id=0, office_id=gamma.office_id,
                                          as_of=AS_OF, tier=tier, score=score, settings_version=first.settings_version))
    session.flush()
    gen_nnc(session, gamma, notice_date=AS_OF - timedelta(days=10))
    compliance.refresh_scores(session, service_user_ids=[gamma.id], as_of=AS_OF)
    history, (tier, score) = _history_and_snapshot(session, gamma.id)
    assert tier == "D" and history[-3:] == [(AS_OF, "D", float(first.score)), (AS_OF, "C", 71.0), (AS_OF, "D", score)]


def test_explanation_shows_the_working_and_the_events_behind_it(session, office):
    working = compliance_profile.explanation(session, office["beta"].id, office_id=office["office_id"],
                                     section_id=None, as_of=AS_OF)
    assert working["counts"] == {"detention": 1, "refusal": 1, "destruction": 0, "nnc": 0}
    assert (working["V"], working["n"], working["office_n"], working["prior_m"]) == (3, 10, 44, 20)
    assert working["p0"] == pytest.approx(6 / 44) and working["score"] == 80.9
    assert sorted(e["type"] for e in working["events"]) == ["detention", "refusal"]
    assert working["window_months"] == 12 and working["settings_version"] == 2
    gamma = compliance_profile.explanation(session, office["gamma"].id, office_id=office["office_id"], section_id=None,
                                   as_of=AS_OF)
    assert [e["type"] for e in gamma["events"]] == ["nnc"]  # the void NNC is not among them


def test_handler_serving_three_tier_d_companies_is_flagged(session, office):
    from support.factories import gen_application, gen_service_user

    compliance.refresh_scores(session, as_of=AS_OF)
    # Beta is D and used the handler; add two more D companies (one detention + refusal each).
    from support.factories import gen_action

    for name in ("PT Epsilon", "PT Zeta"):
        su = gen_service_user(session, name=name)
        app = gen_application(session, su, handler=office["handler"],
                              submitted_at=compliance_datetime(2026, 3, 3))
        gen_action(session, app, "detention")
        gen_action(session, app, "refusal")
    compliance_rollup.refresh_rollups(session, scores=False)
    compliance.refresh_scores(session, as_of=AS_OF)
    detail = compliance_profile.handler_profile(session, office["handler"].id, office_id=office["office_id"],
                                        section_scope=None)
    assert detail["tier_d_companies"] == 3 and detail["flagged"] is True
    names = {c["name"]: c for c in detail["companies"]}
    assert names["PT Beta Tani"]["applications"] == 10
    handlers = compliance_profile.handlers_of(session, office["beta"].id, office_id=office["office_id"], section_id=None)
    assert handlers["handlers"][0]["flagged"] is True and handlers["changes"] == 0
    # The threshold is a setting: at 4, three tier-D companies no longer flag the handler.
    _settings(session, p0_min_consignments=1, handler_flag_tier_d=4)
    compliance.refresh_scores(session, as_of=AS_OF)
    detail = compliance_profile.handler_profile(session, office["handler"].id, office_id=office["office_id"],
                                                section_scope=None)
    assert detail["tier_d_companies"] == 3 and detail["flagged"] is False


def test_a_coordinator_sees_each_company_of_a_handler_at_the_tier_of_their_own_section(session, office):
    """The handler page read every company's overall tier: a coordinator of animal saw a company B (its plant
    detention) that their ranking and its profile in animal show A. The flag counts the same section's tiers."""
    from layouts.handler import render
    from support.compliance_data import series
    from support.factories import gen_action, gen_service_user

    both = gen_service_user(session, name="PT Dua Bidang")
    plant = series(session, both, 6, date(2025, 9, 1), 20, handler=office["handler"])
    gen_action(session, plant[2], "detention")
    gen_action(session, plant[2], "refusal")
    series(session, both, 30, date(2025, 7, 1), 10, handler=office["handler"], section="animal",
           commodity="Sarang walet")
    compliance_rollup.refresh_rollups(session, scores=False)
    _settings(session, p0_min_consignments=1, handler_flag_tier_d=4)
    compliance.refresh_scores(session, as_of=AS_OF)

    def tier(scope):
        detail = compliance_profile.handler_profile(session, office["handler"].id, office_id=office["office_id"],
                                                    section_scope=scope)
        return {c["name"]: c["tier"] for c in detail["companies"]}["PT Dua Bidang"], detail

    overall, everyone = tier(None)
    animal, coordinator = tier("animal")
    ranked = compliance.ranking(session, office_id=office["office_id"], section_scope="animal",
                                filters={"section": "animal"}, as_of=AS_OF)
    assert overall == "D" and animal == {r["name"]: r["tier"] for r in ranked["rows"]}["PT Dua Bidang"] != "D"
    # The flag counts what each list shows: tier D in animal, none; overall, Beta and this company.
    assert (coordinator["tier_d_companies"], everyone["tier_d_companies"]) == (0, 2)
    drawn = str(render(coordinator, None))
    assert "ditandai mulai 4" in drawn and "di bidang Anda" in drawn  # the setting's threshold, not a written 3
    assert "di bidang Anda" not in str(render(everyone, None))


def test_a_handlers_flag_counts_the_tier_d_companies_of_the_readers_section_and_of_both_for_who_sees_both(
        session, office):
    """A coordinator of animal quarantine was shown a handler flagged by plant companies they cannot see or act on:
    each reader counts the companies the handler served in their section, at that section's tier; a reader who
    sees every section counts both (on the overall tier, as inspection targeting does)."""
    from support.compliance_data import series
    from support.factories import gen_action, gen_service_user

    def company(name: str, section: str, count: int, violations: bool):
        found = gen_service_user(session, name=name)
        made = series(session, found, count, date(2025, 9, 1), 7, handler=office["handler"], section=section,
                      commodity="Sarang walet" if section == "animal" else "Manggis")
        if violations:
            gen_action(session, made[2], "detention")
            gen_action(session, made[2], "refusal")
        compliance_rollup.refresh_rollups(session, scores=False)
        compliance.refresh_scores(session, as_of=AS_OF)
        return found

    company("PT Epsilon Tani", "plant", 6, violations=True)  # tier D in plant, as Beta is
    clean = company("PT Satwa Bersih", "animal", 30, violations=False)  # lets the animal coordinator in
    _settings(session, p0_min_consignments=1, handler_flag_tier_d=2)
    compliance.refresh_scores(session, as_of=AS_OF)

    def flag(section_scope):
        detail = compliance_profile.handler_profile(session, office["handler"].id, office_id=office["office_id"],
                                                    section_scope=section_scope)
        listed = compliance_profile.profile_section(session, clean.id if section_scope != "plant" else
                                                    office["beta"].id, "handlers", office_id=office["office_id"],
                                                    section_scope=section_scope)["rows"]
        [row] = [row for row in listed if row["handler_id"] == office["handler"].id]
        assert (row["tier_d_companies"], row["flagged"]) == (detail["tier_d_companies"], detail["flagged"])
        return detail["tier_d_companies"], detail["flagged"]

    assert flag("animal") == (0, False)  # the two plant companies raised it before
    assert flag("plant") == (2, True) and flag(None) == (2, True)
    company("PT Satwa Bandel", "animal", 6, violations=True)
    assert flag("animal") == (1, False) and flag("plant") == (2, True)
    assert flag(None) == (3, True)  # both sections' tier-D companies


def compliance_datetime(year, month, day):
    from datetime import datetime, timezone

    return datetime(year, month, day, 1, 0, tzinfo=timezone.utc)


def _settings(session, **changes):
    save_settings(session, None, "test", {**DEFAULT_SETTINGS.to_dict(), **changes})


def test_a_small_offices_p0_falls_back_to_every_office_then_to_the_setting(session, office):
    """Beta overall: V 3, n 10. Another office adds 20 clean consignments. Below 50 consignments an office's own
    rate is not used: every office together has 44 + 20 = 64, so p0 = 6/64 and p = (3 + 20·6/64)/30 = 0.1625
    → 83.8. Below 100, every office is too small as well: p0 = 0.005, p = (3 + 0.1)/30 → 89.7."""
    from models import Office
    from support.factories import gen_application, gen_service_user

    makassar = Office(code="0900", name="BBKP Makassar", timezone="Asia/Makassar")
    session.add(makassar)
    session.flush()
    far = gen_service_user(session, office_id=makassar.id, name="PT Jauh Timur")
    for i in range(20):
        gen_application(session, far, submitted_at=datetime(2026, 2, 1, 1, 0, tzinfo=timezone.utc) + timedelta(days=i),
                        stages=("submitted", "handed_over"))
    compliance_rollup.refresh_rollups(session, service_user_ids=[far.id])

    _settings(session, p0_min_consignments=50)
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF)
    assert (result["p0_source"], result["p0"]) == ("all_offices", pytest.approx(6 / 64))
    assert _by_name(result)["PT Beta Tani"]["score"] == 83.8
    working = compliance_profile.explanation(session, office["beta"].id, office_id=office["office_id"],
                                             section_id=None, as_of=AS_OF)
    assert (working["p0_source"], working["all_n"], working["score"]) == ("all_offices", 64, 83.8)

    _settings(session, p0_min_consignments=100)
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF)
    assert (result["p0_source"], result["p0"]) == ("setting", pytest.approx(0.005))
    assert _by_name(result)["PT Beta Tani"]["score"] == 89.7


def test_each_offices_snapshot_ends_on_its_own_today(session, office):
    """At 23:30 WIB on 30 June it is already 1 July in Jayapura (WIT): that office's scores are as of 1 July, the
    WIB office's as of 30 June (not Jakarta's day for every office)."""
    import time_machine
    from models import ComplianceScore, Office
    from support.factories import gen_application, gen_service_user

    jayapura = Office(code="0950", name="Karantina Papua", timezone="Asia/Jayapura")
    session.add(jayapura)
    session.flush()
    far = gen_service_user(session, office_id=jayapura.id, name="PT Timur Jauh")
    gen_application(session, far, submitted_at=datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc),
                    stages=("submitted", "handed_over"))
    compliance_rollup.refresh_rollups(session, service_user_ids=[far.id])
    with time_machine.travel(datetime(2026, 6, 30, 16, 30, tzinfo=timezone.utc), tick=False):
        compliance.refresh_scores(session)
    as_of = dict(session.execute(select(ComplianceScore.office_id, func.max(ComplianceScore.as_of))
                                 .group_by(ComplianceScore.office_id)).all())
    assert as_of[jayapura.id] == date(2026, 7, 1)
    assert as_of[office["office_id"]] == date(2026, 6, 30)


def test_a_direction_filter_gives_the_streak_tier_and_intervention_of_those_consignments(session):
    """Five exports, an import detained, three exports: over everything the streak restarts at the detention
    (tightened); over the exports alone nothing was ever detained, so all eight count (normal, no last violation)."""
    from support.factories import gen_action, gen_application, gen_service_user

    su = gen_service_user(session, name="PT Dua Arah")
    when = lambda day: datetime(2026, 2, day, 1, 0, tzinfo=timezone.utc)  # noqa: E731
    for day in range(1, 6):
        gen_application(session, su, submitted_at=when(day), stages=("submitted", "handed_over"))
    gen_action(session, gen_application(session, su, direction="import", submitted_at=when(10),
                                        stages=("submitted", "handed_over")), "detention")
    for day in range(15, 18):
        gen_application(session, su, submitted_at=when(day), stages=("submitted", "handed_over"))
    compliance_rollup.refresh_rollups(session, service_user_ids=[su.id])

    def row(filters):
        result = compliance.ranking(session, office_id=su.office_id, section_scope=None, filters=filters,
                                    as_of=AS_OF)
        return next(r for r in result["rows"] if r["service_user_id"] == su.id)

    everything = row({})
    assert everything["clean_streak"] < 5 and everything["intervention"] == "tightened"
    assert everything["last_violation_at"] is not None
    exports = row({"direction": "export"})
    assert (exports["clean_streak"], exports["last_violation_at"], exports["months_since_last_violation"]) == (
        8, None, None)
    assert exports["intervention"] == "normal"
    imports = row({"direction": "import"})
    assert imports["last_violation_at"] is not None and imports["intervention"] == "tightened"
    # The profile opened from each row reads as the row: its streak, its intervention and the events behind them.
    for direction, expected in (("export", exports), ("import", imports)):
        found = compliance_profile.profile(session, su.id, office_id=su.office_id, section_scope=None,
                                           as_of=AS_OF, direction=direction)
        working = found["explanation"]
        assert (working["clean_streak"], working["intervention"]["name"], working["n"]) == (
            expected["clean_streak"], expected["intervention"], expected["consignments"]), direction
        timeline = compliance_profile.profile_section(session, su.id, "timeline", office_id=su.office_id,
                                                      section_scope=None, direction=direction)
        assert [event["type"] for event in timeline["rows"]] == ([] if direction == "export" else ["detention"])


@pytest.fixture
def on_as_of(session, office):
    """The snapshots taken on AS_OF (they are of the day the refresh runs), and the clock kept there."""
    from support.compliance_data import clock_at_as_of

    with clock_at_as_of():
        compliance_rollup.recompute_all(session)
        yield office


@pytest.mark.parametrize("section", [None, "plant", "animal"])
def test_the_default_view_read_from_the_snapshots_is_the_live_computation(session, on_as_of, section):
    """The ranking's unfiltered view read from compliance_scores (issue #17) gives the same rows, scores, tiers and
    p0 as the aggregate over the rollup — also after a sync's refresh rewrote one company's snapshot and moved p0."""
    from support.factories import gen_action
    from portal.services.sync import after_sync

    office = on_as_of

    def both():
        kwargs = {"office_id": office["office_id"], "section_scope": None, "filters": {"section": section},
                  "as_of": AS_OF, "page_size": None}
        return compliance.ranking(session, **kwargs), compliance.ranking(session, **kwargs, snapshots=False)

    version, scoring = compliance.current_settings(session)
    first, last = compliance.window(AS_OF, scoring)

    def read_from_snapshots() -> bool:
        return compliance.snapshot_score_rows(session, office["office_id"], section_id=None, first=first,
                                              last=last, as_of=AS_OF, settings=scoring, tz="Asia/Jakarta") is not None

    assert read_from_snapshots()
    from_snapshots, live = both()
    assert from_snapshots == live and live["rows"]
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    app = office["alpha_apps"][-1]
    gen_action(session, app, "detention", action_at=app.submitted_at + timedelta(hours=1), synced_at=since)
    after_sync.refresh_rollups(session, since)
    assert read_from_snapshots()
    from_snapshots, live = both()
    assert from_snapshots == live
    assert section == "animal" or next(r for r in live["rows"] if r["name"] == "PT Alpha Buah Segar")["detentions"] == 1


def test_a_rollup_refresh_without_its_snapshots_makes_the_default_view_read_the_rollup(session, on_as_of):
    """The snapshots say when they lag the rollup (issue #17): a new company whose rollup alone was refreshed is in
    the default view at once (read live), and the next full rebuild makes the snapshots current again."""
    from support.compliance_data import series
    from support.factories import gen_service_user

    office = on_as_of
    kwargs = {"office_id": office["office_id"], "section_scope": None, "as_of": AS_OF, "page_size": None}
    assert compliance.snapshots_current(session)
    newcomer = gen_service_user(session, name="PT Pendatang Baru")
    series(session, newcomer, 6, date(2026, 1, 5), 7)
    compliance_rollup.refresh_rollups(session, service_user_ids=[newcomer.id])
    assert not compliance.snapshots_current(session)
    shown = compliance.ranking(session, **kwargs)
    assert "PT Pendatang Baru" in {row["name"] for row in shown["rows"]}
    assert shown == compliance.ranking(session, **kwargs, snapshots=False)
    compliance_rollup.recompute_all(session)
    assert compliance.snapshots_current(session)
    assert compliance.ranking(session, **kwargs) == shown


def test_snapshots_of_another_day_are_not_read(session, on_as_of):
    office = on_as_of
    version, scoring = compliance.current_settings(session)
    first, last = compliance.window(AS_OF + timedelta(days=1), scoring)
    assert compliance.snapshot_score_rows(session, office["office_id"], section_id=None, first=first, last=last,
                                          as_of=AS_OF + timedelta(days=1), settings=scoring,
                                          tz="Asia/Jakarta") is None
