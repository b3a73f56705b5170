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
