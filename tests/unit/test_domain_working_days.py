"""Tests for working-day arithmetic; expected dates worked out by hand on a calendar."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.working_days import (
    add_working_days,
    complaint_due_date,
    is_public_holiday,
    is_working_day,
)


def test_due_date_skips_weekend():
    # Thu 9 Jan 2025: Fri 10, Mon 13, Tue 14, Wed 15, Thu 16.
    assert complaint_due_date(date(2025, 1, 9)) == date(2025, 1, 16)


def test_due_date_of_complaint_received_on_saturday():
    # Sat 11 Jan 2025: Mon 13 … Fri 17.
    assert complaint_due_date(date(2025, 1, 11)) == date(2025, 1, 17)


def test_due_date_skips_independence_day():
    # Fri 14 Aug 2026; Mon 17 Aug is Independence Day: Tue 18, Wed 19, Thu 20, Fri 21, Mon 24.
    assert complaint_due_date(date(2026, 8, 14)) == date(2026, 8, 24)


def test_due_date_skips_christmas():
    # Mon 22 Dec 2025; Thu 25 is Christmas: Tue 23, Wed 24, Fri 26, Mon 29, Tue 30.
    assert complaint_due_date(date(2025, 12, 22)) == date(2025, 12, 30)


def test_due_date_over_year_end_skips_new_year_of_next_year():
    # Tue 30 Dec 2025; Thu 1 Jan 2026 is New Year: Wed 31, Fri 2, Mon 5, Tue 6, Wed 7.
    assert complaint_due_date(date(2025, 12, 30)) == date(2026, 1, 7)


def test_due_date_over_year_end_2024():
    # Mon 30 Dec 2024; Wed 1 Jan 2025 is New Year: Tue 31, Thu 2, Fri 3, Mon 6, Tue 7.
    assert complaint_due_date(date(2024, 12, 30)) == date(2025, 1, 7)


def test_due_date_skips_extra_cuti_bersama_day():
    # As the Christmas case, with Fri 26 Dec 2025 as collective leave: Tue 23, Wed 24, Mon 29, Tue 30, Wed 31.
    assert complaint_due_date(date(2025, 12, 22), [date(2025, 12, 26)]) == date(2025, 12, 31)


def test_due_date_with_independence_day_collective_leave():
    # Fri 15 Aug 2025; 17 Aug is a Sunday; Mon 18 Aug is collective leave: Tue 19 … Mon 25.
    assert complaint_due_date(date(2025, 8, 15)) == date(2025, 8, 22)
    assert complaint_due_date(date(2025, 8, 15), [date(2025, 8, 18)]) == date(2025, 8, 25)


def test_extra_holidays_may_be_a_generator():
    days_off = (d for d in [date(2025, 12, 26)])
    assert add_working_days(date(2025, 12, 22), 5, days_off) == date(2025, 12, 31)


def test_zero_working_days_returns_start():
    assert add_working_days(date(2025, 1, 11), 0) == date(2025, 1, 11)


def test_negative_working_days_are_rejected():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 9), -1)


def test_datetime_start_gives_a_date():
    assert complaint_due_date(datetime(2025, 1, 9, 16, 30)) == date(2025, 1, 16)


def test_one_working_day_after_friday_is_monday():
    assert add_working_days(date(2025, 1, 10), 1) == date(2025, 1, 13)


def test_is_working_day():
    assert is_working_day(date(2026, 8, 18))  # Tuesday
    assert not is_working_day(date(2025, 1, 11))  # Saturday
    assert not is_working_day(date(2025, 1, 12))  # Sunday
    assert not is_working_day(date(2026, 8, 17))  # Independence Day
    assert not is_working_day(date(2025, 12, 25))  # Christmas
    assert not is_working_day(date(2025, 12, 26), [date(2025, 12, 26)])  # cuti bersama


def test_is_public_holiday_knows_independence_day():
    assert is_public_holiday(date(2026, 8, 17))
    assert not is_public_holiday(date(2026, 8, 18))


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 40))
def test_result_is_a_working_day_reached_after_exactly_that_many(start, days):
    due = add_working_days(start, days)
    assert is_working_day(due)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(is_working_day(d) for d in between) == days
