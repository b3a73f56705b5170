"""The drawn views in the cache (issue #17): the KPI panel and the rankings keep their drawn answer per (scope,
filters, data stamp, language), through the page's own callback. A person never gets another scope's or another
language's drawing, and the view after a write shows it."""
from __future__ import annotations

from datetime import date

import pytest

from portal import view_cache
from portal.domain.compliance import DEFAULT_SETTINGS
from portal.services.compliance.scoring_settings import save_settings
from portal.services.compliance import ranking as compliance
from support.compliance_data import AS_OF, build_ranked_office, clock_at_as_of
from support.kpi_data import gen_response
from support.web import dash_callback, login, pager_body, pager_state

# The compliance test office's window: every application of the ranked office lies in it.
WINDOW = ("2025-06-16", AS_OF.isoformat())


@pytest.fixture
def office(session):
    with clock_at_as_of():
        yield build_ranked_office(session)


def _signed_in(app, make_user, username: str, role: str, section: str | None = None, **extra):
    """A browser of its own (the `logged_in` fixture shares one client, so one person at a time)."""
    make_user(username, role, section, **extra)
    client = app.server.test_client()
    assert login(client, username).status_code == 302
    return client


def _key(app, part: str) -> str:
    found = [key for key in app.callback_map if part in key]
    assert len(found) == 1, (part, found)
    return found[0]


def _ranking_rows(app, client) -> list[dict]:
    inputs = [{"id": i, "property": "value", "value": v} for i, v in (
        ("rankings-section", ""), ("rankings-direction", ""), ("rankings-commodity", ""), ("rankings-tier", ""),
        ("rankings-from", None), ("rankings-to", None), ("rankings-sort", "rank"), ("rankings-search", None),
        ("rankings-office", "home"))]
    inputs += pager_body("rankings")
    response = dash_callback(client, _key(app, "rankings-grid.rowData"), inputs=inputs,
                             state=pager_state("rankings-page", 0))
    assert response.status_code == 200
    return response.get_json()["response"]["rankings-grid"]["rowData"]


def _ranking_names(app, client) -> list[str]:
    return [row["name"] for row in _ranking_rows(app, client)]


def _kpi(app, client) -> dict:
    inputs = [{"id": "kpi-preset", "property": "value", "value": "custom"},
              {"id": "kpi-from", "property": "value", "value": WINDOW[0]},
              {"id": "kpi-to", "property": "value", "value": WINDOW[1]},
              {"id": "kpi-section", "property": "value", "value": "all"},
              {"id": "kpi-direction", "property": "value", "value": "all"},
              {"id": "kpi-refresh", "property": "data", "value": 0},
              {"id": "kpi-office", "property": "value", "value": "home"}]
    response = dash_callback(client, _key(app, "kpi-cards.children"), inputs)
    stages = dash_callback(client, "kpi-stages.children", [{"id": "kpi-drawn", "property": "data", "value": 1}],
                           inputs)
    assert response.status_code == stages.status_code == 200
    return {"cards": response.get_json()["response"]["kpi-cards"]["children"],
            "stages": stages.get_json()["response"]["kpi-stages"]["children"]}


def test_a_coordinator_of_animal_after_one_of_plant_with_the_same_filters_gets_the_animal_ranking(
        session, office, app, make_user):
    with clock_at_as_of():
        plant_client = _signed_in(app, make_user, "koordinator_kt", "coordinator", "plant")
        plant = _ranking_names(app, plant_client)
        animal = _ranking_names(app, _signed_in(app, make_user, "koordinator_kh", "coordinator", "animal"))
        fresh = compliance.ranking(session, office_id=office["office_id"], section_scope="animal", as_of=AS_OF)
        assert animal == [row["name"] for row in fresh["rows"]]
        assert "PT Delta Satwa" in animal and "PT Delta Satwa" not in plant
        assert _ranking_names(app, plant_client) == plant


def test_the_next_ranking_view_after_a_write_shows_it(office, app, logged_in, database):
    with clock_at_as_of():
        client = logged_in("enforcement")
        before = _ranking_rows(app, client)
        assert _ranking_rows(app, client) == before  # the second view is the cache's
        with database.session() as s:
            save_settings(s, None, "admin", {**DEFAULT_SETTINGS.to_dict(), "tier_a_min_n": 30})
        after = _ranking_rows(app, client)
        view_cache.clear()
        assert after == _ranking_rows(app, client)
        assert after != before


def test_the_next_kpi_view_after_a_write_shows_it(office, app, logged_in, database):
    with clock_at_as_of():
        client = logged_in("head")
        before = _kpi(app, client)
        assert _kpi(app, client) == before  # the second view is the cache's
        with database.session() as s:
            gen_response(s, [1, 2, 1, 2, 1, 2, 1, 2, 1], date(2026, 6, 1))
        after = _kpi(app, client)
        view_cache.clear()
        assert after == _kpi(app, client)
        assert after != before


def test_a_head_reading_english_after_one_reading_indonesian_gets_the_english_panel(office, app, logged_in,
                                                                                    make_user):
    with clock_at_as_of():
        indonesian = _kpi(app, logged_in("head"))
        english = _kpi(app, _signed_in(app, make_user, "head_english", "head", language="en"))
        assert "Sertifikat terbit" in str(indonesian["cards"]) and "Certificates issued" not in str(
            indonesian["cards"])
        assert "Certificates issued" in str(english["cards"]) and "Sertifikat terbit" not in str(english["cards"])
