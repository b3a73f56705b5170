"""A service user's notifications: the inbox newest first, read when opened, "mark all read" in one UPDATE, the
bell's 30 days from the index, the optional stages and channels each account chooses, and the daily digest
(delivered to a real SMTP server, aiosmtpd)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, text

from models import StageEvent
from models.service_portal import NotificationOutbox, NotificationPreference
from portal.services import notifications
from portal.validation import InvalidInput
from support.factories import gen_application, gen_service_user
from support.portal_helpers import SmtpSink, WebhookReceiver, link_account

UTC = timezone.utc
# A fixed office day: 10 March 2026 in Jakarta (UTC+7) runs from 9 March 17:00 to 10 March 17:00 UTC.
MORNING = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)          # 09:00 WIB
EVENING = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)        # 23:30 WIB, still the 10th
NEXT_DAY = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)       # 00:30 WIB on the 11th: the 10th is over


@pytest.fixture
def company(session, make_user):
    """A company with two accounts linked well before the events: `forwarder` and `colleague`."""
    make_user("forwarder", "service_user", email="forwarder@contoh.invalid")
    make_user("colleague", "service_user", email="colleague@contoh.invalid")
    firm = gen_service_user(session, name="PT Ekspedisi Cepat")
    ids = {name: link_account(session, name, firm, MORNING - timedelta(days=90)) for name in ("forwarder", "colleague")}
    session.commit()
    return {"firm": firm, **ids}


def _events(session, application, stages=None) -> list[dict]:
    return [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
            for e in session.scalars(select(StageEvent).where(StageEvent.application_id == application.id))
            if stages is None or e.stage in stages]


def _notify(session, firm, submitted_at, stages=("draft_certificate",), now=None, step=timedelta(minutes=5)):
    application = gen_application(session, firm, submitted_at=submitted_at, step=step,
                                  stages=("submitted", "verified", "inspected", "draft_certificate", "billed", "paid",
                                          "certified"))
    created = notifications.enqueue_for_synced_events(session, _events(session, application, stages), [],
                                                      now=now or submitted_at + timedelta(hours=1))
    session.commit()
    return application, created


# ------------------------------------------------------------------------------------------------ the inbox
def test_inbox_is_newest_event_first_whatever_order_the_sync_wrote_it_and_paged(session, company):
    firm = company["firm"]
    # Synced in the "wrong" order: the oldest event is written last.
    middle, _ = _notify(session, firm, MORNING - timedelta(days=2))
    newest, _ = _notify(session, firm, MORNING - timedelta(days=1))
    oldest, _ = _notify(session, firm, MORNING - timedelta(days=3), now=MORNING)
    first = notifications.inbox(session, company["forwarder"], page=0, page_size=2)
    second = notifications.inbox(session, company["forwarder"], page=1, page_size=2)
    assert first["total"] == 3 and len(first["rows"]) == 2 and len(second["rows"]) == 1
    assert [m["application_id"] for m in first["rows"] + second["rows"]] == [newest.id, middle.id, oldest.id]
    assert [m["at"] for m in first["rows"]] == sorted((m["at"] for m in first["rows"]), reverse=True)


def test_showing_the_inbox_reads_nothing_and_opening_a_message_reads_it_and_leads_to_its_application(
        session, company):
    application, _ = _notify(session, company["firm"], MORNING, stages=("draft_certificate", "billed"))
    me = company["forwarder"]
    box = notifications.inbox(session, me)
    assert [m["read"] for m in box["rows"]] == [False, False]
    assert notifications.unread_count(session, me, now=MORNING) == 2
    link = notifications.open_message(session, me, box["rows"][0]["id"])
    session.commit()
    assert link == f"/my/applications/{application.id}"
    assert notifications.unread_count(session, me, now=MORNING) == 1
    assert [m["read"] for m in notifications.inbox(session, me)["rows"]] == [True, False]
    # The colleague's copy of the same event is their own: still unread, and not openable by the forwarder.
    theirs = notifications.inbox(session, company["colleague"])["rows"][0]["id"]
    assert notifications.open_message(session, me, theirs) is None
    assert notifications.unread_count(session, company["colleague"], now=MORNING) == 2


def test_mark_all_read_is_one_update_and_clears_the_bell(session, database, company):
    for day in range(5):
        _notify(session, company["firm"], MORNING - timedelta(days=day), stages=("draft_certificate", "billed"))
    me = company["forwarder"]
    assert notifications.unread_count(session, me, now=MORNING) == 10
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.session() as db:
            changed = notifications.mark_read(db, me)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert changed == 10
    assert statements.count("UPDATE") == 1 and "SELECT" not in statements
    session.expire_all()
    assert notifications.unread_count(session, me, now=MORNING) == 0
    assert notifications.unread_count(session, company["colleague"], now=MORNING) == 10  # theirs untouched


def test_the_bell_counts_only_the_unread_of_the_last_30_days(session, company):
    _notify(session, company["firm"], MORNING - timedelta(days=45))
    _notify(session, company["firm"], MORNING - timedelta(days=29))
    _notify(session, company["firm"], MORNING - timedelta(hours=3))
    me = company["forwarder"]
    assert notifications.unread_count(session, me, now=MORNING) == 2
    assert notifications.inbox(session, me, unread_only=True)["total"] == 3  # the old one is still in the list


def test_the_bell_and_the_inbox_read_the_inbox_indexes(session, database, company):
    _notify(session, company["firm"], MORNING)
    since = MORNING - timedelta(days=30)
    bell = ("SELECT count(*) FROM notification_outbox WHERE recipient_user_id = :u AND channel = 'inbox' "
            "AND read_at IS NULL AND occurred_at >= :since")
    listing = ("SELECT id FROM notification_outbox WHERE recipient_user_id = :u AND channel = 'inbox' "
               "ORDER BY occurred_at DESC, id DESC LIMIT 20")
    params = {"u": company["forwarder"], "since": since if database.is_postgresql else since.isoformat(" ")}
    if database.is_postgresql:
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask whether an index CAN serve
        plans = ["\n".join(session.scalars(text("EXPLAIN " + sql), params)) for sql in (bell, listing)]
    else:
        plans = ["\n".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql), params))
                 for sql in (bell, listing)]
    # The bell: either inbox index bounds the read to the account's inbox (which one is the planner's choice).
    assert "ix_notification_outbox_inbox" in plans[0] and "Seq Scan" not in plans[0], plans[0]
    assert not re.search(r"SCAN notification_outbox$", plans[0], re.M), plans[0]
    assert "ix_notification_outbox_inbox_time" in plans[1], plans[1]
    assert "sort" not in plans[1].lower() and "TEMP B-TREE" not in plans[1], plans[1]
    session.rollback()


# ------------------------------------------------------------------------------------------------ choices
def test_optional_stages_reach_only_the_accounts_that_chose_them_and_mandatory_ones_reach_everyone(
        session, company):
    notifications.save_preferences(session, company["forwarder"], email=True, whatsapp=False, phone=None,
                                   stages=["paid", "submitted"])
    session.commit()
    application, _ = _notify(session, company["firm"], MORNING, stages=None)
    mine = {m["event"] for m in notifications.inbox(session, company["forwarder"])["rows"]}
    theirs = {m["event"] for m in notifications.inbox(session, company["colleague"])["rows"]}
    assert theirs == {"draft_certificate", "billed", "certified"}
    assert mine == theirs | {"paid", "submitted"}
    paid = next(m for m in notifications.inbox(session, company["forwarder"])["rows"] if m["event"] == "paid")
    assert paid["subject"] == f"{application.number}: Sudah dibayar"


def test_choices_are_stored_and_unknown_stages_are_refused(session, company):
    me = company["forwarder"]
    assert notifications.preferences(session, me) | {"email_address": None} == {
        "email": True, "whatsapp": False, "push": False, "digest": False, "stages": [], "phone": None,
        "has_email": True, "email_address": None, "version": 1}
    saved = notifications.save_preferences(session, me, email=False, whatsapp=False, phone=None, push=True,
                                           digest=True, stages=["treated", "verified"])
    assert (saved["push"], saved["digest"], saved["stages"], saved["email"]) == (True, True, ["verified", "treated"],
                                                                                  False)
    with pytest.raises(InvalidInput) as error:
        notifications.save_preferences(session, me, email=True, whatsapp=False, phone=None,
                                       stages=["certified"])  # mandatory: not a choice
    assert "stages" in error.value.errors


# ------------------------------------------------------------------------------------------------ the digest
def _digest_account(session, user_id):
    notifications.save_preferences(session, user_id, email=True, whatsapp=False, phone=None, digest=True)
    session.commit()


def test_a_digest_account_gets_one_email_a_day_with_the_days_events_after_the_office_day_ends(
        session, database, settings, company):
    _digest_account(session, company["forwarder"])
    first, _ = _notify(session, company["firm"], MORNING - timedelta(hours=1), now=MORNING,
                       stages=("draft_certificate", "billed"))
    second, _ = _notify(session, company["firm"], EVENING - timedelta(hours=1), now=EVENING,
                        stages=("certified",))
    held = session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.recipient_user_id == company["forwarder"], NotificationOutbox.channel == "email")).all()
    assert {row.digest_day.isoformat() for row in held} == {"2026-03-10"}
    # The inbox has every message at once; the digest account's email rows wait.
    assert notifications.unread_count(session, company["forwarder"], now=EVENING) == 3
    smtp = SmtpSink().start()
    try:
        single = notifications.deliver_pending(database, now=EVENING, smtp_url=smtp.url, webhook_url="",
                                               settings=settings)
        assert single["sent"] == 3  # the colleague's three, one each
        assert notifications.deliver_digests(database, now=EVENING, smtp_url=smtp.url, webhook_url="",
                                             settings=settings)["sent"] == 0  # the 10th is not over in Jakarta
        assert notifications.deliver_digests(database, now=NEXT_DAY, smtp_url=smtp.url, webhook_url="",
                                             settings=settings)["sent"] == 1
        assert notifications.deliver_digests(database, now=NEXT_DAY + timedelta(hours=1), smtp_url=smtp.url,
                                             webhook_url="", settings=settings)["sent"] == 0
    finally:
        smtp.stop()
    to_forwarder = [m for m in smtp.messages if m["to"] == ["forwarder@contoh.invalid"]]
    assert len(to_forwarder) == 1 and len(smtp.messages) == 4
    digest = to_forwarder[0]
    assert digest["subject"] == "Ringkasan Q-Corner 10 Mar 2026: 3 kabar"
    body = digest["body"]
    assert body.index(f"Draf sertifikat {first.number}") < body.index(f"Sertifikat {second.number} sudah terbit")
    assert f"/my/applications/{first.id}" in body and f"/my/applications/{second.id}" in body
    session.expire_all()
    assert set(session.scalars(select(NotificationOutbox.status).where(
        NotificationOutbox.recipient_user_id == company["forwarder"], NotificationOutbox.channel == "email"))) == {"sent"}


def test_a_digest_that_cannot_be_sent_is_retried_whole_with_backoff(session, database, settings, company):
    _digest_account(session, company["forwarder"])
    _notify(session, company["firm"], MORNING - timedelta(hours=1), now=MORNING,
            stages=("draft_certificate", "billed"))
    smtp = SmtpSink()  # not started: the server is down
    assert notifications.deliver_digests(database, now=NEXT_DAY, smtp_url=smtp.url, webhook_url="",
                                         settings=settings)["retry"] == 1
    session.expire_all()
    rows = session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.recipient_user_id == company["forwarder"], NotificationOutbox.channel == "email")).all()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)} and all(r.last_error for r in rows)
    # Not deliverable one by one meanwhile (only the colleague's two single emails are tried): it stays a digest.
    assert notifications.deliver_pending(database, now=NEXT_DAY + timedelta(days=1), smtp_url=smtp.url,
                                         webhook_url="", settings=settings)["retry"] == 2
    session.expire_all()
    assert {r.attempts for r in rows} == {1}
    smtp.start()
    try:
        assert notifications.deliver_digests(database, now=NEXT_DAY, smtp_url=smtp.url, webhook_url="",
                                             settings=settings)["sent"] == 0  # still backing off
        later = rows[0].next_attempt_at + timedelta(seconds=1)
        assert notifications.deliver_digests(database, now=later, smtp_url=smtp.url, webhook_url="",
                                             settings=settings)["sent"] == 1
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1 and "2 kabar" in smtp.messages[0]["subject"]


def test_choosing_the_digest_holds_only_new_messages(session, database, settings, company):
    """Turning the digest on later does not hold back what was already queued to go out alone."""
    _notify(session, company["firm"], MORNING - timedelta(hours=1), now=MORNING)
    _digest_account(session, company["forwarder"])
    assert session.get(NotificationPreference, company["forwarder"]).digest is True
    counts = notifications.deliver_pending(database, now=MORNING, smtp_url="", webhook_url="", settings=settings)
    assert counts["skipped"] == 2  # both accounts' single emails, not held


def test_a_whatsapp_digest_is_one_gateway_call_with_every_update(session, database, settings, company):
    notifications.save_preferences(session, company["forwarder"], email=False, whatsapp=True,
                                   phone="+62 812 5555 0000", digest=True)
    session.commit()
    application, _ = _notify(session, company["firm"], MORNING - timedelta(hours=1), now=MORNING,
                             stages=("draft_certificate", "billed", "certified"))
    receiver = WebhookReceiver().start()
    try:
        counts = notifications.deliver_digests(database, now=NEXT_DAY, smtp_url="", webhook_url=receiver.url,
                                               webhook_token="rahasia", settings=settings)
    finally:
        receiver.stop()
    assert counts["sent"] == 1 and len(receiver.calls) == 1
    call = receiver.calls[0]["body"]
    assert call["recipient"] == "+62 812 5555 0000" and call["template"] == "digest"
    assert call["parameters"] == {"count": "3"} and call["text"].count(application.number) >= 3
