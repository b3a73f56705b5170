"""The targeting effectiveness page and the KPI card draw the service's figures for the roles that may read them."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from support.factories import gen_application, gen_service_user
from support.hostile import find_key
from support.targeting_data import gen_decision
from support.web import dash_callback

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _arrange(session):
    """Just now: two flagged decisions (one detained), two by the draw alone (both certified), one not
    selected (certified)."""
    company = gen_service_user(session, name="PT Panel Efektif")
    at = NOW - timedelta(minutes=5)
    for stages, flags, draw in ((("submitted", "verified", "detained"), ("new_company",), 0.9),
                                (("submitted", "certified"), ("new_company",), 0.9),
                                (("submitted", "certified"), (), 0.1), (("submitted", "certified"), (), 0.1),
                                (("submitted", "certified"), (), 0.6)):
        application = gen_application(session, company, submitted_at=at, stages=stages)
        gen_decision(session, application, draw=draw, flags=flags, decided_at=at)
    session.commit()


def _second_half_of_2026(app, logged_in, session) -> dict:
    """The page's answer to the head for July–December 2026, after _arrange."""
    _arrange(session)
    client = logged_in("head")
    return dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": "effect-from", "property": "value", "value": "2026-07"},
        {"id": "effect-to", "property": "value", "value": "2026-12"},
        {"id": "effect-section", "property": "value", "value": "all"}]).json["response"]


def test_head_sees_the_ratio_cards_chart_and_table(app, logged_in, session):
    _arrange(session)
    client = logged_in("head")
    months = [(date.today() - timedelta(days=40)).isoformat()[:7], (date.today() + timedelta(days=1)).isoformat()[:7]]
    response = dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": "effect-from", "property": "value", "value": months[0]},
        {"id": "effect-to", "property": "value", "value": months[1]},
        {"id": "effect-section", "property": "value", "value": "all"}])
    body = response.json["response"]
    text = json.dumps(body["effect-cards"])

    assert "50,0%" in text  # targeted: 1 hit of 2
    assert "Belum dapat dibandingkan" in text  # the random share found nothing: no ratio
    assert [row["decisions"] for row in body["effect-grid"]["rowData"]] == [5]
    assert [[y for y in trace["y"] if y is not None] for trace in body["effect-chart"]["figure"]["data"]] == \
        [[50.0], [0.0]]


def test_a_wrong_month_says_which_field_is_wrong(app, logged_in):
    client = logged_in("coordinator", "plant")
    response = dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": "effect-from", "property": "value", "value": "2026-05"},
        {"id": "effect-to", "property": "value", "value": "2026-01"},
        {"id": "effect-section", "property": "value", "value": "plant"}])
    body = response.json["response"]
    assert body["effect-to"]["invalid"] is True and "sesudah" in body["effect-to-feedback"]["children"]


def _kpi_cards_this_year(app, client) -> str:
    response = dash_callback(client, find_key(app, "kpi-cards.children"), inputs=[
        {"id": "kpi-preset", "property": "value", "value": "this_year"},
        {"id": "kpi-from", "property": "value", "value": None}, {"id": "kpi-to", "property": "value", "value": None},
        {"id": "kpi-section", "property": "value", "value": "all"},
        {"id": "kpi-direction", "property": "value", "value": "all"},
        {"id": "kpi-refresh", "property": "data", "value": 0},
        {"id": "kpi-office", "property": "value", "value": None}])
    return json.dumps(response.json["response"]["kpi-cards"])


def test_kpi_panel_shows_the_share_inspected(app, logged_in, session):
    _arrange(session)
    text = _kpi_cards_this_year(app, logged_in("head"))
    assert "kpi-card-targeting" in text and "80,0% konsinyasi diperiksa (4 dari 5)" in text


def test_the_kpi_card_and_the_effectiveness_page_write_the_share_inspected_alike(app, logged_in, session):
    """The card said "80%" and the page "80,0%" for the same share: one rule (a tenth always, as the hit rates)."""
    _arrange(session)
    client = logged_in("head")
    months = [(NOW.date() - timedelta(days=40)).isoformat()[:7], (NOW.date() + timedelta(days=1)).isoformat()[:7]]
    page = json.dumps(dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": "effect-from", "property": "value", "value": months[0]},
        {"id": "effect-to", "property": "value", "value": months[1]},
        {"id": "effect-section", "property": "value", "value": "all"}]).json["response"]["effect-cards"])
    assert "80,0% dari 5 konsinyasi" in page
    assert "80,0% konsinyasi diperiksa" in _kpi_cards_this_year(app, client)


def test_months_read_in_indonesian_on_the_chart_and_in_the_table(app, logged_in, session):
    """"Agu 2026", never "2026-08" (which plotly re-read as a date and labelled "Aug 2026" in English)."""
    body = _second_half_of_2026(app, logged_in, session)
    figure = body["effect-chart"]["figure"]
    assert [point[2] for point in figure["data"][0]["customdata"]] == [  # what the hover says
        "Jul 2026", "Agu 2026", "Sep 2026", "Okt 2026", "Nov 2026", "Des 2026"]
    assert figure["layout"]["xaxis"]["type"] == "category"
    from layouts.components.formatting import month_name
    assert month_name("2026-08") == "Agu 2026"
    assert all("-" not in row["month_label"] for row in body["effect-grid"]["rowData"])


def test_on_a_phone_the_chart_s_months_stand_upright_and_its_legend_fits(app, logged_in, session):
    """Short month ticks, the year under the first (turned, "Jul 2026" was cut to "Jul 202" on a phone), and each
    legend name's explanation on a line of its own (plotly never wraps a legend: the random sample's ran past the
    edge)."""
    figure = _second_half_of_2026(app, logged_in, session)["effect-chart"]["figure"]
    axis = figure["layout"]["xaxis"]
    assert axis["tickvals"] == figure["data"][0]["x"] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
                                                          "2026-12"]
    assert axis["ticktext"][:2] == ["Jul<br>2026", "Agu"]
    for trace in figure["data"]:
        assert max(len(line) for line in trace["name"].split("<br>")) <= 34, trace["name"]


def test_the_chart_s_hover_groups_its_counts_as_the_page_s_language_does(app, logged_in, session):
    """"22 dari 4.815", not "dari 4815": the counts are formatted by the chart's own separators, like its axis."""
    body = _second_half_of_2026(app, logged_in, session)
    figure = body["effect-chart"]["figure"]
    assert figure["layout"]["separators"] == ",."  # decimal comma, thousands dot (Indonesian)
    for trace in figure["data"]:
        assert "%{customdata[0]:,d}" in trace["hovertemplate"] and "%{customdata[1]:,d}" in trace["hovertemplate"]


def test_on_a_phone_each_month_and_section_is_one_stacked_row_that_names_its_figures(app, logged_in, session):
    """The ten columns side by side ran past a 390 px phone: the month and a cut section, the ratio off the screen."""
    from layouts.components.grid import PHONE_COLUMN
    from layouts.targeting_effect import grid_columns, layout

    stacked = [column for column in grid_columns() if column.get("colId") == PHONE_COLUMN]
    assert len(stacked) == 1 and stacked[0]["hide"] is True
    params = stacked[0]["cellRendererParams"]
    assert params["lines"][:2] == [["month_label", "section_label"], ["ratio_text"]]
    assert params["labels"]["ratio_text"] == "Rasio" and params["labels"]["pending"] == "Belum ada hasil"
    assert "qcPhoneColumn" in str(layout(SimpleNamespace(office_timezone="Asia/Jakarta", section_scope=None)))
    row = _second_half_of_2026(app, logged_in, session)["effect-grid"]["rowData"][0]
    assert {field for line in params["lines"] for field in line} <= set(row)
