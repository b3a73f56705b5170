"""The targeting effectiveness page and the KPI card draw the service's figures for the roles that may read them."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from support.factories import gen_application, gen_service_user
from support.hostile import find_key
from support.targeting_data import gen_decision
from support.web import components, dash_callback

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
        {"id": "effect-period", "property": "value", "value": "months"},
        {"id": "effect-from", "property": "value", "value": "2026-07"},
        {"id": "effect-to", "property": "value", "value": "2026-12"},
        {"id": "effect-start", "property": "value", "value": None},
        {"id": "effect-end", "property": "value", "value": None},
        {"id": "effect-section", "property": "value", "value": "all"},
        {"id": "effect-direction", "property": "value", "value": "all"}]).json["response"]


def test_head_sees_the_ratio_cards_chart_and_table(app, logged_in, session):
    _arrange(session)
    client = logged_in("head")
    months = [(date.today() - timedelta(days=40)).isoformat()[:7], (date.today() + timedelta(days=1)).isoformat()[:7]]
    response = dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": "effect-period", "property": "value", "value": "months"},
        {"id": "effect-from", "property": "value", "value": months[0]},
        {"id": "effect-to", "property": "value", "value": months[1]},
        {"id": "effect-start", "property": "value", "value": None},
        {"id": "effect-end", "property": "value", "value": None},
        {"id": "effect-section", "property": "value", "value": "all"},
        {"id": "effect-direction", "property": "value", "value": "all"}])
    body = response.json["response"]
    text = json.dumps(body["effect-cards"])

    assert "50,0%" in text  # targeted: 1 hit of 2
    assert "Belum dapat dibandingkan" in text  # the random share found nothing: no ratio
    assert [row["decisions"] for row in body["effect-grid"]["rowData"]] == [5]
    assert [[y for y in trace["y"] if y is not None] for trace in body["effect-chart"]["figure"]["data"]] == \
        [[50.0], [0.0]]
    # The random share's 0% has no bar to see: it is said above where the bar would be, so it does not read as a
    # month without a random sample.
    assert [[text for text in trace["text"] if text] for trace in body["effect-chart"]["figure"]["data"]] == \
        [[], ["0%"]]


def test_a_period_without_a_decision_says_so_on_its_headline_and_its_chart(app, logged_in, session):
    """Months before any decision: the headline said "the random share has no finding yet" and the chart drew empty
    axes, where only the table said no consignment had been decided."""
    _arrange(session)  # decisions now, none in the period below
    body = _figures(app, logged_in("head"), {"effect-period": "months", "effect-from": "2025-01",
                                            "effect-to": "2025-03", "effect-section": "all",
                                            "effect-direction": "all"}).json["response"]
    cards_text = json.dumps(body["effect-cards"], ensure_ascii=False)
    assert "Belum ada keputusan pemeriksaan pada periode ini" in cards_text
    assert "bagian acak belum punya temuan" not in cards_text
    assert "Belum ada keputusan pemeriksaan" in json.dumps(body["effect-chart"]["figure"], ensure_ascii=False)


def test_a_chart_of_decisions_with_no_outcome_yet_says_so_not_that_nothing_was_decided():
    from layouts.targeting_effect import chart

    month = {"month": "2026-12", "decisions": 40, "targeted_known": 0, "random_known": 0}
    said = json.dumps(chart([month]), ensure_ascii=False)
    assert "Belum ada hasil pemeriksaan" in said and "Belum ada keputusan" not in said


def test_a_wrong_month_says_which_field_is_wrong(app, logged_in):
    client = logged_in("coordinator", "plant")
    response = dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": "effect-period", "property": "value", "value": "months"},
        {"id": "effect-from", "property": "value", "value": "2026-05"},
        {"id": "effect-to", "property": "value", "value": "2026-01"},
        {"id": "effect-start", "property": "value", "value": None},
        {"id": "effect-end", "property": "value", "value": None},
        {"id": "effect-section", "property": "value", "value": "plant"},
        {"id": "effect-direction", "property": "value", "value": "all"}])
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
        {"id": "effect-period", "property": "value", "value": "months"},
        {"id": "effect-from", "property": "value", "value": months[0]},
        {"id": "effect-to", "property": "value", "value": months[1]},
        {"id": "effect-start", "property": "value", "value": None},
        {"id": "effect-end", "property": "value", "value": None},
        {"id": "effect-section", "property": "value", "value": "all"},
        {"id": "effect-direction", "property": "value", "value": "all"}]).json["response"]["effect-cards"])
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


def _drawn(client, search: str) -> tuple[dict, str]:
    """The page as the router draws it for this address: each field's value by id, and the whole tree as text."""
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/targeting/effectiveness"}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    assert response.status_code == 200
    return ({props["id"]: props.get("value") for _type, props in components(response.json)
             if isinstance(props.get("id"), str)}, json.dumps(response.json))


def _figures(app, client, values: dict):
    """The page's answer to the fields as drawn."""
    return dash_callback(client, find_key(app, "effect-cards.children"), inputs=[
        {"id": name, "property": "value", "value": values.get(name)}
        for name in ("effect-period", "effect-from", "effect-to", "effect-start", "effect-end", "effect-section",
                     "effect-direction")])


def test_the_kpi_cards_custom_period_opens_the_page_on_its_days_with_the_cards_figures(app, logged_in, session):
    """A custom period of 10–31 March counted one decision on the card, and its link opened the page on the whole
    of March: two."""
    company = gen_service_user(session, name="PT Periode Hari")
    for day in (3, 20):
        at = datetime(2026, 3, day, 3, 0, tzinfo=timezone.utc)
        application = gen_application(session, company, submitted_at=at, stages=("submitted", "certified"))
        gen_decision(session, application, draw=0.1, flags=(), decided_at=at)
    session.commit()
    client = logged_in("head")
    card = _targeting_card(app, client, "2026-03-10", "2026-03-31")
    assert "(1 dari 1)" in json.dumps(card)
    path, _, search = card["props"]["href"].partition("?")
    assert path == "/targeting/effectiveness"
    values, _tree = _drawn(client, "?" + search)
    assert (values["effect-period"], values["effect-start"], values["effect-end"]) == \
        ("custom", "2026-03-10", "2026-03-31")
    body = _figures(app, client, values).json["response"]
    assert [row["decisions"] for row in body["effect-grid"]["rowData"]] == [1]
    assert "100,0% dari 1 konsinyasi" in json.dumps(body["effect-cards"])
    assert body["effect-start-col"]["style"] == {} and body["effect-from-col"]["style"] == {"display": "none"}


@pytest.mark.parametrize("search", [
    "?period=custom&start=2026-03-20&end=2026-03-01",   # the end before the start
    "?period=custom&start=2026-03-05",                  # no end
    "?period=custom&start=2020-01-01&end=2026-03-01",   # longer than any panel's period
    "?period=custom&start=0001-01-01&end=0001-01-02",   # a date no office's midnight can be computed for
    "?from=0001-01&to=0001-02", "?from=abc&to=2026-03"])
def test_a_period_in_the_address_the_page_cannot_use_opens_the_default_months_and_says_why(app, logged_in, search):
    client = logged_in("head")
    default, _tree = _drawn(client, "")
    values, tree = _drawn(client, search)
    assert 'effect-address-error' in tree and "tidak dapat dipakai" in tree
    assert {name: values[name] for name in ("effect-period", "effect-from", "effect-to", "effect-start")} == \
        {name: default[name] for name in ("effect-period", "effect-from", "effect-to", "effect-start")}
    assert _figures(app, client, values).status_code == 200


@pytest.mark.parametrize("period, values, field", [
    ("custom", {"effect-start": "0001-01-01", "effect-end": "0001-01-02"}, "effect-start"),
    ("custom", {"effect-start": "2026-03-05", "effect-end": "2026-13-40"}, "effect-end"),
    ("months", {"effect-from": "0001-01", "effect-to": "0001-02"}, "effect-from")])
def test_a_period_the_browser_sends_that_is_none_is_refused_in_its_field_not_with_an_error(app, logged_in, period,
                                                                                          values, field):
    """The callback checks what it is sent as the address is checked: year 1 answered 500 (no midnight to compute)."""
    response = _figures(app, logged_in("head"), {"effect-period": period, "effect-section": "all", **values})
    assert response.status_code == 200
    assert response.json["response"][field]["invalid"] is True


def test_the_kpi_cards_direction_opens_the_page_on_that_direction_with_the_cards_figures(app, logged_in, session):
    """With "Impor" chosen on the panel the card counted the imports only, and its link opened the page on every
    direction (15,181 decisions on the card, 27,333 on the page)."""
    company = gen_service_user(session, name="PT Arah Kartu")
    for day, direction in ((5, "export"), (6, "export"), (7, "import")):
        at = datetime(2026, 3, day, 3, 0, tzinfo=timezone.utc)
        application = gen_application(session, company, submitted_at=at, direction=direction,
                                      stages=("submitted", "certified"))
        gen_decision(session, application, draw=0.1, flags=(), decided_at=at)
    session.commit()
    client = logged_in("head")
    card = _targeting_card(app, client, "2026-03-01", "2026-03-31", direction="import")
    assert "(1 dari 1)" in json.dumps(card)
    path, _, search = card["props"]["href"].partition("?")
    assert path == "/targeting/effectiveness"
    values, tree = _drawn(client, "?" + search)
    assert (values["effect-direction"], values["effect-from"], values["effect-to"]) == ("import", "2026-03", "2026-03")
    assert "effect-address-direction-error" not in tree
    body = _figures(app, client, values).json["response"]
    assert [row["decisions"] for row in body["effect-grid"]["rowData"]] == [1]
    assert "100,0% dari 1 konsinyasi" in json.dumps(body["effect-cards"])
    assert body["effect-direction"]["invalid"] is False
    # The select offers the panel's directions under the panel's words.
    select = next(props for _type, props in components(json.loads(tree)) if props.get("id") == "effect-direction")
    assert [option["label"] for option in select["options"]] == \
        ["Semua arah", "Ekspor", "Impor", "Antar area keluar", "Antar area masuk"]


@pytest.mark.parametrize("search", ["?direction=sideways", "?from=2026-01&to=2026-03&direction=EXPORT"])
def test_a_direction_in_the_address_the_page_does_not_know_opens_all_directions_and_says_why(app, logged_in,
                                                                                            search):
    client = logged_in("head")
    values, tree = _drawn(client, search)
    assert "effect-address-direction-error" in tree and "Arah di alamat halaman ini tidak dikenali" in tree
    assert values["effect-direction"] == "all"
    assert _figures(app, client, values).status_code == 200


def test_a_direction_the_browser_sends_that_is_none_is_refused_in_its_field_not_with_an_error(app, logged_in):
    response = _figures(app, logged_in("head"), {"effect-period": "months", "effect-section": "all",
                                                 "effect-direction": "sideways"})
    assert response.status_code == 200
    body = response.json["response"]
    assert body["effect-direction"]["invalid"] is True
    assert "Arah tidak dikenali" in body["effect-direction-feedback"]["children"]
    assert "effect-cards" not in body  # the last figures stay: none drawn for a direction that is none


def _targeting_card(app, client, first: str, last: str, direction: str = "all") -> dict:
    """The KPI panel's targeting card for a custom period of days, every section."""
    panel = dash_callback(client, find_key(app, "kpi-cards.children"), inputs=[
        {"id": "kpi-preset", "property": "value", "value": "custom"},
        {"id": "kpi-from", "property": "value", "value": first},
        {"id": "kpi-to", "property": "value", "value": last},
        {"id": "kpi-section", "property": "value", "value": "all"},
        {"id": "kpi-direction", "property": "value", "value": direction},
        {"id": "kpi-refresh", "property": "data", "value": 0},
        {"id": "kpi-office", "property": "value", "value": None}]).json["response"]["kpi-cards"]["children"]
    return next(card for card in panel if card["props"]["id"] == "kpi-card-targeting")
