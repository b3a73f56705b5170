"""A targeted consignment's outcome from its stage events: hit, clean or pending."""

from datetime import datetime, timedelta

import pytest

from portal.domain.targeting_outcome import (CLEAN, HIT, PENDING, Outcome, consignment_outcome, hit_rate,
                                             hit_rate_ratio)

T0 = datetime(2026, 3, 2, 3, 0)


def _events(*stages):
    return [(stage, T0 + timedelta(hours=hour)) for hour, stage in enumerate(stages)]


@pytest.mark.parametrize("last", ["detained", "refused", "destroyed"])
def test_any_3p_stage_is_a_hit_at_its_time(last):
    stages = ("submitted", "verified", "detained") + ((last,) if last != "detained" else ())
    outcome = consignment_outcome(_events(*stages))
    assert outcome == Outcome(HIT, "detained", T0 + timedelta(hours=2))


def test_detained_then_released_and_certified_stays_a_hit():
    events = _events("submitted", "verified", "detained", "released", "inspected", "certified", "handed_over")
    assert consignment_outcome(events).status == HIT


def test_certified_without_3p_is_clean_at_the_certificate():
    events = _events("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified")
    assert consignment_outcome(events) == Outcome(CLEAN, "certified", T0 + timedelta(hours=6))


def test_release_without_detention_is_clean():
    assert consignment_outcome(_events("submitted", "released")).status == CLEAN


def test_a_3p_record_without_its_stage_event_is_a_hit_even_after_a_certificate():
    events = _events("submitted", "verified", "inspected", "certified")
    assert consignment_outcome(events, action_count=1) == Outcome(HIT)


def test_consignment_still_moving_is_pending():
    assert consignment_outcome(_events("submitted", "verified", "inspected", "billed")) == Outcome(PENDING)
    assert consignment_outcome([]) == Outcome(PENDING)


def test_events_out_of_order_still_find_the_earliest_hit():
    events = [("refused", T0 + timedelta(days=4)), ("submitted", T0), ("detained", T0 + timedelta(hours=3))]
    assert consignment_outcome(events) == Outcome(HIT, "detained", T0 + timedelta(hours=3))


def test_hit_rate_is_none_without_consignments_and_refuses_impossible_counts():
    assert hit_rate(3, 12) == 0.25
    assert hit_rate(0, 0) is None
    with pytest.raises(ValueError):
        hit_rate(5, 4)


def test_ratio_says_how_many_times_chance_and_none_when_chance_found_nothing():
    assert hit_rate_ratio(0.3, 0.1) == pytest.approx(3.0)
    assert hit_rate_ratio(0.3, 0.0) is None
    assert hit_rate_ratio(None, 0.1) is None


def test_the_ratio_is_called_a_difference_only_when_chance_would_rarely_give_it():
    """1,0× on 4 random findings was headed "targeting finds more than chance"; 2× on a handful is luck as often."""
    from portal.domain.targeting_outcome import ratio_verdict

    assert ratio_verdict(12, 4000, 4, 1300) == "same"  # 0,3% against 0,3%: the reviewer's 1,0×
    assert ratio_verdict(4, 100, 2, 100) == "same"  # 2× on six findings
    assert ratio_verdict(120, 1000, 30, 1000) == "more"  # 12% against 3%
    assert ratio_verdict(10, 1000, 40, 1000) == "less"
    assert ratio_verdict(5, 100, 0, 100) == "none"  # chance found nothing: no ratio to judge
    assert ratio_verdict(0, 0, 3, 100) == "none" and ratio_verdict(3, 100, 0, 0) == "none"
    assert ratio_verdict(100, 100, 100, 100) == "same"  # every consignment a hit: no spread, no difference
