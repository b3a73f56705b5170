"""Applications for officers: search in the database, paging, sorting, section and office scope, deleted records,
and the application page's callback refusing what the caller may not see."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from support.web import components, dash_callback, drawing_user, pager_body, pager_state
from support.factories import (gen_action, gen_application, gen_bill, gen_certificate, gen_handler, gen_service_user)
from models import AuditLog, Office
from models.base import utcnow
from portal.security.access import callback_permissions
from portal.services import applications
from portal.services.applications import application_detail, happy_path_progress, search_applications
from portal.validation import Forbidden, InvalidInput, NotFound

UTC = timezone.utc
PLANT_COORDINATOR = {"office_id": None, "section_scope": "plant", "include_deleted": False}


def _numbers(result) -> set[str]:
    return {row["number"] for row in result["rows"]}


@pytest.fixture
def scene(session):
    """Two companies, a handler, plant and animal applications, one deleted at the source."""
    mangga = gen_service_user(session, name="PT Mangga Jaya", tax_id="01.111.222.3-444.000")
    sapi = gen_service_user(session, name="CV Sapi Sehat", tax_id="02.999.888.7-666.000")
    handler = gen_handler(session, name="PPJK Kilat Dokumen")
    plant = gen_application(session, mangga, section="plant", direction="export", handler=handler,
                            number="PTK-PLANT-0001", submitted_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    animal = gen_application(session, sapi, section="animal", direction="import", commodity="Daging sapi beku",
                             number="PTK-ANIMAL-0001", submitted_at=datetime(2026, 3, 5, 20, 0, tzinfo=UTC),
                             stages=("submitted", "verified", "inspected", "detained"))
    deleted = gen_application(session, mangga, section="plant", number="PTK-PLANT-DEL",
                              submitted_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC), stages=("submitted",))
    deleted.deleted_at = utcnow()
    session.commit()
    return {"plant": plant, "animal": animal, "deleted": deleted, "mangga": mangga, "sapi": sapi,
            "handler": handler}


# ------------------------------------------------------------------------------------------ search filters
@pytest.mark.parametrize("filters,expected", [
    ({"number": "animal-00"}, {"PTK-ANIMAL-0001"}),
    ({"service_user": "mangga"}, {"PTK-PLANT-0001"}),
    ({"service_user": "029998887"}, {"PTK-ANIMAL-0001"}),          # tax id typed without dots and dashes
    ({"service_user": "02.999.888"}, {"PTK-ANIMAL-0001"}),
    ({"handler": "kilat"}, {"PTK-PLANT-0001"}),
    ({"commodity": "sapi beku"}, {"PTK-ANIMAL-0001"}),
    ({"commodity": "Garcinia"}, {"PTK-PLANT-0001", "PTK-ANIMAL-0001"}),  # scientific name of the factory line
    ({"commodity": "0804"}, {"PTK-PLANT-0001", "PTK-ANIMAL-0001"}),      # HS code prefix
    ({"stage": "detained"}, {"PTK-ANIMAL-0001"}),
    ({"stage": "handed_over"}, {"PTK-PLANT-0001"}),
    ({"direction": "import"}, {"PTK-ANIMAL-0001"}),
    ({"section": "plant"}, {"PTK-PLANT-0001"}),
    # 2026-03-05 20:00 UTC is 2026-03-06 03:00 WIB: calendar days are the office's
    ({"date_from": "2026-03-06", "date_to": "2026-03-06"}, {"PTK-ANIMAL-0001"}),
    ({"date_to": "2026-03-05"}, {"PTK-PLANT-0001"}),
    ({"number": "100%_"}, set()),                                     # LIKE wildcards are taken literally
])
def test_search_filters_in_the_database(session, scene, filters, expected):
    assert _numbers(search_applications(session, filters)) == expected


def test_search_rows_carry_what_the_grid_shows(session, scene):
    row = search_applications(session, {"number": "PTK-PLANT-0001"})["rows"][0]
    assert row["service_user_name"] == "PT Mangga Jaya" and row["service_user_tax_id"] == "01.111.222.3-444.000"
    assert row["handler_name"] == "PPJK Kilat Dokumen" and row["section_code"] == "plant"
    assert row["current_stage"] == "handed_over" and row["commodities"] == ["Manggis"] and row["deleted"] is False


def test_wrong_filters_are_refused_with_every_reason(session):
    with pytest.raises(InvalidInput) as caught:
        search_applications(session, {"stage": "lost", "direction": "sideways", "date_from": "2026-03-09",
                                      "date_to": "2026-03-01"})
    assert set(caught.value.errors) == {"stage", "direction", "date_to"}
    with pytest.raises(InvalidInput):
        search_applications(session, {}, sort="DROP TABLE")


def test_paging_and_sorting_happen_in_the_database(session):
    company = gen_service_user(session)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(120):
        gen_application(session, company, number=f"PTK-{n:04d}", submitted_at=start + timedelta(hours=n),
                        stages=("submitted",))
    session.commit()
    pages = [search_applications(session, {}, page) for page in range(3)]
    assert [len(p["rows"]) for p in pages] == [50, 50, 20] and {p["total"] for p in pages} == {120}
    seen = [row["number"] for p in pages for row in p["rows"]]
    assert len(set(seen)) == 120 and seen[0] == "PTK-0119"          # newest first by default
    assert search_applications(session, {}, 0, "submitted_asc")["rows"][0]["number"] == "PTK-0000"
    assert search_applications(session, {}, 0, "number")["rows"][1]["number"] == "PTK-0001"
    assert search_applications(session, {}, 5)["rows"] == []


# ------------------------------------------------------------------------------------------ who sees what
def test_plant_coordinator_never_gets_an_animal_application(session, scene):
    assert _numbers(search_applications(session, {}, **PLANT_COORDINATOR)) == {"PTK-PLANT-0001"}
    # not by asking for the animal section either, nor by its number
    assert _numbers(search_applications(session, {"section": "animal"}, **PLANT_COORDINATOR)) == {"PTK-PLANT-0001"}
    assert search_applications(session, {"number": "PTK-ANIMAL"}, **PLANT_COORDINATOR)["total"] == 0
    with pytest.raises(Forbidden):
        application_detail(session, scene["animal"].id, "plant")
    assert application_detail(session, scene["plant"].id, "plant")["number"] == "PTK-PLANT-0001"


def test_reach_for_each_role(make_user):
    def officer(role, section=None):
        return drawing_user(role, section=section, office_id=7)

    assert applications.reach(officer("admin").scope) == {"office_id": None, "section_scope": None,
                                                        "include_deleted": True}
    assert applications.reach(officer("operator").scope) == {"office_id": 7, "section_scope": None,
                                                           "include_deleted": False}
    assert applications.reach(officer("coordinator", "animal").scope)["section_scope"] == "animal"
    with pytest.raises(Forbidden):  # a coordinator without a section sees nothing, not everything
        applications.reach(officer("coordinator").scope)


def test_other_offices_applications_are_not_found(session, scene):
    other = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
    session.add(other)
    session.flush()
    stranger = gen_service_user(session, office_id=other.id)
    theirs = gen_application(session, stranger, number="PTK-SUB-0001")
    session.commit()
    home = session.scalar(select(Office.id).where(Office.code == "0300"))
    assert "PTK-SUB-0001" not in _numbers(search_applications(session, {}, office_id=home))
    with pytest.raises(NotFound):
        application_detail(session, theirs.id, office_id=home)
    assert "PTK-SUB-0001" in _numbers(search_applications(session, {}, office_id=None))


def test_deleted_at_source_is_hidden_from_officers_and_marked_for_admins(session, scene):
    assert "PTK-PLANT-DEL" not in _numbers(search_applications(session, {}))
    with pytest.raises(NotFound):
        application_detail(session, scene["deleted"].id)
    admin_rows = {row["number"]: row for row in search_applications(session, {}, include_deleted=True)["rows"]}
    assert admin_rows["PTK-PLANT-DEL"]["deleted"] is True and admin_rows["PTK-PLANT-0001"]["deleted"] is False
    assert application_detail(session, scene["deleted"].id, include_deleted=True)["deleted"] is True


def test_missing_application_is_not_found(session):
    with pytest.raises(NotFound):
        application_detail(session, 987654)


# ------------------------------------------------------------------------------------------ the detail
def test_detail_holds_every_section(session, scene):
    plant = scene["plant"]
    gen_certificate(session, plant, number="KT-1/2026/0001", is_draft=False, treatment_method="Uap panas")
    gen_bill(session, plant, paid=True, paid_at=plant.submitted_at + timedelta(hours=14),
             payment_ref="NTPN12345678")
    gen_action(session, plant, "detention", reason="Ditemukan OPTK")
    removed = gen_action(session, plant, "refusal")
    removed.deleted_at = utcnow()
    session.commit()
    detail = application_detail(session, plant.id)
    assert detail["service_user"]["tax_id"] == "01.111.222.3-444.000"
    assert detail["handler"]["name"] == "PPJK Kilat Dokumen" and detail["section"]["code"] == "plant"
    assert [e["stage"] for e in detail["events"]][:3] == ["submitted", "verified", "inspected"]
    assert detail["events"][0]["officer_name"] == "Petugas Uji"
    assert detail["commodities"][0]["hs_code"] == "0804.50.30"
    assert detail["certificates"][0]["form_name"]["id"].startswith("Sertifikat Kesehatan Tumbuhan")
    assert detail["bills"][0]["payment_ref"] == "NTPN12345678"
    assert [a["kind"] for a in detail["actions"]] == ["detention"]  # the refusal deleted at source is hidden
    assert detail["consignment"]["consignee_name"] == "Fresh Fruits Trading Ltd"
    assert detail["progress"]["state"] == "completed" and detail["progress"]["percent"] == 100
    assert len(application_detail(session, plant.id, include_deleted=True)["actions"]) == 2


def _events(*stages):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [{"stage": stage, "occurred_at": start + timedelta(hours=i)} for i, stage in enumerate(stages)]


def test_progress_over_the_happy_path():
    halfway = happy_path_progress(_events("submitted", "verified", "inspected", "draft_certificate"))
    assert halfway["state"] == "in_progress" and (halfway["reached"], halfway["total"]) == (4, 8)
    treated = happy_path_progress(_events("submitted", "verified", "inspected", "treated"))
    assert treated["total"] == 9 and treated["reached"] == 4  # treatment counts only when it happened
    assert happy_path_progress(_events("submitted", "inspected", "detained"))["state"] == "detained"
    released = happy_path_progress(_events("submitted", "inspected", "detained", "released", "inspected"))
    assert released["state"] == "in_progress"
    assert happy_path_progress(_events("submitted", "detained", "refused"))["state"] == "refused"
    assert happy_path_progress([])["reached"] == 0


# ------------------------------------------------------------------------------------------ callbacks
def _key(app, fragment: str) -> str:
    return next(key for key in callback_permissions(app) if fragment in key)


def _detail(client, application_id):
    return dash_callback(client, "application-detail-body.children",
                         inputs=[{"id": "application-detail-id", "property": "data", "value": application_id}])


def test_application_page_refuses_another_sections_application(logged_in, scene, session):
    client = logged_in("coordinator", "plant", username="koord_kt")
    response = _detail(client, scene["animal"].id)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Permohonan bidang lain" in body and "PTK-ANIMAL-0001" not in body and "Sapi" not in body
    denied = session.scalar(select(AuditLog).where(AuditLog.action == "access_denied",
                                                   AuditLog.object_type == "application"))
    assert denied.username == "koord_kt" and denied.object_id == str(scene["animal"].id)
    assert "PTK-PLANT-0001" in _detail(client, scene["plant"].id).get_data(as_text=True)


def test_application_page_draws_the_timeline_for_an_operator(logged_in, scene):
    body = _detail(logged_in("operator"), scene["animal"].id).get_data(as_text=True)
    for text in ("PTK-ANIMAL-0001", "CV Sapi Sehat", "02.999.888.7-666.000", "Riwayat tahap", "Ditahan",
                 "Petugas Uji", "Daging sapi beku", "Media pembawa sedang ditahan"):
        assert text in body, text


def test_application_page_says_not_found_for_a_missing_or_deleted_id(logged_in, scene):
    client = logged_in("operator")
    assert "Permohonan tidak ditemukan" in _detail(client, 999999).get_data(as_text=True)
    assert "Permohonan tidak ditemukan" in _detail(client, scene["deleted"].id).get_data(as_text=True)


def test_admin_sees_a_deleted_application_marked(logged_in, scene):
    body = _detail(logged_in("admin"), scene["deleted"].id).get_data(as_text=True)
    assert "PTK-PLANT-DEL" in body and "dihapus di sumber" in body


def test_service_user_cannot_call_the_application_page(logged_in, scene):
    assert _detail(logged_in("service_user"), scene["plant"].id).status_code == 403


def _search(app, client, **values):
    order = ["applications-number", "applications-service_user", "applications-handler", "applications-commodity",
             "applications-stage", "applications-direction", "applications-section", "applications-dates",
             "applications-date-from", "applications-date-to", "applications-sort"]
    inputs = [{"id": component, "property": "value", "value": values.get(component.split("-", 1)[1], "")}
              for component in order]
    inputs += [*pager_body("applications", "next" if values.get("next") else None)]
    state = [*pager_state("applications-page", values.get("page", 0))]
    changed = ["applications-next.n_clicks"] if values.get("next") else ["applications-number.value"]
    response = dash_callback(client, _key(app, "applications-grid.rowData"), inputs, state, changed)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_search_callback_keeps_a_coordinator_in_their_section(app, logged_in, scene):
    client = logged_in("coordinator", "plant")
    body = _search(app, client, section="animal", sort="submitted_desc")
    assert [row["number"] for row in body["applications-grid"]["rowData"]] == ["PTK-PLANT-0001"]


def test_search_callback_shows_labels_and_marks_deleted_rows_for_admins(app, logged_in, scene):
    body = _search(app, logged_in("admin"), sort="submitted_desc")
    rows = {row["number"]: row for row in body["applications-grid"]["rowData"]}
    assert "PTK-PLANT-DEL · dihapus di sumber" in rows and rows["PTK-PLANT-DEL · dihapus di sumber"]["deleted"]
    animal = rows["PTK-ANIMAL-0001"]
    assert animal["stage_label"] == "Ditahan" and animal["stage_tone"] == "warning"
    assert animal["direction_label"] == "Impor" and animal["submitted"] == "6 Mar 2026 03:00"
    assert body["applications-count"]["children"] == "Menampilkan 1–3 dari 3"


def test_search_callback_reports_a_bad_date_range(app, logged_in, scene):
    body = _search(app, logged_in("operator"), sort="submitted_desc", **{"date-from": "2026-03-09",
                                                                          "date-to": "2026-03-01"})
    assert body["applications-error"]["is_open"] is True
    assert "sesudah tanggal awal" in body["applications-error"]["children"]


def test_clicking_a_row_opens_its_page(logged_in, scene):
    response = dash_callback(logged_in("operator"), "applications-go.href",
                             inputs=[{"id": "applications-grid", "property": "cellClicked",
                                      "value": {"rowId": str(scene["plant"].id), "colId": "number"}}],
                             changed=["applications-grid.cellClicked"])
    assert response.json["response"]["applications-go"]["href"] == f"/applications/{scene['plant'].id}"


def test_application_pages_are_refused_to_service_users_by_the_guard(logged_in):
    assert logged_in("service_user").get("/applications/1").status_code == 403


def test_date_filter_accepts_dates(session, scene):
    result = search_applications(session, {"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 2)})
    assert _numbers(result) == {"PTK-PLANT-0001"}


# ------------------------------------------------------------------------------------------ completion dates
@pytest.fixture
def completions(session):
    """Applications completed around 10–11 March 2026 in WIB (UTC+7), and one submitted then, still open."""
    company = gen_service_user(session, name="PT Selesai Tepat")

    def completed(number, submitted_at, completed_at):
        return gen_application(session, company, number=number, submitted_at=submitted_at, stages=("submitted",),
                               completed_at=completed_at, completion_stage="handed_over")

    completed("PTK-DONE-EARLY", datetime(2026, 3, 9, 1, tzinfo=UTC), datetime(2026, 3, 9, 16, 59, 59, tzinfo=UTC))
    completed("PTK-DONE-FIRST", datetime(2026, 3, 9, 1, tzinfo=UTC), datetime(2026, 3, 9, 17, 0, tzinfo=UTC))
    completed("PTK-DONE-OLD", datetime(2026, 2, 1, 1, tzinfo=UTC), datetime(2026, 3, 10, 5, 0, tzinfo=UTC))
    completed("PTK-DONE-LAST", datetime(2026, 3, 11, 1, tzinfo=UTC), datetime(2026, 3, 11, 16, 59, 59, tzinfo=UTC))
    completed("PTK-DONE-LATE", datetime(2026, 3, 11, 1, tzinfo=UTC), datetime(2026, 3, 11, 17, 0, tzinfo=UTC))
    gen_application(session, company, number="PTK-OPEN", submitted_at=datetime(2026, 3, 10, 3, tzinfo=UTC),
                    stages=("submitted", "verified"))
    session.commit()


def test_the_list_filtered_by_completion_date_holds_only_applications_completed_in_those_office_days(session,
                                                                                                      completions):
    # 9 Mar 16:59:59 UTC is 9 Mar 23:59:59 WIB (before the first day); 11 Mar 17:00 UTC is 12 Mar 00:00 WIB (after
    # the last): the days are the office's, bounded as the KPI panel bounds its period.
    period = {"date_from": "2026-03-10", "date_to": "2026-03-11"}
    by_completion = search_applications(session, {**period, "dates": "completed"})
    assert _numbers(by_completion) == {"PTK-DONE-FIRST", "PTK-DONE-OLD", "PTK-DONE-LAST"}
    assert by_completion["total"] == 3
    assert applications.count_applications(session, {**period, "dates": "completed"}) == 3
    # Submission dates stay the default: the open application submitted on 10 March, not the one submitted in February.
    by_submission = {"PTK-OPEN", "PTK-DONE-LAST", "PTK-DONE-LATE"}
    assert _numbers(search_applications(session, period)) == by_submission
    assert _numbers(search_applications(session, {**period, "dates": "submitted"})) == by_submission
    assert _numbers(search_applications(session, {"date_to": "2026-03-09", "dates": "completed"})) == {
        "PTK-DONE-EARLY"}


def test_an_unknown_date_choice_is_refused_with_a_reason(session):
    with pytest.raises(InvalidInput) as caught:
        search_applications(session, {"dates": "shipped", "date_from": "2026-03-10"})
    assert set(caught.value.errors) == {"dates"}


def test_still_in_progress_on_a_day_holds_those_submitted_by_its_end_and_not_completed_by_it(session, completions):
    """The KPI panel's in-progress figure as a list: at the end of 10 March (WIB) PTK-DONE-OLD was completed (10 Mar
    12:00 WIB) and PTK-DONE-EARLY/FIRST before; PTK-OPEN was submitted that day; PTK-DONE-LAST/LATE not yet."""
    def listed(**period):
        found = search_applications(session, {**period, "dates": "in_progress"})
        assert found["total"] == applications.count_applications(session, {**period, "dates": "in_progress"})
        return _numbers(found)

    assert listed(date_to="2026-03-10") == {"PTK-OPEN"}
    # 11 Mar 16:59:59 UTC is 11 Mar 23:59:59 WIB: LAST is done by that day's end, LATE (12 Mar 00:00 WIB) is not.
    assert listed(date_to="2026-03-11") == {"PTK-OPEN", "PTK-DONE-LATE"}
    assert listed(date_to="2026-03-09") == {"PTK-DONE-OLD", "PTK-DONE-FIRST"}
    assert listed(date_from="2026-03-09", date_to="2026-03-09") == {"PTK-DONE-FIRST"}  # submitted from that day
    assert listed() == {"PTK-OPEN"}  # no day: not completed yet


def test_the_list_callback_filters_by_the_chosen_date(app, logged_in, completions):
    client = logged_in("operator")
    body = _search(app, client, sort="completed_desc", dates="completed",
                   **{"date-from": "2026-03-10", "date-to": "2026-03-11"})
    assert [row["number"] for row in body["applications-grid"]["rowData"]] == [
        "PTK-DONE-LAST", "PTK-DONE-OLD", "PTK-DONE-FIRST"]
    assert body["applications-count"]["children"] == "Menampilkan 1–3 dari 3"


def test_the_date_choice_round_trips_through_the_address_and_the_page_draws_it(logged_in):
    from layouts import applications as applications_layout
    from layouts.components import url_filters

    fields = applications_layout.URL_FIELDS
    chosen = {"applications-dates": "completed", "applications-date-from": "2026-03-01",
              "applications-date-to": "2026-03-31"}
    search = url_filters.query_string(chosen, fields)
    assert search == "?dates=completed&from=2026-03-01&to=2026-03-31"
    assert url_filters.parse(search, fields) == chosen
    # The default (submission dates) stays out of the address; a date nobody offers is ignored.
    assert url_filters.query_string({"applications-dates": "submitted"}, fields) == ""
    assert url_filters.parse("?dates=shipped", fields) == {}
    response = dash_callback(logged_in("operator"), "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/applications"}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    drawn = {props["id"]: props for _type, props in components(response.json) if isinstance(props.get("id"), str)}
    assert drawn["applications-dates"]["value"] == "completed"
    assert [option["label"] for option in drawn["applications-dates"]["options"]] == [
        "Tanggal diajukan", "Tanggal selesai", "Dalam proses"]
    assert drawn["applications-date-from"]["value"] == "2026-03-01"
