"""Survey results (IKM, PermenPANRB 14/2017) through the service, the page, the exports and the command."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from support.web import dash_callback
from support.factories import gen_application, gen_service_user, office_id, section_id
from support.kpi_data import SURVEY_ANSWERS, at, build, gen_response
from models import AuditLog, SurveyResponse
from portal.services import ikm_results
from portal.services.kpi.rollup import refresh_kpi_rollups
from portal.validation import Forbidden, InvalidInput

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _bulk_responses(session, day: date, n: int, total: int, section: str = "plant") -> None:
    """n answers all 3, then single answers raised to 4 until the nine-element total is `total`."""
    raise_count = total - 3 * 9 * n
    assert 0 <= raise_count <= 9 * n
    rows = []
    for index in range(n):
        answers = {f"element_{e}": 4 if index * 9 + e - 1 < raise_count else 3 for e in range(1, 10)}
        rows.append({"office_id": office_id(session), "section_id": section_id(session, section),
                     "submitted_on": day, **answers})
    session.execute(insert(SurveyResponse), rows)


def test_ikm_of_four_hand_worked_answers(session):
    for index, answers in enumerate(SURVEY_ANSWERS):
        gen_response(session, answers, date(2026, 3, 3 + index))
    result = ikm_results.summary(session, office_id(session), *MARCH)
    # Element sums 14 12 11 16 13 15 16 13 11 over 4 answers.
    assert [e["nrr"] for e in result["elements"]] == [3.5, 3.0, 2.75, 4.0, 3.25, 3.75, 4.0, 3.25, 2.75]
    assert result["index"] == 3.3611          # 30.25 / 9
    assert result["ikm"] == 84.03             # 3.36111… × 25
    assert (result["grade"], result["label"]) == ("B", "Baik")
    assert result["elements"][1]["name"] == "Sistem, mekanisme, dan prosedur"


@pytest.mark.parametrize("total, expected_ikm, expected_grade", [
    (6894, 76.60, "C"),   # 25 × 6894 / (9 × 250) = 76.600
    (6895, 76.61, "B"),   # 76.6111… → 76.61
    (7947, 88.30, "B"),   # 88.300
    (7948, 88.31, "A"),   # 88.3111… → 88.31
])
def test_grade_boundaries_through_the_service(session, total, expected_ikm, expected_grade):
    _bulk_responses(session, date(2026, 5, 4), 250, total)
    result = ikm_results.summary(session, office_id(session), date(2026, 5, 1), date(2026, 5, 31))
    assert (result["responses"], result["ikm"], result["grade"]) == (250, expected_ikm, expected_grade)


def test_sample_size_against_the_handed_over_applications(session):
    company = gen_service_user(session)
    for index in range(50):
        gen_application(session, company, submitted_at=at(2026, 3, 2, 1) + timedelta(minutes=index),
                        stages=("submitted", "handed_over"), step=timedelta(hours=4))
    refresh_kpi_rollups(session)
    for index in range(43):
        gen_response(session, SURVEY_ANSWERS[0], date(2026, 3, 10))
    result = ikm_results.summary(session, office_id(session), *MARCH)
    assert (result["population"], result["minimum_sample"], result["sufficient"]) == (50, 44, False)  # 50 → 44
    gen_response(session, SURVEY_ANSWERS[0], date(2026, 3, 10))
    assert ikm_results.summary(session, office_id(session), *MARCH)["sufficient"] is True


def test_a_coordinator_sees_only_their_section(session):
    build(session)
    office = office_id(session)
    plant = ikm_results.summary(session, office, *MARCH, section=None, section_scope="plant")
    assert (plant["section"], plant["responses"]) == ("plant", 3)
    with pytest.raises(Forbidden):
        ikm_results.summary(session, office, *MARCH, section="animal", section_scope="plant")
    assert [row["section"] for row in ikm_results.by_section(session, office, *MARCH, section_scope="plant")] == \
        ["plant"]
    comments = ikm_results.comments(session, office, *MARCH, section_scope="plant")
    assert {row["comment"] for row in comments["rows"]} == {"Pelayanan cepat", "Ruang tunggu panas"}


def test_trend_splits_profile_and_comment_filter(session):
    build(session)
    office = office_id(session)
    months = {p["period"]: p for p in ikm_results.trend(session, office, date(2026, 3, 31))["months"]}
    assert months["2026-03"]["ikm"] == 84.03 and months["2026-02"]["ikm"] is None and len(months) == 12
    semesters = ikm_results.trend(session, office, date(2026, 3, 31))["semesters"]
    assert semesters[-1] == {"period": "2026-S1", "responses": 4, "ikm": 84.03, "grade": "B"}
    sections = {row["section"]: row for row in ikm_results.by_section(session, office, *MARCH)}
    assert sections["plant"]["ikm"] == 86.11 and sections["animal"]["ikm"] == 77.78  # 28 / 36 × 100
    profile = ikm_results.respondent_profile(session, office, *MARCH)
    assert profile["gender"] == {"male": 1, "female": 2, "no_answer": 1}
    assert profile["education"]["s1"] == 4
    found = ikm_results.comments(session, office, *MARCH, text="RUANG")
    assert [row["comment"] for row in found["rows"]] == ["Ruang tunggu panas"] and found["total"] == 1
    assert "service_user_id" not in found["rows"][0] and "company" not in str(found["rows"][0])


def test_follow_up_plan_is_per_semester_and_audited(session):
    office = office_id(session)
    assert ikm_results.semester_of(date(2026, 1, 1), date(2026, 6, 30)) == (2026, 1)
    assert ikm_results.semester_of(date(2026, 3, 1), date(2026, 3, 31)) is None
    with pytest.raises(InvalidInput):
        ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "  ")
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Sosialisasi prosedur")
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Sosialisasi prosedur, loket info")
    assert ikm_results.follow_up_plan(session, office, 2026, 1)["text"] == "Sosialisasi prosedur, loket info"
    entries = session.scalars(select(AuditLog).where(AuditLog.action == "ikm_follow_up_plan_saved")
                              .order_by(AuditLog.id)).all()
    assert [e.before for e in entries] == [None, {"text": "Sosialisasi prosedur"}]


def test_semester_report_exports_as_xlsx_and_pdf(session):
    from openpyxl import load_workbook

    from portal.reports import ikm_report

    build(session)
    gen_response(session, SURVEY_ANSWERS[0], date(2026, 4, 2), comment="=HYPERLINK(\"http://x\")")
    refresh_kpi_rollups(session)
    ikm_results.save_follow_up_plan(session, None, "admin", office_id(session), 2026, 1, "Perbaiki prosedur")
    report = ikm_results.semester_report(session, office_id(session), date(2026, 1, 1), date(2026, 6, 30))
    workbook = load_workbook(io.BytesIO(ikm_report.report_xlsx(report)))
    summary = [[c for c in row if c is not None] for row in workbook["Ringkasan"].iter_rows(values_only=True)]
    assert ["IKM", report["summary"]["ikm"]] in summary
    comments = [row[2] for row in workbook["Komentar"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in comments  # neutralised
    assert workbook["Tindak lanjut"]["A1"].value == "Unsur terlemah"
    pdf = ikm_report.report_pdf(report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_the_semester_report_writes_its_counts_as_the_page_does(session):
    """A station-year's counts: "3.168" responses of "31.815" handed-over documents, as the page says them (the PDF
    wrote 3168 and 31815, the workbook's counts showed no separator)."""
    from openpyxl import load_workbook

    from portal.reports import ikm_report
    from support.portal_helpers import pdf_text

    build(session)
    refresh_kpi_rollups(session)
    report = ikm_results.semester_report(session, office_id(session), date(2026, 1, 1), date(2026, 6, 30))
    report["summary"].update(responses=3168, population=31815, minimum_sample=380)
    field = next(iter(report["profile"]))
    report["profile"][field] = {choice: 1650 for choice in report["profile"][field]}
    text = pdf_text(ikm_report.report_pdf(report))
    assert "3.168" in text and "31.815" in text and "1.650" in text
    assert "3168" not in text and "31815" not in text and "1650" not in text
    workbook = load_workbook(io.BytesIO(ikm_report.report_xlsx(report)))
    summary = {row[0].value: row[1] for row in workbook["Ringkasan"].iter_rows(min_row=3) if row[0].value}
    assert summary["Jumlah responden"].value == 3168 and summary["Jumlah responden"].number_format == "#,##0"
    assert any("31.815" in str(cell.value) for cell in summary.values())
    assert {row[2].number_format for row in workbook["Responden"].iter_rows(min_row=2)} == {"#,##0"}


def test_ikm_command_prints_json(database_url, session):
    for index, answers in enumerate(SURVEY_ANSWERS):
        gen_response(session, answers, date(2026, 3, 3 + index))
    session.commit()
    from portal.cli.main import main

    result = CliRunner().invoke(main, ["ikm", "--from", "2026-03-01", "--to", "2026-03-31", "--json"],
                                env={"QCORNER_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) >= {"responses", "elements", "index", "ikm", "grade", "minimum_sample"}
    assert printed["elements"][2] == {"element": 3, "name": "Waktu penyelesaian", "nrr": 2.75}
    assert (printed["responses"], printed["ikm"], printed["grade"]) == (4, 84.03, "B")


# --- the pages ------------------------------------------------------------------------------------------------

SURVEY_OUTPUT = ("..survey-summary.children...survey-elements-chart.figure...survey-trend-chart.figure..."
                 "survey-sections.children...survey-profile.children...survey-period.data..."
                 "survey-period-label.children...survey-plan-info.children..."
                 "survey-from-col.style...survey-to-col.style...survey-from.invalid..."
                 "survey-from-feedback.children...survey-to.invalid...survey-to-feedback.children..")


def _survey_inputs(section):
    return [{"id": "survey-preset", "property": "value", "value": "custom"},
            {"id": "survey-from", "property": "value", "value": "2026-03-01"},
            {"id": "survey-to", "property": "value", "value": "2026-03-31"},
            {"id": "survey-section", "property": "value", "value": section},
            {"id": "survey-trend-unit", "property": "value", "value": "month"}]


def test_coordinator_page_shows_their_section_whatever_they_ask(session, logged_in):
    build(session)
    session.commit()
    client = logged_in("coordinator", section="plant")
    response = dash_callback(client, SURVEY_OUTPUT, _survey_inputs("all"))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()["response"]
    assert body["survey-period"]["data"]["section"] == "plant"
    assert json.dumps(body["survey-summary"]).count('"children": "3"') >= 1
    refused = dash_callback(client, SURVEY_OUTPUT, _survey_inputs("animal")).get_json()["response"]
    assert "survey-period" not in refused  # refused: nothing of the animal section is sent


def test_head_sees_every_section_on_the_page(session, logged_in):
    build(session)
    session.commit()
    body = dash_callback(logged_in("head"), SURVEY_OUTPUT, _survey_inputs("all")).get_json()["response"]
    assert body["survey-period"]["data"]["section"] is None
    assert '"children": "4"' in json.dumps(body["survey-summary"])


@pytest.mark.parametrize("path", ["/kpi", "/survey-results"])
def test_a_service_user_cannot_open_either_page(app, logged_in, path):
    client = logged_in("service_user")
    assert client.get(path).status_code == 403
    prefix = "kpi-" if path == "/kpi" else "survey-"
    outputs = [key for key in app.callback_map if key.lstrip(".").startswith(prefix)]
    assert len(outputs) >= 2
    for output in outputs:
        assert dash_callback(client, output).status_code == 403, output


def test_the_nrr_chart_names_every_element_on_the_page_and_in_the_report():
    """U1–U9 alone said nothing: each bar carries its element's name (horizontal bars, so a phone has room)."""
    from callbacks.survey import elements_figure
    from portal.reports import ikm_report

    elements = [{"element": n, "nrr": 2.5 + n / 10} for n in range(1, 10)]
    bars = elements_figure(elements)["data"][0]
    assert bars["orientation"] == "h" and bars["x"] == [e["nrr"] for e in elements]
    assert bars["y"] == ["U1 Persyaratan", "U2 Prosedur", "U3 Waktu", "U4 Biaya/tarif", "U5 Produk layanan",
                         "U6 Kompetensi", "U7 Perilaku", "U8 Pengaduan", "U9 Sarana"]
    assert bars["hovertext"][7] == "Penanganan pengaduan, saran dan masukan"  # the full name on hover
    drawing = ikm_report._bar_chart(elements, 480, 150, "Helvetica", "id")
    texts = {getattr(shape, "text", None) for shape in drawing.contents}
    assert {"U1", "Persyaratan", "U9", "Sarana"} <= texts


def test_the_nrr_charts_grade_limits_read_in_the_readers_decimals_under_upright_whole_number_ticks(app):
    """The grade limits under the axis read "2,60" on an English page next to a bar's "3.42"; as ticks 0.46 apart a
    phone turned them on their side over the axis's name."""
    from flask import session as flask_session

    from callbacks.survey import elements_figure

    for language, limits in (("en", ["2.60", "3.06", "3.53"]), ("id", ["2,60", "3,06", "3,53"])):
        with app.server.test_request_context():
            flask_session["lang"] = language
            axis = elements_figure([{"element": 1, "nrr": 3.42}])["layout"]["xaxis"]
        title = axis["title"]["text"]
        assert all(limit in title for limit in limits) and "C ≥ " + limits[0] in title, (language, title)
        assert axis["tickvals"] == [1, 2, 3, 4] and axis["tickangle"] == 0


def _drawn_filters(client, search: str) -> dict:
    """The value of each of the survey page's filters, drawn for /survey-results with this query string."""
    from support.web import components

    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/survey-results"}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    assert response.status_code == 200
    return {props["id"]: props.get("value") for _type, props in components(response.json)
            if props.get("id") in ("survey-preset", "survey-from", "survey-to", "survey-section")}


def test_a_link_opens_the_survey_results_on_its_period_and_section(logged_in):
    client = logged_in("head")
    assert _drawn_filters(client, "?period=custom&from=2026-03-01&to=2026-03-31&section=plant") == {
        "survey-preset": "custom", "survey-from": "2026-03-01", "survey-to": "2026-03-31", "survey-section": "plant"}
    assert _drawn_filters(client, "?period=forever&from=31-12-2026") == _drawn_filters(client, "")  # nonsense: defaults
    assert _drawn_filters(client, "")["survey-preset"] == "this_semester"


def test_a_link_cannot_widen_a_coordinators_survey_section(session, logged_in):
    build(session)
    session.commit()
    client = logged_in("coordinator", section="plant")
    assert _drawn_filters(client, "?section=animal")["survey-section"] == "plant"


def test_changing_the_survey_filters_writes_them_into_the_address(app, logged_in):
    from layouts import survey as survey_layout

    key = next(k for k in app.callback_map if k.startswith("survey-url.search"))
    inputs = [{"id": f.component_id, "property": "value", "value": v}
              for f, v in zip(survey_layout.URL_FIELDS, ("last_month", None, None, "animal"))]
    response = dash_callback(logged_in("head"), key, inputs=inputs,
                             state=[{"id": "survey-url", "property": "search", "value": ""}],
                             changed=["survey-preset.value"])
    assert response.get_json()["response"]["survey-url"]["search"] == "?period=last_month&section=animal"


def test_the_kpi_ikm_card_opens_the_survey_results_showing_its_own_ikm(app, session, logged_in):
    """The card (March, plant: 3 answers, IKM 86,11) opened the page on "Semester ini / Semua bidang": 4 answers,
    84,03. The page drawn from the card's address shows the card's figure."""
    from urllib.parse import urlsplit

    build(session)
    refresh_kpi_rollups(session)
    session.commit()
    client = logged_in("head")
    kpi_key = next(k for k in app.callback_map if "kpi-cards.children" in k)
    inputs = [{"id": "kpi-preset", "property": "value", "value": "custom"},
              {"id": "kpi-from", "property": "value", "value": "2026-03-01"},
              {"id": "kpi-to", "property": "value", "value": "2026-03-31"},
              {"id": "kpi-section", "property": "value", "value": "plant"},
              {"id": "kpi-direction", "property": "value", "value": "all"},
              {"id": "kpi-refresh", "property": "data", "value": 0},
              {"id": "kpi-office", "property": "value", "value": "home"}]
    cards = dash_callback(client, kpi_key, inputs).get_json()["response"]["kpi-cards"]["children"]
    card = next(c for c in cards if c["props"]["id"] == "kpi-card-ikm")
    assert "86,11" in json.dumps(card)
    address = urlsplit(card["props"]["href"])
    assert address.path == "/survey-results"
    drawn = _drawn_filters(client, "?" + address.query)
    page = [{"id": "survey-preset", "property": "value", "value": drawn["survey-preset"]},
            {"id": "survey-from", "property": "value", "value": drawn.get("survey-from")},
            {"id": "survey-to", "property": "value", "value": drawn.get("survey-to")},
            {"id": "survey-section", "property": "value", "value": drawn["survey-section"]},
            {"id": "survey-trend-unit", "property": "value", "value": "month"}]
    body = dash_callback(client, SURVEY_OUTPUT, page).get_json()["response"]
    assert body["survey-period"]["data"] == {"from": "2026-03-01", "to": "2026-03-31", "section": "plant",
                                             "semester": None}
    summary = json.dumps(body["survey-summary"])
    assert '"children": "86,11"' in summary and '"children": "3"' in summary


def _summary_texts(client, date_from: str, date_to: str) -> dict:
    """The survey summary's texts by component id, for a custom period."""
    from support.web import components

    inputs = _survey_inputs("all")
    inputs[1]["value"], inputs[2]["value"] = date_from, date_to
    body = dash_callback(client, SURVEY_OUTPUT, inputs).get_json()["response"]
    return {props["id"]: props.get("children") for _type, props in components(body["survey-summary"])
            if isinstance(props.get("id"), str)}


def test_an_empty_period_says_it_has_no_answers_and_no_handovers(session, logged_in):
    """"0 · belum cukup — Minimum Krejcie–Morgan untuk 0 penyerahan dokumen: 0" contradicted itself."""
    build(session)
    session.commit()
    texts = _summary_texts(logged_in("head"), "2026-09-01", "2026-09-30")
    assert texts["survey-minimum"] == "Tidak ada jawaban survei dan tidak ada penyerahan dokumen pada periode ini."
    assert "survey-enough" not in texts  # no "belum cukup" against a minimum of 0


def test_answers_without_handovers_say_there_is_no_minimum(session, logged_in):
    gen_response(session, SURVEY_ANSWERS[0], date(2026, 9, 10))
    session.commit()
    texts = _summary_texts(logged_in("head"), "2026-09-01", "2026-09-30")
    assert texts["survey-responses"] == "1"
    assert texts["survey-minimum"] == "Tidak ada penyerahan dokumen pada periode ini: tidak ada minimum sampel."


def test_a_period_with_handovers_still_states_its_krejcie_morgan_minimum(session, logged_in):
    build(session)
    refresh_kpi_rollups(session)
    session.commit()
    texts = _summary_texts(logged_in("head"), "2026-03-01", "2026-03-31")
    assert texts["survey-minimum"].startswith("Minimum Krejcie–Morgan untuk ")
    assert texts["survey-enough"] in ("cukup", "belum cukup")


# --- the follow-up plan's form --------------------------------------------------------------------------------

def _callbacks_fed_by(app, component: str) -> list[str]:
    """The keys of the callbacks that run when `component`'s value changes."""
    return [key for key, spec in app.callback_map.items()
            if any(item["id"] == component for item in spec.get("inputs", []))]


@pytest.mark.parametrize("chart_filter", ["survey-trend-unit", "survey-section"])
def test_a_chart_filter_never_writes_the_plan_form(app, chart_filter):
    """Switching the trend chart to semesters (or another section) re-ran the loader, which wrote the stored plan
    over what the officer had typed. No callback a chart filter runs may write the plan's text or its version."""
    fed = _callbacks_fed_by(app, chart_filter)
    assert fed
    for key in fed:
        for output in ("survey-plan-text.value", "survey-plan-opened.data", "survey-plan-key.data"):
            assert output not in key, key


def _loader(app) -> str:
    return next(key for key in app.callback_map if "survey-trend-chart.figure" in key)


def test_switching_the_trend_unit_sends_no_plan_text(app, session, logged_in):
    """The unit (or section) of a semester already shown: the charts are drawn again, the plan's form is left alone."""
    ikm_results.save_follow_up_plan(session, None, "admin", office_id(session), 2026, 1, "Rencana tersimpan")
    session.commit()
    inputs = _survey_inputs("plant")
    inputs[1]["value"], inputs[2]["value"], inputs[4]["value"] = "2026-01-01", "2026-06-30", "semester"
    response = dash_callback(logged_in("admin"), _loader(app), inputs, changed=["survey-trend-unit.value"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()["response"]
    assert "survey-trend-chart" in body
    assert not {"survey-plan-text", "survey-plan-opened", "survey-plan-key"} & set(body)


def _plan_key(app, client, date_from: str, date_to: str, shown):
    key = next(k for k in app.callback_map if k.startswith("survey-plan-key.data"))
    return dash_callback(client, key, [{"id": "survey-preset", "property": "value", "value": "custom"},
                                       {"id": "survey-from", "property": "value", "value": date_from},
                                       {"id": "survey-to", "property": "value", "value": date_to}],
                         state=[{"id": "survey-plan-key", "property": "data", "value": shown}])


def test_the_plan_key_is_written_only_when_the_semester_changes(app, logged_in):
    """Dash runs the plan's loader whenever its key is written: the same semester again writes nothing."""
    client = logged_in("head")
    same = _plan_key(app, client, "2026-01-01", "2026-06-30", [2026, 1])
    assert same.status_code in (200, 204) and "survey-plan-key" not in ((same.get_json(silent=True) or {})
                                                                        .get("response") or {})
    other = _plan_key(app, client, "2025-07-01", "2025-12-31", [2026, 1])
    assert other.get_json()["response"]["survey-plan-key"]["data"] == [2025, 2]
    month = _plan_key(app, client, "2026-03-01", "2026-03-31", [2026, 1])
    assert month.get_json()["response"]["survey-plan-key"]["data"] is None


def _plan_form(session, year: int, semester: int) -> dict:
    """What the page's plan form keeps when it opens a semester's plan (callbacks/survey.py: _opened_plan)."""
    from portal.services import edit_versions

    plan = ikm_results.follow_up_plan(session, office_id(session), year, semester)
    return {**edit_versions.opened(ikm_results.plan_version(session, office_id(session), year, semester),
                                   {"text": plan["text"] if plan else None}), "key": [year, semester]}


def test_a_stale_plan_save_names_the_colleagues_text_keeps_the_typing_and_can_load_the_newer_plan(
        app, session, client, make_user):
    from support.hostile_forms import call
    from support.hostile import login_as

    office = office_id(session)
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana awal")
    kept = _plan_form(session, 2026, 1)  # the officer opens the plan …
    colleague = _plan_form(session, 2026, 1)
    ikm_results.save_follow_up_plan(session, None, "rekan_kepala", office, 2026, 1, "Rencana dari rekan",
                                    expected_version=colleague["version"], opened=colleague["values"])
    session.commit()  # … and a colleague saves meanwhile
    make_user("admin_plan", "admin")
    login_as(client, "admin_plan")
    values = {"survey-plan-save.n_clicks": 1, "survey-plan-text.value": "Ketikan saya", "survey-plan-opened.data": kept}
    response, body = call(app, client, "..survey-plan-alert.children", values, "survey-plan-save.n_clicks")
    assert response.status_code == 200, response.get_data(as_text=True)
    alert = json.dumps(body["survey-plan-alert"], ensure_ascii=False)
    assert body["survey-plan-alert"]["color"] == "warning"
    assert "Tidak disimpan" in alert and "rekan_kepala" in alert and "Rencana dari rekan" in alert
    assert "Muat teks tersimpan" in alert
    assert "survey-plan-text" not in body or "value" not in body["survey-plan-text"]  # the typing stays
    assert "survey-plan-opened" not in body  # still the version it opened: a second click is refused too
    session.expire_all()
    assert ikm_results.follow_up_plan(session, office, 2026, 1)["text"] == "Rencana dari rekan"

    values["survey-plan-reload.n_clicks"] = 1
    response, body = call(app, client, "..survey-plan-alert.children", values, "survey-plan-reload.n_clicks")
    assert body["survey-plan-text"]["value"] == "Rencana dari rekan"
    assert body["survey-plan-opened"]["data"]["version"] == kept["version"] + 1
    values.update({"survey-plan-reload.n_clicks": None, "survey-plan-text.value": "Rencana gabungan",
                   "survey-plan-opened.data": body["survey-plan-opened"]["data"]})
    response, body = call(app, client, "..survey-plan-alert.children", values, "survey-plan-save.n_clicks")
    assert body["survey-plan-alert"]["color"] == "success"
    session.expire_all()
    assert ikm_results.follow_up_plan(session, office, 2026, 1)["text"] == "Rencana gabungan"


def test_the_semester_already_open_written_again_leaves_the_typing_alone(app, session, client, make_user):
    """Two runs of the key's callback in flight together write the same semester twice; a second opening would write
    the stored plan over what the officer typed after the first."""
    from support.hostile_forms import call
    from support.hostile import login_as

    ikm_results.save_follow_up_plan(session, None, "admin", office_id(session), 2026, 1, "Rencana tersimpan")
    session.commit()
    make_user("admin_ulang", "admin")
    login_as(client, "admin_ulang")
    values = {"survey-plan-key.data": [2026, 1], "survey-plan-text.value": "Ketikan yang belum disimpan",
              "survey-plan-opened.data": _plan_form(session, 2026, 1), "survey-plan-drafts.data": {}}
    response, body = call(app, client, "survey-plan-drafts.data", values, "survey-plan-key.data")
    assert response.status_code == 204 or "survey-plan-text" not in (body or {}), body


def test_a_period_of_no_one_semester_hides_the_plan_box_that_said_this_semester_s_plan_is_unwritten(
        app, session, client, make_user):
    """Chosen dates (February–March) are no semester: the page says to choose one, and the box under it said "this
    semester's plan has not been written". It is hidden until a semester is shown."""
    from support.hostile_forms import call
    from support.hostile import login_as

    make_user("kepala_rencana", "head")
    login_as(client, "kepala_rencana")
    values = {"survey-plan-key.data": None, "survey-plan-text.value": "", "survey-plan-opened.data": None,
              "survey-plan-drafts.data": {}}
    response, body = call(app, client, "survey-plan-drafts.data", values, "survey-plan-key.data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert body["survey-plan-form"]["hidden"] is True
    values["survey-plan-key.data"] = [2026, 1]
    response, body = call(app, client, "survey-plan-drafts.data", values, "survey-plan-key.data")
    assert body["survey-plan-form"]["hidden"] is False


def test_choosing_another_semester_keeps_the_unsaved_text_and_gives_it_back(app, session, client, make_user):
    """The box shows one semester's plan; what was typed for the semester left is kept in the page, said so, and
    comes back (with the version it was opened on) when that semester is chosen again."""
    from support.hostile_forms import call
    from support.hostile import login_as

    ikm_results.save_follow_up_plan(session, None, "admin", office_id(session), 2025, 2, "Rencana semester lalu")
    session.commit()
    first, last = _plan_form(session, 2026, 1), _plan_form(session, 2025, 2)
    make_user("admin_draft", "admin")
    login_as(client, "admin_draft")
    values = {"survey-plan-key.data": [2025, 2], "survey-plan-text.value": "Draf semester ini",
              "survey-plan-opened.data": first, "survey-plan-drafts.data": {}}
    response, body = call(app, client, "survey-plan-drafts.data", values, "survey-plan-key.data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert body["survey-plan-text"]["value"] == "Rencana semester lalu"
    assert body["survey-plan-opened"]["data"] == last
    drafts = body["survey-plan-drafts"]["data"]
    assert drafts["2026-S1"]["text"] == "Draf semester ini"
    assert "semester 1 tahun 2026" in json.dumps(body["survey-plan-note"], ensure_ascii=False)

    values = {"survey-plan-key.data": [2026, 1], "survey-plan-text.value": "Rencana semester lalu",
              "survey-plan-opened.data": last, "survey-plan-drafts.data": drafts}
    response, body = call(app, client, "survey-plan-drafts.data", values, "survey-plan-key.data")
    assert body["survey-plan-text"]["value"] == "Draf semester ini"
    assert body["survey-plan-opened"]["data"] == first
    assert body["survey-plan-drafts"]["data"] == {}  # unchanged text left behind needs no draft
    assert "dikembalikan" in json.dumps(body["survey-plan-note"], ensure_ascii=False)

    # A period that is no semester: the box empties and locks; the draft is kept for its semester.
    values = {"survey-plan-key.data": None, "survey-plan-text.value": "Draf semester ini diubah",
              "survey-plan-opened.data": first, "survey-plan-drafts.data": {}}
    response, body = call(app, client, "survey-plan-drafts.data", values, "survey-plan-key.data")
    assert body["survey-plan-form"]["disabled"] is True and body["survey-plan-text"]["value"] == ""
    assert body["survey-plan-drafts"]["data"]["2026-S1"]["text"] == "Draf semester ini diubah"


def test_the_survey_results_opened_on_a_period_they_cannot_read_say_so_instead_of_empty_charts(logged_in):
    inputs = [{**field, "value": "2026-02-01"} if field["id"] == "survey-to" else field for field in
              _survey_inputs("all")]
    body = dash_callback(logged_in("head"), SURVEY_OUTPUT, inputs).get_json()["response"]
    reason = "Belum ada angka: isi atau perbaiki periode di atas."
    assert body["survey-to"]["invalid"] is True and body["survey-summary"]["children"] is None
    assert body["survey-period-label"]["children"]["props"]["children"] == reason
    for chart in ("survey-elements-chart", "survey-trend-chart"):
        assert body[chart]["figure"]["layout"]["annotations"][0]["text"].replace("<br>", " ") == reason


def test_a_comments_average_reads_on_one_line_with_its_value():
    """On a phone the comments' headers broke as "rata-" / "rata 3,44"."""
    from portal.i18n import t

    average = t("survey.comments.average", value="3,44")
    assert average == "rata\u2011rata\u00a03,44" and " " not in average and "-" not in average


# --- the report's export --------------------------------------------------------------------------------------

def _export(app, client, period, date_from: str, date_to: str):
    """Press "Laporan XLSX" with the page's kept period (the figures' own, or None) and these dates in the fields."""
    key = next(k for k in app.callback_map if "survey-download.data" in k)
    state = [{"id": "survey-period", "property": "data", "value": period},
             {"id": "survey-preset", "property": "value", "value": "custom"},
             {"id": "survey-from", "property": "value", "value": date_from},
             {"id": "survey-to", "property": "value", "value": date_to},
             {"id": "survey-section", "property": "value", "value": "all"}]
    response = dash_callback(client, key, [{"id": "survey-export-xlsx", "property": "n_clicks", "value": 1},
                                           {"id": "survey-export-pdf", "property": "n_clicks", "value": None}],
                             state=state, changed=["survey-export-xlsx.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_an_export_asked_on_reversed_dates_says_so_beside_the_dates_instead_of_doing_nothing(app, logged_in):
    """Opened on an end before its start, the page has no figures; "Laporan XLSX" then did nothing at all."""
    answer = _export(app, logged_in("head"), None, "2026-03-31", "2026-03-01")
    body = answer["response"]
    assert "survey-download" not in body  # no file of some other period
    assert body["survey-to"]["invalid"] is True
    assert body["survey-to-feedback"]["children"] == "Tanggal akhir sebelum tanggal awal."
    assert body["survey-from"]["invalid"] is False
    alert = answer["sideUpdate"]["shell-alert"]
    assert alert["is_open"] is True and "Tidak ada yang diunduh" in json.dumps(alert["children"])


def test_an_export_after_the_dates_were_reversed_is_of_the_figures_still_shown_under_their_label(
        app, session, logged_in):
    """Dates turned backwards leave the last figures on the page, labelled with their own period: the report is
    theirs, named by that period, and the fields keep the message the figures put beside them."""
    build(session)
    session.commit()
    shown = {"from": "2026-03-01", "to": "2026-03-31", "section": None, "semester": None}
    body = _export(app, logged_in("head"), shown, "2026-05-31", "2026-05-01")["response"]
    assert body["survey-download"]["data"]["filename"].endswith("-2026-03-01-2026-03-31.xlsx")
    assert not {"survey-from", "survey-to", "survey-from-feedback", "survey-to-feedback"} & set(body)
