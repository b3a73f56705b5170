"""Which step a service user's application has reached: the list and the application's page give the same answer,
from the stage events that really happened, and an application that ended without a certificate promises no
further step."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.services import my_applications
from support.factories import gen_application, gen_service_user
from support.portal_helpers import company_viewer, link_account

NOW = datetime.now(timezone.utc).replace(microsecond=0)



@pytest.fixture
def company(session, make_user):
    make_user("eksportir", "service_user")
    mine = gen_service_user(session, name="PT Eksportir Jujur")
    link_account(session, "eksportir", mine)
    return mine


def _steps_in_list(session, me, application_id):
    rows = my_applications.list_applications(session, me)["rows"]
    return next(row["steps"] for row in rows if row["id"] == application_id)


@pytest.mark.parametrize("stages", [
    ("submitted", "verified", "detained"),
    ("submitted", "verified", "detained", "destroyed"),
    ("submitted", "verified", "detained", "refused"),
    ("submitted", "verified", "inspected", "detained", "released"),
    ("submitted", "verified", "inspected", "treated", "draft_certificate"),
], ids=["detained", "destroyed", "refused", "released", "treated"])
def test_list_and_page_show_the_same_steps_from_the_real_stage_events(session, company, stages):
    application = gen_application(session, company, submitted_at=NOW - timedelta(days=1), stages=stages)
    session.commit()
    me = company_viewer(session, "eksportir")
    page = my_applications.application_detail(session, me, application.id)["steps"]
    assert _steps_in_list(session, me, application.id) == page
    if "inspected" not in stages:  # never inspected: no step says it was
        assert {"stage": "inspected", "state": "done"} not in page


def test_a_destroyed_application_lists_no_step_it_will_never_reach(session, company):
    application = gen_application(session, company, submitted_at=NOW - timedelta(days=1),
                                  stages=("submitted", "verified", "detained", "destroyed"))
    session.commit()
    detail = my_applications.application_detail(session, company_viewer(session, "eksportir"), application.id)
    assert detail["steps"] == [{"stage": "submitted", "state": "done"}, {"stage": "verified", "state": "done"},
                               {"stage": "destroyed", "state": "problem"}]
    assert detail["ended"] is True


def test_a_detained_application_still_shows_the_steps_it_may_reach_after_release(session, company):
    application = gen_application(session, company, submitted_at=NOW - timedelta(days=1),
                                  stages=("submitted", "verified", "detained"))
    session.commit()
    detail = my_applications.application_detail(session, company_viewer(session, "eksportir"), application.id)
    assert detail["ended"] is False
    assert [s["stage"] for s in detail["steps"] if s["state"] == "todo"][:2] == ["inspected", "draft_certificate"]


def test_the_list_reads_the_stage_events_of_a_page_in_one_query(session, company):
    """A forwarder's page of ten: the steps cost one query for the page, never one per row."""
    from sqlalchemy import event

    for n in range(12):
        gen_application(session, company, submitted_at=NOW - timedelta(days=n + 1))
    session.commit()
    me = company_viewer(session, "eksportir")
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        my_applications.list_applications(session, me)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sum("stage_events" in statement.lower() for statement in statements) == 1
