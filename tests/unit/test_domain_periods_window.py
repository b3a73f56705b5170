"""The compliance window in exact days (DOMAIN: compliance): 12 months back from the as-of day, sliding daily,
and the split of any day range into the rollup's whole months and the raw edge days."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, strategies as st

from portal.domain.periods import day_window, split_months, year_window


def test_the_default_window_runs_from_the_day_after_the_same_date_a_year_ago_through_today():
    assert year_window(date(2026, 12, 3), 12) == (date(2025, 12, 4), date(2026, 12, 3))


def test_the_default_window_slides_by_one_day_from_one_day_to_the_next():
    assert year_window(date(2026, 12, 4), 12) == (date(2025, 12, 5), date(2026, 12, 4))
    assert year_window(date(2027, 1, 1), 12) == (date(2026, 1, 2), date(2027, 1, 1))


def test_on_a_leap_day_the_window_starts_after_the_short_february_a_year_earlier():
    assert year_window(date(2028, 2, 29), 12) == (date(2027, 3, 1), date(2028, 2, 29))


def test_a_custom_period_is_its_own_days_and_an_open_end_takes_the_default_window_s():
    as_of = date(2026, 12, 3)
    assert day_window(as_of, 12, date(2026, 10, 16), date(2026, 11, 20)) == (date(2026, 10, 16), date(2026, 11, 20))
    assert day_window(as_of, 12, date(2026, 10, 16), None) == (date(2026, 10, 16), as_of)
    assert day_window(as_of, 12, None, date(2026, 11, 20)) == (date(2025, 12, 4), date(2026, 11, 20))


def test_16_october_to_20_november_is_two_edge_ranges_and_no_whole_month():
    assert split_months(date(2026, 10, 16), date(2026, 11, 20)) == (
        None, [(date(2026, 10, 16), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 20))])


def test_the_default_window_on_3_december_is_eleven_whole_months_and_two_edges():
    assert split_months(date(2025, 12, 4), date(2026, 12, 3)) == (
        (date(2026, 1, 1), date(2026, 11, 1)),
        [(date(2025, 12, 4), date(2025, 12, 31)), (date(2026, 12, 1), date(2026, 12, 3))])


def test_a_period_of_whole_months_needs_no_raw_rows():
    assert split_months(date(2026, 1, 1), date(2026, 3, 31)) == ((date(2026, 1, 1), date(2026, 3, 1)), [])


@given(st.dates(date(2024, 1, 1), date(2028, 12, 31)), st.integers(0, 800))
def test_whole_months_and_edges_cover_each_day_of_the_range_exactly_once(first, length):
    last = first + timedelta(days=length)
    months, edges = split_months(first, last)
    covered = []
    if months is not None:
        month = months[0]
        assert month.day == 1 and months[1].day == 1
        while month <= months[1]:
            following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            covered += [month + timedelta(days=i) for i in range((following - month).days)]
            month = following
    for start, end in edges:
        assert start <= end and (start.year, start.month) == (end.year, end.month)  # an edge stays in one month
        covered += [start + timedelta(days=i) for i in range((end - start).days + 1)]
    assert sorted(covered) == [first + timedelta(days=i) for i in range(length + 1)]


def test_a_chosen_period_is_refused_when_it_ends_before_it_begins_or_runs_past_three_years():
    from portal.domain.periods import MAX_PERIOD_DAYS, day_range_problem

    start = date(2024, 1, 1)
    assert day_range_problem(start, start) is None
    assert day_range_problem(start, start - timedelta(days=1)) == "reversed"
    assert day_range_problem(start, start + timedelta(days=MAX_PERIOD_DAYS - 1)) is None  # both days counted
    assert day_range_problem(start, start + timedelta(days=MAX_PERIOD_DAYS)) == "too_long"
