"""The survey's 30-day rule (DOMAIN.md): against every invitation of the company, whatever order handovers
arrive in; one prompt at a time; and the one-off repair of the surplus invitations made before the rule held."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import NotificationOutbox, ServiceUserLink, User
from models.service_portal import SurveyInvitation
from portal.services import my_applications, notifications, survey_invitations
from portal.services.accounts import current_user_from
from support.factories import gen_application, gen_service_user

UTC = timezone.utc
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
COOLDOWN = timedelta(days=30)
QUICK = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Handovers as hours after START (spread over ~200 days), in the order they arrive, cut into sync batches.
arrivals = st.lists(st.integers(0, 200 * 24), min_size=1, max_size=8)
cuts = st.lists(st.integers(1, 8), max_size=4)


def _company_with(session, hours: list[int]):
    company = gen_service_user(session)
    apps = [gen_application(session, company, submitted_at=START + timedelta(hours=h) - timedelta(hours=1),
                            stages=("submitted",)) for h in hours]
    return company, [(app.id, company.id, START + timedelta(hours=h)) for app, h in zip(apps, hours)]


def _invitations(session, company_id):
    session.expire_all()
    return session.scalars(select(SurveyInvitation).where(SurveyInvitation.service_user_id == company_id)
                           .order_by(SurveyInvitation.invited_at)).all()


def _assert_spaced_and_one_prompt(invitations):
    for earlier, later in zip(invitations, invitations[1:]):
        assert later.invited_at - earlier.invited_at >= COOLDOWN, (earlier.invited_at, later.invited_at)
        if earlier.responded_at is None:
            assert earlier.expires_at <= later.invited_at, "two prompts open at once"


@QUICK
@given(hours=arrivals, batch_sizes=cuts)
def test_handovers_in_any_order_never_leave_two_invitations_of_a_company_within_30_days(session, hours,
                                                                                       batch_sizes):
    nested = session.begin_nested()
    try:
        company, handovers = _company_with(session, hours)
        start = 0
        for size in [*batch_sizes, len(handovers)]:
            survey_invitations.open_for_handovers(session, handovers[start:start + size])
            start += size
        invitations = _invitations(session, company.id)
        _assert_spaced_and_one_prompt(invitations)
        # The first handover to arrive always finds the company without invitations: it opens one.
        assert invitations
        # Rerunning every batch (a reset sync cursor) opens nothing more.
        survey_invitations.open_for_handovers(session, handovers)
        assert len(_invitations(session, company.id)) == len(invitations)
    finally:
        nested.rollback()


def test_a_handover_synced_late_between_two_invitations_40_days_apart_opens_none(session):
    # The old rule compared only with the latest invitation (with abs()): day 10 is 30 days from day 40 and
    # slipped in, 10 days after the invitation of day 0.
    company, handovers = _company_with(session, [0, 40 * 24, 10 * 24])
    opened = survey_invitations.open_for_handovers(session, handovers[:2])
    assert len(opened) == 2
    assert survey_invitations.open_for_handovers(session, handovers[2:]) == {}
    assert [i.invited_at for i in _invitations(session, company.id)] == [START, START + timedelta(days=40)]


def test_a_newer_invitation_expires_the_unanswered_one_before_it(session):
    # A setting shorter than the 30 days an invitation stays open: the older prompt gives way to the newer.
    company, handovers = _company_with(session, [0, 20 * 24])
    survey_invitations.open_for_handovers(session, handovers, cooldown_days=14)
    first, second = _invitations(session, company.id)
    assert first.expires_at == second.invited_at == START + timedelta(days=20)
    assert second.expires_at == second.invited_at + timedelta(days=30)


# Invitations the old rule made: days after START, and whether each was answered.
made = st.lists(st.tuples(st.integers(0, 200), st.booleans()), min_size=1, max_size=10, unique_by=lambda x: x[0])


@QUICK
@given(rows=made)
def test_the_repair_keeps_answered_invitations_and_leaves_no_two_open_within_30_days(session, rows):
    nested = session.begin_nested()
    try:
        company = gen_service_user(session)
        for day, answered in rows:
            app = gen_application(session, company, submitted_at=START + timedelta(days=day), stages=("submitted",))
            at = START + timedelta(days=day, hours=1)
            session.add(SurveyInvitation(application_id=app.id, service_user_id=company.id, invited_at=at,
                                         expires_at=at + timedelta(days=30),
                                         responded_at=at + timedelta(hours=2) if answered else None))
        session.flush()
        before = {i.id: (i.invited_at, i.expires_at, i.responded_at) for i in _invitations(session, company.id)}

        survey_invitations.repair(session.connection())

        after = _invitations(session, company.id)
        assert {i.id for i in after} == set(before)
        for i in after:
            if i.responded_at is not None:
                assert (i.invited_at, i.expires_at, i.responded_at) == before[i.id], "an answered one changed"
            assert i.expires_at <= before[i.id][1], "the repair never lengthens an invitation"
        # What still counts: every answered one, and each unanswered one that was not expired at birth.
        standing = [i for i in after if i.responded_at is not None or i.expires_at > i.invited_at]
        unanswered = [i for i in standing if i.responded_at is None]
        for i in unanswered:
            assert all(abs(i.invited_at - other.invited_at) >= COOLDOWN for other in standing if other is not i)
        _assert_spaced_open_prompts(standing)
        # Running it again changes nothing.
        assert survey_invitations.repair(session.connection()) == 0
    finally:
        nested.rollback()


def _assert_spaced_open_prompts(standing):
    for earlier, later in zip(standing, standing[1:]):
        if earlier.responded_at is None:
            assert earlier.expires_at <= later.invited_at, "two prompts open at once"


def test_the_sync_announces_no_survey_for_a_late_handover_and_the_portal_shows_one_prompt(session, make_user):
    account = make_user("eksportir_survei", "service_user")
    company, handovers = _company_with(session, [0, 40 * 24, 10 * 24])
    session.add(ServiceUserLink(user_id=account["id"], service_user_id=company.id, created_at=START - timedelta(days=1)))
    session.get(User, account["id"]).created_at = START - timedelta(days=1)
    session.flush()
    events = [{"application_id": a, "stage": "handed_over", "occurred_at": at} for a, _, at in handovers]
    now = START + timedelta(days=45)
    notifications.enqueue_for_synced_events(session, events[:2], [], now=now)
    notifications.enqueue_for_synced_events(session, events[2:], [], now=now)  # synced a day late

    announced = set(session.scalars(select(NotificationOutbox.application_id)
                                    .where(NotificationOutbox.event_key == "handed_over")))
    assert announced == {handovers[0][0], handovers[1][0]}
    viewer = current_user_from(session.get(User, account["id"]), "test", (company.id,))
    waiting = my_applications.open_surveys(session, viewer, now=now)
    assert waiting["total"] == 1 and waiting["rows"][0]["application_id"] == handovers[1][0]
