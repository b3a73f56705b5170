"""A filtered ranking counts the office's window and, only when p0 needs them, every office's totals in one statement
(portal.services.compliance.ranking.office_and_everywhere). The reference is the two reads it replaced: the office's
aggregate, then every office's totals read on their own (`aggregate`, `office_totals`); both backends."""
from __future__ import annotations

from datetime import date, datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import Commodity, ServiceUser
from portal.domain import compliance as model
from portal.domain.compliance import ScoringSettings
from portal.services.compliance import ranking as compliance
from portal.services.compliance import rollup as compliance_rollup
from portal.services.compliance.filters import sections_by_code
from support.compliance_data import AS_OF, build_random_companies, company
from support.factories import gen_action, gen_application

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

views = st.fixed_dictionaries({
    "section": st.sampled_from([None, "plant", "animal"]),
    "direction": st.sampled_from([None, "export", "import"]),
    "commodity": st.sampled_from([None, "Manggis", "Kopi"]),
    # the default window, whole months only, and periods with one or two partial edge months
    "period": st.sampled_from([(None, None), (date(2025, 7, 1), date(2026, 5, 31)), (date(2025, 9, 17), AS_OF),
                               (date(2025, 12, 5), date(2026, 3, 20))]),
    "p0_min": st.sampled_from([1, 2, 3, 5, 1000]),  # p0 from the office, from every office, from the setting
})


def _two_reads(session, office_id, *, section_id, first, last, direction, commodity_id, settings, tz):
    """The reference: the office's aggregate, then (below p0's floor) every office's totals read on their own."""
    raw = compliance.aggregate(session, office_id, section_id, first, last, direction, commodity_id)
    return compliance._scored(session, raw, office_id, section_id=section_id, first=first, last=last, as_of=AS_OF,
                              settings=settings, direction=direction, commodity_id=commodity_id, whole_office=True,
                              tz=tz)


@EXAMPLES
@given(companies=st.lists(company, min_size=1, max_size=7), view=views)
def test_a_filtered_ranking_counted_in_one_statement_is_the_two_reads_ranking(session, companies, view):
    nested = session.begin_nested()
    try:
        home = build_random_companies(session, companies)
        if home is None:
            return  # every company in the far office: nothing to rank at home
        scoring = ScoringSettings(p0_min_consignments=view["p0_min"])
        first, last = compliance.window(AS_OF, scoring, *view["period"])
        commodity_id = view["commodity"] and session.scalar(select(Commodity.id).where(
            Commodity.name == view["commodity"]))
        asked = dict(section_id=sections_by_code(session).get(view["section"]), first=first, last=last,
                     direction=view["direction"], commodity_id=commodity_id, settings=scoring, tz="Asia/Jakarta")
        mine = compliance.score_rows(session, home, as_of=AS_OF, **asked)
        assert mine == _two_reads(session, home, **asked)
    finally:
        nested.rollback()


def test_every_offices_totals_come_with_the_office_only_below_p0s_floor(session):
    home = build_random_companies(session, [(False, [("plant", "export", "Manggis", 40, None),
                                                     ("plant", "export", "Manggis", 50, "detention")]),
                                            (True, [("plant", "export", "Manggis", 20, "refusal")] * 3)])
    first, last = compliance.window(AS_OF, ScoringSettings())
    plant = sections_by_code(session)["plant"]
    for p0_min, read in ((3, True), (2, False)):  # the office holds 2 consignments, both offices 5
        scoring = ScoringSettings(p0_min_consignments=p0_min)
        raw, totals = compliance.office_and_everywhere(session, home, plant, first, last, "export", None, scoring)
        assert [(int(r.n), int(r.d), int(r.r)) for r in raw] == [(2, 1, 0)]
        if read:
            assert totals == (model.weighted_violations(1, 3, 0, 0, scoring), 5)
            assert totals == compliance.office_totals(session, None, plant, first, last, "export", None, scoring)
        else:
            assert totals is None


def test_the_same_filters_asked_again_after_new_data_count_the_new_data(session):
    """The statement is kept for the same filters (another page or order counts the same), never its answer."""
    home = build_random_companies(session, [(False, [("plant", "export", "Manggis", 40, None)])])
    filters = {"direction": "export", "period_from": "2025-12-05", "period_to": "2026-06-10"}
    before = compliance.ranking(session, office_id=home, section_scope=None, filters=filters, as_of=AS_OF)
    su = session.get(ServiceUser, before["rows"][0]["service_user_id"])
    app = gen_application(session, su, section="plant", direction="export", stages=("submitted", "handed_over"),
                          submitted_at=datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc))
    gen_action(session, app, "detention")
    compliance_rollup.refresh_rollups(session, service_user_ids=[su.id], scores=False)
    after = compliance.ranking(session, office_id=home, section_scope=None, filters=filters, as_of=AS_OF)
    assert (before["rows"][0]["consignments"], before["rows"][0]["detentions"]) == (1, 0)
    assert (after["rows"][0]["consignments"], after["rows"][0]["detentions"]) == (2, 1)
