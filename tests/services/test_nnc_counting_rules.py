"""What every count of NNCs asks of an NNC (models/nnc.py holds the rules once): a void NNC counts in none of the
views that count violations, an NNC without an application counts in the direction of its flow, and the partner
country reads the same in a query as on a loaded NNC. Each view is asked twice, the NNC void and then not, so a view
that stopped honouring the rule (or stopped counting NNCs at all) fails."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from support.compliance_data import AS_OF, build_office, gen_nnc
from support.factories import gen_application, section_id
from models import ComplianceMonthly, ComplianceStreak, Nnc
from models.nnc import DIRECTION_OF_FLOW
from portal.domain import compliance as model
from portal.services.compliance import guidance, profile, streaks
from portal.services.compliance import rollup as compliance_rollup
from portal.services.kpi import panel as kpi
from portal.services.kpi.rollup import rebuild_kpi_rollups
from portal.services.targeting import decide_new_applications, decision_for

WIB = "Asia/Jakarta"
YEAR = (date(2025, 6, 16), date(2026, 6, 15))


def _ranked_nncs(session, su) -> int:
    compliance_rollup.recompute_all(session)
    return int(session.scalar(select(func.coalesce(func.sum(ComplianceMonthly.k), 0))
                              .where(ComplianceMonthly.service_user_id == su.id)))


def _profile_nncs(session, su) -> int:
    events = profile.violation_events(session, su.id, office_id=su.office_id, section_id=None, tz=WIB)
    listed = sum(1 for event in events if event["type"] == "nnc")
    total = profile.count_violation_events(session, su.id, office_id=su.office_id, section_id=None, tz=WIB)
    assert total == len(events)  # Gamma has no 3P action: the count is of the NNCs listed
    return listed


def _guidance_nncs(session, su) -> int:
    # Guidance given on 1 Dec 2025: its six months after hold the NNC of 10 Jan 2026.
    worked = guidance.effect(session, su.id, date(2025, 12, 1), section_id=None, tz=WIB,
                             settings=model.ScoringSettings(), today=AS_OF)
    return worked["after"]["records"]


def _guidance_list_nncs(session, su) -> int:
    # The guidance list's counts (many records in one statement), for the same guidance as above.
    worked = guidance.effects(session, [("given", su.id, date(2025, 12, 1), None)], tz=WIB,
                              settings=model.ScoringSettings(), today=AS_OF)
    return worked["given"]["after"]["records"]


def _targeting_nncs(session, su) -> int:
    # A consignment submitted 20 Jan 2026: both NNCs lie in its 90 days. Each decision is made once, so each ask
    # decides a new one.
    application = gen_application(session, su, section="plant", stages=("submitted",),
                                  submitted_at=datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc))
    decide_new_applications(session, [application.id])
    flags = [f for f in decision_for(session, application.id)["flags"] if f["code"] == "recent_nnc"]
    return len(flags[0]["evidence"]["nncs"]) if flags else 0


def _kpi_nncs(session, su) -> int:
    rebuild_kpi_rollups(session)
    figures = kpi.figures_for(session, su.office_id, [YEAR], tz=WIB, chart=False)
    return figures[0]["nncs"]["total"]


def _last_violation_of_streak(session, su) -> date | None:
    found = streaks.filtered_streaks(session, su.office_id, [su.id], tz=WIB, section_id=None, direction="export",
                                     commodity_id=None)[su.id]["last_violation_at"]
    return None if found is None else found.astimezone(timezone.utc).date()


VIEWS = {"ranking": _ranked_nncs, "profile": _profile_nncs, "guidance": _guidance_nncs,
         "guidance_list": _guidance_list_nncs, "targeting": _targeting_nncs, "kpi": _kpi_nncs}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_a_void_nnc_counts_in_no_view_that_counts_violations(session, view):
    data = build_office(session)  # Gamma: an NNC on 15 Nov 2025, a void one on 10 Jan 2026
    count = VIEWS[view]
    void_counted = count(session, data["gamma"])
    data["void_nnc"].status = "received"
    session.flush()
    assert (void_counted, count(session, data["gamma"])) == (
        {"ranking": 1, "profile": 1, "guidance": 0, "guidance_list": 0, "targeting": 1, "kpi": 1}[view],
        {"ranking": 2, "profile": 2, "guidance": 1, "guidance_list": 1, "targeting": 2, "kpi": 2}[view])


def test_a_void_nnc_is_no_last_violation_of_the_stored_streak(session):
    data = build_office(session)

    def last_violation() -> date:
        compliance_rollup.recompute_all(session)
        stored = session.get(ComplianceStreak, (data["gamma"].id, 0))
        return stored.last_violation_at.astimezone(timezone.utc).date()

    assert last_violation() == date(2025, 11, 14)  # the NNC of 15 Nov 2025, from its local midnight
    data["void_nnc"].status = "received"
    session.flush()
    assert last_violation() == date(2026, 1, 9)


def test_a_void_nnc_is_no_last_violation_of_a_filtered_streak(session):
    data = build_office(session)
    # The NNC of 15 Nov 2025 counts from its local midnight (14 Nov, 17:00 UTC); the void one of 10 Jan does not.
    assert _last_violation_of_streak(session, data["gamma"]) == date(2025, 11, 14)
    data["void_nnc"].status = "received"
    session.flush()
    assert _last_violation_of_streak(session, data["gamma"]) == date(2026, 1, 9)


@pytest.mark.parametrize("flow", sorted(DIRECTION_OF_FLOW))
def test_an_nnc_without_an_application_counts_in_the_direction_of_its_flow(session, flow):
    data = build_office(session)
    delta = data["delta"]  # animal consignments only, no violation
    record = gen_nnc(session, delta, notice_date=date(2026, 3, 3), section="animal", flow=flow)
    direction = DIRECTION_OF_FLOW[flow]
    other = {"export": "import", "import": "export"}[direction]
    assert record.direction_by_flow == direction
    assert session.scalar(select(Nnc.direction_by_flow).where(Nnc.id == record.id)) == direction
    compliance_rollup.recompute_all(session)
    by_direction = dict(session.execute(
        select(ComplianceMonthly.direction, func.sum(ComplianceMonthly.k))
        .where(ComplianceMonthly.service_user_id == delta.id, ComplianceMonthly.k > 0)
        .group_by(ComplianceMonthly.direction)).all())
    assert by_direction == {direction: 1}
    rebuild_kpi_rollups(session)
    [chosen, not_chosen] = [kpi.figures_for(session, delta.office_id, [YEAR], section="animal", direction=d,
                                            tz=WIB, chart=False)[0]["nncs"]["total"] for d in (direction, other)]
    assert (chosen, not_chosen) == (1, 0)
    found = streaks.filtered_streaks(session, delta.office_id, [delta.id], tz=WIB,
                                     section_id=section_id(session, "animal"), direction=direction,
                                     commodity_id=None)[delta.id]["last_violation_at"]
    assert found is not None and found.astimezone(timezone.utc).date() == date(2026, 3, 2)


@pytest.mark.parametrize("flow, partner", [("received", "Tiongkok"), ("issued", "Belanda")])
def test_the_partner_country_reads_the_same_in_a_query_and_on_a_loaded_nnc(session, flow, partner):
    data = build_office(session)
    record = gen_nnc(session, data["beta"], notice_date=date(2026, 3, 3), flow=flow,
                     notifying_country="Tiongkok" if flow == "received" else "Indonesia",
                     notified_country="Belanda" if flow == "issued" else "Indonesia")
    assert record.partner_country == partner
    assert session.scalar(select(Nnc.partner_country).where(Nnc.id == record.id)) == partner
