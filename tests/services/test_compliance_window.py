"""The compliance window counts exact local days (DOMAIN: compliance): the last 12 months ending today, from the
day after the same date a year ago, sliding daily; a custom period counts its own days, not whole months."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from support.compliance_data import gen_nnc
from support.factories import gen_action, gen_application, gen_service_user
from portal.services.compliance import ranking as compliance
from portal.services.compliance import rollup as compliance_rollup

UTC = timezone.utc
WIB = timezone(timedelta(hours=7))  # the test office (0300) keeps Asia/Jakarta
AS_OF = date(2026, 12, 3)


def _wib(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).astimezone(UTC)


def _consignment(session, service_user, completed: datetime, *, detained: bool = False):
    """One application completed at `completed` (a detention at the same moment when `detained`)."""
    application = gen_application(session, service_user, submitted_at=completed - timedelta(hours=6))
    application.completed_at = completed
    if detained:
        gen_action(session, application, "detention", action_at=completed)
    return application


def _row(session, service_user, **kwargs):
    result = compliance.ranking(session, office_id=service_user.office_id, section_scope=None, page_size=None,
                                **kwargs)
    return result, next(r for r in result["rows"] if r["service_user_id"] == service_user.id)


@pytest.fixture
def around_a_year_ago(session):
    """One service user with a clean consignment today and a detained one on each day around the window's start."""
    su = gen_service_user(session, name="PT Tepi Jendela")
    _consignment(session, su, _wib(AS_OF))
    _consignment(session, su, _wib(date(2025, 12, 2)), detained=True)   # 12 months and 1 day old
    _consignment(session, su, _wib(date(2025, 12, 3), 23, 30), detained=True)  # 12 months old, late evening
    _consignment(session, su, _wib(date(2025, 12, 4), 0, 30), detained=True)   # 11 months 30 days old
    session.flush()
    compliance_rollup.recompute_all(session)
    session.commit()
    return su


def test_a_violation_12_months_and_1_day_old_does_not_count_and_one_11_months_30_days_old_does(
        session, around_a_year_ago):
    result, row = _row(session, around_a_year_ago, as_of=AS_OF)
    assert (result["window_from"], result["window_to"]) == (date(2025, 12, 4), date(2026, 12, 3))
    # The 4 Dec 2025 detention (00:30 WIB, still 3 Dec in UTC) counts; 2 and 3 Dec 2025 do not.
    assert (row["consignments"], row["detentions"]) == (2, 1)


def test_the_window_slides_by_one_day_from_one_day_to_the_next(session, around_a_year_ago):
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=WIB), tick=False):
        result, row = _row(session, around_a_year_ago)
        assert result["window_from"] == date(2025, 12, 4) and row["detentions"] == 1
    with time_machine.travel(datetime(2026, 12, 4, 12, 0, tzinfo=WIB), tick=False):
        result, row = _row(session, around_a_year_ago)
        assert result["window_from"] == date(2025, 12, 5) and row["detentions"] == 0
        assert row["consignments"] == 1


def test_the_score_snapshot_uses_the_same_exact_window(session, around_a_year_ago):
    from models.compliance import ALL_SECTIONS, ComplianceScore

    compliance.refresh_scores(session, as_of=AS_OF)
    session.commit()
    snapshot = session.get(ComplianceScore, (around_a_year_ago.id, ALL_SECTIONS))
    assert (snapshot.window_from, snapshot.window_to) == (date(2025, 12, 4), AS_OF)
    assert (snapshot.n, snapshot.d) == (2, 1)


def test_a_custom_period_of_16_october_to_20_november_counts_exactly_those_days(session):
    su = gen_service_user(session, name="PT Periode Khusus")
    inside = [_wib(date(2026, 10, 16), 0, 5), _wib(date(2026, 11, 2)), _wib(date(2026, 11, 20), 23, 55)]
    outside = [_wib(date(2026, 10, 1)), _wib(date(2026, 10, 15), 23, 55), _wib(date(2026, 11, 21), 0, 5),
               _wib(date(2026, 11, 30))]
    for moment in inside + outside:
        _consignment(session, su, moment, detained=True)
    for day in (date(2026, 10, 15), date(2026, 10, 16), date(2026, 11, 20), date(2026, 11, 21)):
        gen_nnc(session, su, notice_date=day)
    session.flush()
    compliance_rollup.recompute_all(session)
    session.commit()
    result, row = _row(session, su, as_of=AS_OF, filters={"period_from": "2026-10-16", "period_to": "2026-11-20"})
    assert (result["window_from"], result["window_to"]) == (date(2026, 10, 16), date(2026, 11, 20))
    assert (row["consignments"], row["detentions"], row["nncs"]) == (3, 3, 2)
    assert result["office_n"] == 3  # p0 is taken over the same days


@pytest.mark.parametrize("as_of", [date(2026, 6, 15), date(2026, 6, 30), date(2026, 7, 1), date(2026, 2, 28)])
def test_rollup_months_plus_edge_days_equal_the_raw_rows_of_the_window(session, as_of):
    """Whatever the day, the window's counts from the rollup and the edge days equal those counted from the raw
    rows alone (the reference: monthly_source over exactly the window's days)."""
    from support.compliance_data import build_office

    build_office(session)
    compliance_rollup.recompute_all(session)
    session.commit()
    first, last = date(as_of.year - 1, as_of.month, as_of.day) + timedelta(days=1), as_of
    counted = compliance.window_counts(session, None, None, first, last)
    mine = {su: tuple(int(v) for v in values) for su, *values in session.execute(
        select(counted.c.service_user_id, *(func.sum(counted.c[c]) for c in ("n", "d", "r", "x", "k")))
        .group_by(counted.c.service_user_id))}
    raw = compliance_rollup.monthly_source(session, days=[(first, last)]).subquery()
    reference = {su: tuple(int(v) for v in values) for su, *values in session.execute(
        select(raw.c.service_user_id, *(func.sum(raw.c[c]) for c in ("n", "d", "r", "x", "k")))
        .group_by(raw.c.service_user_id))}
    assert mine == reference and mine
