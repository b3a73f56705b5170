"""The KPI panel's cards against the previous period: an empty previous period is "no comparison" on every card
(never "▲ 26.029 vs 0"), and money changes are written in Rupiah."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from support.kpi_data import build_committed
from support.web import dash_callback, pager_body, pager_state


@pytest.fixture
def data(session):
    return build_committed(session)


def _key(app) -> str:
    found = [key for key in app.callback_map if "kpi-cards.children" in key]
    assert len(found) == 1
    return found[0]


def _stages(client, inputs: list[dict]):
    """The stage table as its own callback answers it once the cards' answer is drawn (kpi-drawn): apart from the
    cards, so the browser draws each in a task of its own (both in one took 130–280 ms)."""
    return dash_callback(client, "kpi-stages.children", [{"id": "kpi-drawn", "property": "data", "value": 1}], inputs)


def test_the_stage_table_is_asked_for_once_the_cards_are_drawn_not_beside_them(app):
    """Asked beside the cards, two gunicorn workers each computed a cold panel (the view cache waits for a computation
    within one process only): the table follows the cards' answer and reads the panel it cached."""
    spec = app.callback_map["kpi-stages.children"]
    assert [(i["id"], i["property"]) for i in spec["inputs"]] == [("kpi-drawn", "data")]
    declared = next(c for c in app._callback_list if c["output"] == "kpi-stages.children")
    assert declared["prevent_initial_call"] is True


def _text(component) -> str:
    """The visible text of a Dash component tree as JSON."""
    if isinstance(component, (list, tuple)):
        return " ".join(_text(part) for part in component)
    if isinstance(component, dict):
        return _text(component.get("props", {}).get("children"))
    return "" if component is None else str(component)


def _panel(app, client, preset="custom", date_from=None, date_to=None, section="all", direction="all") -> list:
    """The panel's cards as the page asks for them."""
    inputs = [{"id": "kpi-preset", "property": "value", "value": preset},
              {"id": "kpi-from", "property": "value", "value": date_from},
              {"id": "kpi-to", "property": "value", "value": date_to},
              {"id": "kpi-section", "property": "value", "value": section},
              {"id": "kpi-direction", "property": "value", "value": direction},
              {"id": "kpi-refresh", "property": "data", "value": 0},
              {"id": "kpi-office", "property": "value", "value": "home"}]
    response = dash_callback(client, _key(app), inputs)
    assert response.status_code == 200
    return response.get_json()["response"]["kpi-cards"]["children"]


def _cards(app, client, date_from: str, date_to: str) -> dict[str, str]:
    """Each card's text by its id (kpi-card-<key>), for a custom period."""
    cards = _panel(app, client, date_from=date_from, date_to=date_to)
    return {card["props"]["id"].removeprefix("kpi-card-"): _text(card) for card in cards}


def test_a_previous_period_without_any_data_gives_no_comparison_on_any_card(app, logged_in, data):
    # 10 Feb – 31 Mar 2026 holds every application; the 50 days before it hold nothing.
    cards = _cards(app, logged_in("head"), "2026-02-10", "2026-03-31")
    assert "4" in cards["certificates"]
    for key in ("certificates", "in-progress", "service-time", "fees", "violations", "ikm"):
        assert "tidak ada pembanding" in cards[key], (key, cards[key])
        assert "▲" not in cards[key] and "▼" not in cards[key] and "vs" not in cards[key], (key, cards[key])


def _copied_since_2025(session) -> None:
    """An application handed over in January 2025: the copy of the certification data begins there, so February
    2026 is covered whole (the fixture's own first application is of 10 February)."""
    from support.factories import gen_application, gen_service_user
    from support.kpi_data import HAPPY, at
    from portal.services.kpi.rollup import refresh_kpi_rollups

    early = gen_application(session, gen_service_user(session, name="PT Lama"), submitted_at=at(2025, 1, 6, 1),
                            stages=HAPPY, step=timedelta(hours=1))
    refresh_kpi_rollups(session, [early.id])
    session.commit()


def test_a_previous_period_with_data_is_compared_and_money_changes_in_rupiah(app, logged_in, session, data):
    # March against 1 – 28 Feb: paid Rp 425.000 against Rp 100.000, certificates 3 against 1.
    _copied_since_2025(session)
    cards = _cards(app, logged_in("head"), "2026-03-01", "2026-03-31")
    # no-break spaces: "Rp" never ends a line of a narrow card with its amount on the next
    assert "▲ Rp\u00a0325.000 (325%)" in cards["fees"] and "vs Rp\u00a0100.000 periode sebelumnya" in cards["fees"]
    assert "▲ 200%" in cards["certificates"] and "vs 1 periode sebelumnya" in cards["certificates"]
    assert "tidak ada pembanding" not in cards["certificates"]


def test_a_previous_period_the_copy_covers_only_in_part_is_no_baseline_and_the_label_says_where_the_copy_begins(
        app, logged_in, session, data):
    """The demo's copy began on 20 August: "this quarter" read "▲ 290%" against the first 69 days of a third quarter
    it held from 20 August only. Here the copy begins on 10 February, and March is compared with February."""
    client = logged_in("head")
    cards = _cards(app, client, "2026-03-01", "2026-03-31")
    for key in ("certificates", "service-time", "fees", "violations"):
        assert "tidak ada pembanding" in cards[key] and "▲" not in cards[key], (key, cards[key])
    label = dash_callback(client, _key(app), _custom_inputs("2026-03-01", "2026-03-31")).get_json()["response"][
        "kpi-period-label"]["children"]
    assert "Salinan data IQFast di Q-Corner dimulai 10 Feb 2026" in _text(label)
    # A period compared with one the copy covers whole says nothing of it.
    _copied_since_2025(session)
    cards = _cards(app, client, "2026-03-01", "2026-03-31")
    assert "▲ 200%" in cards["certificates"]
    label = dash_callback(client, _key(app), _custom_inputs("2026-03-01", "2026-03-31")).get_json()["response"][
        "kpi-period-label"]["children"]
    assert "Salinan" not in _text(label)


def test_a_period_compared_with_as_many_days_before_it_says_so_in_its_label(app, logged_in, data):
    """"This quarter" (1 Okt – 8 Des) against 1 Jul – 7 Sep: the end drifted from today's date with no word of why."""
    client = logged_in("head")
    label = dash_callback(client, _key(app), _custom_inputs("2026-03-10", "2026-03-19")).get_json()[
        "response"]["kpi-period-label"]["children"]
    assert "dibandingkan dengan 28 Feb 2026 – 9 Mar 2026 (sama-sama 10 hari)" in _text(label)
    whole = dash_callback(client, _key(app), _custom_inputs("2026-03-01", "2026-03-31")).get_json()[
        "response"]["kpi-period-label"]["children"]
    assert "sama-sama" not in _text(whole)  # March against February: whole months, not as many days
    # August against July, both of 31 days: whole months all the same.
    august = dash_callback(client, _key(app), _custom_inputs("2026-08-01", "2026-08-31")).get_json()[
        "response"]["kpi-period-label"]["children"]
    assert "dibandingkan dengan 1 Jul 2026 – 31 Jul 2026" in _text(august) and "sama-sama" not in _text(august)


def test_the_service_marks_which_periods_hold_data(session, data):
    from datetime import date

    from support.factories import office_id
    from portal.services.kpi import panel as kpi

    span = kpi.period("custom", date(2026, 3, 31), date(2026, 2, 10), date(2026, 3, 31))
    figures = kpi.panel(session, office_id(session), span, today=date(2026, 3, 31))
    assert figures["current"]["has_data"] is True and figures["previous"]["has_data"] is False
    assert kpi.change(figures["current"]["certificates_issued"], figures["previous"]["certificates_issued"],
                      figures["previous"]["has_data"]) is None


def test_a_previous_period_holding_only_nncs_is_no_baseline_for_the_application_cards(app, logged_in, session,
                                                                                      data):
    """Three NNCs in an empty semester made "▲ 31.686 vs 0" of the certificates, fees and applications in progress:
    each card compares only with a period holding its own data (the applications of the period; for the applications
    in progress, any application submitted by the period's end)."""
    from datetime import date

    from support.kpi_data import gen_nnc

    gen_nnc(session, "NNC/JAN", "received", date(2026, 1, 15), "plant")  # 22 Dec – 9 Feb: this NNC and nothing else
    session.commit()
    cards = _cards(app, logged_in("head"), "2026-02-10", "2026-03-31")
    for key in ("certificates", "in-progress", "service-time", "fees", "violations", "ikm"):
        assert "tidak ada pembanding" in cards[key], (key, cards[key])
        assert "vs" not in cards[key], (key, cards[key])


def test_applications_in_progress_compare_with_a_quiet_period_once_applications_were_submitted(app, logged_in, data):
    # June against 2 – 31 May: nothing happened in either, but A4 (submitted 25 March) is still in progress at both
    # ends; the other cards have no figures of May to compare with.
    cards = _cards(app, logged_in("head"), "2026-06-01", "2026-06-30")
    assert "sama dengan periode sebelumnya" in cards["in-progress"], cards["in-progress"]
    for key in ("certificates", "service-time", "fees", "violations"):
        assert "tidak ada pembanding" in cards[key], (key, cards[key])


def test_the_service_says_per_card_whether_a_period_is_a_baseline(session, data):
    from datetime import date

    from support.factories import office_id
    from support.kpi_data import gen_nnc
    from portal.services.kpi import panel as kpi

    gen_nnc(session, "NNC/JAN", "received", date(2026, 1, 15), "plant")
    figures = kpi.figures_for(session, office_id(session), [(date(2025, 12, 22), date(2026, 2, 9)),
                                                            (date(2026, 5, 2), date(2026, 5, 31))], chart=False)
    only_nncs, quiet = figures
    assert only_nncs["has_data"] is True  # something is recorded: an NNC
    assert set(only_nncs["comparable"].values()) == {False}
    assert quiet["comparable"] == {"certificates": False, "service_time": False, "fees": False, "violations": False,
                                   "in_progress": True}


def test_the_complaints_card_counts_first_responses_on_time_and_late(app, logged_in, data):
    # March: PG-2 and PG-3 answered the day they came (due 11 and 12 Mar), PG-1 is still new past 10 Mar.
    cards = _cards(app, logged_in("head"), "2026-03-01", "2026-03-31")
    assert "Tanggapan pertama: 2 tepat waktu · 1 terlambat" in cards["complaints"]
    # "7 lewat batas waktu saat ini" beside "0 terlambat" read as a contradiction: two deadlines, two time frames.
    assert "melewati batas waktu penyelesaian saat ini" in cards["complaints"]
    assert "tanggapan pertama punya batasnya sendiri, 3 hari kerja" in cards["complaints"]


def test_a_short_amount_keeps_rp_its_number_and_unit_on_one_line():
    """The big PNBP figure "Rp 231,11 jt" once broke before "jt" on a 1366 px screen."""
    from callbacks.kpi import money_short

    assert money_short(231_110_000) == "Rp\u00a0231,11\u00a0jt"


def test_the_cards_lead_to_their_lists_with_the_panels_section_and_direction(app, logged_in, data):
    links = {}
    for card in _panel(app, logged_in("head"), "this_month", section="plant", direction="export"):
        address = urlsplit(card["props"]["href"])
        links[card["props"]["id"].removeprefix("kpi-card-")] = (address.path, dict(parse_qsl(address.query)))
    assert links["fees"] == ("/applications", {"section": "plant", "direction": "export"})
    # The cards counting the period's completed applications lead to them: completed in the period's days.
    start, end = links["certificates"][1]["from"], links["certificates"][1]["to"]
    # The in-progress card to those not completed by the period's last day.
    assert links["in-progress"] == ("/applications", {"section": "plant", "direction": "export",
                                                      "dates": "in_progress", "to": end})
    assert start.endswith("-01") and start[:7] == end[:7]  # this month, its first day to today
    for key in ("certificates", "service-time"):
        assert links[key] == ("/applications", {"section": "plant", "direction": "export", "dates": "completed",
                                                "from": start, "to": end, "sort": "completed_desc"}), (key, links[key])
    # The panel counts an export's NNCs as received ones (an NNC records no direction, only its flow).
    assert links["violations"] == ("/nnc", {"section": "plant", "flow": "received"})
    # The card counts the stored scores of the default window by section: no direction in its ranking either.
    assert links["compliance"] == ("/rankings", {"section": "plant"})
    assert links["complaints"] == ("/complaints", {})  # complaints are not kept per section


def _listed(app, client, href: str) -> tuple[int, list[str]]:
    """Follow a card's link into the applications list: its filters as the page draws them from the address, then the
    list's callback with them (the total the list shows, and the first page's numbers)."""
    from callbacks.applications import FILTER_IDS
    from layouts import applications as applications_layout
    from layouts.components.url_filters import parse
    from portal.security.access import callback_permissions

    address = urlsplit(href)
    assert address.path == "/applications"
    values = parse(address.query, applications_layout.URL_FIELDS)
    defaults = {field.component_id: field.default for field in applications_layout.URL_FIELDS}
    inputs = [{"id": component, "property": "value", "value": values.get(component, defaults.get(component) or "")}
              for component in FILTER_IDS + ["applications-sort"]]
    inputs += [*pager_body("applications")]
    key = next(key for key in callback_permissions(app) if "applications-grid.rowData" in key)
    response = dash_callback(client, key, inputs, pager_state("applications-page", 0),
                             ["applications-number.value"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    total = int(body["applications-count"]["children"].rsplit(" ", 1)[-1]) if body["applications-grid"]["rowData"] \
        else 0
    return total, [row["number"] for row in body["applications-grid"]["rowData"]]


@pytest.mark.parametrize("section, direction", [("all", "all"), ("plant", "export")])
def test_a_card_of_completed_applications_leads_to_as_many_applications_as_the_card_counts(app, logged_in, session,
                                                                                           data, section, direction):
    """March 2026 at office 0300 (WIB): A1, A2, A3 (A3 an animal import) and A5 (refused) completed; A7 was handed
    over at 31 March 17:00 UTC, 1 April in WIB, so neither the card nor its list counts it."""
    from datetime import date

    from support.factories import office_id
    from portal.services.kpi import panel as kpi

    client = logged_in("head")
    span = kpi.period("custom", date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31))
    figures = kpi.panel(session, office_id(session), span, None if section == "all" else section,
                        None if direction == "all" else direction, today=date(2026, 3, 31))
    completed = figures["current"]["applications_completed"]
    assert completed == (4 if section == "all" else 3)
    cards = {card["props"]["id"].removeprefix("kpi-card-"): card
             for card in _panel(app, client, "custom", "2026-03-01", "2026-03-31", section, direction)}
    expected = {data[name].number for name in ("a1", "a2", "a3", "a5")
                if section == "all" or data[name].section_id == data["a1"].section_id
                and data[name].direction == "export"}
    for key in ("certificates", "service-time"):
        total, numbers = _listed(app, client, cards[key]["props"]["href"])
        assert total == completed and set(numbers) == expected, (key, total, numbers)
    assert data["a7"].number not in numbers
    # Fees are counted by the payment's day, not the completion's: the card's list carries no period.
    assert "dates=" not in cards["fees"]["props"]["href"]


@pytest.mark.parametrize("section, direction", [("all", "all"), ("plant", "export")])
def test_the_in_progress_card_leads_to_as_many_applications_as_it_counts_at_the_periods_end(
        app, logged_in, session, data, section, direction):
    """The card counted the applications in progress at the period's end and led to the whole list (every application
    ever submitted). At the end of March 2026 (WIB): A4, stopped after verification, and A7, handed over at 00:00 WIB
    on 1 April; A1–A3 and A5 completed in March, A6 in February. At the end of February none was."""
    from datetime import date

    from support.factories import office_id
    from portal.services.kpi import panel as kpi

    client = logged_in("head")
    for last, expected in ((date(2026, 3, 31), {"a4", "a7"}), (date(2026, 2, 28), set())):
        span = kpi.period("custom", last, last.replace(day=1), last)
        figures = kpi.panel(session, office_id(session), span, None if section == "all" else section,
                            None if direction == "all" else direction, today=last)
        counted = figures["current"]["applications_in_progress"]
        assert counted == len(expected)
        cards = {card["props"]["id"].removeprefix("kpi-card-"): card
                 for card in _panel(app, client, "custom", last.replace(day=1).isoformat(), last.isoformat(), section,
                                    direction)}
        total, numbers = _listed(app, client, cards["in-progress"]["props"]["href"])
        assert total == counted and set(numbers) == {data[name].number for name in expected}, (last, total, numbers)


@pytest.mark.parametrize("role", ["admin", "national"])
def test_a_reader_whose_list_holds_every_office_gets_no_period_in_the_card_links(app, logged_in, data, role):
    """Their list holds every office (an admin's also the records deleted at the source): under the card's period it
    would show more than the card counts, so the link carries only the section and direction, as before."""
    cards = {card["props"]["id"].removeprefix("kpi-card-"): card["props"].get("href")
             for card in _panel(app, logged_in(role), "custom", "2026-03-01", "2026-03-31", "all", "all")}
    assert cards["certificates"] == cards["service-time"] == cards["in-progress"] == "/applications"


def test_the_survey_and_targeting_cards_open_their_pages_on_the_panels_period_and_section(app, logged_in, data):
    """The IKM card of "Bulan lalu" and "Karantina Tumbuhan" opened the survey results on "Semester ini / Semua
    bidang" (another IKM than the card's), and the targeting card the page's default six months (and every
    direction: the card counts the panel's)."""
    client = logged_in("head")

    def links(preset, **dates):
        found = {}
        for card in _panel(app, client, preset, dates.get("date_from"), dates.get("date_to"),
                           section="plant", direction="export"):
            address = urlsplit(card["props"]["href"])
            found[card["props"]["id"].removeprefix("kpi-card-")] = (address.path, dict(parse_qsl(address.query)))
        return found

    last_month = links("last_month")
    assert last_month["ikm"] == ("/survey-results", {"period": "last_month", "section": "plant"})
    path, query = last_month["targeting"]
    assert path == "/targeting/effectiveness" and query["section"] == "plant" and query["direction"] == "export"
    assert query["from"] == query["to"] and len(query["to"]) == 7  # last month's month, "2026-11"
    march = links("custom", date_from="2026-03-01", date_to="2026-03-31")
    assert march["ikm"] == ("/survey-results", {"period": "custom", "from": "2026-03-01", "to": "2026-03-31",
                                                "section": "plant"})
    assert march["targeting"] == ("/targeting/effectiveness", {"from": "2026-03", "to": "2026-03",
                                                               "section": "plant", "direction": "export"})


def test_the_ikm_card_of_an_empty_period_says_it_is_empty_instead_of_minimum_0_not_enough(app, logged_in, data):
    card = _cards(app, logged_in("head"), "2026-09-01", "2026-09-30")["ikm"]
    assert "Tidak ada jawaban survei dan tidak ada penyerahan dokumen pada periode ini." in card
    assert "belum cukup" not in card and "minimum" not in card


def _custom_inputs(date_from, date_to) -> list[dict]:
    """The panel's inputs for a custom period, every other filter at its default."""
    return [{"id": "kpi-preset", "property": "value", "value": "custom"},
            {"id": "kpi-from", "property": "value", "value": date_from},
            {"id": "kpi-to", "property": "value", "value": date_to},
            {"id": "kpi-section", "property": "value", "value": "all"},
            {"id": "kpi-direction", "property": "value", "value": "all"},
            {"id": "kpi-refresh", "property": "data", "value": 0},
            {"id": "kpi-office", "property": "value", "value": "home"}]


def _period_feedback(app, client, date_from, date_to) -> tuple:
    """(from invalid, its message, to invalid, its message) as the page shows them for a custom period."""
    inputs = _custom_inputs(date_from, date_to)
    response = dash_callback(client, _key(app), inputs).get_json()["response"]
    return (response["kpi-from"]["invalid"], response["kpi-from-feedback"]["children"],
            response["kpi-to"]["invalid"], response["kpi-to-feedback"]["children"])


def test_choosing_a_custom_period_shows_no_error_until_a_date_is_typed(app, logged_in):
    client = logged_in("head")
    assert _period_feedback(app, client, None, None) == (False, "", False, "")  # nothing typed yet: nothing red
    assert _period_feedback(app, client, "2026-03-01", None) == (False, "", True, "Isi tanggalnya.")
    assert _period_feedback(app, client, None, "2026-03-31") == (True, "Isi tanggalnya.", False, "")
    invalid = _period_feedback(app, client, "2026-03-31", "2026-03-01")
    assert invalid[:3] == (False, "", True) and invalid[3]  # the end before the start is still said at once


def test_a_panel_opened_on_a_period_it_cannot_read_says_so_where_the_figures_go_and_a_later_change_keeps_them(
        app, logged_in, data):
    """Opened on a period reaching past today (a kept or typed address), the panel drew an empty chart frame and
    empty cards under the field's message; changed to one later, the last figures stay under their own period's
    label while the field says what is wrong."""
    client = logged_in("head")
    inputs = _custom_inputs("2026-03-01", "2099-03-31")
    opened = dash_callback(client, _key(app), inputs).get_json()["response"]
    reason = "Belum ada angka: isi atau perbaiki periode di atas."
    assert opened["kpi-cards"]["children"] == [] and opened["kpi-to"]["invalid"] is True
    assert opened["kpi-monthly-chart"]["figure"]["layout"]["annotations"][0]["text"].replace("<br>", " ") == reason
    assert opened["kpi-drawn"]["data"]  # …and asks the stage table for its part of it
    stages = _stages(client, inputs).get_json()["response"]["kpi-stages"]["children"]
    assert _text(stages) == reason == _text(opened["kpi-period-label"]["children"])
    assert "Data IQFast terakhir" in _text(opened["kpi-freshness"]["children"])  # the copy's age is still said
    changed = dash_callback(client, _key(app), inputs, changed=["kpi-to.value"]).get_json()["response"]
    assert changed["kpi-to"]["invalid"] is True
    assert not {"kpi-cards", "kpi-monthly-chart", "kpi-period-label", "kpi-drawn"} & set(changed)  # the table too


def _stage_columns(app, client) -> list[tuple[str, list[str]]]:
    """The stage table's columns as the panel draws them: (header, the classes of the header and of every cell)."""
    inputs = _custom_inputs("2026-03-01", "2026-03-31")
    answer = _stages(client, inputs).get_json()["response"]["kpi-stages"]["children"]
    head, body = answer["props"]["children"]["props"]["children"]
    headers = head["props"]["children"]["props"]["children"]
    rows = [row["props"]["children"] for row in body["props"]["children"]]
    assert rows and all(len(row) == len(headers) for row in rows)
    return [(_text(header), [header["props"].get("className", "")] + [row[column]["props"].get("className", "")
                                                                     for row in rows])
            for column, header in enumerate(headers)]


def test_on_a_phone_the_stage_table_keeps_the_sla_columns_and_leaves_out_the_count_and_p90(app, logged_in, data):
    """At 390 px the six columns pushed "SLA" and "Dalam SLA" off the right edge (they scrolled in the table's frame,
    out of sight): below 576 px (Bootstrap's sm) the count and the P90 are left out, header and cells alike."""
    columns = dict(_stage_columns(app, logged_in("head")))
    assert list(columns) == ["Tahap", "Jumlah", "Median", "P90", "SLA", "Dalam SLA"]
    for header in ("Jumlah", "P90"):
        assert all({"d-none", "d-sm-table-cell"} <= set(classes.split()) for classes in columns[header]), header
    for header in ("Tahap", "Median", "SLA", "Dalam SLA"):
        assert not any("d-none" in classes.split() for classes in columns[header]), header


def test_the_service_time_card_of_a_period_without_certificates_names_its_sla_alone(app, logged_in, data):
    """"P90 – · – dalam SLA 24 jam" read as garbled where no certificate was issued."""
    card = _cards(app, logged_in("head"), "2026-09-01", "2026-09-30")["service-time"]
    assert "P90" not in card and "– dalam SLA" not in card
    assert "diajukan → sertifikat terbit · SLA" in card


def _freshness_badge(app, client, session, minutes_ago: int) -> dict:
    """The panel's badge of the copy's age with the last successful sync `minutes_ago` (the interval is 5 minutes,
    so the copy is late after 10)."""
    from models import SyncRun

    session.query(SyncRun).delete()
    session.add(SyncRun(kind="incremental", source="test", status="success",
                        started_at=datetime.now(UTC) - timedelta(minutes=minutes_ago, seconds=30),
                        finished_at=datetime.now(UTC) - timedelta(minutes=minutes_ago)))
    session.commit()
    response = dash_callback(client, _key(app), _custom_inputs("2026-03-01", "2026-03-31")).get_json()["response"]
    return response["kpi-freshness"]["children"]


def test_the_panels_freshness_badge_says_late_when_the_banner_over_every_page_does(app, logged_in, session, data):
    """The badge kept its own rule (late after 6 hours): 15 minutes after the last sync it showed a green tick under
    the banner's "data IQFast tertinggal" and the sync page's "Tertinggal"."""
    client = logged_in("head")
    late = _freshness_badge(app, client, session, 15)
    assert "qc-kpi-fresh-stale" in str(late) and "qc-bad" in str(late) and "15 menit" in _text(late)
    on_time = _freshness_badge(app, client, session, 3)
    assert "qc-kpi-fresh-stale" not in str(on_time) and "qc-good" in str(on_time)


def test_the_panels_freshness_badge_words_the_age_as_the_banner_does(app, logged_in, session, data):
    """The badge said "1,6 jam yang lalu" under the banner's "1 jam 34 menit lalu" for the same sync run."""
    badge = _text(_freshness_badge(app, logged_in("head"), session, 94))
    assert "1 jam 34 menit lalu" in badge and "1,6" not in badge
