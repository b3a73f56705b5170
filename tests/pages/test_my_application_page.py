"""One application's page for its service user: what it says when the application ended without a certificate,
the correction form's first choice, and the document addresses' answers when there is no document."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from portal.i18n import t
from support.factories import gen_action, gen_application, gen_service_user
from support.portal_helpers import link_account, my_list
from support.web import components, dash_callback, login

NOW = datetime.now(timezone.utc).replace(microsecond=0)
PAGE = "..my-application-body.children...my-application-correction-card.style...my-application-corrections.children.."


@pytest.fixture
def exporter(client, session, make_user):
    make_user("eksportir_h", "service_user")
    company = gen_service_user(session, name="PT Halaman Permohonan")
    link_account(session, "eksportir_h", company)
    destroyed = gen_application(session, company, submitted_at=NOW - timedelta(days=3),
                                stages=("submitted", "verified", "detained", "destroyed"))
    gen_action(session, destroyed, "detention", reason="Tanpa sertifikat kesehatan negara asal")
    gen_action(session, destroyed, "destruction", reason="Tidak dilengkapi dalam 14 hari")
    detained = gen_application(session, company, submitted_at=NOW - timedelta(days=2),
                               stages=("submitted", "verified", "detained"))
    waiting = gen_application(session, company, submitted_at=NOW - timedelta(days=1),
                              stages=("submitted", "verified", "inspected"))
    session.commit()
    login(client, "eksportir_h")
    return {"destroyed": destroyed, "detained": detained, "waiting": waiting}


def _page(client, application_id):
    response = dash_callback(client, PAGE, inputs=[
        {"id": "my-application-id", "property": "data", "value": application_id},
        {"id": "my-application-refresh", "property": "data", "value": 0}])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def test_a_destroyed_application_says_no_certificate_will_come_and_promises_no_further_step(client, exporter):
    body = _page(client, exporter["destroyed"].id)["my-application-body"]["children"]
    text = json.dumps(body, ensure_ascii=False)
    assert t("my.document.none_ended", stage="pemusnahan") in text
    assert t("my.document.none_yet") not in text
    assert '"href": "/my/complaints"' in text  # whom to ask
    stepper = next(props for _type, props in components(body) if props.get("id") == "my-application-stepper")
    stepper_text = json.dumps(stepper, ensure_ascii=False)
    assert "bi-circle text-muted" not in stepper_text  # no step "to do"
    assert t("my.stage.handed_over") not in stepper_text


def test_a_detained_application_says_the_draft_waits_for_release(client, exporter):
    text = json.dumps(_page(client, exporter["detained"].id)["my-application-body"]["children"], ensure_ascii=False)
    assert t("my.document.none_detained") in text and t("my.document.none_yet") not in text


def test_an_application_under_way_still_says_the_draft_comes_when_prepared(client, exporter):
    text = json.dumps(_page(client, exporter["waiting"].id)["my-application-body"]["children"], ensure_ascii=False)
    assert t("my.document.none_yet") in text


def test_the_correction_forms_part_choice_opens_on_choose_a_part(app):
    from layouts.my_application import layout

    with app.server.test_request_context():
        page = layout(None, None, application_id=1)
    select = next(component for component in _walk(page) if getattr(component, "id", None) ==
                  "my-application-correction-field")
    # It opens on the prompt, which is no choice in the open list ("— pilih bagian —" could be picked as a part)
    assert select.value == "" and select.options[0] == {"label": t("my.correction.choose"), "value": "",
                                                        "disabled": True}
    assert not any(option.get("disabled") for option in select.options[1:])


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def test_a_document_not_issued_yet_answers_the_portals_page_in_indonesian_not_a_bare_404(client, exporter):
    response = client.get(f"/my/documents/certificate/{exporter['waiting'].id}.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert '<html lang="id">' in page and 'name="viewport"' in page
    assert t("my.document.not_ready") in page and "Not Found" not in page
    assert f'href="/my/applications/{exporter["waiting"].id}"' in page


def test_the_survey_address_of_an_own_application_without_a_survey_says_there_is_none_yet(client, exporter):
    response = client.get(f"/my/survey/{exporter['waiting'].id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert t("skm.closed.none_for_application") in page and t("skm.closed.unknown") not in page
    assert f'href="/my/applications/{exporter["waiting"].id}"' in page


@pytest.mark.parametrize("language, country", [("en", "China"), ("id", "Tiongkok")])
def test_the_country_iqfast_names_in_indonesian_reads_in_the_readers_language(app, client, session, make_user,
                                                                              language, country):
    """IQFast keeps Indonesian country names: an English page read "Destination: Guangzhou, Tiongkok" and a card
    "Manggis to Tiongkok"."""
    make_user(f"eksportir_{language}", "service_user", language=language)
    company = gen_service_user(session, name=f"PT Negara Tujuan {language.upper()}")
    link_account(session, f"eksportir_{language}", company)
    shipped = gen_application(session, company, submitted_at=NOW - timedelta(days=1), destination_country="Tiongkok",
                              destination_place="Guangzhou", origin_country="Indonesia", origin_place="Tangerang")
    session.commit()
    login(client, f"eksportir_{language}")
    text = json.dumps(_page(client, shipped.id)["my-application-body"]["children"], ensure_ascii=False)
    assert f"Guangzhou, {country}" in text and "Tangerang, Indonesia" in text
    response = my_list(app, client)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    card = json.dumps(response.json["response"], ensure_ascii=False)
    assert t("my.route.to", language, place=country) in card


def test_a_survey_past_its_deadline_is_no_longer_offered_and_says_until_when_it_was(client, session, exporter):
    """Its button led to "the survey can no longer be filled in"; an open one keeps its button, an answered one
    its thanks."""
    from models.service_portal import SurveyInvitation

    def survey_part(application, **times):
        session.add(SurveyInvitation(application_id=application.id, service_user_id=application.service_user_id,
                                     invited_at=NOW - timedelta(days=40), **times))
        session.commit()
        body = _page(client, application.id)["my-application-body"]["children"]
        return {props.get("id") for _type, props in components(body)}, json.dumps(body, ensure_ascii=False)

    ids, text = survey_part(exporter["destroyed"], expires_at=NOW - timedelta(days=10))
    assert "my-application-survey" not in ids and "my-application-survey-expired" in ids
    assert "Masa pengisian survei untuk permohonan ini berakhir pada" in text
    ids, text = survey_part(exporter["detained"], expires_at=NOW + timedelta(days=10))
    assert "my-application-survey" in ids and "my-application-survey-expired" not in ids
    ids, text = survey_part(exporter["waiting"], expires_at=NOW - timedelta(days=10),
                            responded_at=NOW - timedelta(days=20))
    assert t("my.survey_done") in text and "my-application-survey" not in ids

