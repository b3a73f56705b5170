"""The complaints register: due dates, workflow, scoping, the public form and its protections."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from support.web import csrf_token, dash_callback, login
from support.factories import gen_application, gen_service_user
from models import AuditLog, Complaint, ComplaintEvent, OfficeCalendarDay
from models.base import utcnow
from portal.services import complaints
from portal.validation import Forbidden, InvalidInput

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Actor:
    def __init__(self, id, username, role, office_id=1, service_user_ids=()):
        self.id, self.username, self.role, self.office_id = id, username, role, office_id
        self.service_user_ids = service_user_ids


@pytest.fixture
def operator(make_user):
    created = make_user("petugas1", "operator")
    return Actor(created["id"], "petugas1", "operator")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    app.server.extensions["qcorner_limiter"].reset()


def _complaint(session, actor, **overrides):
    data = {"channel": "whatsapp", "category": "service", "subject": "Antrean lama",
            "text": "Menunggu pemeriksaan lebih dari 3 jam.", "reporter_name": "Budi",
            "reporter_email": "budi@contoh.invalid"}
    data.update(overrides)
    return complaints.create(session, actor, data, source="officer")


# --- due dates ---------------------------------------------------------------------------------
def test_due_date_skips_the_weekend(session):
    # Thursday 5 Nov 2026 + 5 working days = Thursday 12 Nov 2026 (Sat 7 and Sun 8 skipped).
    assert complaints.due_date_for(session, date(2026, 11, 5)) == date(2026, 11, 12)


def test_due_date_skips_a_public_holiday_cuti_bersama_and_the_office_s_own_day_off(session):
    # Mon 14 Dec 2026 + 5 working days: 15, 16, 17, 18, 21 → 21 Dec; the office adds Wed 16 Dec → Tue 22 Dec.
    assert complaints.due_date_for(session, date(2026, 12, 14), office_id=1) == date(2026, 12, 21)
    session.add(OfficeCalendarDay(office_id=1, day=date(2026, 12, 16), working=False, reason="Hari jadi kota (uji)"))
    session.flush()
    assert complaints.due_date_for(session, date(2026, 12, 14), office_id=1) == date(2026, 12, 22)
    # Tue 22 Dec 2026 + 5: 23, (24 cuti bersama, 25 Christmas), 28, 29, 30, 31 → 31 Dec.
    assert complaints.due_date_for(session, date(2026, 12, 22), office_id=1) == date(2026, 12, 31)


# --- recording and workflow ----------------------------------------------------------------------
def test_officer_records_a_complaint_with_history_and_audit(session, operator):
    created = _complaint(session, operator, files=None)
    session.commit()
    complaint = session.get(Complaint, created["id"])
    assert complaint.status == "new" and re.fullmatch(r"PGD-[2-9A-Z]{4}-[2-9A-Z]{4}", complaint.tracking_code)
    assert session.scalar(select(func.count(ComplaintEvent.id))) == 1
    assert session.scalar(select(AuditLog.action).where(AuditLog.object_type == "complaint")) == "complaint_created"


def test_refused_complaint_reports_every_field_and_writes_nothing(session, operator):
    with pytest.raises(InvalidInput) as caught:
        complaints.create(session, operator, {"channel": "pigeon", "category": "x", "subject": "",
                                              "text": "y" * 6000, "reporter_email": "bukan"},
                          source="officer", files=[("virus.pdf", b"MZ\x90\x00not a pdf")])
    assert set(caught.value.errors) == {"channel", "category", "subject", "text", "reporter_email", "attachments"}
    session.rollback()
    assert session.scalar(select(func.count(Complaint.id))) == 0


def test_answered_needs_an_answer_and_only_allowed_transitions(session, operator):
    created = _complaint(session, operator)
    with pytest.raises(InvalidInput) as caught:
        complaints.update(session, operator, created["id"], {"status": "answered", "answer": ""})
    assert "answer" in caught.value.errors
    complaints.update(session, operator, created["id"], {"status": "answered", "answer": "Sudah kami tindak."})
    complaints.update(session, operator, created["id"], {"status": "closed"})
    with pytest.raises(InvalidInput) as caught:
        complaints.update(session, operator, created["id"], {"status": "new"})
    assert caught.value.errors["status"][0] == "complaints.error.transition"


def test_an_unassigned_complaint_answered_is_assigned_to_who_answered_it(session, operator, make_user):
    """An answered complaint read "Petugas penanggung jawab: belum ditugaskan" under its answer."""
    colleague = make_user("petugas2", "operator")  # accounts first: SQLite lets one writer at a time
    created = _complaint(session, operator)
    assert complaints.detail(session, operator, created["id"])["assignee_id"] is None
    answered = complaints.update(session, operator, created["id"], {"status": "answered", "answer": "Sudah."})
    assert answered["assignee_id"] == operator.id
    other = _complaint(session, operator)
    complaints.update(session, operator, other["id"], {"assignee_id": colleague["id"]})
    kept = complaints.update(session, operator, other["id"], {"status": "answered", "answer": "Sudah."})
    assert kept["assignee_id"] == colleague["id"]  # one assigned stays who it was
    # Only the move into answered assigns: a later edit of an answered one, unassigned on purpose, stays so
    cleared = complaints.update(session, operator, created["id"], {"assignee_id": None, "category": "tariff"})
    assert cleared["assignee_id"] is None


def test_head_can_read_but_not_change(session, operator, make_user):
    head = make_user("kepala1", "head")  # accounts first: SQLite lets one writer at a time
    created = _complaint(session, operator)
    reader = Actor(head["id"], "kepala1", "head")
    assert complaints.detail(session, reader, created["id"])["subject"] == "Antrean lama"
    with pytest.raises(Forbidden):
        complaints.update(session, reader, created["id"], {"status": "in_progress"})


def test_service_user_sees_only_what_they_filed(session, operator, make_user):
    account = make_user("eksportir1", "service_user")
    other = _complaint(session, operator)
    company = gen_service_user(session)
    actor = Actor(account["id"], "eksportir1", "service_user", service_user_ids=(company.id,))
    mine = complaints.create(session, actor, {"category": "tariff", "subject": "PNBP", "text": "Tarif?"},
                             source="portal")
    listed = complaints.search(session, actor)
    assert [row["id"] for row in listed["rows"]] == [mine["id"]]
    with pytest.raises(Forbidden):
        complaints.detail(session, actor, other["id"])


def test_service_user_cannot_link_another_companys_application(session, make_user):
    account = make_user("eksportir2", "service_user")
    mine, theirs = gen_service_user(session), gen_service_user(session)
    application = gen_application(session, theirs)
    actor = Actor(account["id"], "eksportir2", "service_user", service_user_ids=(mine.id,))
    with pytest.raises(InvalidInput) as caught:
        complaints.create(session, actor, {"category": "service", "subject": "x", "text": "y",
                                           "application_number": application.number}, source="portal")
    assert "application_number" in caught.value.errors



UTC = timezone.utc


def test_complaint_refuses_an_application_submitted_after_it_was_received(session, operator):
    company = gen_service_user(session)
    later = gen_application(session, company, submitted_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    before = session.scalar(select(func.count()).select_from(Complaint))
    with pytest.raises(InvalidInput) as caught:
        _complaint(session, operator, received_at=datetime(2026, 3, 5, 3, 0, tzinfo=UTC),
                   application_number=later.number)
    assert caught.value.errors == {"application_number": (
        "complaints.error.application_after_received",
        {"number": later.number, "submitted": "10/03/2026", "received": "05/03/2026"})}
    assert session.scalar(select(func.count()).select_from(Complaint)) == before


def test_complaint_links_an_application_of_any_direction_submitted_by_its_received_day_in_wib(session, operator):
    """Days are the office's (WIB, UTC+7): 2 March 18:30 UTC is 3 March in Jakarta, the day received, so it fits;
    3 March 17:30 UTC is 4 March in Jakarta, the day after a complaint received on 3 March at 23:00 WIB."""
    company = gen_service_user(session)
    same_day = gen_application(session, company, direction="import",
                               submitted_at=datetime(2026, 3, 2, 18, 30, tzinfo=UTC))
    created = _complaint(session, operator, received_at=datetime(2026, 3, 3, 3, 0, tzinfo=UTC),
                         application_number=same_day.number)
    assert session.get(Complaint, created["id"]).application_id == same_day.id
    next_day = gen_application(session, company, direction="domestic_in",
                               submitted_at=datetime(2026, 3, 3, 17, 30, tzinfo=UTC))
    with pytest.raises(InvalidInput) as caught:
        _complaint(session, operator, received_at=datetime(2026, 3, 3, 16, 0, tzinfo=UTC),
                   application_number=next_day.number)
    assert caught.value.errors["application_number"][0] == "complaints.error.application_after_received"


def test_linking_a_later_application_to_a_recorded_complaint_is_refused(session, operator):
    company = gen_service_user(session)
    created = _complaint(session, operator, received_at=datetime(2026, 3, 5, 3, 0, tzinfo=UTC))
    later = gen_application(session, company, submitted_at=datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    earlier = gen_application(session, company, submitted_at=datetime(2026, 3, 4, 2, 0, tzinfo=UTC))
    with pytest.raises(InvalidInput) as caught:
        complaints.update(session, operator, created["id"], {"application_number": later.number})
    assert caught.value.errors["application_number"][0] == "complaints.error.application_after_received"
    assert session.get(Complaint, created["id"]).application_id is None
    complaints.update(session, operator, created["id"], {"application_number": earlier.number})
    assert session.get(Complaint, created["id"]).application_id == earlier.id


def test_overdue_counts_open_complaints_past_their_due_date(session, operator):
    created = _complaint(session, operator)
    session.get(Complaint, created["id"]).due_date = date(2020, 1, 6)
    session.flush()
    result = complaints.search(session, operator, overdue_only=True)
    assert result["overdue"] == 1 and result["rows"][0]["overdue"] is True


def test_kpi_figures_open_overdue_and_median_time_to_answer(session, operator):
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    for hours in (2, 10, 30):
        created = _complaint(session, operator, received_at=start + timedelta(days=1))
        complaint = session.get(Complaint, created["id"])
        complaint.status, complaint.answer = "answered", "ok"
        complaint.answered_at = complaint.received_at + timedelta(hours=hours)
    late = _complaint(session, operator, received_at=start + timedelta(days=2))
    session.get(Complaint, late["id"]).due_date = date(2026, 10, 9)
    session.flush()
    figures = complaints.kpi_figures(session, 1, start, start + timedelta(days=31), date(2026, 11, 1))
    assert figures == {"open": 1, "overdue": 1, "received": 4, "answered": 3, "median_hours_to_answer": 10.0,
                       "first_response_on_time": 0, "first_response_late": 1}


def test_contact_data_is_erased_after_retention(session, operator):
    created = _complaint(session, operator)
    complaint = session.get(Complaint, created["id"])
    complaint.status, complaint.answer, complaint.closed_at = "closed", "ok", utcnow() - timedelta(days=800)
    session.flush()
    assert complaints.erase_expired_contacts(session, retention_days=730) == 1
    assert complaint.reporter_name is None and complaint.reporter_email is None
    assert complaint.contact_erased_at is not None
    assert complaints.erase_expired_contacts(session, retention_days=730) == 0


# --- the public form -------------------------------------------------------------------------------
def _post(client, **fields):
    data = {"category": "information_request", "subject": "Syarat ekspor manggis",
            "text": "Apa saja dokumen yang diperlukan?", "csrf_token": csrf_token(client, "/pengaduan")}
    data.update(fields)
    return client.post("/pengaduan", data=data)


def test_public_form_returns_a_tracking_code_and_the_reporter_reads_the_answer(client, database, operator):
    response = _post(client, reporter_email="warga@contoh.invalid")
    assert response.status_code == 200
    code = re.search(r'id="complaint-code">([^<]+)<', response.get_data(as_text=True)).group(1)
    page = client.get(f"/pengaduan/lacak?kode={code}").get_data(as_text=True)
    assert "Baru" in page and "Jawaban" not in page
    with database.session() as session:
        complaint_id = session.scalar(select(Complaint.id).where(Complaint.tracking_code == code))
        complaints.update(session, operator, complaint_id, {"status": "answered",
                                                            "answer": "Dokumen: PC dan invoice."})
    page = client.get(f"/pengaduan/lacak?kode={code.lower()}").get_data(as_text=True)
    assert "Dokumen: PC dan invoice." in page


def test_the_login_page_leads_the_public_to_the_complaint_form(client):
    """The form needs no account; its address was only in the manual."""
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/pengaduan" id="login-complaint"' in page and "formulir pengaduan" in page
    assert client.get("/pengaduan").status_code == 200  # open without a login


def test_public_form_refuses_a_burst_from_one_address(client):
    for _ in range(3):
        assert _post(client).status_code == 200
    response = _post(client)
    assert response.status_code == 429
    assert "Terlalu banyak pengaduan" in response.get_data(as_text=True)


def test_public_form_refuses_a_filled_trap_field(client, session):
    response = _post(client, website="http://spam.example")
    assert response.status_code == 400
    assert "kiriman otomatis" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Complaint.id))) == 0


def test_public_form_refuses_oversized_text_and_keeps_what_was_typed(client, session):
    response = _post(client, text="x" * 5001, reporter_name="Sari")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "maksimal 5000" in body and 'value="Sari"' in body
    assert session.scalar(select(func.count(Complaint.id))) == 0


def test_script_typed_into_the_form_is_shown_as_text(client, database, operator):
    attack = "<script>alert('x')</script>"
    response = _post(client, subject=attack, text=f"<img src=x onerror=alert(1)> {attack}")
    code = re.search(r'id="complaint-code">([^<]+)<', response.get_data(as_text=True)).group(1)
    page = client.get(f"/pengaduan/lacak?kode={code}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_public_form_needs_its_csrf_token(client):
    assert client.post("/pengaduan", data={"subject": "x", "text": "y"}).status_code == 400


def test_rate_limit_is_shared_by_workers_through_redis(settings):
    """Two app instances (two gunicorn workers) with Redis storage count one address together."""
    from portal import create_app
    from portal.settings import load_settings

    shared = load_settings(**{**settings.model_dump(), "ratelimit_storage_url": "redis://127.0.0.1:6379/15"})
    first, second = create_app(shared).server, create_app(shared).server
    first.extensions["qcorner_limiter"].reset()  # Redis database 15 holds only these tests' counters
    statuses = []
    for server in (first, second, first, second):
        client = server.test_client()
        statuses.append(_post(client).status_code)
    assert statuses == [200, 200, 200, 429]


# --- the Dash pages, through their callbacks ---------------------------------------------------------
def test_enforcement_cannot_call_the_record_complaint_callback(app, logged_in):
    client = logged_in("enforcement")
    key = next(k for k in app.callback_map if "complaints-modal.is_open" in k)
    assert dash_callback(client, key).status_code == 403


def test_complaint_attachment_is_served_to_officers_only(app, database, operator, make_user):
    from support.web import login

    with database.session() as session:
        created = _complaint(session, operator)
        complaints.add_attachments(session, operator, created["id"], [("bukti.pdf", PDF)])
        attachment_id = complaints.detail(session, operator, created["id"])["attachments"][0]["id"]
    officer = app.server.test_client()
    make_user("petugas2", "operator")
    login(officer, "petugas2")
    response = officer.get(f"/complaints/attachments/{attachment_id}")
    assert response.status_code == 200 and response.data == PDF
    outsider = app.server.test_client()
    make_user("eksportir3", "service_user")
    login(outsider, "eksportir3")
    assert outsider.get(f"/complaints/attachments/{attachment_id}").status_code == 403


def test_an_officer_of_another_office_is_refused_complaint_evidence_and_the_attempt_is_audited(
        app, database, operator, make_user):
    from models import Office

    with database.session() as session:
        created = _complaint(session, operator)
        complaints.add_attachments(session, operator, created["id"], [("bukti.pdf", PDF)])
        attachment_id = complaints.detail(session, operator, created["id"])["attachments"][0]["id"]
        far = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
        session.add(far)
        session.flush()
        far_id = far.id
    make_user("petugas_surabaya", "operator", office_id=far_id)
    officer = app.server.test_client()
    login(officer, "petugas_surabaya")
    assert officer.get(f"/complaints/attachments/{attachment_id}").status_code == 403
    with database.session() as session:
        denied = session.scalar(select(AuditLog).where(AuditLog.action == "access_denied",
                                                       AuditLog.username == "petugas_surabaya"))
    assert denied is not None and (denied.object_type, denied.object_id) == ("complaint_attachment",
                                                                              str(attachment_id))
