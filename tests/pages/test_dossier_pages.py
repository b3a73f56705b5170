"""The dossier's download route and the profile's button: who may print, the PDF sent, the audit row."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from support.compliance_data import build_ranked_office, clock_at_as_of
from support.web import PROFILE_DEFAULTS, components, dash_callback, logout
from models import AuditLog
from portal.i18n import t
from portal.reports import dossier


@pytest.fixture(autouse=True)
def _clock_at_as_of():
    with clock_at_as_of():
        yield


@pytest.fixture
def office(session):
    return build_ranked_office(session)


def test_an_enforcement_officer_downloads_the_dossier_and_the_printing_is_audited(session, office, logged_in):
    client = logged_in("enforcement", username="enf_dossier")
    response = client.get(f"/dossier/{office['beta'].id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    digest = response.headers["X-Dossier-Hash"]
    row = session.scalar(select(AuditLog).where(AuditLog.action == "dossier_printed", AuditLog.object_id == digest))
    assert row is not None and row.username == "enf_dossier"
    assert row.after["service_user_id"] == office["beta"].id
    checked = dossier.verify(response.data, session)
    assert checked["ok"], checked["problems"]
    assert checked["printing"]["username"] == "enf_dossier"


def test_a_period_is_taken_from_the_address_and_a_wrong_one_is_explained(office, logged_in):
    client = logged_in("head")
    response = client.get(f"/dossier/{office['beta'].id}.pdf?from=2025-09-01&to=2026-03-31")
    assert response.status_code == 200
    assert dossier.content_of(response.data)[0]["period"] == {"from": "2025-09-01", "to": "2026-03-31"}
    refused = client.get(f"/dossier/{office['beta'].id}.pdf?from=2026-03-31&to=2025-09-01")
    assert refused.status_code == 400 and "Tanggal akhir" in refused.get_data(as_text=True)


def test_a_coordinator_prints_their_sections_companies_only(session, office, logged_in):
    client = logged_in("coordinator", section="plant")
    assert client.get(f"/dossier/{office['delta'].id}.pdf").status_code == 403
    assert session.scalar(select(AuditLog).where(AuditLog.action == "access_denied",
                                                 AuditLog.object_type == "dossier")) is not None
    response = client.get(f"/dossier/{office['beta'].id}.pdf")
    assert response.status_code == 200
    assert dossier.content_of(response.data)[0]["section"] == "plant"


@pytest.mark.parametrize("role", ["service_user", "operator"])
def test_roles_without_the_profile_cannot_print_a_dossier(office, logged_in, role):
    client = logged_in(role)
    assert client.get(f"/dossier/{office['beta'].id}.pdf").status_code == 403


def test_an_unknown_company_is_not_found(office, logged_in):
    assert logged_in("enforcement").get("/dossier/99999999.pdf").status_code == 404


def test_the_profile_offers_the_dossier_for_the_last_12_months(office, app, logged_in):
    client = logged_in("enforcement")
    key = next(k for k in app.callback_map if "profile-body.children" in k)
    body = dash_callback(client, key, inputs=[
        {"id": "profile-id", "property": "data", "value": office["beta"].id},
        {"id": "profile-section", "property": "value", "value": "all"},
        *PROFILE_DEFAULTS]).get_data(as_text=True).replace("\\u002f", "/")
    assert "Cetak dokumen penelusuran" in body and f"/dossier/{office['beta'].id}.pdf" in body
    assert '"value":"2025-06-16"' in body.replace(" ", "") and '"value":"2026-06-15"' in body.replace(" ", "")


def _profile_body(client, app, company_id: int, direction: str, commodity: str, section: str = "all") -> str:
    key = next(k for k in app.callback_map if "profile-body.children" in k)
    return dash_callback(client, key, inputs=[
        {"id": "profile-id", "property": "data", "value": company_id},
        {"id": "profile-section", "property": "value", "value": section},
        {"id": "profile-from", "property": "value", "value": None},
        {"id": "profile-to", "property": "value", "value": None},
        {"id": "profile-direction", "property": "value", "value": direction},
        {"id": "profile-commodity", "property": "value", "value": commodity}]).get_json()


def _sent_along(body) -> dict[str, str]:
    """The hidden fields of the profile's dossier form: what the browser sends with its period."""
    form = next(props for _type, props in components(body) if props.get("id") == "profile-dossier-form")
    return {props["name"]: props["value"] for _type, props in components(form) if props.get("type") == "hidden"}


def test_the_profiles_dossier_is_printed_for_the_direction_and_commodity_the_profile_is_scored_for(
        session, office, app, logged_in):
    """The profile's score, timeline and chart follow its Arah and Komoditas utama; its dossier button printed every
    consignment of the company (Beta's import, destroyed, in an Ekspor · Manggis dossier)."""
    from models import ApplicationCommodity
    from support.factories import gen_action, gen_application

    imported = gen_application(session, office["beta"], direction="import",
                               submitted_at=datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    gen_action(session, imported, "destruction", action_at=datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    session.flush()
    session.scalar(select(ApplicationCommodity).where(ApplicationCommodity.application_id == imported.id)
                   ).commodity_id = office["mangosteen"].id
    session.commit()
    client = logged_in("enforcement", username="enf_arah")
    mangosteen = str(office["mangosteen"].id)
    body = _profile_body(client, app, office["beta"].id, "export", mangosteen)
    assert _sent_along(body) == {"direction": "export", "commodity": mangosteen}
    assert _sent_along(_profile_body(client, app, office["beta"].id, "all", "all")) == {}  # the whole record
    # The form's address, as the browser sends it
    response = client.get(f"/dossier/{office['beta'].id}.pdf?from=2025-06-16&to=2026-06-15&direction=export"
                          f"&commodity={mangosteen}")
    assert response.status_code == 200
    content = dossier.content_of(response.data)[0]
    assert (content["direction"], content["commodity"]) == ("export", "Manggis")
    assert [a["kind"] for a in content["offices"][0]["actions"]] == ["detention", "refusal"]
    whole = dossier.content_of(client.get(f"/dossier/{office['beta'].id}.pdf").data)[0]
    assert [a["kind"] for a in whole["offices"][0]["actions"]] == ["detention", "refusal", "destruction"]
    refused = client.get(f"/dossier/{office['beta'].id}.pdf?direction=sideways")
    assert refused.status_code == 400 and t("compliance.error.direction") in refused.get_data(as_text=True)


def test_the_profiles_dossier_is_printed_for_the_section_the_profile_is_scored_for(office, app, logged_in):
    """A reader of every section who scored the profile for one section printed a dossier of both."""
    client = logged_in("enforcement", username="enf_bidang")
    assert _sent_along(_profile_body(client, app, office["beta"].id, "all", "all", section="plant")) == {
        "section": "plant"}
    response = client.get(f"/dossier/{office['beta'].id}.pdf?from=2025-06-16&to=2026-06-15&section=plant")
    assert response.status_code == 200 and dossier.content_of(response.data)[0]["section"] == "plant"
    assert dossier.content_of(client.get(f"/dossier/{office['delta'].id}.pdf?section=animal").data)[0][
        "section"] == "animal"
    unknown = client.get(f"/dossier/{office['beta'].id}.pdf?section=fish")
    assert unknown.status_code == 400 and t("compliance.error.section") in unknown.get_data(as_text=True)
    # A coordinator's own form sends their section; the other section by hand is refused as their profile refuses it
    logout(client)
    coordinator = logged_in("coordinator", section="plant", username="coord_bidang")
    assert coordinator.get(f"/dossier/{office['beta'].id}.pdf?section=plant").status_code == 200
    assert coordinator.get(f"/dossier/{office['beta'].id}.pdf?section=animal").status_code == 403


def test_the_dossier_hint_says_it_follows_the_profiles_direction_and_commodity(office, app, logged_in):
    body = json.dumps(_profile_body(logged_in("enforcement"), app, office["beta"].id, "all", "all"),
                      ensure_ascii=False)
    assert "Dokumen mengikuti bidang (Skor untuk), Arah dan Komoditas utama di atas" in body
    assert "mencakup semua arah dan komoditas" not in body


def test_the_national_role_prints_a_company_of_any_office_read_only(session, office, logged_in):
    from models import Office
    from support.factories import gen_service_user

    denpasar = Office(code="2000", name="Balai Besar Karantina Pertanian Denpasar", timezone="Asia/Makassar")
    session.add(denpasar)
    session.flush()
    bali = gen_service_user(session, name="PT Bali Segar", tax_id="05.555.555.5-555.000", office_id=denpasar.id)
    session.commit()
    client = logged_in("national", username="hq_dossier")
    response = client.get(f"/dossier/{bali.id}.pdf")
    assert response.status_code == 200
    content = dossier.content_of(response.data)[0]
    assert [o["office"]["code"] for o in content["offices"]] == ["2000"] and content["timezone"] == "Asia/Makassar"
    assert session.scalar(select(AuditLog.username).where(AuditLog.action == "dossier_printed")) == "hq_dossier"
