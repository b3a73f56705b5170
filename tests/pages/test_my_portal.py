"""The service users' portal: company access everywhere, documents, notifications, surveys, corrections."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from support.web import components, csrf_token, dash_callback, login, logout, readable, pager_body, pager_state
from support.factories import gen_action, gen_application, gen_bill, gen_certificate, gen_service_user
from models import AuditLog, Certificate, StageEvent
from models.service_portal import (AccessToken, CorrectionRequest, NotificationOutbox, SurveyInvitation,
                                   SurveyResponse)
from portal.services import corrections, my_applications, notifications, surveys
from portal.reports import documents
from portal.validation import Forbidden, InvalidInput
from support.portal_helpers import SmtpSink, WebhookReceiver, company_viewer, link_account, pdf_text

UTC = timezone.utc
NOW = datetime.now(UTC).replace(microsecond=0)


viewer = company_viewer


def events_of(session, application) -> list[dict]:
    return [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
            for e in session.scalars(select(StageEvent).where(StageEvent.application_id == application.id))]


@pytest.fixture
def two_companies(session, make_user):
    """Company A (linked to `pengguna_a`, two hours ago) with a fresh application through every stage;
    company B, not linked, with its own application."""
    make_user("pengguna_a", "service_user", email="a@contoh.invalid")
    a, b = gen_service_user(session, name="PT Alpha Tani"), gen_service_user(session, name="PT Beta Buah")
    link_account(session, "pengguna_a", a, NOW - timedelta(hours=2))
    app_a = gen_application(session, a, submitted_at=NOW - timedelta(hours=1), step=timedelta(minutes=5),
                            consignee_name="Fresh Fruits Trading Ltd", consignee_address="8 Orchard Rd, Singapore",
                            consignor_address="Jl. Raya Bandara No. 1", marks="ALPHA-01", packaging="Karton",
                            package_count=120, destination_country="Singapura", conveyance_name="Garuda")
    gen_certificate(session, app_a, treatment_method="Perlakuan uap panas (VHT)", treatment_dose="46,5 C 20 menit",
                    additional_declaration="Bebas lalat buah Bactrocera spp.", issued_at=NOW - timedelta(minutes=40))
    gen_bill(session, app_a, amount=175000, billing_code="820261234567890", issued_at=NOW - timedelta(minutes=35))
    gen_certificate(session, app_a, is_draft=False, number="KT-1/0300/2026/000123", signer_name="drh. Penanda",
                    issued_at=NOW - timedelta(minutes=20))
    app_b = gen_application(session, b, submitted_at=NOW - timedelta(hours=1))
    gen_certificate(session, app_b, issued_at=NOW - timedelta(minutes=30))
    gen_bill(session, app_b)
    session.commit()
    return {"a": a, "b": b, "app_a": app_a, "app_b": app_b}


# ------------------------------------------------------------------------------------- company access
def test_service_user_lists_only_linked_company_applications(session, two_companies):
    me = viewer(session, "pengguna_a")
    result = my_applications.list_applications(session, me)
    assert [row["id"] for row in result["rows"]] == [two_companies["app_a"].id]
    with pytest.raises(Forbidden):
        my_applications.list_applications(session, me, service_user_id=two_companies["b"].id)


def test_changing_the_id_to_another_company_is_refused_everywhere(logged_in, client, session, two_companies,
                                                                  make_user):
    login(client, "pengguna_a")
    other = two_companies["app_b"].id
    me = viewer(session, "pengguna_a")
    with pytest.raises(Forbidden):
        my_applications.require_company_access(session, me, other)
    with pytest.raises(Forbidden):
        my_applications.require_company_access(session, me, 987654321)  # nonexistent: same answer
    for kind in documents.KINDS:
        refusal = client.get(f"/my/documents/{kind}/{other}.pdf")
        assert refusal.status_code == 403
        # The application page's words and the way back to their list, not "your role may not open this page"
        page = refusal.get_data(as_text=True)
        assert "bukan milik perusahaan Anda" in page and 'href="/my/applications"' in page
        assert "Peran Anda" not in page
    # Trying another company's documents is audited, as every refused download is.
    denied = session.scalar(select(AuditLog).where(AuditLog.action == "access_denied", AuditLog.object_type == "document",
                                                   AuditLog.username == "pengguna_a"))
    assert denied is not None and denied.object_id == str(other)
    assert client.get(f"/my/documents/draft/{two_companies['app_a'].id}.pdf").status_code == 200
    body = dash_callback(client, "..my-application-body.children...my-application-correction-card.style..."
                                 "my-application-corrections.children..",
                         inputs=[{"id": "my-application-id", "property": "data", "value": other},
                                 {"id": "my-application-refresh", "property": "data", "value": 0}])
    assert body.status_code == 200
    assert two_companies["app_b"].number not in readable(body.get_data(as_text=True))
    assert client.get(f"/my/survey/{other}").status_code == 403
    with pytest.raises(Forbidden):
        corrections.create_request(session, me, other, "consignee", "salah", "benar")


def test_another_companys_or_a_missing_application_says_not_found_or_not_yours_never_blames_the_role(
        client, two_companies):
    login(client, "pengguna_a")
    answers = []
    for application_id in (two_companies["app_b"].id, 987654321):
        body = dash_callback(client, "..my-application-body.children...my-application-correction-card.style..."
                                     "my-application-corrections.children..",
                             inputs=[{"id": "my-application-id", "property": "data", "value": application_id},
                                     {"id": "my-application-refresh", "property": "data", "value": 0}])
        answers.append(body.json["response"]["my-application-body"]["children"])
    text = json.dumps(answers[0], ensure_ascii=False)
    assert "Permohonan tidak ditemukan atau bukan milik perusahaan Anda." in text
    assert "Akses ditolak" not in text and "Peran Anda" not in text
    assert answers[0] == answers[1]  # the same words whether it exists or not


def test_anonymous_cannot_fetch_documents(client, two_companies):
    response = client.get(f"/my/documents/draft/{two_companies['app_a'].id}.pdf")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_coordinator_fetches_documents_of_their_section_only(client, make_user, session, two_companies):
    make_user("koord_hewan", "coordinator", section="animal")
    login(client, "koord_hewan")
    assert client.get(f"/my/documents/draft/{two_companies['app_a'].id}.pdf").status_code == 403  # plant
    logout(client)
    make_user("koord_tumbuhan", "coordinator", section="plant")
    login(client, "koord_tumbuhan")
    assert client.get(f"/my/documents/draft/{two_companies['app_a'].id}.pdf").status_code == 200


def test_filters_status_and_paging_run_in_the_database(session, make_user):
    make_user("pengguna_f", "service_user")
    company = gen_service_user(session)
    link_account(session, "pengguna_f", company)
    for i in range(12):
        gen_application(session, company, submitted_at=NOW - timedelta(days=i + 1),
                        stages=("submitted", "verified") if i % 3 else
                        ("submitted", "verified", "inspected", "detained", "refused"))
    done = gen_application(session, company, submitted_at=NOW - timedelta(days=20))
    session.commit()
    me = viewer(session, "pengguna_f")
    first = my_applications.list_applications(session, me, page_size=5)
    assert first["total"] == 13 and len(first["rows"]) == 5
    assert my_applications.list_applications(session, me, page=2, page_size=5)["rows"][-1]["id"] == done.id
    assert my_applications.list_applications(session, me, status="problem")["total"] == 4
    assert my_applications.list_applications(session, me, status="completed")["total"] == 5
    assert my_applications.list_applications(session, me, status="in_progress")["total"] == 8
    today = (NOW - timedelta(days=1)).astimezone(timezone(timedelta(hours=7))).date()
    assert my_applications.list_applications(session, me, date_from=today, date_to=today)["total"] == 1


# ------------------------------------------------------------------------------------- documents
def test_draft_pdf_is_watermarked_and_shows_the_synced_certificate_data(session, two_companies):
    me = viewer(session, "pengguna_a")
    name, content = documents.render_document(session, me, "draft", two_companies["app_a"].id, compress=False)
    assert name.endswith(".pdf") and content.startswith(b"%PDF")
    text = pdf_text(content)
    for expected in ("KONSEP / DRAFT", "PT Alpha Tani", "Fresh Fruits Trading Ltd", "8 Orchard Rd, Singapore",
                     "Garcinia mangostana", "Manggis", "1.200 kg", "Karton", "ALPHA-01", "Perlakuan uap panas (VHT)",
                     "46,5 C 20 menit", "Bebas lalat buah Bactrocera spp.", "KT-1", "Fitosanitari", "Singapura",
                     "GA 890"):
        assert expected in text, expected


@pytest.mark.parametrize("code, title", [
    ("SP-T", "Sertifikat Pelepasan Karantina Tumbuhan / Plant quarantine release certificate"),
    ("SP-H", "Sertifikat Pelepasan Karantina Hewan / Animal quarantine release certificate")])
def test_an_import_draft_is_titled_by_its_forms_name_not_its_bare_code(session, two_companies, code, title):
    """IQFast's release certificate of an import had no row in certificate_forms: the PDF was titled "SP-T" alone
    (migration 0043c)."""
    for certificate in session.scalars(select(Certificate).where(Certificate.application_id == two_companies["app_a"].id)):
        certificate.form_code = code
    session.commit()
    text = pdf_text(documents.render_document(session, viewer(session, "pengguna_a"), "draft",
                                              two_companies["app_a"].id, compress=False)[1])
    name_id, name_en = title.split(" / ")
    shown = text.replace("\\(", "(").replace("\\)", ")")  # a PDF string escapes its brackets
    assert name_id in shown and name_en.split()[0] in shown, title  # the line may wrap anywhere in the English


def test_compressed_pdf_from_the_route_is_searchable_too(client, two_companies):
    login(client, "pengguna_a")
    content = client.get(f"/my/documents/draft/{two_companies['app_a'].id}.pdf").data
    assert "KONSEP / DRAFT" in pdf_text(content)


def test_unpaid_bill_pdf_shows_amount_due_billing_code_and_how_to_pay(session, two_companies):
    me = viewer(session, "pengguna_a")
    unpaid = gen_application(session, two_companies["a"], submitted_at=NOW - timedelta(hours=3),
                             stages=("submitted", "verified", "inspected", "draft_certificate", "billed"))
    gen_bill(session, unpaid, amount=90000, billing_code="820269999999999")
    session.commit()
    text = pdf_text(documents.render_document(session, me, "bill", unpaid.id, compress=False)[1])
    assert "Rp 90.000" in text and "820269999999999" in text
    assert "Jumlah yang harus dibayar" in text and "Cara membayar" in text and "Belum dibayar" in text
    assert "Lunas" not in text


def test_paid_bill_pdf_says_lunas_with_the_payment_date_and_no_payment_instructions(session, two_companies):
    """app_a went through `paid`: the bill is a receipt now, dated in the office's time."""
    me = viewer(session, "pengguna_a")
    app_a = two_companies["app_a"]
    paid_event = session.scalar(select(StageEvent).where(StageEvent.application_id == app_a.id,
                                                         StageEvent.stage == "paid"))
    text = pdf_text(documents.render_document(session, me, "bill", app_a.id, compress=False)[1])
    paid_day = paid_event.occurred_at.astimezone(timezone(timedelta(hours=7)))
    assert "Lunas" in text and "LUNAS" in text and "Rp 175.000" in text and "820261234567890" in text
    assert f"dibayar {paid_day.day} " in text and f"{paid_day:%Y %H:%M} WIB" in text
    assert "Jumlah yang harus dibayar" not in text and "Cara membayar" not in text and "How to pay" not in text


def test_certificate_preview_is_watermarked_pratinjau(session, two_companies):
    me = viewer(session, "pengguna_a")
    text = pdf_text(documents.render_document(session, me, "certificate", two_companies["app_a"].id,
                                              compress=False)[1])
    assert "PRATINJAU" in text and "KT-1/0300/2026/000123" in text and "KONSEP" not in text


# ------------------------------------------------------------------------------------- notifications
def test_backfill_of_old_history_notifies_nobody(session, make_user):
    """Years of events synced for the first time, after the account exists: nothing is queued."""
    make_user("pengguna_lama", "service_user", email="lama@contoh.invalid")
    company = gen_service_user(session)
    link_account(session, "pengguna_lama", company)
    history = [gen_application(session, company, submitted_at=NOW - timedelta(days=30 * m)) for m in range(2, 40)]
    actions = [gen_action(session, history[0], "detention", NOW - timedelta(days=59))]
    stage_events = [e for app in history for e in events_of(session, app)]
    created = notifications.enqueue_for_synced_events(
        session, stage_events, [{"application_id": a.application_id, "kind": a.kind, "action_at": a.action_at}
                                for a in actions])
    assert created == 0
    assert session.scalar(select(func.count()).select_from(NotificationOutbox)) == 0
    assert session.scalar(select(func.count()).select_from(SurveyInvitation)) == 0


def test_events_for_companies_without_accounts_are_cheap_noops(session):
    company = gen_service_user(session)
    app = gen_application(session, company, submitted_at=NOW)
    assert notifications.enqueue_for_synced_events(session, events_of(session, app), []) == 0


def test_emails_reach_smtp_once_however_often_the_sync_reruns(session, database, settings, two_companies):
    app_a = two_companies["app_a"]
    stage_events = events_of(session, app_a)
    created = notifications.enqueue_for_synced_events(session, stage_events, [])
    session.commit()
    # draft, billed, certified, handed_over × (inbox + email)
    assert created == 8
    assert notifications.enqueue_for_synced_events(session, stage_events, []) == 0  # a rerun
    session.commit()
    smtp = SmtpSink().start()
    try:
        counts = notifications.deliver_pending(database, smtp_url=smtp.url, webhook_url="", settings=settings)
        assert counts["sent"] == 4
        assert notifications.enqueue_for_synced_events(session, stage_events, []) == 0
        session.commit()
        assert notifications.deliver_pending(database, smtp_url=smtp.url, webhook_url="",
                                             settings=settings)["sent"] == 0
    finally:
        smtp.stop()
    subjects = sorted(m["subject"] for m in smtp.messages)
    assert len(smtp.messages) == 4 and all(m["to"] == ["a@contoh.invalid"] for m in smtp.messages)
    assert any(s.startswith("Draf sertifikat " + app_a.number) for s in subjects)
    assert any("Rp\u00a0175.000" in s for s in subjects)
    billed = next(m for m in smtp.messages if "Rp\u00a0175.000" in m["subject"])
    assert "820261234567890" in billed["body"] and f"/my/applications/{app_a.id}" in billed["body"]
    survey_mail = next(m for m in smtp.messages if "survei" in m["subject"])
    token = survey_mail["body"].split("/survey/")[1].split()[0]
    assert surveys.open_by_token(session, token)["application_id"] == app_a.id


def test_failed_smtp_delivery_is_retried_later_and_then_delivered(session, database, settings, two_companies):
    app_a = two_companies["app_a"]
    notifications.enqueue_for_synced_events(session, [e for e in events_of(session, app_a)
                                                      if e["stage"] == "billed"], [])
    session.commit()
    smtp = SmtpSink()  # not started: the server is down
    counts = notifications.deliver_pending(database, smtp_url=smtp.url, webhook_url="", settings=settings)
    assert counts == {"sent": 0, "retry": 1, "failed": 0, "skipped": 0}
    session.expire_all()
    row = session.scalar(select(NotificationOutbox).where(NotificationOutbox.channel == "email"))
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > NOW
    # Not due yet: nothing happens; once due and the server is up, it goes out.
    assert notifications.deliver_pending(database, smtp_url=smtp.url, webhook_url="",
                                         settings=settings)["retry"] == 0
    smtp.start()
    try:
        later = row.next_attempt_at + timedelta(seconds=1)
        assert notifications.deliver_pending(database, now=later, smtp_url=smtp.url, webhook_url="",
                                             settings=settings)["sent"] == 1
    finally:
        smtp.stop()
    session.expire_all()
    row = session.get(NotificationOutbox, row.id)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    assert app_a.number in smtp.messages[0]["subject"]


def test_attempts_are_capped(session, database, settings, two_companies):
    notifications.enqueue_for_synced_events(session, [e for e in events_of(session, two_companies["app_a"])
                                                      if e["stage"] == "certified"], [])
    session.commit()
    down = "smtp://127.0.0.1:9"
    when = datetime.now(UTC) + timedelta(seconds=1)
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.deliver_pending(database, now=when, smtp_url=down, webhook_url="", settings=settings)
        when += timedelta(hours=7)
    session.expire_all()
    row = session.scalar(select(NotificationOutbox).where(NotificationOutbox.channel == "email"))
    assert row.status == "failed" and row.attempts == notifications.MAX_ATTEMPTS


def test_without_smtp_emails_stay_in_the_outbox_as_skipped(session, database, settings, two_companies):
    notifications.enqueue_for_synced_events(session, events_of(session, two_companies["app_a"]), [])
    session.commit()
    counts = notifications.deliver_pending(database, smtp_url="", webhook_url="", settings=settings)
    assert counts["skipped"] == 4 and counts["sent"] == 0
    statuses = set(session.scalars(select(NotificationOutbox.status).where(NotificationOutbox.channel == "email")))
    assert statuses == {"skipped"}


def test_whatsapp_webhook_receives_json_with_the_bearer_token(session, database, settings, two_companies):
    me = viewer(session, "pengguna_a")
    notifications.save_preferences(session, me.id, email=False, whatsapp=True, phone="+62 812 1111 2222")
    gen_action(session, two_companies["app_a"], "detention", NOW - timedelta(minutes=10), reason="Ditemukan OPTK")
    session.commit()
    created = notifications.enqueue_for_synced_events(session, [], [
        {"application_id": two_companies["app_a"].id, "kind": "detention", "action_at": NOW - timedelta(minutes=10)}])
    session.commit()
    assert created == 2  # inbox + whatsapp
    receiver = WebhookReceiver().start()
    try:
        counts = notifications.deliver_pending(database, smtp_url="", webhook_url=receiver.url,
                                               webhook_token="rahasia-gateway", settings=settings)
    finally:
        receiver.stop()
    assert counts["sent"] == 1
    call = receiver.calls[0]
    assert call["authorization"] == "Bearer rahasia-gateway"
    assert call["body"]["recipient"] == "+62 812 1111 2222" and call["body"]["template"] == "detained"
    assert two_companies["app_a"].number in call["body"]["text"] and "ditahan" in call["body"]["text"]


def test_inbox_shows_messages_and_counts_unread(session, two_companies):
    me = viewer(session, "pengguna_a")
    notifications.enqueue_for_synced_events(session, events_of(session, two_companies["app_a"]), [])
    assert notifications.unread_count(session, me.id) == 4
    box = notifications.inbox(session, me.id)
    assert box["total"] == 4 and any("survei" in m["subject"] for m in box["rows"])
    notifications.mark_read(session, me.id, [box["rows"][0]["id"]])
    assert notifications.unread_count(session, me.id) == 3


def test_whatsapp_needs_a_valid_phone(session, two_companies):
    me = viewer(session, "pengguna_a")
    with pytest.raises(InvalidInput) as error:
        notifications.save_preferences(session, me.id, email=True, whatsapp=True, phone="")
    assert "phone" in error.value.errors


# ------------------------------------------------------------------------------------- survey
def _invite(session, application) -> str:
    notifications.enqueue_for_synced_events(session, [e for e in events_of(session, application)
                                                      if e["stage"] == "handed_over"], [])
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application.id))
    token = notifications.mint_survey_token(session, invitation)
    session.commit()
    return token


ALL_ANSWERS = {f"element_{n}": "4" if n != 2 else "3" for n in range(1, 10)}


def test_survey_link_answers_once_without_login_and_stores_no_company(client, session, two_companies):
    token = _invite(session, two_companies["app_a"])
    page = client.get(f"/survey/{token}")
    assert page.status_code == 200 and two_companies["app_a"].number in page.get_data(as_text=True)
    response = client.post(f"/survey/{token}", data={**ALL_ANSWERS, "gender": "female", "comment": "Cepat",
                                                      "application_id": two_companies["app_b"].id,
                                                      "csrf_token": csrf_token(client, f"/survey/{token}")})
    # Answered, then sent to the same address by GET: a reload shows the thanks, never sends the form again.
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/survey/{token}")
    thanks = client.get(f"/survey/{token}")
    assert thanks.status_code == 200 and "Terima kasih" in thanks.get_data(as_text=True)
    assert "tidak dapat diisi" not in thanks.get_data(as_text=True)
    answer = session.scalar(select(SurveyResponse))
    assert answer.element_2 == 3 and answer.element_1 == 4 and answer.gender == "female"
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("survey_responses")}
    assert not columns & {"service_user_id", "application_id", "user_id", "invitation_id"}
    invitation = session.scalar(select(SurveyInvitation))
    assert invitation.response_id == answer.id and invitation.application_id == two_companies["app_a"].id
    again = client.post(f"/survey/{token}", data={**ALL_ANSWERS, "csrf_token": csrf_token(client, "/login")})
    assert again.status_code == 410
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_the_logged_in_survey_leads_back_to_its_application_and_the_emailed_one_to_nowhere(client, session,
                                                                                          two_companies):
    """The survey opened from an application's page had no way back but the browser's."""
    token = _invite(session, two_companies["app_a"])
    assert 'id="survey-back"' not in client.get(f"/survey/{token}").get_data(as_text=True)  # no portal behind it
    login(client, "pengguna_a")
    page = client.get(f"/my/survey/{two_companies['app_a'].id}").get_data(as_text=True)
    assert f'href="/my/applications/{two_companies["app_a"].id}" id="survey-back"' in page


def test_unknown_or_foreign_survey_tokens_are_refused(client, session, two_companies):
    assert client.get("/survey/not-a-real-token").status_code == 404
    token = _invite(session, two_companies["app_a"])
    # The token opens its own application only; the logged-in form of another company's application is refused.
    login(client, "pengguna_a")
    assert client.get(f"/my/survey/{two_companies['app_b'].id}?token={token}").status_code == 403
    # A reset token is not a survey token.
    session.add(AccessToken(purpose="reset", token_hash=notifications.hash_token("reset-token"),
                            expires_at=NOW + timedelta(hours=1)))
    session.commit()
    assert client.get("/survey/reset-token").status_code == 404


def test_expired_survey_link_is_refused(client, session, two_companies):
    token = _invite(session, two_companies["app_a"])
    invitation = session.scalar(select(SurveyInvitation))
    invitation.expires_at = NOW - timedelta(minutes=1)
    session.execute(AccessToken.__table__.update().values(expires_at=NOW - timedelta(minutes=1)))
    session.commit()
    assert client.get(f"/survey/{token}").status_code == 410


def test_survey_missing_elements_is_refused_with_a_message_per_element_keeping_choices(client, session,
                                                                                       two_companies):
    token = _invite(session, two_companies["app_a"])
    partial = {"element_1": "4", "element_3": "2", "element_9": "3", "comment": "Parkir sempit"}
    response = client.post(f"/survey/{token}", data={**partial, "csrf_token": csrf_token(client, f"/survey/{token}")})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for n in (2, 4, 5, 6, 7, 8):
        assert f'id="survey-element_{n}-error"' in body and f"Pertanyaan {n} belum dijawab" in body
    for n in (1, 3, 9):
        assert f'id="survey-element_{n}-error"' not in body
    assert 'id="element_3-2" value="2" autocomplete="off" checked' in body and "Parkir sempit" in body
    # The message at the top names each missing question and leads to it; the first takes the focus (on a phone it
    # is far below the message).
    listed = body[body.index('id="survey-error-list"'):body.index("</ul>", body.index('id="survey-error-list"'))]
    assert [int(n) for n in re.findall(r'href="#survey-element_(\d)"', listed)] == [2, 4, 5, 6, 7, 8]
    assert "Pertanyaan 5 (Produk spesifikasi jenis pelayanan) belum dijawab" in listed
    assert re.findall(r'id="(element_\d-\d)"[^>]*autofocus', body) == ["element_2-1"]
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    with pytest.raises(InvalidInput) as error:
        surveys.validate_answers({"element_1": "5"})
    assert set(error.value.errors) == {f"element_{n}" for n in range(1, 10)}


def test_survey_is_offered_once_per_company_per_cooldown(session, make_user):
    make_user("pengguna_s", "service_user")
    company = gen_service_user(session)
    link_account(session, "pengguna_s", company, NOW - timedelta(days=100))
    apps = [gen_application(session, company, submitted_at=NOW - timedelta(days=d)) for d in (90, 80, 50, 5)]
    events = [e for a in apps for e in events_of(session, a) if e["stage"] == "handed_over"]
    notifications.enqueue_for_synced_events(session, events, [], survey_cooldown_days=30)
    invited = set(session.scalars(select(SurveyInvitation.application_id)))
    assert invited == {apps[0].id, apps[2].id, apps[3].id}  # 80 days is within 30 of 90
    surveys_inbox = session.scalar(select(func.count()).select_from(NotificationOutbox).where(
        NotificationOutbox.event_key == "handed_over", NotificationOutbox.channel == "inbox"))
    assert surveys_inbox == 3


def test_logged_in_service_user_answers_from_the_portal(client, session, two_companies):
    _invite(session, two_companies["app_a"])
    login(client, "pengguna_a")
    path = f"/my/survey/{two_companies['app_a'].id}"
    assert client.get(path).status_code == 200
    sent = client.post(path, data={**ALL_ANSWERS, "csrf_token": csrf_token(client, path)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(path)  # its thanks, at the same address
    thanks = client.get(path)  # a reload or Back: thanks, with the way back to the application
    assert thanks.status_code == 200 and "Terima kasih" in thanks.get_data(as_text=True)
    assert f'href="/my/applications/{two_companies["app_a"].id}"' in thanks.get_data(as_text=True)
    assert client.post(path, data={**ALL_ANSWERS, "csrf_token": csrf_token(client, "/logout")}).status_code == 410


# ------------------------------------------------------------------------------------- corrections
@pytest.fixture
def drafted(session, two_companies):
    """Company A's application whose draft certificate waits to be checked: no certificate issued yet."""
    application = gen_application(session, two_companies["a"], submitted_at=NOW - timedelta(hours=2),
                                  step=timedelta(minutes=5),
                                  stages=("submitted", "verified", "inspected", "draft_certificate"))
    gen_certificate(session, application, issued_at=NOW - timedelta(minutes=90))
    session.commit()
    return application


def test_no_correction_of_the_draft_of_a_refused_application_even_when_the_page_is_bypassed(session, drafted):
    """The page hid the form of an ended application, but the server took a request posted to it."""
    me = viewer(session, "pengguna_a")
    drafted.current_stage = "refused"  # refused after its draft: no certificate will come
    session.commit()
    with pytest.raises(InvalidInput) as error:
        corrections.create_request(session, me, drafted.id, "consignee", "Alamat salah", "Benar")
    assert error.value.errors["certificate"][0] == "corrections.error.application_ended"
    assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


def test_the_demo_asks_corrections_of_drafts_still_open_to_one_not_of_a_newer_certified_one(session, drafted,
                                                                                          two_companies):
    """The demo took the company's latest drafts whatever their state: a certificate out since made the service
    refuse, and `qcorner demo` stopped there."""
    from portal.demo.service_portal import build_demo_corrections

    certified = gen_application(session, two_companies["a"], submitted_at=NOW - timedelta(hours=1),
                                step=timedelta(minutes=5),
                                stages=("submitted", "verified", "inspected", "draft_certificate", "certified"))
    gen_certificate(session, certified, issued_at=NOW - timedelta(minutes=1))  # the newest draft of all
    session.commit()
    build_demo_corrections(session, "pengguna_a", officer="nobody")
    asked = session.scalars(select(CorrectionRequest.application_id)).all()
    assert asked == [drafted.id]


def test_no_correction_of_the_draft_once_the_certificate_is_issued(session, client, two_companies):
    """The certificate is out (app A is handed over): the server refuses the request with a clear reason, and the
    page neither offers the form nor puts the draft before the certificate."""
    me = viewer(session, "pengguna_a")
    with pytest.raises(InvalidInput) as error:
        corrections.create_request(session, me, two_companies["app_a"].id, "consignee", "Alamat salah", "Benar")
    assert set(error.value.errors) == {"certificate"}
    assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 0
    login(client, "pengguna_a")
    response = dash_callback(client, "..my-application-body.children...my-application-correction-card.style..."
                                     "my-application-corrections.children..",
                             inputs=[{"id": "my-application-id", "property": "data", "value": two_companies["app_a"].id},
                                     {"id": "my-application-refresh", "property": "data", "value": 0}]).json["response"]
    assert response["my-application-correction-card"]["style"] == {"display": "none"}
    body = json.dumps(response["my-application-body"]["children"])
    assert body.index("my-application-doc-certificate") < body.index("my-application-doc-draft")
    buttons = {props["id"]: props for _type, props in components(response["my-application-body"]["children"])
               if str(props.get("id", "")).startswith("my-application-doc-")}
    assert buttons["my-application-doc-certificate"]["outline"] is False
    assert buttons["my-application-doc-draft"]["outline"] is True
    sent = dash_callback(client, "..my-application-correction-alert.children...my-application-correction-alert.is_open..."
                                 "my-application-correction-alert.color...my-application-refresh.data..."
                                 "my-application-correction-field.value...my-application-correction-problem.value..."
                                 "my-application-correction-expected.value...my-application-correction-field.invalid..."
                                 "my-application-correction-field-feedback.children..."
                                 "my-application-correction-problem.invalid..."
                                 "my-application-correction-problem-feedback.children..."
                                 "my-application-correction-expected.invalid..."
                                 "my-application-correction-expected-feedback.children..",
                         inputs=[{"id": "my-application-correction-submit", "property": "n_clicks", "value": 1}],
                         state=[{"id": "my-application-id", "property": "data", "value": two_companies["app_a"].id},
                                {"id": "my-application-refresh", "property": "data", "value": 0},
                                {"id": "my-application-correction-field", "property": "value", "value": "consignee"},
                                {"id": "my-application-correction-problem", "property": "value", "value": "Salah"},
                                {"id": "my-application-correction-expected", "property": "value", "value": "Benar"}],
                         changed=["my-application-correction-submit.n_clicks"]).json["response"]
    assert sent["my-application-correction-alert"]["children"].startswith("Sertifikat permohonan ini sudah terbit")


def test_a_correction_request_needs_a_few_words_of_what_is_wrong_and_something_of_what_it_should_say(
        session, drafted):
    me = viewer(session, "pengguna_a")
    with pytest.raises(InvalidInput) as error:
        corrections.create_request(session, me, drafted.id, "quantity", "x", "-")
    assert error.value.errors == {"problem": ("corrections.error.too_short", {"min": corrections.MIN_PROBLEM}),
                                  "expected": ("corrections.error.no_words", {})}
    assert session.scalar(select(func.count(CorrectionRequest.id))) == 0
    # A short value is a value: the quantity it should be.
    request = corrections.create_request(session, me, drafted.id, "quantity", "Jumlah salah", "5")
    assert (request["problem"], request["expected"]) == ("Jumlah salah", "5")


def test_correction_request_is_answered_with_a_newer_draft_and_audited(session, make_user, drafted):
    me = viewer(session, "pengguna_a")
    with pytest.raises(InvalidInput) as error:
        corrections.create_request(session, me, drafted.id, "bogus", "", "")
    assert set(error.value.errors) == {"field", "problem", "expected"}
    request = corrections.create_request(session, me, drafted.id, "consignee",
                                         "Alamat penerima salah", "8 Orchard Road, Singapore 238823")
    session.commit()
    make_user("petugas1", "operator")
    officer = viewer(session, "petugas1")
    assert corrections.open_count(session, officer) == 1
    assert corrections.newer_drafts(session, officer, request["id"]) == []
    with pytest.raises(InvalidInput):
        corrections.resolve(session, officer, request["id"])
    # After the request itself, not after the module's NOW: on a busy machine the test can run minutes later.
    asked_at = session.get(CorrectionRequest, request["id"]).created_at
    newer = gen_certificate(session, drafted, issued_at=asked_at + timedelta(minutes=5))
    assert [d["id"] for d in corrections.newer_drafts(session, officer, request["id"])] == [newer.id]
    corrections.resolve(session, officer, request["id"], certificate_id=newer.id)
    session.commit()
    assert corrections.open_count(session, officer) == 0
    detail = my_applications.application_detail(session, me, drafted.id)
    assert detail["corrections"][0]["resolution"] == "new_draft"
    assert session.scalar(select(AuditLog).where(AuditLog.action == "correction_resolved")).username == "petugas1"
    answer = notifications.inbox(session, me.id)["rows"][0]
    assert "dijawab" in answer["subject"] and "Draf sertifikat baru" in answer["text"]


def test_correction_can_be_answered_with_a_reason(session, make_user, drafted):
    me = viewer(session, "pengguna_a")
    request = corrections.create_request(session, me, drafted.id, "quantity", "Berat 1.200 kg",
                                         "1.250 kg")
    session.commit()
    make_user("admin1", "admin")
    corrections.resolve(session, viewer(session, "admin1"), request["id"],
                        reason="Berat sesuai hasil timbang saat pemeriksaan.")
    session.commit()
    row = session.get(CorrectionRequest, request["id"])
    assert row.resolution == "reason" and row.resolution_note.startswith("Berat sesuai")


def test_corrections_page_redraws_the_menu_badge_with_its_own_open_count(session, make_user, drafted, client):
    """The badge is read once a minute (layouts/shell.py), so the page that answers requests sets it itself."""
    me = viewer(session, "pengguna_a")
    corrections.create_request(session, me, drafted.id, "quantity", "Berat 1.200 kg", "1.250 kg")
    corrections.create_request(session, me, drafted.id, "consignee", "Alamat salah", "Alamat benar")
    session.commit()
    make_user("petugas1", "operator")
    login(client, "petugas1")
    key = next(spec["output"] for spec in client.get("/_dash-dependencies").json
               if "corrections-list.children" in spec["output"])
    assert "shell-badge-corrections.children" in key
    load = dash_callback(client, key, [{"id": "corrections-status", "property": "value", "value": "open"},
                                       {"id": "corrections-refresh", "property": "data", "value": 0},
                                       *pager_body("corrections")],
                         state=pager_state("corrections-page", 0))
    assert load.status_code == 200, load.get_data(as_text=True)[:300]
    assert load.json["response"]["shell-badge-corrections"]["children"] == "2"
    badge = dash_callback(client, "shell-badge-corrections.children",
                          [{"id": "shell-counts-interval", "property": "n_intervals", "value": 1}])
    assert badge.json["response"]["shell-badge-corrections"]["children"] == "2"


def _open_answer(client, request_id):
    """Click "Jawab" on a request as the browser does: the answer dialog's outputs by id and property."""
    key = next(spec["output"] for spec in client.get("/_dash-dependencies").json
               if "corrections-certificate_id.options" in spec["output"])
    response = dash_callback(
        client, key,
        inputs=[[{"id": {"type": "corrections-answer", "index": request_id}, "property": "n_clicks", "value": 1}],
                {"id": "corrections-cancel", "property": "n_clicks", "value": None}],
        changed=[f'{{"index":{request_id},"type":"corrections-answer"}}.n_clicks'])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def test_the_answer_dialogs_draft_choice_says_what_to_pick_or_why_there_is_nothing(session, make_user,
                                                                                    drafted, client):
    me = viewer(session, "pengguna_a")
    request = corrections.create_request(session, me, drafted.id, "consignee",
                                         "Alamat penerima salah", "8 Orchard Road, Singapore 238823")
    session.commit()
    make_user("petugas1", "operator")
    login(client, "petugas1")
    # No draft since the request: a disabled box that says so, not an empty one.
    empty = _open_answer(client, request["id"])["corrections-certificate_id"]
    assert empty == {"options": [], "value": "", "placeholder": "Belum ada draf baru sejak permintaan ini",
                     "disabled": True}
    asked_at = session.get(CorrectionRequest, request["id"]).created_at
    newer = gen_certificate(session, drafted, issued_at=asked_at + timedelta(minutes=5))
    session.commit()
    answer = _open_answer(client, request["id"])
    choice = answer["corrections-certificate_id"]
    assert choice["placeholder"] == "Pilih draf baru yang memuat koreksi ini" and choice["disabled"] is False
    # Nothing is chosen yet, and no option shares the placeholder's empty value (it drew as a blank box).
    assert choice["value"] == "" and all(option["value"] for option in choice["options"])
    assert [option["value"] for option in choice["options"]] == [str(newer.id), "none"]
    assert choice["options"][-1]["label"] == "Tanpa draf baru: jawab dengan alasan"
    # "No new draft" answers with the reason, as an unchosen box does.
    key = next(spec["output"] for spec in client.get("/_dash-dependencies").json
               if "corrections-refresh.data" in spec["output"] and "corrections-reason.invalid" in spec["output"])
    response = dash_callback(client, key, [{"id": "corrections-save", "property": "n_clicks", "value": 1}], state=[
        {"id": "corrections-selected", "property": "data", "value": request["id"]},
        {"id": "corrections-certificate_id", "property": "value", "value": "none"},
        {"id": "corrections-reason", "property": "value", "value": "Alamat sesuai dokumen permohonan."},
        {"id": "corrections-refresh", "property": "data", "value": 0},
        {"id": "corrections-opened", "property": "data", "value": answer["corrections-opened"]["data"]}],
        changed=["corrections-save.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    session.expire_all()
    row = session.get(CorrectionRequest, request["id"])
    assert (row.resolution, row.resolution_note) == ("reason", "Alamat sesuai dokumen permohonan.")


def test_correction_callbacks_are_for_operators_and_admins(logged_in):
    assert logged_in("coordinator").get("/corrections").status_code == 403


# ------------------------------------------------------------------------------------- demo
def test_demo_links_the_service_user_to_a_busy_company_with_notifications_and_surveys(session, make_user):
    from portal.demo.service_portal import build_demo_service_user, simulate_survey_answers

    make_user("service_user", "service_user", email="service_user@demo.qcorner.invalid")
    busy, quiet = gen_service_user(session, name="PT Sibuk"), gen_service_user(session, name="PT Sepi")
    gen_application(session, quiet, submitted_at=NOW - timedelta(days=3))
    stages = ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified",
              "handed_over")
    for n in range(1, len(stages) + 1):
        gen_application(session, busy, submitted_at=NOW - timedelta(days=2, hours=n), stages=stages[:n])
    gen_application(session, busy, submitted_at=NOW - timedelta(days=70))  # an older handover
    session.commit()
    result = build_demo_service_user(session)
    session.commit()
    assert result["service_user_id"] == busy.id and result["notifications"] > 0
    assert result["surveys_open"] == 1 and result["surveys_answered"] == 1
    me = viewer(session, "service_user")
    assert my_applications.list_applications(session, me)["total"] == 9
    assert build_demo_service_user(session)["notifications"] == 0  # idempotent

    for i in range(60):
        company = gen_service_user(session)
        for month in range(3):
            gen_application(session, company, submitted_at=NOW - timedelta(days=100 - 31 * month, hours=i))
    session.commit()
    answered = simulate_survey_answers(session, "0300", seed=7)
    session.commit()
    assert 80 <= answered <= 180
    averages = {n: session.scalar(select(func.avg(getattr(SurveyResponse, f"element_{n}")))) for n in range(1, 10)}
    assert 3.0 <= float(averages[2]) <= 3.4
    assert all(float(averages[n]) > float(averages[2]) for n in range(1, 10) if n != 2)
    assert simulate_survey_answers(session, "0300", seed=7) == 0  # nothing left to invite
