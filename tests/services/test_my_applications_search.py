"""A service user finds an application by its number, by commodity or by stage, in the database, among only their
own companies' applications; the open surveys come as a count and the newest few."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from models.service_portal import SurveyInvitation
from portal.services import my_applications
from support.factories import gen_application, gen_service_user
from support.portal_helpers import company_viewer, link_account

NOW = datetime.now(timezone.utc).replace(microsecond=0)



@pytest.fixture
def forwarder(session, make_user):
    """`ekspedisi` with a company of six applications of three commodities; another company's mango exists too."""
    make_user("ekspedisi", "service_user")
    mine = gen_service_user(session, name="PT Ekspedisi Nusantara")
    other = gen_service_user(session, name="PT Lain Sendiri")
    link_account(session, "ekspedisi", mine)
    apps = {}
    for n, commodity in enumerate(("Manggis", "Manggis", "Kopi arabika", "Kopi robusta", "Sarang burung walet",
                                   "Salak_pondoh 100%")):
        stages = ("submitted", "verified") if n % 2 else ("submitted", "verified", "inspected", "draft_certificate",
                                                          "billed")
        apps[n] = gen_application(session, mine, submitted_at=NOW - timedelta(days=n + 1), commodity=commodity,
                                  stages=stages)
    apps["other"] = gen_application(session, other, submitted_at=NOW - timedelta(days=1), commodity="Manggis")
    session.commit()
    return {"me": company_viewer(session, "ekspedisi"), "apps": apps}


def _found(session, me, **filters) -> list[int]:
    return [row["id"] for row in my_applications.list_applications(session, me, page_size=50, **filters)["rows"]]


def test_search_finds_by_part_of_the_number_any_case_only_in_own_companies(session, forwarder):
    me, apps = forwarder["me"], forwarder["apps"]
    target = apps[3]
    assert _found(session, me, search=target.number[-6:]) == [target.id]
    assert _found(session, me, search=f"  {target.number}  ") == [target.id]
    assert _found(session, me, search=apps["other"].number) == []  # another company's: not theirs to find


def test_search_finds_by_commodity_name_case_insensitive(session, forwarder):
    me, apps = forwarder["me"], forwarder["apps"]
    assert _found(session, me, search="kopi") == [apps[2].id, apps[3].id]
    assert _found(session, me, search="MANGGIS") == [apps[0].id, apps[1].id]
    assert _found(session, me, search="mangostana") == [apps[n].id for n in range(6)]  # the scientific name
    assert _found(session, me, search="0804") == [apps[n].id for n in range(6)]  # an HS code's start


def test_search_takes_percent_and_underscore_literally(session, forwarder):
    me, apps = forwarder["me"], forwarder["apps"]
    assert _found(session, me, search="_pondoh 100%") == [apps[5].id]
    assert _found(session, me, search="%") == [apps[5].id]
    assert _found(session, me, search="k_pi") == []


def test_search_combines_with_the_stage_and_status_filters_and_counts_in_the_database(session, forwarder):
    me, apps = forwarder["me"], forwarder["apps"]
    assert _found(session, me, search="kopi", stage="billed") == [apps[2].id]
    assert _found(session, me, stage="verified") == [apps[1].id, apps[3].id, apps[5].id]
    result = my_applications.list_applications(session, me, search="manggis", status="in_progress", page_size=1)
    assert result["total"] == 2 and len(result["rows"]) == 1


def test_open_surveys_are_a_count_and_the_newest_few(session, forwarder):
    me, apps = forwarder["me"], forwarder["apps"]
    company = apps[0].service_user_id
    for n in range(5):
        session.add(SurveyInvitation(application_id=apps[n].id, service_user_id=company,
                                     invited_at=NOW - timedelta(days=n), expires_at=NOW + timedelta(days=20 - n)))
    session.add(SurveyInvitation(application_id=apps[5].id, service_user_id=company, invited_at=NOW - timedelta(days=40),
                                 expires_at=NOW - timedelta(days=10)))  # expired: not waiting
    session.commit()
    surveys = my_applications.open_surveys(session, me, limit=3)
    assert surveys["total"] == 5
    assert [s["application_id"] for s in surveys["rows"]] == [apps[0].id, apps[1].id, apps[2].id]


def test_a_card_names_the_first_commodity_and_how_many_more_the_application_holds(session, forwarder):
    """The officers' list says "Manggis (+1 lainnya)"; the service user's card said only "Manggis"."""
    from models import ApplicationCommodity
    from layouts.my import application_card

    me, apps = forwarder["me"], forwarder["apps"]
    session.add(ApplicationCommodity(source_id=900_001, application_id=apps[0].id, line_no=2, commodity_name="Salak"))
    session.commit()
    rows = {row["id"]: row for row in my_applications.list_applications(session, me, page_size=50)["rows"]}
    assert (rows[apps[0].id]["commodity"], rows[apps[0].id]["other_lines"]) == ("Manggis", 1)
    assert rows[apps[1].id]["other_lines"] == 0
    assert "Manggis (+1 lainnya)" in str(application_card(rows[apps[0].id], "Asia/Jakarta", False))
    assert "lainnya" not in str(application_card(rows[apps[1].id], "Asia/Jakarta", False))


def test_a_card_says_where_the_consignment_goes_or_comes_from_by_its_direction(session, make_user):
    """An import's and a domestic shipment's card said "→ Indonesia": now the country or city that tells the user
    something, with words for the way (DOMAIN.md: export, import, domestic out and in)."""
    from layouts.my import application_card

    make_user("importir", "service_user")
    mine = gen_service_user(session, name="PT Impor Ekspor Jaya")
    link_account(session, "importir", mine)
    trips = {
        "export": dict(origin_country="Indonesia", origin_place="Jakarta Timur", destination_country="Tiongkok",
                       destination_place="Guangzhou", commodity="Salak"),
        "import": dict(origin_country="Australia", origin_place="Sydney", destination_country="Indonesia",
                       destination_place="Jakarta Timur", commodity="Daging sapi beku"),
        "domestic_out": dict(origin_country="Indonesia", origin_place="Jakarta Barat", destination_country="Indonesia",
                             destination_place="Manado", commodity="Bibit durian"),
        "domestic_in": dict(origin_country="Indonesia", origin_place="Medan", destination_country="Indonesia",
                            destination_place="Jakarta Timur", commodity="Kopi arabika"),
    }
    apps = {direction: gen_application(session, mine, direction=direction, **trip) for direction, trip in trips.items()}
    # an import whose source named no country: the city it comes from, never "dari Indonesia"
    apps["unnamed"] = gen_application(session, mine, direction="import", commodity="Kucing", origin_country=None,
                                      origin_place="Singapore", destination_country="Indonesia")
    session.commit()
    rows = {row["id"]: row for row in my_applications.list_applications(
        session, company_viewer(session, "importir"), page_size=50)["rows"]}

    def said(key):
        return str(application_card(rows[apps[key].id], "Asia/Jakarta", False))

    assert "Salak ke Tiongkok" in said("export")
    assert "Daging sapi beku dari Australia" in said("import")
    assert "Bibit durian ke Manado" in said("domestic_out")
    assert "Kopi arabika dari Medan" in said("domestic_in")
    assert "Kucing dari Singapore" in said("unnamed")
    assert not any("Indonesia" in said(key) or "→" in said(key) for key in apps)
