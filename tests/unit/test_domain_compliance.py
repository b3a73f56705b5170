"""Tests for the compliance score, tier and intervention level; expected values worked out by hand."""

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain import compliance as c
from portal.domain.compliance import DEFAULT_SETTINGS, ScoringSettings

# --- settings ------------------------------------------------------------------------------------


def test_default_settings_match_domain_guide():
    s = DEFAULT_SETTINGS
    assert (s.weight_detention, s.weight_refusal, s.weight_destruction, s.weight_nnc) == (1, 2, 3, 3)
    assert s.window_months == 12
    assert s.prior_m == 20
    assert (s.tier_a_min_clean_streak, s.tier_a_clean_months, s.tier_a_min_n) == (20, 24, 10)
    assert s.tier_d_min_violation_records == 2
    assert s.tier_d_score_below == 90.0
    assert s.tier_b_min_score == 97.0
    assert (s.tightened_percent, s.normal_percent, s.reduced_percent) == (100, 25, 5)
    assert (s.normal_after_clean, s.reduced_after_more_clean) == (5, 20)


def test_settings_round_trip_through_dict():
    custom = ScoringSettings(weight_nnc=4, prior_m=30, window_months=6)
    assert ScoringSettings.from_dict(custom.to_dict()) == custom


def test_settings_from_partial_dict_takes_defaults():
    assert ScoringSettings.from_dict({"prior_m": 10}) == ScoringSettings(prior_m=10)


def test_settings_from_dict_rejects_unknown_key():
    with pytest.raises(ValueError):
        ScoringSettings.from_dict({"prior": 10})


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SETTINGS.prior_m = 5  # type: ignore[misc]


def test_settings_reject_zero_prior_and_negative_weight():
    with pytest.raises(ValueError):
        ScoringSettings(prior_m=0)
    with pytest.raises(ValueError):
        ScoringSettings(weight_refusal=-1)


# --- V, p0, p, score -----------------------------------------------------------------------------


def test_weighted_violations_uses_weights_1_2_3_3():
    # 1·2 + 2·1 + 3·1 + 3·2 = 2 + 2 + 3 + 6 = 13
    assert c.weighted_violations(2, 1, 1, 2) == 13


def test_weighted_violations_uses_custom_weights():
    settings = ScoringSettings(weight_detention=2, weight_nnc=5)
    # 2·1 + 2·0 + 3·0 + 5·1 = 7
    assert c.weighted_violations(1, 0, 0, 1, settings) == 7


def test_weighted_violations_rejects_negative_count():
    with pytest.raises(ValueError):
        c.weighted_violations(-1, 0, 0, 0)


def test_office_rate_is_total_v_over_total_n():
    assert c.office_rate(20, 1000) == Fraction(1, 50)


def test_office_rate_is_zero_when_office_has_no_consignments():
    assert c.office_rate(0, 0) == 0
    assert c.office_rate(5, 0) == 0


def test_shrunk_rate_pulls_toward_office_rate():
    # (4 + 20·0.02) / (50 + 20) = 4.4 / 70 = 11/175
    assert c.shrunk_rate(4, 50, Fraction(1, 50), 20) == Fraction(11, 175)


def test_shrunk_rate_with_no_consignments_is_office_rate():
    assert c.shrunk_rate(0, 0, Fraction(1, 50), 20) == Fraction(1, 50)


def test_score_of_service_user_with_one_detention_and_one_nnc_is_93_7():
    # V = 1 + 3 = 4; p = 4.4 / 70 = 0.062857…; 100·(1 − p) = 93.714… → 93.7
    v = c.weighted_violations(1, 0, 0, 1)
    assert v == 4
    assert c.score(v, 50, 0.02) == Decimal("93.7")


def test_score_with_no_consignments_and_no_violations_is_office_prior():
    # p = 20·0.02 / 20 = 0.02 → 98.0
    assert c.score(0, 0, 0.02) == Decimal("98.0")


def test_score_with_no_consignments_and_one_detention_is_93_0():
    # p = (1 + 0.4) / 20 = 0.07 → 93.0
    assert c.score(1, 0, 0.02) == Decimal("93.0")


def test_score_rounds_half_up():
    # p = 20·0.0135 / 20 = 0.0135 → 98.65 exactly → 98.7 (half-even would give 98.6)
    assert c.score(0, 0, 0.0135) == Decimal("98.7")


def test_score_is_zero_when_rate_exceeds_one():
    # p = (30 + 0) / (5 + 20) = 1.2 → min(1, p) = 1 → 0.0
    assert c.score(30, 5, 0) == Decimal("0.0")


def test_score_with_no_violations_and_zero_office_rate_is_100():
    assert c.score(0, 0, 0) == Decimal("100.0")


# --- tiers ---------------------------------------------------------------------------------------


def test_tier_a_for_long_clean_streak_and_enough_consignments():
    # n=40, V=0, p0=0.02: p = 0.4/60 = 0.00667 → 99.3; streak 60, never violated.
    s = c.score(0, 40, 0.02)
    assert s == Decimal("99.3")
    assert c.tier(s, 0, 60, None, 40) == "A"


def test_tier_a_is_decided_before_low_score():
    # n=10, V=0, p0=0.5: p = 10/30 → 66.7, below 90, but A rules come first.
    s = c.score(0, 10, 0.5)
    assert s == Decimal("66.7")
    assert c.tier(s, 0, 25, 30, 10) == "A"


def test_tier_a_needs_24_months_without_violation():
    assert c.tier(99.3, 0, 60, 23, 40) == "B"
    assert c.tier(99.3, 0, 60, 24, 40) == "A"


def test_tier_a_needs_ten_consignments():
    assert c.tier(99.3, 0, 60, None, 9) == "B"


def test_tier_a_needs_clean_streak_of_20():
    assert c.tier(99.3, 0, 19, None, 40) == "B"


def test_tier_d_by_two_violation_records_despite_good_score():
    # d=2, n=200, p0=0.02: V=2, p = 2.4/220 = 0.0109 → 98.9, yet two records → D.
    s = c.score(c.weighted_violations(2, 0, 0, 0), 200, 0.02)
    assert s == Decimal("98.9")
    assert c.tier(s, 2, 0, 1, 200) == "D"


def test_tier_d_by_score_below_90():
    # x=1, n=10, p0=0.02: V=3, p = 3.4/30 = 0.11333 → 88.7; one record only.
    s = c.score(c.weighted_violations(0, 0, 1, 0), 10, 0.02)
    assert s == Decimal("88.7")
    assert c.tier(s, 1, 0, 0, 10) == "D"


def test_tier_b_for_score_97_or_more():
    # d=1, n=100, p0=0.02: V=1, p = 1.4/120 = 0.011667 → 98.8; violation 3 months ago → not A.
    s = c.score(1, 100, 0.02)
    assert s == Decimal("98.8")
    assert c.tier(s, 1, 30, 3, 100) == "B"


def test_tier_c_for_score_between_90_and_97():
    # d=1, n=30, p0=0.05: p = (1 + 1) / 50 = 0.04 → 96.0
    s = c.score(1, 30, 0.05)
    assert s == Decimal("96.0")
    assert c.tier(s, 1, 5, 2, 30) == "C"


@pytest.mark.parametrize(
    "score_value, expected",
    [("97.0", "B"), ("96.9", "C"), ("90.0", "C"), ("89.9", "D"), ("96.95", "B"), ("89.95", "C"), ("89.94", "D")],
)
def test_tier_score_boundaries_on_score_rounded_to_0_1(score_value, expected):
    assert c.tier(Decimal(score_value), 0, 0, None, 5) == expected


def test_tier_with_custom_thresholds():
    settings = ScoringSettings(tier_b_min_score=99.0)
    assert c.tier(98.0, 0, 0, None, 5, settings) == "C"


# --- intervention level --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "streak, name, percent",
    [(0, "tightened", 100), (4, "tightened", 100), (5, "normal", 25), (24, "normal", 25), (25, "reduced", 5),
     (500, "reduced", 5)],
)
def test_intervention_level_transitions(streak, name, percent):
    level = c.intervention_level(streak)
    assert (level.name, level.sampling_percent) == (name, percent)


def test_intervention_level_counts_consignments_to_next_level():
    assert c.intervention_level(2).clean_to_next_level == 3
    assert c.intervention_level(5).clean_to_next_level == 20
    assert c.intervention_level(25).clean_to_next_level is None


def test_violation_resets_intervention_to_tightened():
    # A violation resets the clean streak to 0.
    assert c.intervention_level(0).name == "tightened"


# --- ranking -------------------------------------------------------------------------------------


def test_rank_by_score_desc_then_n_desc():
    rows = [(Decimal("93.7"), 50), (Decimal("98.8"), 100), (Decimal("98.8"), 200), (Decimal("100.0"), 0)]
    ranked = sorted(rows, key=lambda row: c.rank_key(*row))
    assert ranked == [(Decimal("100.0"), 0), (Decimal("98.8"), 200), (Decimal("98.8"), 100), (Decimal("93.7"), 50)]


# --- explain -------------------------------------------------------------------------------------


def test_explain_shows_the_working_for_the_93_7_case():
    # Office: ΣV = 20 over Σn = 1000 → p0 = 0.02.
    working = c.explain(
        d=1, r=0, x=0, k=1, n=50, office_v=20, office_n=1000, clean_streak=0, months_since_last_violation=0
    )
    assert working["counts"] == {"detention": 1, "refusal": 0, "destruction": 0, "nnc": 1}
    assert working["weights"] == {"detention": 1, "refusal": 2, "destruction": 3, "nnc": 3}
    assert working["V"] == 4
    assert working["n"] == 50
    assert working["raw_rate"] == pytest.approx(0.08)
    assert working["p0"] == pytest.approx(0.02)
    assert working["prior_m"] == 20
    assert working["p"] == pytest.approx(0.0628571428)
    assert working["score"] == 93.7
    assert working["violation_records"] == 2
    assert working["tier"] == "D"
    assert working["tier_rule"] == c.RULE_D_RECORDS
    assert working["intervention"]["name"] == "tightened"
    assert working["window_months"] == 12
    assert working["settings"] == DEFAULT_SETTINGS.to_dict()


def test_explain_lists_each_tier_check_until_the_deciding_one():
    working = c.explain(
        d=0, r=0, x=0, k=0, n=40, office_v=20, office_n=1000, clean_streak=5, months_since_last_violation=30
    )
    # Not A (streak 5 < 20), not D, score 99.3 ≥ 97 → B.
    assert [check["rule"] for check in working["tier_checks"]] == [c.RULE_A, c.RULE_D_RECORDS, c.RULE_D_SCORE, c.RULE_B]
    assert working["tier"] == "B"
    assert working["tier_checks"][0]["passed"] is False


def test_explain_with_no_consignments_has_no_raw_rate():
    working = c.explain(
        d=0, r=0, x=0, k=0, n=0, office_v=0, office_n=0, clean_streak=0, months_since_last_violation=None
    )
    assert working["raw_rate"] is None
    # No office has any history: p0 is the setting (0.005), so p = 0.005 and the score 99.5.
    assert working["p0_source"] == c.P0_SETTING
    assert working["score"] == 99.5


# --- p0 fallback ---------------------------------------------------------------------------------


def test_p0_is_the_offices_own_rate_from_1000_consignments():
    assert c.prior_source(1000, 5000) == c.P0_OFFICE
    assert c.prior_rate(20, 1000, 300, 5000) == Fraction(1, 50)


def test_p0_of_a_small_office_is_every_offices_rate():
    assert c.prior_source(999, 5000) == c.P0_ALL_OFFICES
    assert c.prior_rate(500, 999, 100, 5000) == Fraction(1, 50)


def test_p0_is_the_setting_when_every_office_together_is_small():
    assert c.prior_source(10, 999) == c.P0_SETTING
    assert c.prior_rate(3, 10, 9, 999) == Fraction(1, 200)
    custom = ScoringSettings(p0_min_consignments=5, p0_fallback=0.01)
    assert c.prior_source(4, 4, custom) == c.P0_SETTING and c.prior_rate(4, 4, 4, 4, custom) == Fraction(1, 100)
    assert c.prior_source(5, 5, custom) == c.P0_OFFICE


def test_explain_shows_where_p0_came_from():
    working = c.explain(d=0, r=0, x=0, k=1, n=10, office_v=3, office_n=10, clean_streak=0,
                        months_since_last_violation=0, all_v=40, all_n=2000)
    assert working["p0_source"] == c.P0_ALL_OFFICES and working["p0"] == pytest.approx(0.02)
    assert working["all_n"] == 2000 and working["office_n"] == 10


# --- properties ----------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=50)
consignments = st.integers(min_value=0, max_value=5000)
office_rates = st.fractions(min_value=0, max_value=3, max_denominator=10_000)
weights = st.integers(min_value=0, max_value=10)
priors = st.integers(min_value=1, max_value=200)


@st.composite
def settings_strategy(draw):
    return ScoringSettings(
        weight_detention=draw(weights),
        weight_refusal=draw(weights),
        weight_destruction=draw(weights),
        weight_nnc=draw(weights),
        prior_m=draw(priors),
    )


@given(counts, counts, counts, counts, consignments, office_rates, settings_strategy(), st.integers(0, 3))
def test_one_more_violation_never_raises_score(d, r, x, k, n, p0, settings, kind):
    """Assumes a fixed office rate p0 (in reality the extra violation also nudges p0 up)."""
    before = c.score(c.weighted_violations(d, r, x, k, settings), n, p0, settings)
    bumped = [d, r, x, k]
    bumped[kind] += 1
    after = c.score(c.weighted_violations(*bumped, settings), n, p0, settings)
    assert after <= before


@given(counts, counts, counts, counts, consignments, office_rates, settings_strategy())
def test_one_more_clean_consignment_never_lowers_score(d, r, x, k, n, p0, settings):
    """Assumes a fixed office rate p0 (in reality the extra consignment also nudges p0 down)."""
    v = c.weighted_violations(d, r, x, k, settings)
    assert c.score(v, n + 1, p0, settings) >= c.score(v, n, p0, settings)


@given(consignments, settings_strategy())
def test_zero_violations_and_zero_office_rate_gives_100(n, settings):
    assert c.score(0, n, 0, settings) == Decimal("100.0")


@given(counts, counts, counts, counts, consignments, office_rates)
def test_score_lies_between_0_and_100(d, r, x, k, n, p0):
    s = c.score(c.weighted_violations(d, r, x, k), n, p0)
    assert Decimal("0") <= s <= Decimal("100")
    assert s == s.quantize(Decimal("0.1"))
