"""The national view of the KPI: the offices side by side (each row the office's own KPI panel figures) and an
office chooser on the KPI panel that only a scope reading several offices may use."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from callbacks.offices import chart
from layouts.components.formatting import format_per_thousand
from models import Office
from portal.services.kpi import offices as offices_service, panel as kpi
from portal.security.scope import system_scope
from support.factories import office_id
from support.kpi_data import build_committed
from support.web import dash_callback, login, logout

MARCH = [{"id": "offices-preset", "property": "value", "value": "custom"},
         {"id": "offices-from", "property": "value", "value": "2026-03-01"},
         {"id": "offices-to", "property": "value", "value": "2026-03-31"},
         {"id": "offices-section", "property": "value", "value": "all"},
         {"id": "offices-metric", "property": "value", "value": "sla_share"}]


@pytest.fixture
def data(session):
    """The KPI scene (March 2026 in office 0300) and a second office with no traffic."""
    built = build_committed(session)
    session.add(Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta"))
    session.commit()
    return built


def _key(app, fragment: str) -> str:
    found = [key for key in app.callback_map if fragment in key]
    assert len(found) == 1, found
    return found[0]


def _kpi_inputs(office) -> list[dict]:
    return [{"id": "kpi-preset", "property": "value", "value": "custom"},
            {"id": "kpi-from", "property": "value", "value": "2026-03-01"},
            {"id": "kpi-to", "property": "value", "value": "2026-03-31"},
            {"id": "kpi-section", "property": "value", "value": "all"},
            {"id": "kpi-direction", "property": "value", "value": "all"},
            {"id": "kpi-refresh", "property": "data", "value": 0},
            {"id": "kpi-office", "property": "value", "value": office}]


def test_each_office_row_holds_the_figures_of_its_own_kpi_panel(session, data):
    span = kpi.period("custom", date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31))
    rows = {row["code"]: row for row in offices_service.side_by_side(session, system_scope(), span)["rows"]}
    assert set(rows) == {"0300", "0400"}
    own = kpi.figures(session, office_id(session), span.start, span.end, with_monthly=False)
    home = rows["0300"]
    assert home["applications_completed"] == own["applications_completed"] == 4
    assert home["median_hours"] == own["service_time"]["median_hours"]
    assert home["p90_hours"] == own["service_time"]["p90_hours"]
    assert home["sla_share"] == own["service_time"]["within_sla_share"]
    assert home["violations_per_1000"] == own["violations_per_1000"]
    assert home["ikm"] == own["ikm"]["ikm"]
    empty = rows["0400"]
    assert empty["applications_completed"] == 0 and empty["median_hours"] is None and not empty["has_data"]


def test_the_chart_leaves_out_offices_without_a_figure_and_puts_the_best_first():
    rows = [{"code": "0300", "sla_share": 0.5}, {"code": "0400", "sla_share": None}, {"code": "0500", "sla_share": 0.9}]
    assert [row["code"] for row in offices_service.chart_order(rows, "sla_share")] == ["0500", "0300"]
    rows = [{"code": "0300", "median_hours": 30.0}, {"code": "0500", "median_hours": 6.0}]
    assert [row["code"] for row in offices_service.chart_order(rows, "median_hours")] == ["0500", "0300"]


def test_the_sla_share_chart_says_percent_on_its_ticks_and_the_other_measures_do_not():
    rows = [{"code": "0300", "name": "A", "sla_share": 0.5, "median_hours": 30.0},
            {"code": "0500", "name": "B", "sla_share": 0.9, "median_hours": 6.0}]
    figure, _answer = chart(rows, "sla_share")
    assert figure["layout"]["xaxis"]["ticksuffix"] == "%" and figure["data"][0]["x"] == [50.0, 90.0]
    assert figure["layout"]["xaxis"]["range"] == [0, 100]  # against the whole: ticks to 40 % under a 51 % bar misread
    figure, _answer = chart(rows, "median_hours")
    assert "ticksuffix" not in figure["layout"]["xaxis"] and "range" not in figure["layout"]["xaxis"]


def test_the_sla_share_chart_says_percent_once_on_its_ticks_not_again_in_its_axis_title():
    rows = [{"code": "0300", "name": "A", "sla_share": 0.5}, {"code": "0500", "name": "B", "sla_share": 0.9}]
    figure, answer = chart(rows, "sla_share")
    axis = figure["layout"]["xaxis"]
    assert axis["ticksuffix"] == "%" and axis["title"]["text"] == "Bagian dalam SLA"  # no "(%)" after the name
    assert figure["data"][0]["text"] == ["50%", "90%"] and "%{text}" in figure["data"][0]["hovertemplate"]
    assert "(%)" not in answer and "(90%)" in answer


def test_one_office_compared_is_drawn_as_one_bar_of_a_full_charts_thickness():
    """Plotly stretched a lone office's bar over the chart's whole height: the axis keeps room for six bars."""
    one = [{"code": "0300", "name": "A", "sla_share": 0.5}]
    axis = chart(one, "sla_share")[0]["layout"]["yaxis"]
    low, high = axis["range"]
    assert high - low == 6 and (low + high) / 2 == 0  # six bars' room, the one bar in the middle
    three = [{"code": f"0{n}00", "name": "A", "sla_share": n / 10} for n in (3, 4, 5)]
    low, high = chart(three, "sla_share")[0]["layout"]["yaxis"]["range"]
    assert high - low == 6 and (low + high) / 2 == 1
    many = [{"code": f"0{n}00", "name": "A", "sla_share": n / 10} for n in range(1, 8)]
    assert "range" not in chart(many, "sla_share")[0]["layout"]["yaxis"]  # a full chart: plotly's own range


def test_the_chart_grows_with_the_offices_compared_so_each_bar_keeps_its_room():
    """The national office compares dozens: a fixed 360 px gave 30 offices' names and bars 12 px each."""
    thirty = [{"code": f"{n:04d}", "name": "A", "sla_share": n / 40} for n in range(1, 31)]
    assert chart(thirty, "sla_share")[0]["layout"]["height"] >= 28 * 30
    assert chart(thirty[:3], "sla_share")[0]["layout"]["height"] == 360  # a few offices keep the usual height


def test_the_chart_answer_names_one_office_once_when_it_is_the_only_one_with_figures():
    rows = [{"code": "0300", "name": "BBKP Soekarno-Hatta", "sla_share": 0.52, "median_hours": 23.2}]
    _figure, answer = chart(rows, "sla_share")
    assert answer.count("0300") == 1 and "terendah" not in answer and "52%" in answer
    assert "pembanding" in answer


def test_a_national_reader_sees_every_office_side_by_side(app, logged_in, data):
    response = dash_callback(logged_in("national"), _key(app, "offices-grid.rowData"), MARCH)
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert [row["office"][:4] for row in body["offices-grid"]["rowData"]] == ["0300", "0400"]
    assert "0300" in body["offices-chart-answer"]["children"]
    # The graph's box is the figure's height: the container, not plotly, decides a responsive chart's size.
    assert body["offices-chart"]["style"] == {"height": f"{body['offices-chart']['figure']['layout']['height']}px"}


def test_the_period_label_counts_one_office_in_the_singular_in_english(app, client, make_user, session):
    """English read "1 Dec 2026 – 6 Dec 2026 · 1 offices"; Indonesian has no plural ("1 UPT", "2 UPT")."""
    def label(username: str) -> str:
        logout(client)
        assert login(client, username).status_code == 302
        response = dash_callback(client, _key(app, "offices-grid.rowData"), MARCH)
        return response.get_json()["response"]["offices-period-label"]["children"]

    make_user("national_en", "national", language="en")
    make_user("national_id", "national")
    assert label("national_en") == "1 Mar 2026 – 31 Mar 2026 · 1 office"
    assert label("national_id") == "1 Mar 2026 – 31 Mar 2026 · 1 UPT"
    session.add(Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta"))
    session.commit()
    assert label("national_en") == "1 Mar 2026 – 31 Mar 2026 · 2 offices"
    assert label("national_id") == "1 Mar 2026 – 31 Mar 2026 · 2 UPT"


def test_an_office_reader_cannot_open_the_offices_side_by_side(app, logged_in, data):
    assert dash_callback(logged_in("head"), _key(app, "offices-grid.rowData"), MARCH).status_code == 403


def test_a_national_reader_opens_the_kpi_panel_of_another_office(app, logged_in, session, data):
    client = logged_in("national")
    other = office_id(session, "0400")
    options = dash_callback(client, _key(app, "kpi-office.options"),
                            [{"id": "kpi-office", "property": "id", "value": "kpi-office"}])
    assert str(other) in {option["value"] for option in options.get_json()["response"]["kpi-office"]["options"]}
    home = dash_callback(client, _key(app, "kpi-cards.children"), _kpi_inputs("home")).get_json()
    away = dash_callback(client, _key(app, "kpi-cards.children"), _kpi_inputs(str(other))).get_json()
    assert "kpi-cards" in home["response"] and "kpi-cards" in away["response"]
    assert home["response"]["kpi-cards"] != away["response"]["kpi-cards"]


def test_a_head_of_office_cannot_open_another_offices_kpi_panel(app, logged_in, session, data):
    client = logged_in("head")
    other = office_id(session, "0400")
    options = dash_callback(client, _key(app, "kpi-office.options"),
                            [{"id": "kpi-office", "property": "id", "value": "kpi-office"}])
    assert [option["value"] for option in options.get_json()["response"]["kpi-office"]["options"]] == ["home"]
    refused = dash_callback(client, _key(app, "kpi-cards.children"), _kpi_inputs(str(other)))
    assert "kpi-cards" not in (refused.get_json() or {}).get("response", {})


def _links(response: dict) -> dict[str, str | None]:
    """Each card's address by its key (None: the card is no link)."""
    return {card["props"]["id"].removeprefix("kpi-card-"): card["props"].get("href")
            for card in response["response"]["kpi-cards"]["children"]}


def test_another_offices_panel_leads_only_to_that_offices_ranking(app, logged_in, session, data):
    # The lists behind the other cards are of the reader's reach, not of the office on the panel: a link into them
    # would show other figures than the card's. The ranking can be the chosen office's.
    client = logged_in("national")
    other = office_id(session, "0400")
    away = _links(dash_callback(client, _key(app, "kpi-cards.children"), _kpi_inputs(str(other))).get_json())
    assert away.pop("compliance") == f"/rankings?office={other}"
    assert set(away.values()) == {None}, away
    home = _links(dash_callback(client, _key(app, "kpi-cards.children"), _kpi_inputs("home")).get_json())
    assert home["compliance"] == "/rankings" and home["certificates"] == "/applications"
    assert home["violations"] == "/nnc" and home["complaints"] == "/complaints"


def _value(component, component_id: str):
    """The children of the component with this id, anywhere in a Dash layout given as JSON."""
    if isinstance(component, list):
        return next((found for part in component if (found := _value(part, component_id)) is not None), None)
    if isinstance(component, dict):
        props = component.get("props", {})
        return props.get("children") if props.get("id") == component_id else _value(props.get("children"),
                                                                                      component_id)
    return None


def test_the_violation_rate_reads_the_same_on_the_kpi_card_and_in_the_office_comparison(app, logged_in, session,
                                                                                        data):
    # The card wrote 5,5 and the comparison 5,48 for the same kind of figure: one rule (one decimal) for both.
    client = logged_in("national")
    cards = dash_callback(client, _key(app, "kpi-cards.children"), _kpi_inputs("home")).get_json()
    card = _value(cards["response"]["kpi-cards"]["children"], "kpi-value-violations")
    grid = dash_callback(client, _key(app, "offices-grid.rowData"), MARCH).get_json()["response"]
    home = next(row for row in grid["offices-grid"]["rowData"] if row["office"].startswith("0300"))
    assert home["violations_per_1000"] is not None
    assert home["rate_text"] == card == format_per_thousand(home["violations_per_1000"])
    assert "," in card and len(card.rsplit(",", 1)[1]) == 1  # one decimal


def test_on_a_phone_each_office_is_one_stacked_row_that_names_its_figures():
    """The office column was pinned at 300 px: a 390 px phone showed it and one figure, the rest off the screen."""
    from callbacks.offices import grid_row
    from layouts.components.grid import PHONE_COLUMN
    from layouts.offices import grid_columns, layout

    stacked = [column for column in grid_columns() if column.get("colId") == PHONE_COLUMN]
    assert len(stacked) == 1 and stacked[0]["hide"] is True
    labels = stacked[0]["cellRendererParams"]["labels"]
    assert labels["sla_text"] == "Dalam SLA" and labels["rate_text"] == "Pelanggaran per 1.000"
    drawn = str(layout(SimpleNamespace(section_scope=None)))  # a national reader: every section
    assert "qcPhoneColumn" in drawn
    row = grid_row({"office_id": 1, "code": "0300", "name": "BBKP Soekarno-Hatta", "applications_completed": 12345,
                    "median_hours": 20.0, "p90_hours": 30.0, "sla_share": 0.5, "ikm": None, "ikm_grade": None,
                    "violations_per_1000": 5.48, "tiers": {"A": 3, "D": 1}})
    assert row["completed_text"] == "12.345" and row["tiers_text"] == "A 3 · B 0 · C 0 · D 1"
    fields = {field for line in stacked[0]["cellRendererParams"]["lines"] for field in line}
    assert fields <= set(row)


def test_clicking_an_office_opens_its_kpi_panel_on_the_pages_period_and_section(app, logged_in, session, data):
    """The page says each row's figures are the office's KPI panel's: the panel opens on the period and section the
    row was drawn for, not on its default "Bulan ini"."""
    client = logged_in("national")
    other = office_id(session, "0400")
    key = _key(app, "offices-go.href")

    def opened(preset, date_from, date_to, section, office=other):
        state = [{"id": "offices-preset", "property": "value", "value": preset},
                 {"id": "offices-from", "property": "value", "value": date_from},
                 {"id": "offices-to", "property": "value", "value": date_to},
                 {"id": "offices-section", "property": "value", "value": section}]
        response = dash_callback(client, key, [{"id": "offices-grid", "property": "cellClicked",
                                                "value": {"rowId": str(office), "colId": "office"}}], state)
        return response.get_json()["response"]["offices-go"]["href"]

    assert opened("last_month", None, None, "plant") == f"/kpi?office={other}&period=last_month&section=plant"
    assert opened("custom", "2026-03-01", "2026-03-31", "all") == \
        f"/kpi?office={other}&period=custom&from=2026-03-01&to=2026-03-31"
    assert opened("this_month", "2026-03-01", "2026-03-31", "all") == f"/kpi?office={other}"  # the panel's default
    # The reader's own office opens as the panel's "UPT asal" choice.
    assert opened("last_month", None, None, "all", office_id(session)) == "/kpi?period=last_month"


def test_the_violation_rate_has_one_name_on_the_kpi_panel_and_in_the_office_comparison():
    """/offices said "per 1.000 permohonan", the KPI card "per 1.000 konsinyasi" for the same figure (DOMAIN.md:
    violation rate per 1,000 consignments): one translation key."""
    from layouts.offices import metric_label
    from portal.i18n import t

    rows = [{"code": "0300", "name": "A", "violations_per_1000": 5.0}, {"code": "0500", "name": "B",
                                                                        "violations_per_1000": 2.0}]
    figure, answer = chart(rows, "violations_per_1000")
    assert metric_label("violations_per_1000") == t("kpi.card.violations") == "Pelanggaran per 1.000 konsinyasi"
    assert figure["layout"]["xaxis"]["title"]["text"] == t("kpi.card.violations")
    assert answer.startswith("Pelanggaran per 1.000 konsinyasi:")
    assert "konsinyasi" in t("offices.help.violation_rate") and "permohonan" not in t("offices.help.violation_rate")
    assert "consignments" in t("offices.help.violation_rate", language="en")


def test_a_lone_office_is_drawn_in_a_neutral_colour_not_the_worst_one():
    """With one office the ranked measures drew its bar red, the "worst" of one; the SLA share keeps its bands."""
    from callbacks.offices import NEUTRAL, POOR, GOOD

    one = [{"code": "0300", "name": "A", "ikm": 84.65, "median_hours": 20.0, "violations_per_1000": 3.0,
            "sla_share": 0.5}]
    for metric in ("ikm", "median_hours", "violations_per_1000"):
        assert chart(one, metric)[0]["data"][0]["marker"]["color"] == [NEUTRAL], metric
    assert chart(one, "sla_share")[0]["data"][0]["marker"]["color"] == [POOR]  # under 75 %: red on its own
    two = one + [{"code": "0500", "name": "B", "ikm": 90.0}]
    assert chart(two, "ikm")[0]["data"][0]["marker"]["color"] == [POOR, GOOD]  # drawn bottom-up: the worst first
    same = [dict(one[0]), {"code": "0500", "name": "B", "ikm": 84.65}]
    assert chart(same, "ikm")[0]["data"][0]["marker"]["color"] == [NEUTRAL, NEUTRAL]


def test_offices_opened_on_a_period_they_cannot_read_say_so_instead_of_an_empty_table_and_chart(app, logged_in, data):
    backwards = [{**field, "value": "2026-02-01"} if field["id"] == "offices-to" else field for field in MARCH]
    body = dash_callback(logged_in("national"), _key(app, "offices-grid.rowData"), backwards).get_json()["response"]
    reason = "Belum ada angka: isi atau perbaiki periode di atas."
    assert body["offices-grid"]["rowData"] == [] and body["offices-to"]["invalid"] is True
    assert body["offices-chart"]["figure"]["layout"]["annotations"][0]["text"].replace("<br>", " ") == reason
    assert body["offices-chart-answer"]["children"]["props"]["children"] == reason
