"""The long lists of the profile and the handler page come a page at a time from the database, in the order the
page shows them, with how many there are in all; the sections outside a coordinator's reach stay refused."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from support.factories import gen_action, gen_application, gen_handler, gen_service_user, office_id
from support.heavy_data import build_heavy_company
from portal.services.compliance import profile as compliance_profile
from portal.services.compliance.rollup import recompute_all
from portal.validation import Forbidden

UTC = timezone.utc


def test_a_profiles_timeline_and_handlers_are_read_a_page_at_a_time(session):
    company = build_heavy_company(session, applications=700, handlers=30, nncs=5)
    reach = {"office_id": office_id(session), "section_scope": None}
    first = compliance_profile.profile_section(session, company.id, "timeline", **reach)
    everything = compliance_profile.violation_events(session, company.id, office_id=reach["office_id"],
                                                     section_id=None, limit=10_000)
    assert first["total"] == len(everything) > 2 * compliance_profile.TIMELINE_PAGE_SIZE
    second = compliance_profile.profile_section(session, company.id, "timeline", **reach, page=1)
    pages = first["rows"] + second["rows"]
    assert [(e["type"], e["id"]) for e in pages] == [(e["type"], e["id"]) for e in everything[:len(pages)]]
    assert any(e["type"] == "nnc" for e in everything) and pages[0]["date"] >= pages[-1]["date"]

    handlers = compliance_profile.profile_section(session, company.id, "handlers", **reach)
    assert handlers["total"] == 31  # 30 handlers and the line of applications without one
    assert len(handlers["rows"]) == compliance_profile.HANDLERS_PAGE_SIZE
    last = compliance_profile.profile_section(session, company.id, "handlers", **reach, page=1)
    assert len(last["rows"]) == 31 - compliance_profile.HANDLERS_PAGE_SIZE
    firsts = [h["first"] for h in handlers["rows"] + last["rows"]]
    assert firsts == sorted(firsts)  # in the order the company came to them
    assert handlers["changes"] > 29


def test_a_coordinator_cannot_read_a_section_of_a_company_outside_their_section(session):
    company = gen_service_user(session)
    gen_application(session, company, section="animal")
    with pytest.raises(Forbidden):
        compliance_profile.profile_section(session, company.id, "timeline", office_id=office_id(session),
                                           section_scope="plant")


def test_a_handlers_companies_are_read_a_page_at_a_time_latest_first(session):
    handler = gen_handler(session, name="PPJK Sibuk Sekali")
    start = datetime(2026, 1, 5, 2, tzinfo=UTC)
    companies = [gen_service_user(session) for _ in range(25)]
    for n, company in enumerate(companies):
        app = gen_application(session, company, handler=handler, submitted_at=start + timedelta(days=n))
        if n % 8 == 0:
            gen_action(session, app, "detention")
            gen_action(session, app, "refusal")
    recompute_all(session)
    reach = {"office_id": office_id(session), "section_scope": None}
    first = compliance_profile.handler_profile(session, handler.id, **reach, page=0, page_size=20)
    second = compliance_profile.handler_profile(session, handler.id, **reach, page=1, page_size=20)
    assert first["total"] == second["total"] == 25 and len(first["companies"]) == 20 and len(second["companies"]) == 5
    order = [c["service_user_id"] for c in first["companies"] + second["companies"]]
    assert order == [c.id for c in reversed(companies)]
    whole = compliance_profile.handler_profile(session, handler.id, **reach)
    assert whole["tier_d_companies"] == first["tier_d_companies"] == sum(c["tier"] == "D" for c in whole["companies"])
