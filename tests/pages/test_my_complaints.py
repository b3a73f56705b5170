"""A service user's complaints page: a sent complaint empties the whole form, and its card shows what was sent
(category, the text — shortened, opened on a tap — and the application it is about)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from support.factories import gen_application, gen_service_user
from support.hostile import find_key
from support.portal_helpers import link_account
from support.web import dash_callback, login, pager_body, pager_state

NOW = datetime.now(timezone.utc).replace(microsecond=0)
LONG = ("Petugas di loket meminta biaya tambahan di luar tagihan PNBP untuk mempercepat pemeriksaan. "
        "Kami menolak dan pemeriksaan baru dilakukan dua hari kemudian; mohon ditindaklanjuti.")


@pytest.fixture
def complainant(client, session, make_user):
    make_user("pengadu", "service_user")
    company = gen_service_user(session, name="PT Pengadu Teliti")
    link_account(session, "pengadu", company, NOW - timedelta(days=5))
    application = gen_application(session, company, submitted_at=NOW - timedelta(days=2))
    session.commit()
    login(client, "pengadu")
    return application


def _send(app, client, number):
    response = dash_callback(client, find_key(app, "..my-complaints-alert.children"), inputs=[
        {"id": "my-complaints-submit", "property": "n_clicks", "value": 1}], state=[
        {"id": "my-complaints-category", "property": "value", "value": "tariff"},
        {"id": "my-complaints-subject", "property": "value", "value": "Biaya tambahan di loket"},
        {"id": "my-complaints-text", "property": "value", "value": LONG},
        {"id": "my-complaints-application_number", "property": "value", "value": number},
        {"id": "my-complaints-refresh", "property": "data", "value": 0}],
        changed=["my-complaints-submit.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def test_a_sent_complaint_clears_its_application_number_with_the_rest(app, client, complainant):
    sent = _send(app, client, complainant.number)
    assert sent["my-complaints-alert"]["color"] == "success"
    assert sent["my-complaints-subject"]["value"] == sent["my-complaints-text"]["value"] == ""
    assert sent["my-complaints-application_number"]["value"] == ""


def test_a_complaint_sent_from_the_portal_names_its_account_and_company_to_the_officers(app, client, complainant,
                                                                                        session, make_user):
    """Officers saw "Anonim", no contact and no email: nobody to answer."""
    from models import Complaint, User

    account = session.query(User).filter_by(username="pengadu").one()
    account.full_name, account.email = "Rina Pengadu", "rina@pengadu.invalid"
    session.commit()
    _send(app, client, complainant.number)
    complaint = session.query(Complaint).one()
    assert (complaint.reporter_name, complaint.reporter_email) == ("Rina Pengadu", "rina@pengadu.invalid")
    assert complaint.service_user_id == complainant.service_user_id and complaint.channel == "portal"


def test_the_sender_of_a_portal_complaint_is_told_when_it_is_answered(app, client, complainant, session, make_user):
    """They had to look at "Pengaduan saya" to find out; now the answer comes as news, linked to that page."""
    from models import Complaint, User
    from portal.services import complaints, notifications

    _send(app, client, complainant.number)
    complaint = session.query(Complaint).one()
    make_user("petugas_jawab", "operator")
    officer = session.query(User).filter_by(username="petugas_jawab").one()
    sender = session.query(User).filter_by(username="pengadu").one()
    before = notifications.unread_count(session, sender.id)
    complaints.update(session, officer, complaint.id, {"status": "in_progress", "category": "tariff"})
    assert notifications.unread_count(session, sender.id) == before  # a step, not the answer: no news
    complaints.update(session, officer, complaint.id, {"status": "answered", "category": "tariff",
                                                       "answer": "Biaya tambahan tidak berlaku."})
    session.commit()
    assert notifications.unread_count(session, sender.id) == before + 1
    news = notifications.inbox(session, sender.id)["rows"][0]
    shown = notifications.render(session, session.get(notifications.NotificationOutbox, news["id"]))
    assert shown["link"].endswith("/my/complaints") and complaint.tracking_code in shown["subject"]
    assert "Biaya tambahan di loket" in shown["text"]


def _listed(app, client, refresh: int) -> str:
    """The complaints list's first page as the browser asks for it after a change (`refresh`), as readable text."""
    listed = dash_callback(client, find_key(app, "my-complaints-list.children"), inputs=[
        {"id": "my-complaints-refresh", "property": "data", "value": refresh},
        *pager_body("my-complaints")],
        state=pager_state("my-complaints-page", 0)).json["response"]
    return json.dumps(listed, ensure_ascii=False)


def test_the_complaint_card_shows_category_text_and_application_number(app, client, complainant):
    _send(app, client, complainant.number)
    text = _listed(app, client, refresh=1)
    assert "Tarif / PNBP" in text and f"Permohonan {complainant.number}" in text
    # The first lines of the text; the whole of it is read when "Baca selengkapnya" is tapped
    # (tests/pages/test_every_record_reachable.py opens it).
    assert LONG[:80] in text and LONG not in text
    assert "Baca selengkapnya" in text and "my-complaints-more" in text
    # Its application one tap away, and when it was received above the text (under an answer it read as the
    # answer's date)
    assert f'"href": "/my/applications/{complainant.id}"' in text
    assert text.index("Diterima") < text.index(LONG[:40])


def test_an_answered_complaint_says_when_it_was_answered(app, client, complainant, session):
    from models import Complaint

    _send(app, client, complainant.number)
    complaint = session.query(Complaint).one()
    complaint.status, complaint.answer = "answered", "Petugas loket sudah dibina; biaya tambahan tidak ada."
    complaint.answered_at = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    session.commit()
    text = _listed(app, client, refresh=2)
    assert "dijawab 20 Nov 2026 10:00 WIB" in text


def test_a_number_typed_as_its_last_digits_is_told_to_be_written_whole_and_the_form_keeps_it(app, client, complainant):
    """The card shows the whole number, a reader types its tail: "not found" alone did not say what to type."""
    refused = _send(app, client, complainant.number[-6:])
    assert refused["my-complaints-application_number"]["invalid"]
    said = refused["my-complaints-application_number-feedback"]["children"]
    assert f"Permohonan {complainant.number[-6:]} tidak ditemukan. Tulis nomornya lengkap" in said
    assert "value" not in refused["my-complaints-application_number"]  # what was typed stays
