"""The dossier's download route and the profile's button: who may print, the PDF sent, the audit row."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from support.compliance_data import build_ranked_office, clock_at_as_of
from support.web import PROFILE_DEFAULTS, dash_callback
from models import AuditLog
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
