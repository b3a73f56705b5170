"""The rollups equal a direct computation from the raw tables after sync-like changes, corrections and NNC changes."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from support.compliance_data import AS_OF, build_office, clock_at_as_of, gen_nnc
from support.factories import gen_action, gen_application, gen_service_user
from models import (Application, ApplicationCommodity, ComplianceMonthly, ComplianceStreak, Nnc, QuarantineAction)
from portal.services.compliance import ranking as compliance
from portal.services.compliance import rollup as compliance_rollup

UTC = timezone.utc
WIB = ZoneInfo("Asia/Jakarta")


def _month(moment: datetime) -> date:
    return moment.astimezone(WIB).date().replace(day=1)


def direct_monthly(session) -> Counter:
    """(office, su, section, direction, commodity, month, measure) → count, walking the raw rows in Python."""
    primary = {}
    for line in session.scalars(select(ApplicationCommodity).where(ApplicationCommodity.deleted_at.is_(None))
                                .order_by(ApplicationCommodity.line_no.desc())):
        primary[line.application_id] = line.commodity_id
    apps = {a.id: a for a in session.scalars(select(Application))}
    counts = Counter()
    for a in apps.values():
        if a.completed_at is not None and a.deleted_at is None:
            counts[(a.office_id, a.service_user_id, a.section_id, a.direction, primary.get(a.id),
                    _month(a.completed_at), "n")] += 1
    letter = {"detention": "d", "refusal": "r", "destruction": "x"}
    for q in session.scalars(select(QuarantineAction).where(QuarantineAction.deleted_at.is_(None))):
        a = apps[q.application_id]
        counts[(q.office_id, q.service_user_id, q.section_id, a.direction, primary.get(a.id), _month(q.action_at),
                letter[q.kind])] += 1
    for nnc in session.scalars(select(Nnc).where(Nnc.status != "void", Nnc.service_user_id.is_not(None))):
        a = apps.get(nnc.application_id)
        direction = a.direction if a else ("export" if nnc.flow == "received" else "import")
        counts[(nnc.office_id, nnc.service_user_id, nnc.section_id, direction,
                primary.get(a.id) if a else None, nnc.notice_date.replace(day=1), "k")] += 1
    return counts


def stored_monthly(session) -> Counter:
    counts = Counter()
    for m in session.scalars(select(ComplianceMonthly)):
        month = m.month if isinstance(m.month, date) else date.fromisoformat(str(m.month))
        for measure in "ndrxk":
            value = getattr(m, measure)
            if value:
                counts[(m.office_id, m.service_user_id, m.section_id, m.direction, m.commodity_id, month,
                        measure)] += value
    return counts


def direct_streaks(session) -> dict:
    """(su, section or 0) → (clean streak, last violation), from the raw rows."""
    violations = defaultdict(list)
    for q in session.scalars(select(QuarantineAction).where(QuarantineAction.deleted_at.is_(None))):
        violations[(q.service_user_id, q.section_id)].append(q.action_at)
        violations[(q.service_user_id, 0)].append(q.action_at)
    for nnc in session.scalars(select(Nnc).where(Nnc.status != "void", Nnc.service_user_id.is_not(None))):
        moment = datetime.combine(nnc.notice_date, time(0), WIB).astimezone(UTC)
        violations[(nnc.service_user_id, nnc.section_id)].append(moment)
        violations[(nnc.service_user_id, 0)].append(moment)
    completed = defaultdict(list)
    for a in session.scalars(select(Application).where(Application.completed_at.is_not(None),
                                                       Application.deleted_at.is_(None))):
        completed[(a.service_user_id, a.section_id)].append(a.completed_at)
        completed[(a.service_user_id, 0)].append(a.completed_at)
    result = {}
    for key in set(violations) | set(completed):
        last = max(violations[key]) if violations.get(key) else None
        streak = sum(1 for moment in completed.get(key, []) if last is None or moment > last)
        result[key] = (streak, last)
    return result


def stored_streaks(session) -> dict:
    return {(s.service_user_id, s.section_id): (s.clean_streak, s.last_violation_at)
            for s in session.scalars(select(ComplianceStreak))}


def assert_rollups_match(session):
    assert stored_monthly(session) == direct_monthly(session)
    assert stored_streaks(session) == direct_streaks(session)


@pytest.fixture
def office(session):
    data = build_office(session)
    compliance_rollup.recompute_all(session)
    return data


def test_full_recompute_equals_direct_computation(session, office):
    assert_rollups_match(session)


def test_incremental_refresh_after_a_sync_batch(session, office):
    """New applications, a stage completing, new 3P records and a brand-new service user, refreshed by id."""
    newcomer = gen_service_user(session, name="PT Baru Sekali")
    touched = {newcomer.id, office["beta"].id, office["alpha"].id}
    gen_application(session, newcomer, submitted_at=datetime(2026, 5, 30, 20, 0, tzinfo=UTC))  # June in WIB
    app = gen_application(session, office["beta"], submitted_at=datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
                          direction="import", stages=("submitted", "verified", "detained", "destroyed"))
    gen_action(session, app, "detention")
    gen_action(session, app, "destruction", action_at=app.submitted_at + timedelta(hours=9))
    in_progress = gen_application(session, office["alpha"], stages=("submitted", "verified"),
                                  submitted_at=datetime(2026, 6, 2, 1, 0, tzinfo=UTC))
    in_progress.completed_at, in_progress.completion_stage = datetime(2026, 6, 3, 1, 0, tzinfo=UTC), "handed_over"
    session.flush()
    compliance_rollup.refresh_rollups(session, service_user_ids=touched, since=date(2026, 5, 1))
    assert_rollups_match(session)


def test_correction_deleting_an_action_at_the_source(session, office):
    action = session.scalars(select(QuarantineAction).where(
        QuarantineAction.service_user_id == office["beta"].id, QuarantineAction.kind == "refusal")).one()
    action.deleted_at = datetime(2026, 6, 1, tzinfo=UTC)
    session.flush()
    compliance_rollup.refresh_rollups(session, service_user_ids=[office["beta"].id])
    assert_rollups_match(session)
    beta = {r["name"]: r for r in compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                                      filters={"section": "plant"}, as_of=AS_OF)["rows"]}
    assert beta["PT Beta Tani"]["refusals"] == 0 and beta["PT Beta Tani"]["detentions"] == 1


def test_nnc_changes_voiding_and_adding(session, office):
    gamma = office["gamma"]
    counted = session.scalars(select(Nnc).where(Nnc.service_user_id == gamma.id, Nnc.status != "void")).one()
    counted.status = "void"
    gen_nnc(session, gamma, notice_date=date(2026, 2, 20), flow="issued")  # no application: an import
    session.flush()
    compliance_rollup.refresh_rollups(session, service_user_ids=[gamma.id])
    assert_rollups_match(session)


def test_refresh_of_an_office_and_of_everything(session, office):
    gen_action(session, office["alpha_apps"][-1], "destruction")
    session.flush()
    compliance_rollup.refresh_rollups(session, office_id=office["office_id"])
    assert_rollups_match(session)
    compliance_rollup.refresh_rollups(session)
    assert_rollups_match(session)


def test_refresh_with_no_service_users_does_nothing(session):
    assert compliance_rollup.refresh_rollups(session, service_user_ids=[])["service_users"] == 0


def test_daily_recompute_runs_in_its_own_transaction(database, session):
    build_office(session)
    session.commit()
    with clock_at_as_of():  # the recompute scores the window ending today; the data is built around AS_OF
        result = compliance_rollup.daily_recompute(database)
    assert result["monthly_rows"] > 0 and result["scores"] > 0
