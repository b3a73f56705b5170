"""Compliance pages through their callbacks and services: section scoping, refusals, exports, guidance (and its
planning), settings."""
from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from support.compliance_data import AS_OF, build_ranked_office, clock_at_as_of, series
from support.web import PROFILE_CHOICES_ALL, PROFILE_DEFAULTS, dash_callback, drawing_user, logout, pager_body, pager_state
from support.factories import gen_application, gen_service_user
from callbacks.guidance import effect_text, record_row
from models import AuditLog, ComplianceSettingsVersion, GuidanceRecord
from portal.services.compliance import profile as compliance_profile
from portal.services.compliance import ranking as compliance
from portal.services.compliance import scoring_settings as compliance_settings
from portal.services.compliance import rollup as compliance_rollup
from portal.services.compliance import guidance
from portal.validation import Conflict, Forbidden, InvalidInput


@pytest.fixture(autouse=True)
def _clock_at_as_of():
    """The pages rank over a window that ends "today": today is the day the fixture's data was built around."""
    with clock_at_as_of():
        yield


@pytest.fixture
def office(session, built_once):
    return built_once("ranked_office", session, build_ranked_office)


def _key(app, *parts) -> str:
    """The callback-map key of the callback whose outputs include every part (e.g. 'rankings-grid.rowData')."""
    found = [key for key in app.callback_map if all(part in key for part in parts)]
    assert len(found) == 1, (parts, found)
    return found[0]


def _ids(key: str) -> list[str]:
    return [part.split("@")[0] for part in key.strip(".").split("...")]


def _rank(client, app, section="", direction="", commodity="", tier="", date_from=None, date_to=None, search=None):
    key = _key(app, "rankings-grid.rowData")
    inputs = [{"id": i, "property": "value", "value": v} for i, v in (
        ("rankings-section", section), ("rankings-direction", direction), ("rankings-commodity", commodity),
        ("rankings-tier", tier), ("rankings-from", date_from), ("rankings-to", date_to), ("rankings-sort", "rank"),
        ("rankings-search", search), ("rankings-office", "home"))]
    inputs += [*pager_body("rankings")]
    response = dash_callback(client, key, inputs=inputs,
                             state=pager_state("rankings-page", 0))
    return response


def _outputs(response, key):
    body = response.get_json()["response"]
    return {output: body[output.split(".")[0]][output.split(".")[1]] for output in _ids(key)
            if output.split(".")[0] in body and output.split(".")[1] in body[output.split(".")[0]]}


# ------------------------------------------------------------------------------------------------ scoping
def test_plant_coordinator_ranking_holds_no_animal_only_service_user(session, office, app, logged_in):
    result = compliance.ranking(session, office_id=office["office_id"], section_scope="plant", as_of=AS_OF)
    assert "PT Delta Satwa" not in {row["name"] for row in result["rows"]}
    assert result["filters"]["section"] == "plant"
    client = logged_in("coordinator", section="plant")
    response = _rank(client, app)  # no section chosen: the service puts the coordinator's own
    assert response.status_code == 200
    names = {row["name"] for row in _outputs(response, _key(app, "rankings-grid.rowData"))["rankings-grid.rowData"]}
    assert "PT Delta Satwa" not in names and "PT Alpha Buah Segar" in names


def test_ranking_search_keeps_matching_companies_with_their_office_rank_and_counts(session, office, app, logged_in):
    everyone = compliance.ranking(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF)
    rank = {row["name"]: row["rank"] for row in everyone["rows"]}
    found = compliance.ranking(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF,
                               search="  gamma ")
    assert [(row["name"], row["rank"]) for row in found["rows"]] == [("CV Gamma Agro", rank["CV Gamma Agro"])]
    assert found["total"] == 1 and found["tier_counts"] == everyone["tier_counts"]
    by_tax_id = compliance.ranking(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF,
                                   search="02.222")
    assert [row["name"] for row in by_tax_id["rows"]] == ["PT Beta Tani"]
    client = logged_in("enforcement")
    response = _rank(client, app, search="Beta")
    assert [row["name"] for row in _outputs(response, _key(app, "rankings-grid.rowData"))["rankings-grid.rowData"]] \
        == ["PT Beta Tani"]


def test_a_commodity_the_list_does_not_offer_is_said_so_not_ranked_as_nobody(session, office, app, logged_in):
    """/rankings?commodity=<a plant commodity> for a coordinator of animal, or an id naming nothing, showed
    "Semua komoditas" in the select and "0 dari 0" with no word of why."""
    coordinator = logged_in("coordinator", section="animal")
    outputs = _outputs(_rank(coordinator, app, commodity=str(office["mangosteen"].id)),
                       _key(app, "rankings-grid.rowData"))
    assert outputs["rankings-error.is_open"] is True
    assert "Komoditas ini bukan dari bidang Anda." in json.dumps(outputs["rankings-error.children"])
    logout(coordinator)
    enforcement = logged_in("enforcement")
    outputs = _outputs(_rank(enforcement, app, commodity="999999"), _key(app, "rankings-grid.rowData"))
    assert "Komoditas tidak dikenal." in json.dumps(outputs["rankings-error.children"])
    # An officer's commodity the list offers still ranks its shippers.
    outputs = _outputs(_rank(enforcement, app, commodity=str(office["mangosteen"].id)),
                       _key(app, "rankings-grid.rowData"))
    assert {row["name"] for row in outputs["rankings-grid.rowData"]} == {"PT Alpha Buah Segar", "PT Beta Tani"}


def test_a_date_that_is_none_names_its_end_of_the_period_and_the_chart_points_at_it(session, office, app, logged_in):
    """A year 12026 typed in "sampai" said "Tanggal tidak valid" without which field, and the chart said no company
    had consignments on these filters: the message names the end, the chart points at the message."""
    client = logged_in("enforcement")
    for date_from, date_to, said in ((None, "12026-01-01", "Tanggal akhir periode tidak valid"),
                                     ("2026-13-01", None, "Tanggal awal periode tidak valid")):
        outputs = _outputs(_rank(client, app, date_from=date_from, date_to=date_to),
                           _key(app, "rankings-grid.rowData"))
        assert outputs["rankings-error.is_open"] is True
        assert said in json.dumps(outputs["rankings-error.children"])
        figure = json.dumps(outputs["rankings-chart.figure"], ensure_ascii=False)
        assert "Perbaiki isian" in figure and "Tidak ada pengguna jasa" not in figure


def test_coordinator_asking_for_another_section_is_refused_by_the_service(session, office, app, logged_in):
    with pytest.raises(Forbidden):
        compliance.ranking(session, office_id=office["office_id"], section_scope="plant",
                           filters={"section": "animal"})
    client = logged_in("coordinator", section="plant")
    body = _outputs(_rank(client, app, section="animal"), _key(app, "rankings-grid.rowData"))
    assert body["rankings-grid.rowData"] == [] and body["rankings-error.is_open"] is True


def test_coordinator_cannot_open_a_profile_outside_their_section(session, office, app, logged_in):
    with pytest.raises(Forbidden):
        compliance_profile.profile(session, office["delta"].id, office_id=office["office_id"], section_scope="plant")
    client = logged_in("coordinator", section="plant")
    key = _key(app, "profile-body.children")
    body = dash_callback(client, key, inputs=[
        {"id": "profile-id", "property": "data", "value": office["delta"].id},
        {"id": "profile-section", "property": "value", "value": "plant"},
        *PROFILE_DEFAULTS]).get_data(as_text=True)
    assert "profile-refused" in body and "PT Delta Satwa" not in body
    assert session.scalar(select(AuditLog).where(AuditLog.action == "access_denied",
                                                 AuditLog.object_type == "service_user")) is not None
    # Their own section's company opens, with the explanation.
    body = dash_callback(client, key, inputs=[
        {"id": "profile-id", "property": "data", "value": office["beta"].id},
        {"id": "profile-section", "property": "value", "value": "plant"},
        *PROFILE_DEFAULTS]).get_data(as_text=True)
    assert "PT Beta Tani" in body and "profile-how-card" in body and "Bagaimana skor ini dihitung" in body


def test_service_user_cannot_open_the_ranking_or_a_profile(office, app, logged_in):
    client = logged_in("service_user")
    assert client.get("/rankings").status_code == 403
    assert client.get(f"/profile/{office['beta'].id}").status_code == 403
    assert _rank(client, app).status_code == 403
    response = dash_callback(client, _key(app, "profile-body.children"), inputs=[
        {"id": "profile-id", "property": "data", "value": office["beta"].id},
        {"id": "profile-section", "property": "value", "value": ""}, *PROFILE_DEFAULTS])
    assert response.status_code == 403


def test_unknown_profile_is_not_found(office, app, logged_in):
    client = logged_in("enforcement")
    body = dash_callback(client, _key(app, "profile-body.children"), inputs=[
        {"id": "profile-id", "property": "data", "value": 999999},
        {"id": "profile-section", "property": "value", "value": ""}, *PROFILE_DEFAULTS]).get_data(as_text=True)
    assert "profile-refused" in body


def test_enforcement_sees_every_section_and_filters_change_the_chart(office, app, logged_in):
    client = logged_in("enforcement")
    key = _key(app, "rankings-grid.rowData")
    everyone = _outputs(_rank(client, app), key)
    assert len(everyone["rankings-grid.rowData"]) == 4
    imports = _outputs(_rank(client, app, direction="import"), key)
    assert imports["rankings-grid.rowData"] == []
    # The chart answers "how many need guidance": one bar per tier, D in red.
    bar = everyone["rankings-chart.figure"]["data"][0]
    assert bar["marker"]["color"][3] == "#dc3545" and len(bar["x"]) == 4
    assert "perlu pembinaan" in everyone["rankings-chart-answer.children"]


def test_handler_page_for_a_coordinator_of_another_section_is_refused(session, office):
    with pytest.raises(Forbidden):
        compliance_profile.handler_profile(session, office["handler"].id, office_id=office["office_id"],
                                   section_scope="animal")


def _paged_rows(client, app, grid: str, prefix: str, inputs: list[dict]) -> list[dict]:
    """A paged grid's first page as its callback answers the browser."""
    response = dash_callback(client, _key(app, f"{grid}.rowData"), inputs=inputs + [
        *pager_body(prefix)],
        state=pager_state(f"{prefix}-page", 0))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"][grid]["rowData"]


def _stacked(columns: list[dict]) -> dict:
    from layouts.components.grid import PHONE_COLUMN

    stacked = [column for column in columns if column.get("colId") == PHONE_COLUMN]
    assert len(stacked) == 1 and stacked[0]["hide"] is True
    return stacked[0]["cellRendererParams"]


def _fields(params: dict) -> set[str]:
    return {field for line in params["lines"] for field in line}


def test_on_a_phone_each_handler_of_a_profile_is_one_stacked_row_with_its_flag_in_red(office, app, logged_in):
    """The five columns side by side ran past a 390 px phone: a cut name and half its count, the flag off screen."""
    from layouts.profile import PHONE_COLUMN, handler_columns, handler_row, section_frame

    params = _stacked(handler_columns())
    assert params["lines"][0] == ["name"] and params["fieldClasses"] == {"tier_d_flag": "qc-flagged-cell"}
    assert params["labels"]["tier_d_count"] == "Perusahaan tier D yang dilayani"
    assert f"qcPhoneColumn(params, '{PHONE_COLUMN}')" in str(section_frame("handlers"))
    rows = _paged_rows(logged_in("enforcement"), app, "profile-handlers-grid", "profile-handlers", [
        {"id": "profile-id", "property": "data", "value": office["beta"].id},
        {"id": "profile-section", "property": "value", "value": "all"}])
    assert [row["name"] for row in rows] == ["PPJK Satu Pintu"]
    assert _fields(params) <= set(rows[0])
    # The flag in red, or the count with its name: never both.
    flagged = handler_row({"handler_id": 7, "name": "PPJK", "applications": 3, "first": None, "last": None,
                           "flagged": True, "tier_d_companies": 4}, "Asia/Jakarta")
    plain = handler_row({"handler_id": 8, "name": "PPJK", "applications": 3, "first": None, "last": None,
                         "flagged": False, "tier_d_companies": 1}, "Asia/Jakarta")
    assert (flagged["tier_d_flag"], flagged["tier_d_count"]) == ("Ditandai: 4 perusahaan tier D", "")
    assert (plain["tier_d_flag"], plain["tier_d_count"]) == ("", "1")


def test_on_a_phone_each_company_of_a_handler_is_one_stacked_row_with_its_tier_in_colour(office, app, logged_in):
    """The six columns side by side ran past a 390 px phone: a cut name and its tax id, the tier off the screen."""
    from layouts.handler import company_columns, drawn_later

    params = _stacked(company_columns())
    assert params["lines"][:2] == [["name"], ["tier_text"]]
    assert params["fieldClasses"] == {"tier_text": "qc-tier-cell qc-tier-{tier}"}
    assert params["labels"]["tax_id"] == "NPWP" and params["labels"]["applications"] == "Permohonan"
    assert "qcPhoneColumn" in str(drawn_later(None))
    rows = _paged_rows(logged_in("enforcement"), app, "handler-companies-grid", "handler-companies",
                       [{"id": "handler-id", "property": "data", "value": office["handler"].id}])
    assert {row["name"] for row in rows} == {"PT Alpha Buah Segar", "PT Beta Tani"}
    assert all(_fields(params) | {"tier"} <= set(row) for row in rows)


def test_opening_the_tier_history_draws_its_changes_and_leaves_the_other_sections_working(session, office, app,
                                                                                           logged_in):
    """The tier history's grid was given its rows twice (a TypeError the callback route answered as the request's
    fault: a silent 400), so the section stayed empty and every section opened after it too: each request carried
    the open history."""
    compliance.refresh_scores(session, as_of=AS_OF)  # the day's snapshot: a first tier for every company
    session.commit()
    key = _key(app, "profile-tier-history-body.children")
    response = dash_callback(logged_in("enforcement"), key, inputs=[
        {"id": "profile-sections", "property": "active_item", "value": ["tier_history", "guidance"]}], state=[
        {"id": "profile-id", "property": "data", "value": office["beta"].id},
        {"id": "profile-section", "property": "value", "value": "all"},
        *[{"id": f"profile-{name}-body", "property": "children", "value": None}
          for name in ("timeline", "handlers", "tier-history", "guidance")]])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()["response"]
    history = json.dumps(body["profile-tier-history-body"]["children"], ensure_ascii=False)
    assert "profile-tier-history" in history and "D · Perlu pembinaan" in history  # detained, then refused
    assert "profile-guidance" in json.dumps(body["profile-guidance-body"])


# ------------------------------------------------------------------------------------------------ exports
def test_export_neutralises_formula_cells(session, office, app, logged_in):
    su = gen_service_user(session, name="=HYPERLINK(\"http://evil\")")
    gen_application(session, su)
    compliance_rollup.refresh_rollups(session, service_user_ids=[su.id])
    session.commit()
    client = logged_in("enforcement")
    key = _key(app, "rankings-download.data")
    states = [{"id": i, "property": "value", "value": ""} for i in (
        "rankings-section", "rankings-direction", "rankings-commodity", "rankings-tier", "rankings-from",
        "rankings-to")] + [{"id": "rankings-sort", "property": "value", "value": "rank"},
                              {"id": "rankings-search", "property": "value", "value": None},
                              {"id": "rankings-office", "property": "value", "value": "home"}]
    for button, marker in (("rankings-export-csv", b"'=HYPERLINK"), ("rankings-export-xlsx", None)):
        response = dash_callback(client, key, inputs=[
            {"id": "rankings-export-csv", "property": "n_clicks", "value": 1 if button.endswith("csv") else None},
            {"id": "rankings-export-xlsx", "property": "n_clicks", "value": 1 if button.endswith("xlsx") else None}],
            state=states, changed=[f"{button}.n_clicks"])
        data = response.get_json()["response"]["rankings-download"]["data"]
        content = base64.b64decode(data["content"])
        if marker:
            assert marker in content and b"\n=HYPERLINK" not in content
        else:
            import io

            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(content)).active
            names = [row[1].value for row in sheet.iter_rows(min_row=2)]
            assert "'=HYPERLINK(\"http://evil\")" in names


def _export_rankings(client, app, button: str) -> dict:
    states = [{"id": i, "property": "value", "value": ""} for i in (
        "rankings-section", "rankings-direction", "rankings-commodity", "rankings-tier", "rankings-from",
        "rankings-to")] + [{"id": "rankings-sort", "property": "value", "value": "rank"},
                              {"id": "rankings-search", "property": "value", "value": None},
                              {"id": "rankings-office", "property": "value", "value": "home"}]
    response = dash_callback(client, _key(app, "rankings-download.data"), inputs=[
        {"id": "rankings-export-csv", "property": "n_clicks", "value": 1 if button == "csv" else None},
        {"id": "rankings-export-xlsx", "property": "n_clicks", "value": 1 if button == "xlsx" else None}],
        state=states, changed=[f"rankings-export-{button}.n_clicks"])
    return response.get_json()["response"]["rankings-download"]["data"]


def test_ranking_export_just_after_midnight_wib_is_named_with_the_office_date_and_reads_in_indonesian(
        office, app, logged_in):
    """At 00:30 WIB on 15 June UTC still has 14 June: the file is named with Jakarta's date. The CSV has `;`
    between fields and the page's decimal comma (61,7), so a spreadsheet set to Indonesian reads numbers."""
    with time_machine.travel(datetime(2026, 6, 14, 17, 30, tzinfo=UTC), tick=False):
        client = logged_in("enforcement")
        csv_file, xlsx_file = _export_rankings(client, app, "csv"), _export_rankings(client, app, "xlsx")
    assert (csv_file["filename"], xlsx_file["filename"]) == ("peringkat-kepatuhan-2026-06-15.csv",
                                                            "peringkat-kepatuhan-2026-06-15.xlsx")
    lines = base64.b64decode(csv_file["content"]).decode("utf-8-sig").splitlines()
    header, gamma = lines[0].split(";"), next(line.split(";") for line in lines if "Gamma" in line)
    score = gamma[header.index("Skor")]
    assert "," in score and "." not in score and float(score.replace(",", ".")) > 0


def test_priority_list_has_the_evidence_and_prints(session, office):
    from callbacks.priority import priority_pdf

    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                filters={"tier": "A"}, page_size=None, as_of=AS_OF)
    assert [(r["name"], r["consignments"], r["clean_streak"], r["months_since_last_violation"]) for r in
            result["rows"]] == [("PT Alpha Buah Segar", 25, 26, 30)]
    assert priority_pdf(result).startswith(b"%PDF")
    # Signed on every page as the dossier is: the office, who printed it and when, which page of how many
    from support.portal_helpers import pdf_text

    text = pdf_text(priority_pdf(result, {"name": "Ir. Dewi Lestari", "username": "coordinator_plant",
                                          "at": "7 Des 2026 12:40 WIB", "office": "BBKP Soekarno-Hatta"}))
    assert "BBKP Soekarno-Hatta" in text and "coordinator_plant" in text and "Halaman 1 dari 1" in text
    assert "01.111.111.1-111.000" in text


def _priority(client, app, page=0, changed=None, sort="rank"):
    key = _key(app, "priority-grid.rowData")
    inputs = [{"id": "priority-section", "property": "value", "value": "all"},
              {"id": "priority-sort", "property": "value", "value": sort},
              *pager_body("priority", changed)]
    response = dash_callback(client, key, inputs=inputs, state=pager_state("priority-page", page),
                             changed=[f"priority-{changed}.n_clicks"] if changed else None)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def _priority_csv_names(client, app, sort: str) -> list[str]:
    response = dash_callback(client, _key(app, "priority-download.data"), inputs=[
        {"id": "priority-export-pdf", "property": "n_clicks", "value": None},
        {"id": "priority-export-csv", "property": "n_clicks", "value": 1},
        {"id": "priority-export-xlsx", "property": "n_clicks", "value": None}],
        state=[{"id": "priority-section", "property": "value", "value": "all"},
               {"id": "priority-sort", "property": "value", "value": sort}],
        changed=["priority-export-csv.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)
    content = response.get_json()["response"]["priority-download"]["data"]["content"]
    lines = base64.b64decode(content).decode("utf-8-sig").splitlines()
    column = lines[0].split(";").index("Pengguna jasa")
    return [line.split(";")[column] for line in lines[1:]]


def test_the_priority_list_comes_a_page_at_a_time_in_the_chosen_order(session, office, app, logged_in, monkeypatch):
    import callbacks.priority

    # Two more clean companies: Kappa, the busiest, ranks first; Epsilon ties with Alpha. Three in tier A, whose
    # order by rank (Kappa, Epsilon, Alpha) is not their order by name (Epsilon, Alpha, Kappa).
    series(session, gen_service_user(session, name="PT Kappa Lestari"), 40, date(2025, 7, 5), 8)
    series(session, gen_service_user(session, name="CV Epsilon Jaya"), 25, date(2025, 7, 5), 13)
    compliance_rollup.recompute_all(session)
    session.commit()
    monkeypatch.setattr(callbacks.priority, "PAGE_SIZE", 2)
    client = logged_in("admin")

    first = _priority(client, app)
    assert [row["name"] for row in first["priority-grid"]["rowData"]] == ["PT Kappa Lestari", "CV Epsilon Jaya"]
    assert first["priority-pager-text"]["children"] == "Menampilkan 1–2 dari 3"
    assert first["priority-next"]["disabled"] is False and first["priority-prev"]["disabled"] is True
    assert first["priority-count"]["children"].startswith("3 pengguna jasa layak")  # the whole list's count
    second = _priority(client, app, page=0, changed="next")
    assert [row["name"] for row in second["priority-grid"]["rowData"]] == ["PT Alpha Buah Segar"]
    assert second["priority-pager-text"]["children"] == "Menampilkan 3–3 dari 3"
    assert second["priority-next"]["disabled"] is True

    # The order is the whole list's, not one page's; an order the list does not know is by rank.
    by_name = _priority(client, app, sort="name")
    assert [row["name"] for row in by_name["priority-grid"]["rowData"]] == ["CV Epsilon Jaya", "PT Alpha Buah Segar"]
    lowest = _priority(client, app, sort="score_asc")  # Kappa, the highest score, is last: on the second page
    assert "PT Kappa Lestari" not in {row["name"] for row in lowest["priority-grid"]["rowData"]}
    unknown = _priority(client, app, sort="'; drop table")
    assert [row["name"] for row in unknown["priority-grid"]["rowData"]] == ["PT Kappa Lestari", "CV Epsilon Jaya"]
    # The export holds the whole list in the order on screen.
    assert _priority_csv_names(client, app, "name") == ["CV Epsilon Jaya", "PT Alpha Buah Segar", "PT Kappa Lestari"]
    assert _priority_csv_names(client, app, "rank") == ["PT Kappa Lestari", "CV Epsilon Jaya", "PT Alpha Buah Segar"]


def test_a_paged_list_whose_output_is_named_like_the_pagers_is_refused(app):
    """The pager's outputs would silently replace the list's own (the priority list's count went missing so)."""
    from dash import Output

    from callbacks.common import paged_callback

    with pytest.raises(ValueError, match="count"):
        paged_callback(app, "rankings.view", "priority", output={"count": Output("priority-count", "children")},
                       inputs={})(lambda page: ({}, None))


def test_an_empty_priority_list_says_so_without_a_count_of_nothing(session, app, logged_in):
    first = _priority(logged_in("admin"), app)  # no office data: nobody is in tier A
    assert first["priority-grid"]["rowData"] == [] and first["priority-pager-text"]["children"] == ""


# ------------------------------------------------------------------------------------------------ guidance
def test_guidance_is_validated_field_by_field_and_writes_nothing_on_error(session, office):
    with pytest.raises(InvalidInput) as error:
        guidance.record_guidance(session, None, "tester", office_id=office["office_id"], section_scope=None,
                                 values={"service_user_id": "", "given_on": "2026-07-01", "kind": "party",
                                         "notes": " ", "officer_name": "", "status": "done"}, today=AS_OF)
    assert set(error.value.errors) == {"service_user_id", "given_on", "kind", "notes", "officer_name"}
    assert error.value.errors["given_on"][0] == "guidance.error.date_future"
    assert session.scalar(select(GuidanceRecord)) is None


def test_guidance_is_recorded_audited_and_its_effect_measured(session, office):
    beta = office["beta"]
    saved = guidance.record_guidance(session, None, "coordinator_plant", office_id=office["office_id"],
                                     section_scope="plant", values={
                                         "service_user_id": beta.id, "given_on": "2025-12-01", "kind": "visit",
                                         "notes": "Kunjungan ke gudang; SOP dokumen diperbaiki.",
                                         "officer_name": "Drh. Sari"}, today=AS_OF)
    assert session.get(GuidanceRecord, saved["id"]).section_id is not None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "guidance_recorded"))
    assert entry.after["kind"] == "visit" and entry.object_id == str(saved["id"])
    result = guidance.guidance_list(session, office_id=office["office_id"], section_scope="plant", as_of=AS_OF)
    row = next(r for r in result["rows"] if r["service_user_id"] == beta.id)
    effect = row["last_guidance"]["effect"]
    # 1 Jun – 30 Nov 2025: Beta's apps of 1 Aug, 21 Aug, 10 Sep, 30 Sep, 20 Oct, 9 Nov (refused), 29 Nov: 7,
    # with the detention (1) and refusal (2): V 3 → 300 / 7 = 42.86 per 100;
    # 1 Dec 2025 – 31 May 2026: 19 Dec, 8 Jan, 28 Jan (3), no violation → 0.0.
    assert (effect["before"]["n"], effect["before"]["rate_per_100"]) == (7, 42.86)
    assert (effect["after"]["n"], effect["after"]["rate_per_100"], effect["verdict"]) == (3, 0.0, "improved")


def test_the_effect_of_guidance_reads_its_rates_per_100_with_one_decimal():
    """"42,86 → 0,00 per 100": one decimal, as violations per 1.000 everywhere else (format_per_thousand)."""
    effect = {"verdict": "improved", "before": {"n": 7, "rate_per_100": 42.86},
              "after": {"n": 3, "rate_per_100": 0.0}, "judged_from": date(2026, 6, 1)}
    assert effect_text(effect) == "42,9 → 0,0 per 100 konsinyasi (membaik; n 7 → 3)"  # outside a request: Indonesian
    unknown = {**effect, "verdict": "not_enough_data", "after": {"n": 0, "rate_per_100": None}}
    assert effect_text(unknown).startswith("42,9 → – per 100")


def test_the_effect_counts_the_guidance_records_own_section_not_the_pages_filter(session, office):
    """Beta's consignments are all plant; guidance given in the animal section is judged on animal records only (none:
    not enough data), whatever section the page shows (here: every section, which would count the plant ones)."""
    saved = guidance.record_guidance(session, None, "admin", office_id=office["office_id"], section_scope=None,
                                     values={"service_user_id": office["beta"].id, "given_on": "2025-12-01",
                                             "kind": "visit", "notes": "Pembinaan karantina hewan.",
                                             "officer_name": "Drh. Sari", "section": "animal"}, today=AS_OF)
    result = guidance.guidance_list(session, office_id=office["office_id"], section_scope=None, as_of=AS_OF)
    row = next(r for r in result["rows"] if r["service_user_id"] == office["beta"].id)
    assert row["last_guidance"]["id"] == saved["id"]
    effect = row["last_guidance"]["effect"]
    assert (effect["before"]["n"], effect["after"]["n"], effect["verdict"]) == (0, 0, "not_enough_data")


def test_coordinator_cannot_record_guidance_for_another_section(session, office):
    with pytest.raises(Forbidden):
        guidance.record_guidance(session, None, "c", office_id=office["office_id"], section_scope="plant",
                                 values={"service_user_id": office["delta"].id, "given_on": "2026-01-01",
                                         "kind": "letter", "notes": "x", "officer_name": "y"}, today=AS_OF)


def test_head_may_read_guidance_but_not_record_it(office, app, logged_in):
    client = logged_in("head")
    assert client.get("/guidance").status_code == 200
    response = dash_callback(client, _key(app, "guidance-saved.children"), inputs=[
        {"id": "guidance-save", "property": "n_clicks", "value": 1}])
    assert response.status_code == 403


def test_the_guidance_records_say_what_a_click_does_for_who_reads_them(app):
    """The head of office was told to click a row "to mark it done or cancel it": the click opens it to read."""
    from flask_login import login_user

    from layouts.guidance import layout

    def drawn(role):
        user = drawing_user(role)
        with app.server.test_request_context("/"):
            login_user(user)
            return str(layout(user))

    assert "Klik baris untuk melihat catatannya." in drawn("head") and "menandai" not in drawn("head")
    assert "Klik baris untuk menandai terlaksana atau membatalkan." in drawn("coordinator")


def test_the_guidance_lists_are_as_tall_as_their_page_of_rows(app):
    """In a box of 45vh the sixth tier-D company was cut in half under "1–6 dari 6" (its effect text wraps): each
    list pages by 25 in the database, so it shows its whole page and the page scrolls, not a frame inside it."""
    from flask_login import login_user

    from callbacks.common import plain
    from layouts.guidance import layout
    from support.web import components

    user = drawing_user("coordinator")
    with app.server.test_request_context("/"):
        login_user(user)
        drawn = plain(layout(user))
    grids = {props["id"]: props for _type, props in components(drawn)
             if props.get("id") in ("guidance-grid", "guidance-records-grid")}
    assert len(grids) == 2
    for grid in grids.values():
        assert grid["dashGridOptions"]["domLayout"] == "autoHeight" and grid["style"]["height"] == "auto", grid["id"]
        assert "qc-tall-on-phone" not in grid["className"]  # a phone's fixed 60vh would cut it again


# ---------------------------------------------------------------------------------- guidance planning (#14)
# planned → done → cancelled, future dates only for a plan, the effect only 6 months after a done guidance,
# the moves audited, a save over a newer one refused.
def _record(session, office, given_on: date, status: str | None = None, section_scope: str | None = "plant",
            today: date | None = AS_OF):
    values = {"service_user_id": office["beta"].id, "given_on": given_on.isoformat(), "kind": "visit",
              "notes": "Kunjungan ke gudang.", "officer_name": "Drh. Sari", "status": status}
    return guidance.record_guidance(session, None, "coordinator_plant", office_id=office["office_id"],
                                    section_scope=section_scope, values=values, today=today)


def _reach(office, section_scope="plant"):
    return {"office_id": office["office_id"], "section_scope": section_scope}


def test_a_future_guidance_date_saves_as_planned(session, office):
    chosen = _record(session, office, AS_OF + timedelta(days=10), status="planned")
    by_date = _record(session, office, AS_OF + timedelta(days=30))  # no status chosen: the date decides
    assert chosen["status"] == by_date["status"] == "planned"
    assert session.get(GuidanceRecord, chosen["id"]).status == "planned"
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "guidance")).all()
    assert actions == ["guidance_planned", "guidance_planned"]


def test_guidance_given_refuses_a_date_in_the_future_and_a_plan_refuses_a_past_one(session, office):
    with pytest.raises(InvalidInput) as future:
        _record(session, office, AS_OF + timedelta(days=1), status="done")
    assert future.value.errors["given_on"][0] == "guidance.error.date_future"
    with pytest.raises(InvalidInput) as past:
        _record(session, office, AS_OF - timedelta(days=1), status="planned")
    assert past.value.errors["given_on"][0] == "guidance.error.plan_past"
    assert session.scalar(select(GuidanceRecord)) is None


def test_marking_a_plan_done_refuses_a_future_date_and_keeps_it_planned(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    with pytest.raises(InvalidInput) as error:
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1,
                           given_on=(AS_OF + timedelta(days=5)).isoformat(), today=AS_OF)
    assert error.value.errors["given_on"][0] == "guidance.error.done_future"
    done = guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1,
                              given_on=AS_OF.isoformat(), today=AS_OF)
    record = session.get(GuidanceRecord, plan["id"])
    assert (done["status"], record.status, record.given_on, record.version) == ("done", "done", AS_OF, 2)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "guidance_done"))
    assert entry.before["status"] == "planned" and entry.after == {"status": "done", "given_on": AS_OF.isoformat()}


def test_the_office_day_decides_what_is_in_the_future(session, office):
    """At 00:30 WIB the office's day is already the next one, while UTC still has the day before."""
    with time_machine.travel(datetime(2026, 6, 15, 17, 30, tzinfo=UTC), tick=False):
        saved = _record(session, office, date(2026, 6, 16), status="done", today=None)
    assert saved["status"] == "done"


def test_statuses_move_forward_only_and_a_cancel_needs_a_reason(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    with pytest.raises(InvalidInput) as no_reason:
        guidance.cancel(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1, reason="  ")
    assert no_reason.value.errors["cancel_reason"][0] == "guidance.error.reason_required"
    done = guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1,
                              given_on=AS_OF.isoformat(), today=AS_OF)
    with pytest.raises(InvalidInput) as twice:  # done → done
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=done["version"],
                           given_on=AS_OF.isoformat(), today=AS_OF)
    assert twice.value.errors["status"][0] == "guidance.error.transition"
    assert guidance.TRANSITIONS["done"] == ("cancelled",)  # no way back to planned
    cancelled = guidance.cancel(session, None, "c", **_reach(office), guidance_id=plan["id"],
                                version=done["version"], reason="Dicatat untuk perusahaan yang salah.")
    assert session.get(GuidanceRecord, plan["id"]).cancel_reason == "Dicatat untuk perusahaan yang salah."
    with pytest.raises(InvalidInput) as after_cancel:  # cancelled → done
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"],
                           version=cancelled["version"], given_on=AS_OF.isoformat(), today=AS_OF)
    assert after_cancel.value.errors["status"][0] == "guidance.error.transition"
    assert session.get(GuidanceRecord, plan["id"]).status == "cancelled"
    assert session.scalar(select(AuditLog.after).where(AuditLog.action == "guidance_cancelled"))["status"] == \
        "cancelled"


def test_a_save_over_a_newer_save_is_refused(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    guidance.mark_done(session, None, "first", **_reach(office), guidance_id=plan["id"], version=1,
                       given_on=AS_OF.isoformat(), today=AS_OF)
    with pytest.raises(Conflict):  # the second person's dialog still holds version 1
        guidance.cancel(session, None, "second", **_reach(office), guidance_id=plan["id"], version=1,
                        reason="Perusahaan tutup.")
    assert session.get(GuidanceRecord, plan["id"]).status == "done"


def test_a_coordinator_sees_general_guidance_but_leaves_its_moves_to_others(session, office):
    general = _record(session, office, AS_OF + timedelta(days=5), status="planned", section_scope=None)
    rows = guidance.records_page(session, **_reach(office), as_of=AS_OF)["rows"]
    assert [r["id"] for r in rows] == [general["id"]]
    assert guidance.record_detail(session, general["id"], **_reach(office))["moves"] == ()
    assert guidance.record_detail(session, general["id"], **_reach(office, None))["moves"] == ("done", "cancelled")
    with pytest.raises(Forbidden):
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=general["id"], version=1,
                           given_on=AS_OF.isoformat(), today=AS_OF)


def test_a_coordinator_cannot_move_another_sections_guidance(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned", section_scope=None)
    animal = {**_reach(office, "animal")}
    with pytest.raises(Forbidden):
        guidance.cancel(session, None, "c", **animal, guidance_id=plan["id"], version=1, reason="x")


def test_the_effect_shows_only_six_months_after_a_done_guidance(session, office):
    given = AS_OF - timedelta(days=10)
    done = _record(session, office, given, status="done")
    _record(session, office, AS_OF + timedelta(days=7), status="planned")
    result = guidance.guidance_list(session, **_reach(office), as_of=AS_OF)
    row = next(r for r in result["rows"] if r["service_user_id"] == office["beta"].id)
    effect = row["last_guidance"]["effect"]
    assert row["last_guidance"]["id"] == done["id"] and row["planned_guidance"]["given_on"] == AS_OF + timedelta(7)
    assert (effect["verdict"], effect["before"], effect["judged_from"]) == ("pending", None, date(2026, 12, 5))
    text = effect_text(effect)  # outside a request: Indonesian
    assert text.startswith("Belum dapat dinilai") and "→" not in text and "membaik" not in text
    # Six months later the same guidance is judged, from the raw records on both sides.
    later = guidance.effect(session, office["beta"].id, given, section_id=None, tz="Asia/Jakarta",
                            settings=guidance.current_settings(session)[1], today=date(2026, 12, 5))
    assert later["verdict"] != "pending" and later["before"]["n"] > 0


def test_planned_and_cancelled_guidance_have_no_effect(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=3), status="planned")
    old = _record(session, office, date(2025, 12, 1), status="done")
    guidance.cancel(session, None, "c", **_reach(office), guidance_id=old["id"], version=1, reason="Salah input.")
    result = guidance.guidance_list(session, **_reach(office), as_of=AS_OF)
    row = next(r for r in result["rows"] if r["service_user_id"] == office["beta"].id)
    assert row["last_guidance"] is None and row["planned_guidance"]["id"] == plan["id"]
    page = guidance.records_page(session, **_reach(office), as_of=AS_OF)
    assert [(r["status"], r["effect"]) for r in page["rows"]] == [("planned", None), ("cancelled", None)]
    shown = [record_row(r)["effect"] for r in page["rows"]]
    assert shown[0].startswith("Direncanakan") and shown[1] == "Dibatalkan: Salah input."


def test_the_records_list_is_paged_in_the_database(session, office):
    for day in range(30):
        _record(session, office, AS_OF - timedelta(days=day), status="done")
    first = guidance.records_page(session, **_reach(office), page=0, page_size=25, as_of=AS_OF)
    second = guidance.records_page(session, **_reach(office), page=1, page_size=25, as_of=AS_OF)
    assert (first["total"], len(first["rows"]), len(second["rows"])) == (30, 25, 5)
    assert first["rows"][0]["given_on"] == AS_OF and second["rows"][-1]["given_on"] == AS_OF - timedelta(days=29)


def test_the_dialog_refuses_a_stale_version_with_a_message(session, office, app, logged_in):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    session.commit()
    client = logged_in("coordinator", "plant")
    key = _key(app, "guidance-action-error.children")
    record = {"id": plan["id"], "version": 1, "moves": ["done", "cancelled"], "given_on": AS_OF.isoformat()}

    def act(button, version):
        return dash_callback(client, key, inputs=[
            {"id": "guidance-action-done", "property": "n_clicks", "value": 1 if button == "done" else None},
            {"id": "guidance-action-cancel", "property": "n_clicks", "value": 1 if button == "cancel" else None}],
            state=[{"id": "guidance-action-record", "property": "data", "value": {**record, "version": version}},
                   {"id": "guidance-action-given_on", "property": "value", "value": AS_OF.isoformat()},
                   {"id": "guidance-action-cancel_reason", "property": "value", "value": "Batal."},
                   {"id": "guidance-version", "property": "data", "value": 0}],
            changed=[f"guidance-action-{button}.n_clicks"]).get_json()["response"]

    assert act("done", 1)["guidance-action-modal"]["is_open"] is False
    stale = act("cancel", 1)
    assert stale["guidance-action-error"]["is_open"] is True
    shown = json.dumps(stale["guidance-action-error"]["children"], ensure_ascii=False)
    # What changed since the dialog opened (its kept values are those the page loaded), and who saved it.
    assert "Tidak disimpan: data ini sudah diubah sejak Anda membukanya." in shown
    assert "Isian Anda belum disimpan dan masih ada di formulir." in shown
    session.expire_all()
    assert session.get(GuidanceRecord, plan["id"]).status == "done"


def test_a_refused_move_shows_the_record_as_it_now_stands_and_keeps_the_typed_reason(session, office, app,
                                                                                     logged_in):
    """The dialog's summary of the record is drawn again after a refusal: the colleague's "done", not the "planned"
    it opened with; the typed reason and the version the dialog opened stay as they were."""
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    session.commit()
    client = logged_in("coordinator", "plant")
    opened = dash_callback(client, _key(app, "guidance-action-record.data"), inputs=[
        {"id": "guidance-records-grid", "property": "cellClicked", "value": {"rowId": str(plan["id"])}}],
        changed=["guidance-records-grid.cellClicked"]).get_json()["response"]
    assert "Direncanakan" in json.dumps(opened["guidance-action-body"]["children"], ensure_ascii=False)
    guidance.mark_done(session, None, "koordinator_rekan", **_reach(office), guidance_id=plan["id"], version=1,
                       given_on=AS_OF.isoformat(), today=AS_OF)  # a colleague, meanwhile
    session.commit()

    refused = dash_callback(client, _key(app, "guidance-action-error.children"), inputs=[
        {"id": "guidance-action-done", "property": "n_clicks", "value": None},
        {"id": "guidance-action-cancel", "property": "n_clicks", "value": 1}],
        state=[{"id": "guidance-action-record", "property": "data", "value": opened["guidance-action-record"]["data"]},
               {"id": "guidance-action-given_on", "property": "value", "value": AS_OF.isoformat()},
               {"id": "guidance-action-cancel_reason", "property": "value", "value": "Perusahaan tutup."},
               {"id": "guidance-version", "property": "data", "value": 0}],
        changed=["guidance-action-cancel.n_clicks"]).get_json()["response"]
    assert refused["guidance-action-error"]["is_open"] is True
    assert "Terlaksana" in json.dumps(refused["guidance-action-error"]["children"], ensure_ascii=False)
    summary = json.dumps(refused["guidance-action-body"]["children"], ensure_ascii=False)
    assert "Terlaksana" in summary and "Direncanakan" not in summary
    # The typed reason, the record (and version) the dialog opened and the grids behind it are left alone.
    assert not {"guidance-action-record", "guidance-version", "guidance-action-modal"} & set(refused)
    assert not any("value" in props for props in refused.values())
    session.expire_all()
    assert session.get(GuidanceRecord, plan["id"]).status == "done"


@pytest.mark.parametrize("crafted", [[1, 2], "x", {"id": "x", "version": 1}, {"id": 10 ** 30, "version": 1},
                                     {"id": None}, {"version": "new"}])
def test_the_dialog_answers_a_crafted_record_without_a_server_error(session, office, app, logged_in, crafted):
    client = logged_in("coordinator", "plant")
    response = dash_callback(client, _key(app, "guidance-action-error.children"), inputs=[
        {"id": "guidance-action-done", "property": "n_clicks", "value": 1},
        {"id": "guidance-action-cancel", "property": "n_clicks", "value": None}],
        state=[{"id": "guidance-action-record", "property": "data", "value": crafted},
               {"id": "guidance-action-given_on", "property": "value", "value": AS_OF.isoformat()},
               {"id": "guidance-action-cancel_reason", "property": "value", "value": ""},
               {"id": "guidance-version", "property": "data", "value": 0}],
        changed=["guidance-action-done.n_clicks"])
    assert response.status_code in (200, 204, 404)
    assert session.scalar(select(GuidanceRecord)) is None


def test_the_profile_says_which_guidance_is_only_planned(session, office):
    from layouts.profile import guidance_section

    _record(session, office, AS_OF + timedelta(days=3), status="planned")
    _record(session, office, AS_OF - timedelta(days=3), status="done")
    drawn = str(guidance_section(guidance.records_for(session, office["beta"].id)))
    assert "'Kunjungan · Direncanakan'" in drawn and "'Kunjungan'" in drawn  # the plan, and the visit given


def test_the_demo_shows_guidance_given_planned_and_cancelled_once(session, office):
    from portal.demo.guidance import build_demo_guidance

    made = build_demo_guidance(session)
    statuses = session.scalars(select(GuidanceRecord.status).order_by(GuidanceRecord.id)).all()
    assert made == len(statuses) > 0 and statuses[0] == "done"
    assert build_demo_guidance(session) == 0  # run again: nothing added


# ------------------------------------------------------------------------------------------------ settings
def test_admin_saves_a_new_settings_version_audited_and_scores_name_it(session, office):
    values = compliance_settings.current_settings(session)[1].to_dict() | {"weight_nnc": "4", "prior_m": "10"}
    saved = compliance_settings.save_settings(session, None, "admin", values, note="SK Kepala 12/2026")
    assert saved == {"version": 2, "changed": True}
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "compliance_settings_changed"))
    assert entry.before == {"weight_nnc": 3, "prior_m": 20} and entry.after == {"weight_nnc": 4, "prior_m": 10}
    compliance.refresh_scores(session, as_of=AS_OF)
    result = compliance.ranking(session, office_id=office["office_id"], section_scope=None,
                                filters={"section": "plant"}, as_of=AS_OF)
    assert result["settings_version"] == 2
    gamma = next(r for r in result["rows"] if r["name"] == "CV Gamma Agro")
    # V = 4 (one NNC at weight 4); p0 = 0.005, the setting (every office together holds fewer than 1,000
    # consignments); p = (4 + 10·0.005) / (5 + 10) = 0.27 → 73.0.
    assert gamma["score"] == 73.0
    assert session.scalar(select(ComplianceSettingsVersion.note).where(
        ComplianceSettingsVersion.version == 2)) == "SK Kepala 12/2026"


def test_invalid_settings_are_refused_with_every_problem(session):
    values = compliance_settings.current_settings(session)[1].to_dict() | {
        "window_months": "1,5", "prior_m": "0", "weight_refusal": "dua", "tier_b_min_score": "120"}
    with pytest.raises(InvalidInput) as error:
        compliance_settings.save_settings(session, None, "admin", values)
    assert set(error.value.errors) == {"window_months", "prior_m", "weight_refusal", "tier_b_min_score"}
    assert compliance_settings.current_settings(session)[0] == 1


def test_settings_page_loads_for_admin_only(app, logged_in):
    client = logged_in("admin")
    key = _key(app, "admin-compliance-current.children")
    from layouts.admin_compliance import SETTING_NAMES

    states = [{"id": f"admin-compliance-{name}", "property": "value", "value": None} for name in SETTING_NAMES]
    states.append({"id": "admin-compliance-note", "property": "value", "value": None})
    states.append({"id": "admin-compliance-opened", "property": "data", "value": None})
    response = dash_callback(client, key, inputs=[{"id": "admin-compliance-save", "property": "n_clicks",
                                                   "value": None}], state=states)
    assert response.status_code == 200 and "Versi berlaku: 1" in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_rank_prints_the_ranking_as_json(office, database_url, monkeypatch):
    from click.testing import CliRunner

    from portal.cli.main import main

    monkeypatch.setenv("QCORNER_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["compliance", "rank", "--section", "plant", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert len(rows) == 2
    assert {"service_user_id", "name", "score", "tier", "consignments", "detentions", "refusals", "destructions",
            "nncs"} <= set(rows[0])
    recompute = CliRunner().invoke(main, ["compliance", "recompute", "--json"])
    assert recompute.exit_code == 0 and json.loads(recompute.output)["monthly_rows"] > 0


def test_charts_write_their_axis_numbers_like_the_page():
    """The tier chart's axis read 2000 under a bar labelled 2.138: every chart takes the reader's separators."""
    from callbacks.kpi import monthly_figure
    from callbacks.survey import elements_figure, trend_figure
    from layouts.compliance_common import tier_chart

    tiers = tier_chart({"A": 123, "B": 2138, "C": 1, "D": 9})["layout"]
    assert (tiers["separators"], tiers["yaxis"]["tickformat"]) == (",.", ",d")  # outside a request: Indonesian
    for figure in (elements_figure([{"element": 1, "nrr": 3.42}]), trend_figure([], "month"), monthly_figure([])):
        assert figure["layout"]["separators"] == ",."


def test_a_coordinator_of_animal_after_one_of_plant_never_gets_plants_cached_ranking(office, app, make_user):
    """Same filters, same data version, one after the other: the ranking is cached per scope (issue #17)."""
    from support.web import login

    key = _key(app, "rankings-grid.rowData")
    names = {}
    for section in ("plant", "animal"):
        make_user(f"coordinator_{section}_cache", "coordinator", section)
        client = app.server.test_client()
        assert login(client, f"coordinator_{section}_cache").status_code == 302
        response = _rank(client, app)
        assert response.status_code == 200
        names[section] = {row["name"] for row in _outputs(response, key)["rankings-grid.rowData"]}
    assert "PT Alpha Buah Segar" in names["plant"] and "PT Delta Satwa" not in names["plant"]
    assert names["animal"] == {"PT Delta Satwa"}


def test_the_explanation_at_the_lowest_level_says_so_instead_of_a_dash_count(session, office):
    """At "Dikurangi" there is no next level: the sentence once read "– konsinyasi bersih lagi sampai tingkat
    berikutnya"."""
    import json

    from layouts.profile import _explanation

    working = compliance_profile.profile(session, office["alpha"].id, office_id=office["office_id"],
                                         section_scope=None)["explanation"]
    lowest = {**working, "intervention": {**working["intervention"], "name": "reduced", "sampling_percent": 5,
                                          "clean_to_next_level": None}}
    text = json.dumps(_explanation(lowest, "Asia/Jakarta", "/profile/1").to_plotly_json(), default=lambda o: o.to_plotly_json(),
                      ensure_ascii=False)
    assert "– konsinyasi" not in text and "Dikurangi (5%); sudah tingkat terendah" in text
    normal = {**working, "intervention": {**working["intervention"], "name": "normal", "sampling_percent": 25,
                                          "clean_to_next_level": 7}}
    text = json.dumps(_explanation(normal, "Asia/Jakarta", "/profile/1").to_plotly_json(), default=lambda o: o.to_plotly_json(),
                      ensure_ascii=False)
    assert "7 konsinyasi bersih lagi sampai tingkat berikutnya" in text


def test_the_profiles_intervention_says_it_follows_the_clean_run_not_the_tier():
    """"D · Perlu pembinaan" beside "Dikurangi (5%)" read as a contradiction: the level follows the run of clean
    consignments since the last violation, the tier the window's rate."""
    from portal.i18n import t

    for key in ("profile.how.intervention", "profile.how.intervention_lowest"):
        assert "bukan tier" in t(key, language="id", level="Dikurangi (5%)", more=3)
        assert "not the tier" in t(key, language="en", level="Reduced (5%)", more=3)


def test_the_handlers_tier_d_column_shows_its_header_and_flag_whole_rather_than_cut():
    """"Perusahaan tier D yang di…" over "Ditandai: 3 perusahaan t…" at 1366 px hid the words the column is for."""
    from layouts.components.grid import wraps
    from layouts.profile import handler_columns

    [column] = [column for column in handler_columns() if column.get("field") == "tier_d"]
    assert column["minWidth"] >= 260 and column["wrapHeaderText"] and column["autoHeaderHeight"]
    assert wraps(column)  # its rows as tall as its lines (the grid's qcRowHeight)


def test_a_profile_period_that_cannot_be_taken_is_said_and_the_default_window_shown(office, app, logged_in):
    """A start after today with no end, or a year 9999 from an address: the profile says why, scored over the
    default window, instead of answering nothing ("malformed request" for the year 9999)."""
    client = logged_in("enforcement")
    key = _key(app, "profile-body.children")
    for first, last, message in (("2026-07-01", None, "Tanggal akhir harus sesudah tanggal awal"),
                                 (None, "9999-12-31", "")):
        response = dash_callback(client, key, inputs=[
            {"id": "profile-id", "property": "data", "value": office["beta"].id},
            {"id": "profile-section", "property": "value", "value": "all"},
            {"id": "profile-from", "property": "value", "value": first},
            {"id": "profile-to", "property": "value", "value": last}, *PROFILE_CHOICES_ALL])
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_data(as_text=True)
        assert "profile-period-problem" in body and message in body and "PT Beta Tani" in body
        assert '"value":"2025-06-16"' in body.replace(" ", "")  # the dossier's period: the default window's


def test_a_profile_scored_for_a_commodity_says_so_and_one_it_cannot_take_is_said(office, app, logged_in):
    """Opened from a ranking of mangosteen the profile says whose consignments it counts, in its title and its
    working; a commodity or direction it cannot take (an address of another section, made by hand) is said, and the
    profile is shown on every consignment instead of answering nothing."""
    client = logged_in("enforcement")
    key = _key(app, "profile-body.children")

    def body(direction, commodity):
        response = dash_callback(client, key, inputs=[
            {"id": "profile-id", "property": "data", "value": office["beta"].id},
            {"id": "profile-section", "property": "value", "value": "all"},
            {"id": "profile-from", "property": "value", "value": None},
            {"id": "profile-to", "property": "value", "value": None},
            {"id": "profile-direction", "property": "value", "value": direction},
            {"id": "profile-commodity", "property": "value", "value": commodity}])
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.dumps(response.get_json(), ensure_ascii=False)

    narrowed = body("export", str(office["mangosteen"].id))
    assert "Skor kepatuhan · Semua bidang · Ekspor · komoditas utama Manggis" in narrowed
    assert "Konsinyasi yang dihitung" in narrowed and "profile-period-problem" not in narrowed
    whole = body("all", "all")
    assert "Konsinyasi yang dihitung" not in whole and "komoditas utama" not in whole
    for direction, commodity in (("sideways", "all"), ("all", "999999")):
        refused = body(direction, commodity)
        assert "profile-period-problem" in refused and "PT Beta Tani" in refused
        assert "Konsinyasi yang dihitung" not in refused
    def choices(section, chosen):
        return dash_callback(client, _key(app, "profile-commodity.options"), inputs=[
            {"id": "profile-id", "property": "data", "value": office["beta"].id},
            {"id": "profile-section", "property": "value", "value": section}],
            state=[{"id": "profile-commodity", "property": "value", "value": chosen}]).get_json()["response"]

    options = choices("all", str(office["mangosteen"].id))
    assert options["profile-commodity"]["options"] == [
        {"label": "Semua komoditas", "value": "all"}, {"label": "Manggis", "value": str(office["mangosteen"].id)}]
    assert "value" not in options["profile-commodity"]  # the commodity chosen is one it offers: kept
    # Another section, which holds no mangosteen: the choice goes back to every commodity (kept, the profile was
    # scored for a commodity the box no longer showed)
    assert choices("animal", str(office["mangosteen"].id))["profile-commodity"]["value"] == "all"


def test_the_dossier_starts_on_the_scores_period_at_most_three_years_back():
    from layouts.profile import dossier_form
    from portal.services.dossier import MAX_PERIOD_DAYS

    def values(first, last):
        form = dossier_form(7, {"window_from": first, "window_to": last})
        found = {}
        stack = [form]
        while stack:
            node = stack.pop()
            if getattr(node, "id", None) in ("profile-dossier-from", "profile-dossier-to"):
                found[node.id] = node.value
            children = getattr(node, "children", None)
            stack.extend(children if isinstance(children, list) else [children] if children is not None else [])
        return found["profile-dossier-from"], found["profile-dossier-to"]

    assert values(date(2025, 10, 1), date(2026, 1, 31)) == ("2025-10-01", "2026-01-31")
    first, last = values(date(2016, 1, 1), date(2026, 1, 31))  # a ten-year profile: the dossier refuses that long
    assert last == "2026-01-31" and (date.fromisoformat(last) - date.fromisoformat(first)).days == MAX_PERIOD_DAYS - 1
