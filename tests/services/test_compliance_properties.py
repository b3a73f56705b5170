"""Properties of the score through the database (rollups + ranking), each example rolled back.

One more violation never raises a service user's score; one more clean consignment never lowers it — also in a
new office with no history, where p0 falls back to every office's rate, then to the setting; a void NNC changes
nothing at all.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from portal.domain import compliance as model

from support.compliance_data import AS_OF, gen_nnc
from support.factories import gen_action, gen_application, gen_service_user
from portal.services.compliance import ranking as compliance
from portal.services.compliance import rollup as compliance_rollup

UTC = timezone.utc
QUICK = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SHORT = ("submitted", "handed_over")

# Each service user: clean consignments, detentions, refusals, destructions, NNCs (all within the window).
company = st.tuples(st.integers(0, 12), st.integers(0, 2), st.integers(0, 1), st.integers(0, 1),
                    st.integers(0, 1))
offices = st.lists(company, min_size=1, max_size=4)


def _when(index: int) -> datetime:
    return datetime(2026, 1, 5, 1, 0, tzinfo=UTC) + timedelta(days=index * 2)


def _build(session, spec):
    users = []
    for clean, d, r, x, k in spec:
        su = gen_service_user(session)
        users.append(su)
        step = 0
        for _ in range(clean):
            gen_application(session, su, submitted_at=_when(step), stages=SHORT)
            step += 1
        for kind, count in (("detention", d), ("refusal", r), ("destruction", x)):
            for _ in range(count):
                app = gen_application(session, su, submitted_at=_when(step), stages=SHORT)
                gen_action(session, app, kind)
                step += 1
        for _ in range(k):
            gen_nnc(session, su, notice_date=_when(step).date())
            step += 1
    compliance_rollup.refresh_rollups(session, scores=False)
    return users


def _scores(session, office_id):
    result = compliance.ranking(session, office_id=office_id, section_scope=None, as_of=AS_OF)
    return {row["service_user_id"]: row["score"] for row in result["rows"]}, result


@pytest.fixture
def around(session):
    """``around(spec, target, change, check)``: build ``spec``'s offices, rank the office of one of its service users
    before and after ``change(su)`` (the rollups refreshed for that user) and ``check(su, before, after)``, each a
    (scores by user, ranking) pair — all in a savepoint rolled back after, so examples never see each other's rows."""
    def run(spec, target, change, check):
        nested = session.begin_nested()
        try:
            users = _build(session, spec)
            su = users[target % len(users)]
            before = _scores(session, su.office_id)
            change(su)
            compliance_rollup.refresh_rollups(session, service_user_ids=[su.id], scores=False)
            check(su, before, _scores(session, su.office_id))
        finally:
            nested.rollback()
    return run


@QUICK
@given(spec=offices, target=st.integers(0, 3), kind=st.sampled_from(["detention", "refusal", "destruction", "nnc"]))
def test_one_more_violation_never_raises_a_score(session, around, spec, target, kind):
    def violate(su):
        when = _when(60)
        if kind == "nnc":
            gen_nnc(session, su, notice_date=when.date())
        else:
            gen_action(session, gen_application(session, su, submitted_at=when, stages=SHORT), kind)

    def check(su, before, after):
        assert after[0][su.id] <= before[0].get(su.id, 100.0)
    around(spec, target, violate, check)


@QUICK
@given(spec=offices, target=st.integers(0, 3))
def test_one_more_clean_consignment_never_lowers_a_score(session, around, spec, target):
    def check(su, before, after):
        assert after[0][su.id] >= before[0].get(su.id, 0.0)
    around(spec, target, lambda su: gen_application(session, su, submitted_at=_when(61), stages=SHORT), check)


@QUICK
@given(k=st.integers(1, 3), clean=st.integers(0, 3))
def test_a_new_offices_first_clean_consignments_never_lower_a_score(session, around, k, clean):
    """A new office whose only service user has NNCs and nothing completed: p0 falls back (no office has 1,000
    consignments here), so each clean consignment raises its score instead of sinking it to 0."""
    def check(su, before, after):
        assert before[1]["p0_source"] != "office"
        assert after[0][su.id] >= before[0][su.id]
    around([(clean, 0, 0, 0, k)], 0,
           lambda su: gen_application(session, su, submitted_at=_when(61), stages=SHORT), check)


@QUICK
@given(spec=offices, target=st.integers(0, 3))
def test_a_void_nnc_changes_nothing(session, around, spec, target):
    def check(_su, before, after):
        assert after[1]["rows"] == before[1]["rows"] and after[1]["p0"] == before[1]["p0"]
    around(spec, target, lambda su: gen_nnc(session, su, notice_date=date(2026, 3, 3), status="void",
                                            void_reason="keliru"), check)


def test_an_empty_offices_first_clean_consignment_raises_a_lone_nncs_score():
    """Once the exception: with p0 = ΣV/Σn of the office itself, a lone NNC scored 85.0 and its first clean
    consignment made p0 = 3/1 and the score 0.0. With the fallback p0 (the setting, 0.005): 84.5, then 85.2."""
    first = model.score(3, 0, model.prior_rate(3, 0, 3, 0))
    second = model.score(3, 1, model.prior_rate(3, 1, 3, 1))
    assert first == Decimal("84.5") and second == Decimal("85.2") and second > first
