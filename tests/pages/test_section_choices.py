"""Sections are reference data a station can extend (DOMAIN.md: fish quarantine, KI, part of the agency since 2023):
every page with a section filter offers the active sections the database holds, in the reader's language, and a
code that names no active section (an old link, a request made by hand) counts every section."""
from __future__ import annotations

import pytest

from models import Section
from support.web import components, dash_callback

# path → (role, the section select)
PAGES = {"/kpi": ("head", "kpi-section"), "/offices": ("national", "offices-section"),
         "/survey-results": ("head", "survey-section"), "/targeting/effectiveness": ("head", "effect-section")}
LINKED = {"/kpi", "/offices", "/targeting/effectiveness"}  # the pages whose filters a link sets


def _select(client, path: str, component_id: str, search: str = "") -> dict:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    assert response.status_code == 200
    [select] = [props for _type, props in components(response.json) if props.get("id") == component_id]
    return select


@pytest.fixture
def fish(session):
    session.add(Section(code="fish", name_id="Karantina Ikan", name_en="Fish quarantine"))
    session.commit()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_every_section_filter_offers_the_sections_the_station_has(logged_in, fish, path):
    role, component_id = PAGES[path]
    select = _select(logged_in(role), path, component_id, "?section=fish")
    labels = {option["value"]: option["label"] for option in select["options"]}
    assert {"animal", "plant", "fish"} <= set(labels) and labels["fish"] == "Karantina Ikan"
    if path in LINKED:
        assert select["value"] == "fish"  # a link naming the new section opens on it


@pytest.mark.parametrize("path", ["/survey-results", "/targeting/effectiveness"])
def test_a_coordinator_sees_their_own_section_locked(logged_in, fish, path):
    select = _select(logged_in("coordinator", "plant"), path, PAGES[path][1], "?section=animal")
    assert select["disabled"] and select["value"] == "plant"
    assert [option["value"] for option in select["options"]] == ["plant"]


def _kpi_cards(app, client, section: str) -> list:
    key = next(key for key in app.callback_map if "kpi-cards.children" in key)
    inputs = [{"id": "kpi-preset", "property": "value", "value": "this_year"},
              {"id": "kpi-from", "property": "value", "value": None},
              {"id": "kpi-to", "property": "value", "value": None},
              {"id": "kpi-section", "property": "value", "value": section},
              {"id": "kpi-direction", "property": "value", "value": "all"},
              {"id": "kpi-refresh", "property": "data", "value": 0},
              {"id": "kpi-office", "property": "value", "value": "home"}]
    response = dash_callback(client, key, inputs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]["kpi-cards"]["children"]


def test_a_section_code_no_station_has_counts_every_section(app, logged_in, fish):
    client = logged_in("head")
    assert _kpi_cards(app, client, "no_such_section") == _kpi_cards(app, client, "all")
    assert _kpi_cards(app, client, "fish")  # the new section answers (nothing recorded under it yet)
