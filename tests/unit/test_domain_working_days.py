"""Tests for working-day arithmetic; expected dates worked out by hand on a calendar."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.working_days import (
    WorkingCalendar,
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


def test_due_date_skips_christmas_and_its_cuti_bersama():
    # Mon 22 Dec 2025; Thu 25 is Christmas, Fri 26 cuti bersama (SKB 2025): Tue 23, Wed 24, Mon 29, Tue 30, Wed 31.
    assert complaint_due_date(date(2025, 12, 22)) == date(2025, 12, 31)


def test_due_date_over_year_end_skips_new_year_of_next_year():
    # Tue 30 Dec 2025; Thu 1 Jan 2026 is New Year: Wed 31, Fri 2, Mon 5, Tue 6, Wed 7.
    assert complaint_due_date(date(2025, 12, 30)) == date(2026, 1, 7)


def test_due_date_over_year_end_2024():
    # Mon 30 Dec 2024; Wed 1 Jan 2025 is New Year: Tue 31, Thu 2, Fri 3, Mon 6, Tue 7.
    assert complaint_due_date(date(2024, 12, 30)) == date(2025, 1, 7)


def test_due_date_skips_an_extra_day_off():
    # As the Christmas case, with Mon 29 Dec 2025 also off: Tue 23, Wed 24, Tue 30, Wed 31, (Thu 1 Jan) Fri 2 Jan.
    assert complaint_due_date(date(2025, 12, 22), [date(2025, 12, 29)]) == date(2026, 1, 2)


def test_due_date_with_independence_day_collective_leave():
    # Fri 15 Aug 2025; 17 Aug is a Sunday; Mon 18 Aug is cuti bersama (SKB 2025 as amended): Tue 19 … Mon 25.
    assert complaint_due_date(date(2025, 8, 15)) == date(2025, 8, 25)
    # With Tue 19 Aug also off: Wed 20, Thu 21, Fri 22, Mon 25, Tue 26.
    assert complaint_due_date(date(2025, 8, 15), [date(2025, 8, 19)]) == date(2025, 8, 26)


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


# --- 2026, from the joint decree's calendar (SKB 2026 on national holidays and cuti bersama) ---------------------
# March 2026: Wed 18 cuti bersama (Nyepi), Thu 19 Nyepi, Fri 20 cuti bersama (Idul Fitri), Sat 21–Sun 22 Idul Fitri,
# Mon 23 and Tue 24 cuti bersama (Idul Fitri). May: Thu 14 Ascension, Fri 15 cuti bersama. December: Thu 24 cuti
# bersama, Fri 25 Christmas. Every expected date below was counted by hand on that calendar.

def test_due_date_across_the_2026_eid_week():
    # Tue 17 Mar 2026: 18–24 all off; Wed 25, Thu 26, Fri 27, Mon 30, Tue 31.
    assert complaint_due_date(date(2026, 3, 17)) == date(2026, 3, 31)


def test_due_date_across_ascension_and_its_cuti_bersama_2026():
    # Wed 13 May 2026: Thu 14 and Fri 15 off; Mon 18, Tue 19, Wed 20, Thu 21, Fri 22.
    assert complaint_due_date(date(2026, 5, 13)) == date(2026, 5, 22)


def test_due_date_across_the_2026_christmas_week():
    # Mon 21 Dec 2026: Tue 22, Wed 23, (Thu 24 cuti bersama, Fri 25 Christmas), Mon 28, Tue 29, Wed 30.
    assert complaint_due_date(date(2026, 12, 21)) == date(2026, 12, 30)
    # Wed 23 Dec 2026: Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 Jan 2027 New Year) Mon 4 Jan 2027.
    assert complaint_due_date(date(2026, 12, 23)) == date(2027, 1, 4)


def test_every_cuti_bersama_day_of_2026_is_a_day_off():
    for day in (date(2026, 2, 16), date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24),
                date(2026, 5, 15), date(2026, 5, 28), date(2026, 12, 24)):
        assert not is_working_day(day), day


def test_a_day_the_office_adds_moves_the_due_date():
    # Wed 13 May 2026 with Mon 18 May added: Tue 19, Wed 20, Thu 21, Fri 22, Mon 25.
    assert complaint_due_date(date(2026, 5, 13), WorkingCalendar.of(days_off=[date(2026, 5, 18)])) == date(2026, 5, 25)


def test_a_holiday_the_office_works_counts_as_a_working_day():
    # Tue 17 Mar 2026 working Tue 24 Mar (cuti bersama): Tue 24, Wed 25, Thu 26, Fri 27, Mon 30.
    calendar = WorkingCalendar.of(days_worked=[date(2026, 3, 24)])
    assert calendar.is_working_day(date(2026, 3, 24))
    assert complaint_due_date(date(2026, 3, 17), calendar) == date(2026, 3, 30)


def test_working_days_between_counts_what_add_working_days_added():
    # Tue 17 Mar 2026 → Tue 31 Mar 2026 is five working days (25, 26, 27, 30, 31); nothing from a later start.
    assert WorkingCalendar().working_days_between(date(2026, 3, 17), date(2026, 3, 31)) == 5
    assert WorkingCalendar().working_days_between(date(2026, 3, 31), date(2026, 3, 17)) == 0
