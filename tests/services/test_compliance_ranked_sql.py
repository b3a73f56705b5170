"""The default view scored in PostgreSQL from the snapshots (portal.services.compliance.ranked_sql) gives the Python
rule's answer, the reference: the same page, ranks, tiers, streaks, p0 and its source, tier counts and totals, over
random rollups, sections, orders, tiers and pages. SQLite keeps the Python path (no exact numeric division, no time
zones)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from portal.domain.compliance import ScoringSettings
from portal.services.compliance import ranked_sql
from portal.services.compliance import ranking as compliance
from portal.services.compliance.scoring_settings import current_settings
from portal.services.compliance.filters import sections_by_code
from support.compliance_data import AS_OF, build_random_companies, company

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

views = st.fixed_dictionaries({
    "filters": st.sampled_from([{}, {"section": "plant"}, {"section": "animal"}]),
    "sort": st.sampled_from(ranked_sql.SORTS_IN_SQL),
    "tier": st.sampled_from([None, "A", "B", "C", "D"]),
    "page": st.integers(0, 2),
    "p0_min": st.sampled_from([1, 8, 1000]),  # p0 from the office, from every office, from the setting
})


@pytest.fixture
def postgresql_only(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("scoring in SQL is PostgreSQL's; SQLite ranks through the Python rule")


@EXAMPLES
@given(companies=st.lists(company, min_size=1, max_size=7), view=views)
def test_the_ranking_scored_in_sql_is_the_python_rules_ranking(session, postgresql_only, companies, view):
    nested = session.begin_nested()
    try:
        home = build_random_companies(session, companies)
        if home is None:
            return  # every company in the far office: nothing to rank at home
        filters = dict(view["filters"])
        first, last = compliance.window(AS_OF, ScoringSettings())
        section = sections_by_code(session).get(filters.get("section"))
        # Only offices with snapshot rows in the section are ranked in SQL (the others have nothing to compare).
        assume(compliance._snapshot_counts(session, home, section, first, last, AS_OF) is not None)
        version, _ = current_settings(session)
        scoring = (version, ScoringSettings(p0_min_consignments=view["p0_min"]))
        asked = dict(office_id=home, section_scope=None, filters={**filters, "tier": view["tier"]}, as_of=AS_OF,
                     sort=view["sort"], page=view["page"], page_size=2, settings=scoring)
        assert compliance.ranking(session, **asked) == compliance.ranking(session, **asked, in_sql=False)
    finally:
        nested.rollback()


def test_a_page_in_sql_shows_the_same_working_as_the_python_rule(session, postgresql_only):
    """A fixed case the property above also covers, to read: a small office takes p0 from every office."""
    home = build_random_companies(session, [(False, [("plant", "export", "Manggis", 40, None), ("plant", "export", "Manggis", 50,
                                                                                   "detention")]),
                            (True, [("plant", "export", "Manggis", 20, None)] * 3)])
    asked = dict(office_id=home, section_scope=None, as_of=AS_OF, page_size=10,
                 settings=(current_settings(session)[0], ScoringSettings(p0_min_consignments=3)))
    sql, python = compliance.ranking(session, **asked), compliance.ranking(session, **asked, in_sql=False)
    assert sql == python
    assert sql["p0_source"] == "all_offices" and sql["p0"] == 1 / 5 and sql["rows"][0]["rank"] == 1
