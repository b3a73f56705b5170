"""Emailing a complaint's answer sends exactly what the officer has on screen: the button saves the handling form
(with its version check) and then emails the answer just saved; a refused save sends nothing. The reporter's mail
goes to a real local SMTP server (aiosmtpd); the complaint's history keeps the words that went out."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Complaint, ComplaintEvent, User
from portal.services import complaints, notifications
from portal.services.accounts import current_user_from
from support.nnc_helpers import actor
from support.portal_helpers import SmtpSink
from support.web import dash_callback, login, save_complaint

REPORTER = "pelapor@contoh.invalid"
SENDER = "rina@pengadu.invalid"


@pytest.fixture
def smtp(app, settings, monkeypatch):
    sink = SmtpSink().start()
    monkeypatch.setitem(app.server.extensions, "qcorner_settings", settings.model_copy(update={"smtp_url": sink.url}))
    yield sink
    sink.stop()


@pytest.fixture
def two_tabs(app, database, make_user):
    """A complaint from a reporter who gave an email address, open in two officers' tabs: (id, [(tab, kept)...])."""
    first = actor(database, make_user, "operator", username="petugas_kirim")
    actor(database, make_user, "operator", username="petugas_lain")
    with database.session() as s:
        complaint_id = complaints.create(s, first, {"channel": "email", "category": "service", "subject": "Antrean",
                                                    "text": "Lama sekali.", "reporter_email": REPORTER})["id"]
    tabs = []
    for name in ("petugas_kirim", "petugas_lain"):
        tab = app.server.test_client()
        login(tab, name)
        opened = dash_callback(tab, _key(app, "complaint-assignee_id.options"),
                               [{"id": "complaint-id", "property": "data", "value": complaint_id}])
        tabs.append((tab, opened.json["response"]["complaint-opened"]["data"]))
    return complaint_id, tabs


def _key(app, fragment: str) -> str:
    return next(k for k in app.callback_map if "complaint-opened.data" in k and fragment in k)


def _press(app, tab, kept, complaint_id, status, answer, press, assignee="none"):
    return save_complaint(tab, _key(app, "complaint-alert.children"), complaint_id, status, answer, opened=kept,
                          press=press, assignee=assignee).json["response"]


def _emailed(database, complaint_id):
    with database.session() as s:
        return [e.after for e in s.scalars(select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.action == "answer_emailed"))]


def test_emailing_sends_the_answer_typed_on_screen_and_saves_it_first(app, database, smtp, two_tabs):
    """Typed, not saved, then "Simpan & kirim": the reporter gets the typed answer, which is now the stored one."""
    complaint_id, [(tab, kept), _other] = two_tabs
    body = _press(app, tab, kept, complaint_id, "answered", "Loket ditambah mulai Senin.", "email")
    assert body["complaint-alert"]["color"] == "success"
    assert body["complaint-alert"]["children"] == f"Jawaban tersimpan dan dikirim ke {REPORTER}."
    assert body["complaint-opened"]["data"]["version"] == kept["version"] + 1  # the form stands on its save
    assert len(smtp.messages) == 1 and smtp.messages[0]["to"] == [REPORTER]
    assert "Loket ditambah mulai Senin." in smtp.messages[0]["body"]
    with database.session() as s:
        stored = s.get(Complaint, complaint_id)
        assert (stored.status, stored.answer) == ("answered", "Loket ditambah mulai Senin.")
        assert stored.answer_emailed_at is not None
    assert _emailed(database, complaint_id) == [{"to": REPORTER, "answer": "Loket ditambah mulai Senin."}]


def test_emailing_from_a_form_opened_before_someone_elses_save_sends_nothing(app, database, smtp, two_tabs):
    """Officer B saved another answer meanwhile: A's press is refused as stale, B's answer is not mailed either."""
    complaint_id, [(tab_a, kept_a), (tab_b, kept_b)] = two_tabs
    assert _press(app, tab_b, kept_b, complaint_id, "answered", "Jawaban petugas lain.", "save")[
        "complaint-alert"]["color"] == "success"
    body = _press(app, tab_a, kept_a, complaint_id, "answered", "Jawaban yang saya lihat.", "email")
    alert = json.dumps(body["complaint-alert"]["children"], ensure_ascii=False)
    assert body["complaint-alert"]["color"] == "warning"
    assert "Tidak disimpan: data ini sudah diubah sejak Anda membukanya." in alert and "petugas_lain" in alert
    assert "Jawaban petugas lain." in alert
    assert not any("value" in props for props in body.values())  # A's typed answer stays in A's form
    assert smtp.messages == [] and _emailed(database, complaint_id) == []
    with database.session() as s:
        assert s.get(Complaint, complaint_id).answer == "Jawaban petugas lain."


def test_emailing_with_the_stored_answer_unchanged_sends_it_without_a_new_version(app, database, smtp, two_tabs):
    """Saved earlier, reopened, sent now: nothing to save, the answer on screen (the stored one) goes out."""
    complaint_id, [(tab, kept), _other] = two_tabs
    saved = _press(app, tab, kept, complaint_id, "answered", "Sudah kami tindak lanjuti.", "save")
    kept = saved["complaint-opened"]["data"]
    # answered unassigned, it is its answerer's now, and the form says so (left at "none" it would unassign them)
    assignee = saved["complaint-assignee_id"]["value"]
    assert assignee == str(kept["values"]["assignee_id"]) and assignee != "none"
    body = _press(app, tab, kept, complaint_id, "answered", "Sudah kami tindak lanjuti.", "email", assignee)
    assert body["complaint-alert"]["color"] == "success" and body["complaint-opened"]["data"] == kept
    assert len(smtp.messages) == 1 and "Sudah kami tindak lanjuti." in smtp.messages[0]["body"]


def test_a_refused_send_after_the_save_keeps_the_save_and_records_nothing_sent(app, database, settings, monkeypatch,
                                                                              two_tabs):
    """The mail server is down: the typed handling is saved (and said so), the email is not recorded as sent."""
    down = SmtpSink()  # never started: nothing listens on its port
    monkeypatch.setitem(app.server.extensions, "qcorner_settings", settings.model_copy(update={"smtp_url": down.url}))
    complaint_id, [(tab, kept), _other] = two_tabs
    body = _press(app, tab, kept, complaint_id, "in_progress", "Sedang kami periksa.", "email")
    assert body["complaint-alert"]["color"] == "warning"
    assert body["complaint-alert"]["children"].startswith("Perubahan tersimpan. Email gagal dikirim:")
    assert body["complaint-opened"]["data"]["version"] == kept["version"] + 1
    assert _emailed(database, complaint_id) == []
    with database.session() as s:
        stored = s.get(Complaint, complaint_id)
        assert (stored.answer, stored.answer_emailed_at) == ("Sedang kami periksa.", None)


def test_emailing_without_an_answer_typed_saves_nothing(app, database, smtp, two_tabs):
    complaint_id, [(tab, kept), _other] = two_tabs
    body = _press(app, tab, kept, complaint_id, "in_progress", "  ", "email")
    assert body["complaint-alert"]["children"] == "Belum ada jawaban atau pelapor tidak memberi alamat email."
    assert "complaint-opened" not in body and smtp.messages == []
    with database.session() as s:
        assert (s.get(Complaint, complaint_id).status, s.get(Complaint, complaint_id).version) == ("new", 1)


def test_without_a_mail_server_the_handling_is_saved_and_the_officer_told_the_email_did_not_go(app, database,
                                                                                              settings, monkeypatch,
                                                                                              two_tabs):
    """A station without a mail server set up: "Simpan & kirim" saved nothing and named a setting the officer cannot
    change; the handling is saved as with a refusing server, and the officer is told to answer another way."""
    monkeypatch.setitem(app.server.extensions, "qcorner_settings", settings.model_copy(update={"smtp_url": None}))
    complaint_id, [(tab, kept), _other] = two_tabs
    body = _press(app, tab, kept, complaint_id, "answered", "Sudah kami tindak lanjuti.", "email")
    said = body["complaint-alert"]["children"]
    assert body["complaint-alert"]["color"] == "warning" and said.startswith("Perubahan tersimpan. Jawaban tidak dikirim")
    assert "QCORNER_SMTP_URL" not in said and "hubungi admin" in said
    assert body["complaint-opened"]["data"]["version"] == kept["version"] + 1
    assert _emailed(database, complaint_id) == []
    with database.session() as s:
        stored = s.get(Complaint, complaint_id)
        assert (stored.status, stored.answer, stored.answer_emailed_at) == ("answered", "Sudah kami tindak lanjuti.",
                                                                           None)


@pytest.fixture
def from_the_portal(app, database, make_user):
    """A complaint a service user sent from the portal (their account's email is its reporter's), open in an
    officer's tab: (id, sender's account id, tab, kept)."""
    created = make_user("pengadu_surel", "service_user", email=SENDER)
    with database.session() as s:
        sender = current_user_from(s.get(User, created["id"]), "test")
        complaint_id = complaints.create(s, sender, {"category": "tariff", "subject": "Biaya tambahan",
                                                     "text": "Diminta biaya di luar tagihan."}, source="portal")["id"]
    actor(database, make_user, "operator", username="petugas_portal")
    tab = app.server.test_client()
    login(tab, "petugas_portal")
    opened = dash_callback(tab, _key(app, "complaint-assignee_id.options"),
                           [{"id": "complaint-id", "property": "data", "value": complaint_id}])
    return complaint_id, created["id"], tab, opened.json["response"]["complaint-opened"]["data"]


def _deliver(database, settings, sink, later: timedelta):
    """The scheduler's delivery of the notifications due `later` from now, by email to `sink`."""
    return notifications.deliver_pending(database, now=datetime.now(timezone.utc) + later, smtp_url=sink.url,
                                         webhook_url="", settings=settings)


def _to_sender(sink) -> list[dict]:
    return [message for message in sink.messages if message["to"] == [SENDER]]


def test_a_portal_sender_emailed_the_answer_is_not_emailed_the_answered_notification_too(app, database, settings,
                                                                                        smtp, from_the_portal):
    """"Simpan & kirim" on a complaint sent from the portal: the answer went to the account's address and the "your
    complaint was answered" notification followed it there; one email, the answer, and the news in the bell."""
    complaint_id, sender_id, tab, kept = from_the_portal
    body = _press(app, tab, kept, complaint_id, "answered", "Biaya itu tidak berlaku; petugas sudah ditegur.", "email")
    assert body["complaint-alert"]["color"] == "success"
    _deliver(database, settings, smtp, timedelta(hours=1))
    _deliver(database, settings, smtp, timedelta(days=2))
    sent = _to_sender(smtp)
    assert len(sent) == 1 and "Biaya itu tidak berlaku; petugas sudah ditegur." in sent[0]["body"]
    with database.session() as s:
        assert notifications.unread_count(s, sender_id) == 1  # the bell still says it was answered


def test_an_answer_saved_then_emailed_before_its_notification_went_reaches_the_sender_once(app, database, settings,
                                                                                         smtp, from_the_portal):
    """Saved as answered, emailed a moment later (before the scheduler sent the notification): only the answer goes."""
    complaint_id, _sender, tab, kept = from_the_portal
    saved = _press(app, tab, kept, complaint_id, "answered", "Sudah kami tindak lanjuti.", "save")
    _press(app, tab, saved["complaint-opened"]["data"], complaint_id, "answered", "Sudah kami tindak lanjuti.",
           "email", saved["complaint-assignee_id"]["value"])
    _deliver(database, settings, smtp, timedelta(hours=1))
    assert [m["body"].count("Sudah kami tindak lanjuti.") for m in _to_sender(smtp)] == [1]


def test_when_the_answer_cannot_be_emailed_the_portal_sender_still_gets_the_notification_by_email(
        app, database, settings, monkeypatch, from_the_portal):
    """The mail server refused the answer: the notification's email, held for it, follows once the hold is over."""
    down = SmtpSink()  # never started: nothing listens on its port
    monkeypatch.setitem(app.server.extensions, "qcorner_settings", settings.model_copy(update={"smtp_url": down.url}))
    complaint_id, _sender, tab, kept = from_the_portal
    body = _press(app, tab, kept, complaint_id, "answered", "Sudah kami tindak lanjuti.", "email")
    assert body["complaint-alert"]["color"] == "warning"
    sink = SmtpSink().start()
    try:
        assert _deliver(database, settings, sink, timedelta(minutes=1))["sent"] == 0  # held for the answer
        assert _deliver(database, settings, sink, complaints.ANSWER_EMAIL_HOLD + timedelta(minutes=1))["sent"] == 1
        assert len(_to_sender(sink)) == 1 and "dijawab" in _to_sender(sink)[0]["subject"]
    finally:
        sink.stop()
