"""The electronic archive: attachments only through the authorised route, to those who may see the NNC."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from support.factories import gen_service_user
from models import AuditLog, NncAttachment
from portal.audit import denied_targets
from support.nnc_helpers import PDF, PNG, actor, valid_nnc
from portal.services import service_user_links
from portal.services.nnc import register as nnc


@pytest.fixture
def archive(database, make_user):
    """Two companies' NNCs (one plant with a PDF, one animal with a PNG) and the operator who recorded them."""
    operator = actor(database, make_user, "operator", username="petugas_arsip")
    with database.session() as s:
        mine, theirs = gen_service_user(s, name="PT Milik Saya"), gen_service_user(s, name="PT Orang Lain")
        own = nnc.create_nnc(s, operator, valid_nnc(s, number="A/1", service_user=mine), [("surat.pdf", PDF)])
        other = nnc.create_nnc(s, operator, valid_nnc(s, number="A/2", service_user=theirs, section="animal"),
                               [("foto bukti.png", PNG)])
        ids = {"mine": mine.id, "theirs": theirs.id}
    with database.session() as s:
        files = {row.nnc_id: row.id for row in s.scalars(select(NncAttachment))}
    return {"own": own["id"], "other": other["id"], "own_file": files[own["id"]], "other_file": files[other["id"]],
            **ids}


def _service_user_client(client, make_user, database, company_id):
    from support.web import login

    created = make_user("pengguna_jasa", "service_user")
    with database.session() as s:
        service_user_links.link(s, None, created["id"], company_id)
    assert login(client, "pengguna_jasa").status_code == 302
    return client


def test_operator_opens_an_attachment_and_the_download_is_audited(archive, logged_in, session):
    client = logged_in("operator", username="petugas_buka")
    response = client.get(f"/nnc/attachments/{archive['own_file']}")
    assert response.status_code == 200
    assert response.data == PDF and response.mimetype == "application/pdf"
    assert 'filename="surat.pdf"' in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "nnc_attachment_downloaded"))
    assert entry.username == "petugas_buka" and entry.object_id == str(archive["own"])
    assert entry.after == {"attachment_id": archive["own_file"], "filename": "surat.pdf"}


def test_anonymous_visitor_is_sent_to_login(archive, client):
    response = client.get(f"/nnc/attachments/{archive['own_file']}")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_service_user_cannot_open_another_companys_nnc_or_attachment_by_guessing(archive, client, make_user,
                                                                                 database, session):
    client = _service_user_client(client, make_user, database, archive["mine"])
    assert client.get(f"/nnc/attachments/{archive['own_file']}").status_code == 200
    for guess in (archive["other_file"], 987654):
        response = client.get(f"/nnc/attachments/{guess}")
        assert response.status_code == 403 and PNG not in response.data
    denied = session.scalars(select(AuditLog).where(AuditLog.action == "access_denied")).all()
    assert {target for d in denied for target in denied_targets(d)} == {
        f"nnc_attachment {archive['other_file']}", "nnc_attachment 987654"}
    # the officers' pages are closed to them, and their own page refuses another company's NNC
    assert client.get(f"/nnc/{archive['other']}").status_code == 403
    from support.web import dash_callback

    body = dash_callback(client, "..my-nnc-detail-title.children...my-nnc-detail-content.children..",
                         inputs=[{"id": "my-nnc-detail-id", "property": "data", "value": archive["other"]}])
    assert body.status_code == 200
    text = json.dumps(body.json, ensure_ascii=False)
    assert "NNC ini tidak ditemukan atau tidak ditujukan kepada perusahaan Anda." in text
    assert "A/2" not in text and "PT Orang Lain" not in text and "Akses ditolak" not in text
    own = dash_callback(client, "..my-nnc-detail-title.children...my-nnc-detail-content.children..",
                        inputs=[{"id": "my-nnc-detail-id", "property": "data", "value": archive["own"]}])
    text = json.dumps(own.json, ensure_ascii=False)
    assert "A/1" in text and "PT Milik Saya" in text and "Catatan internal" not in text


def test_coordinator_of_another_section_cannot_open_the_file(archive, logged_in):
    client = logged_in("coordinator", section="plant")
    assert client.get(f"/nnc/attachments/{archive['own_file']}").status_code == 200
    assert client.get(f"/nnc/attachments/{archive['other_file']}").status_code == 403


def test_missing_attachment_is_404_for_officers(logged_in):
    assert logged_in("head").get("/nnc/attachments/424242").status_code == 404
