"""The rankings page across offices, called as a browser would: the national mode for a scope reading every office,
never another office's ranking for an office's coordinator, the mark for violations elsewhere, and the profile's
other offices (the one place an office's officers see another office's figures for their companies)."""
from __future__ import annotations

import base64
import re

import pytest

from support.national_data import build_two_offices
from support.web import components, dash_callback, pager_body, pager_state


@pytest.fixture
def offices(session):
    return build_two_offices(session)


def _key(app, fragment: str) -> str:
    found = [key for key in app.callback_map if fragment in key]
    assert len(found) == 1, found
    return found[0]


def _rank(client, app, office):
    inputs = [{"id": i, "property": "value", "value": v} for i, v in (
        ("rankings-section", "all"), ("rankings-direction", "all"), ("rankings-commodity", "all"),
        ("rankings-tier", "all"), ("rankings-from", None), ("rankings-to", None), ("rankings-sort", "rank"),
        ("rankings-search", None), ("rankings-office", office))]
    inputs += [*pager_body("rankings")]
    response = dash_callback(client, _key(app, "rankings-grid.rowData"), inputs=inputs,
                             state=pager_state("rankings-page", 0))
    assert response.status_code == 200
    return response.get_json()["response"]


def _names(body) -> set[str]:
    return {row["name"] for row in body["rankings-grid"]["rowData"]}


def test_direction_and_commodity_are_switched_off_in_the_national_mode_only(app, logged_in, offices):
    """Said in the ranking's own answer: the office is one of its inputs, no second request is needed."""
    client = logged_in("national")
    for office, disabled in (("national", True), ("home", False)):
        body = _rank(client, app, office)
        assert body["rankings-direction"]["disabled"] is disabled and body["rankings-commodity"]["disabled"] is disabled


def test_the_rankings_choices_come_in_one_answer_with_every_office_for_a_national_reader(app, logged_in, offices):
    response = dash_callback(logged_in("national"), _key(app, "rankings-office.options"),
                             inputs=[{"id": "rankings-page", "property": "id", "value": "rankings-page"}])
    assert response.status_code == 200
    body = response.get_json()["response"]
    values = [option["value"] for option in body["rankings-office"]["options"]]
    assert values[:2] == ["home", "national"] and str(offices["far"]) in values
    assert body["rankings-section"]["options"][0]["value"] == "all"
    assert body["rankings-commodity"]["options"][0]["value"] == "all"


def test_a_national_reader_ranks_companies_over_every_office_with_each_offices_score(app, logged_in, offices):
    body = _rank(logged_in("national"), app, "national")
    rows = {row["name"]: row for row in body["rankings-grid"]["rowData"]}
    assert set(rows) == {"PT Xenia Ekspor", "PT Yasa Tani", "PT Zamrud Laut"}
    assert rows["PT Xenia Ekspor"]["consignments"] == 20
    assert rows["PT Xenia Ekspor"]["offices_text"].startswith("0300: ") and "0400: " in rows["PT Xenia Ekspor"][
        "offices_text"]
    assert any(column.get("field") == "offices_text" for column in body["rankings-grid"]["columnDefs"])


def test_each_offices_score_names_its_office_on_hover_and_in_the_export(app, logged_in, offices):
    """The cell is short (codes), but a reader of the national ranking knows stations by name."""
    client = logged_in("national")
    body = _rank(client, app, "national")
    xenia = {row["name"]: row for row in body["rankings-grid"]["rowData"]}["PT Xenia Ekspor"]
    assert "0400 · BBKP Surabaya: " in xenia["offices_title"]
    column = next(c for c in body["rankings-grid"]["columnDefs"] if c.get("field") == "offices_text")
    assert column["tooltipField"] == "offices_title"
    states = [{"id": i, "property": "value", "value": v} for i, v in (
        ("rankings-section", "all"), ("rankings-direction", "all"), ("rankings-commodity", "all"),
        ("rankings-tier", "all"), ("rankings-from", None), ("rankings-to", None), ("rankings-sort", "rank"),
        ("rankings-search", None), ("rankings-office", "national"))]
    response = dash_callback(client, _key(app, "rankings-download.data"), inputs=[
        {"id": "rankings-export-csv", "property": "n_clicks", "value": 1},
        {"id": "rankings-export-xlsx", "property": "n_clicks", "value": None}],
        state=states, changed=["rankings-export-csv.n_clicks"])
    content = base64.b64decode(response.get_json()["response"]["rankings-download"]["data"]["content"]).decode()
    xenia_line = next(line for line in content.splitlines() if "PT Xenia Ekspor" in line)
    assert "0400 · BBKP Surabaya: " in xenia_line
    # …each office's score written as the page and the national score's column write it (99,4, not 99.4).
    assert re.search(r"0300 · [^:]+: \d+,\d \(", xenia_line), xenia_line


def test_a_national_reader_opens_another_offices_ranking(app, logged_in, session, offices):
    body = _rank(logged_in("national"), app, str(offices["far"]))
    assert _names(body) == {"PT XENIA EKSPOR", "PT Zamrud Laut"}


@pytest.mark.parametrize("asked", ["national", "far"])
def test_an_offices_coordinator_never_sees_another_offices_ranking(app, logged_in, offices, asked):
    office = "national" if asked == "national" else str(offices["far"])
    body = _rank(logged_in("coordinator", "plant"), app, office)
    assert body["rankings-grid"]["rowData"] == [] and body["rankings-error"]["is_open"] is True


def test_the_office_ranking_marks_a_company_with_violations_at_another_office(app, logged_in, offices):
    body = _rank(logged_in("coordinator", "plant"), app, "home")
    marks = {row["name"]: row.get("elsewhere") for row in body["rankings-grid"]["rowData"]}
    assert marks["PT Xenia Ekspor"] and not marks["PT Yasa Tani"]
    # A mark only: no other office's figure travels with the office's ranking.
    assert not any("0400" in str(value) for row in body["rankings-grid"]["rowData"] for value in row.values())


def test_a_coordinator_sees_their_companys_figures_at_other_offices_on_its_profile(app, logged_in, offices):
    client = logged_in("coordinator", "plant")
    response = dash_callback(client, _key(app, "profile-other-offices.children"), inputs=[
        {"id": "profile-id", "property": "data", "value": offices["x_home"]},
        {"id": "profile-section", "property": "value", "value": "plant"}])
    assert response.status_code == 200
    text = str(response.get_json()["response"]["profile-other-offices"]["children"])
    assert "0400" in text and "BBKP Surabaya" in text


def test_no_profile_of_another_office_opens_for_an_offices_coordinator(app, logged_in, offices):
    client = logged_in("coordinator", "plant")
    response = dash_callback(client, _key(app, "profile-other-offices.children"), inputs=[
        {"id": "profile-id", "property": "data", "value": offices["x_far"]},
        {"id": "profile-section", "property": "value", "value": "plant"}])
    assert "profile-other-offices" not in (response.get_json() or {}).get("response", {})


def _profile_page(client, service_user_id: int, search: str):
    drawn = dash_callback(client, "shell-content.children",
                          inputs=[{"id": "shell-url", "property": "pathname", "value": f"/profile/{service_user_id}"}],
                          state=[{"id": "shell-url", "property": "search", "value": search}])
    assert drawn.status_code == 200
    return {props["id"]: props for _type, props in components(drawn.get_json()) if isinstance(props.get("id"), str)}


def _standing(client, app, service_user_id: int, section="all", period=(None, None)):
    return dash_callback(client, _key(app, "profile-national.children"), inputs=[
        {"id": "profile-id", "property": "data", "value": service_user_id},
        {"id": "profile-section", "property": "value", "value": section},
        {"id": "profile-from", "property": "value", "value": period[0]},
        {"id": "profile-to", "property": "value", "value": period[1]}])


def test_a_profile_opened_from_the_national_ranking_shows_the_rows_pooled_figures_beside_the_offices(
        app, logged_in, offices):
    """The national row of PT Xenia (20 consignments at two offices, two detentions) opened the Soekarno-Hatta
    record's profile, whose score is that office's clean ten: the row's score was nowhere on the page it opened."""
    client = logged_in("national")
    row = next(r for r in _rank(client, app, "national")["rankings-grid"]["rowData"] if r["name"] == "PT Xenia Ekspor")
    page = _profile_page(client, row["id"], "?ranking=national")
    assert page["profile-ranking"]["value"] == "national" and "profile-national" in page
    response = _standing(client, app, row["id"])
    assert response.status_code == 200
    card = response.get_json()["response"]["profile-national"]["children"]
    drawn = {props["id"]: props for _type, props in components(card) if isinstance(props.get("id"), str)}
    assert drawn["profile-national-score"]["children"] == row["score_text"]
    assert row["tier"] in str(drawn["profile-national-tier"]["children"])
    # D at 94,8: the two detentions put it there, and the card says so under the tier.
    assert drawn["profile-national-tier-reason"]["children"] == (
        "karena 2 catatan pelanggaran (3P atau NNC) di jendela, di semua UPT; tier D mulai 2 catatan.")
    assert drawn["profile-national-rank"]["children"] == str(row["rank"])
    text = str(card)
    assert "dari 3" in text
    assert drawn["profile-national-consignments"]["children"] == "20"  # both offices' ten
    assert "2 UPT" in text and "BBKP Soekarno-Hatta" in text  # …and whose record is below
    assert "PT Xenia Ekspor di peringkat nasional" in text  # named: on a phone it comes before the profile's name
    # Opened from an office's ranking (or by hand), the profile is that office's record alone.
    assert "profile-national" not in _profile_page(client, row["id"], "")


def test_only_a_reader_of_several_offices_gets_a_profiles_national_standing(app, logged_in, offices):
    client = logged_in("coordinator", "plant")
    page = _profile_page(client, offices["x_home"], "?section=plant&ranking=national")
    assert "profile-national" not in page
    response = _standing(client, app, offices["x_home"], "plant")
    assert response.status_code == 200
    assert response.get_json()["response"]["profile-national"]["children"] is None
