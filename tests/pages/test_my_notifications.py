"""The notifications page's callbacks and the open link: showing reads nothing, opening reads one, "mark all read"
clears the bell, and the choices form stores stages, push and the digest."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import NotificationOutbox, StageEvent
from portal.services import notifications
from support.factories import gen_application, gen_bill, gen_service_user
from support.hostile import find_key
from support.portal_helpers import link_account
from support.web import dash_callback, login, logout, pager_body, pager_state

NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def inbox_of_three(client, session, make_user):
    """`pengguna_n`, logged in, with three unread messages about one application of its company."""
    user_id = make_user("pengguna_n", "service_user")["id"]
    company = gen_service_user(session, name="PT Notifikasi Jaya")
    link_account(session, "pengguna_n", company, NOW - timedelta(days=3))
    application = gen_application(session, company, submitted_at=NOW - timedelta(hours=5), step=timedelta(minutes=20),
                                  stages=("submitted", "verified", "inspected", "draft_certificate", "billed", "paid",
                                          "certified"))
    events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
              for e in session.scalars(select(StageEvent).where(StageEvent.application_id == application.id))]
    notifications.enqueue_for_synced_events(session, events, [])
    session.commit()
    login(client, "pengguna_n")
    return {"user_id": user_id, "application": application}


def _load(app, client, show="all", mark_all=None):
    changed = ["my-notifications-mark-all-confirm.submit_n_clicks"] if mark_all else ["my-notifications-show.value"]
    response = dash_callback(client, find_key(app, "my-notifications-list.children"), inputs=[
        {"id": "my-notifications-show", "property": "value", "value": show},
        {"id": "my-notifications-mark-all-confirm", "property": "submit_n_clicks", "value": mark_all},
        *pager_body("my-notifications")],
        state=pager_state("my-notifications-page", 0), changed=changed)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_a_link_or_back_to_the_inbox_s_second_page_shows_that_page_and_marks_nothing_read(app, client, session,
                                                                                          make_user):
    """The list's callback shares the bell with the shell's, so the browser reports its first call with every input
    changed: it was taken for a changed filter and showed page one to `?page=2` (and to Back from a message opened
    there), and a first call must not be taken for "mark all read" either."""
    user_id = make_user("pengguna_p", "service_user")["id"]
    company = gen_service_user(session, name="PT Banyak Kabar")
    link_account(session, "pengguna_p", company, NOW - timedelta(days=3))
    events = []
    for number in range(9):  # three messages each (verified, billed, certified): 27, two pages of 20
        application = gen_application(session, company, submitted_at=NOW - timedelta(hours=30 - number),
                                      step=timedelta(minutes=20), stages=(
                                          "submitted", "verified", "inspected", "draft_certificate", "billed", "paid",
                                          "certified"))
        events += [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
                   for e in session.scalars(select(StageEvent).where(StageEvent.application_id == application.id))]
    notifications.enqueue_for_synced_events(session, events, [])
    session.commit()
    login(client, "pengguna_p")
    total = notifications.inbox(session, user_id)["total"]
    assert total > 20
    # mark-all first: the first call names it as its trigger, and must not be taken for a click on it
    everything = ["my-notifications-mark-all-confirm.submit_n_clicks", "my-notifications-show.value",
                  *(f"{item['id']}.{item['property']}" for item in pager_body("my-notifications"))]
    response = dash_callback(client, find_key(app, "my-notifications-list.children"), inputs=[
        {"id": "my-notifications-show", "property": "value", "value": "all"},
        {"id": "my-notifications-mark-all-confirm", "property": "submit_n_clicks", "value": 1},
        *pager_body("my-notifications")],
        state=pager_state("my-notifications-page", 1), changed=everything)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    assert body["my-notifications-page"]["data"] == 1
    assert json.dumps(body["my-notifications-list"]).count("qc-unread-dot") == total - 20
    assert notifications.unread_count(session, user_id) == total


def test_showing_the_list_reads_nothing_and_draws_unread_with_words(app, client, session, inbox_of_three):
    body = _load(app, client)
    assert body["shell-bell-count"]["children"] == "3"
    assert body["shell-bell"]["aria-label"] == "Notifikasi: 3 belum dibaca"  # not a bare number for a screen reader
    assert "3 belum dibaca" in body["my-notifications-unread"]["children"]
    listing = json.dumps(body["my-notifications-list"])
    assert listing.count("Belum dibaca") == 3 and listing.count("qc-unread-dot") == 3
    assert listing.index("Sertifikat") < listing.index("Tagihan PNBP") < listing.index("Draf sertifikat")  # newest first
    assert body["my-notifications-mark-all"]["disabled"] is False
    assert notifications.unread_count(session, inbox_of_three["user_id"]) == 3  # showing is not reading


def test_mark_all_read_clears_the_bell_and_the_unread_look(app, client, session, inbox_of_three):
    body = _load(app, client, mark_all=1)
    assert body["shell-bell-count"]["children"] == ""
    assert "Belum dibaca" not in json.dumps(body["my-notifications-list"])
    assert body["my-notifications-unread"]["children"] == "Semua notifikasi 30 hari terakhir sudah dibaca."
    assert body["my-notifications-mark-all"]["disabled"] is True
    assert "Tidak ada notifikasi yang belum dibaca" in json.dumps(_load(app, client, show="unread"))


def test_opening_a_notification_reads_it_and_leads_to_its_application(client, session, inbox_of_three):
    me = inbox_of_three["user_id"]
    first = notifications.inbox(session, me)["rows"][0]["id"]
    response = client.get(f"/my/notifications/{first}/open")
    # The application's link back then leads to the notifications, not to the applications list.
    assert response.status_code == 302 and response.location == \
        f"/my/applications/{inbox_of_three['application'].id}?back=%2Fmy%2Fnotifications"
    session.expire_all()
    assert notifications.unread_count(session, me) == 2
    assert [m["read"] for m in notifications.inbox(session, me)["rows"]] == [True, False, False]


def test_someone_elses_notification_cannot_be_opened_or_read(client, session, make_user, inbox_of_three):
    theirs = notifications.inbox(session, inbox_of_three["user_id"])["rows"][0]["id"]
    logout(client)
    make_user("pengguna_lain", "service_user")
    login(client, "pengguna_lain")
    response = client.get(f"/my/notifications/{theirs}/open")
    assert response.status_code == 302 and response.location == "/my/notifications"
    session.expire_all()
    assert notifications.unread_count(session, inbox_of_three["user_id"]) == 3


def test_officers_cannot_open_service_users_notifications(client, logged_in, session, inbox_of_three):
    theirs = notifications.inbox(session, inbox_of_three["user_id"])["rows"][0]["id"]
    logout(client)
    response = logged_in("operator").get(f"/my/notifications/{theirs}/open")
    assert response.status_code in (302, 403) and "/my/applications" not in (response.location or "")
    assert notifications.unread_count(session, inbox_of_three["user_id"]) == 3


def _opened_choices(app, client) -> dict:
    """The choices form as the page loads it: what it keeps of the version and choices it opened."""
    loaded = dash_callback(client, find_key(app, "my-notifications-stages.value"), inputs=[
        {"id": "my-notifications-page", "property": "id", "value": "my-notifications-page"}]).json["response"]
    assert loaded["my-notifications-save"]["disabled"] is False  # usable only now
    return loaded["my-notifications-opened"]["data"]


def _saved(app, client, stages, push=False, digest=False, whatsapp=False, phone="", email=True, kept=None):
    """Press "Simpan" on the choices form (opened just now unless `kept` says what it opened) with these values:
    the outputs of the answer."""
    kept = _opened_choices(app, client) if kept is None else kept
    return dash_callback(client, find_key(app, "my-notifications-alert.children"), inputs=[
        {"id": "my-notifications-save", "property": "n_clicks", "value": 1}], state=[
        {"id": "my-notifications-email", "property": "value", "value": email},
        {"id": "my-notifications-whatsapp", "property": "value", "value": whatsapp},
        {"id": "my-notifications-phone", "property": "value", "value": phone},
        {"id": "my-notifications-push", "property": "value", "value": push},
        {"id": "my-notifications-stages", "property": "value", "value": stages},
        {"id": "my-notifications-digest", "property": "value", "value": digest},
        {"id": "my-notifications-opened", "property": "data", "value": kept}],
        changed=["my-notifications-save.n_clicks"]).json["response"]


def _save_choices(app, client, stages, push=False, digest=False):
    """The alert after "Simpan" with WhatsApp off."""
    return _saved(app, client, stages, push, digest)["my-notifications-alert"]


def test_the_choices_form_saves_stages_push_and_the_digest(app, client, session, inbox_of_three):
    assert _save_choices(app, client, ["paid", "inspected"], push=True, digest=True)["children"] == \
        "Pilihan tersimpan."
    prefs = notifications.preferences(session, inbox_of_three["user_id"])
    assert (prefs["push"], prefs["digest"], prefs["stages"]) == (True, True, ["inspected", "paid"])
    loaded = dash_callback(client, find_key(app, "my-notifications-stages.value"), inputs=[
        {"id": "my-notifications-page", "property": "id", "value": "my-notifications-page"}]).json["response"]
    assert loaded["my-notifications-stages"]["value"] == ["inspected", "paid"]
    assert loaded["my-notifications-digest"]["value"] is True and loaded["my-notifications-push"]["value"] is True


def test_choices_saved_in_a_tab_opened_before_another_tabs_save_are_refused_and_kept_on_screen(
        app, client, session, inbox_of_three):
    """A forwarder's account shared by two staff: the second tab's "Simpan" cannot silently undo the first's; it is
    told what changed and by whom, its switches stay as chosen, and once reloaded it saves."""
    other_tab = app.server.test_client()
    login(other_tab, "pengguna_n")
    kept_here, kept_there = _opened_choices(app, client), _opened_choices(app, other_tab)
    first = _saved(app, other_tab, ["paid"], digest=True, kept=kept_there)
    assert first["my-notifications-alert"]["children"] == "Pilihan tersimpan."
    assert first["my-notifications-opened"]["data"]["version"] == kept_there["version"] + 1

    refused = _saved(app, client, ["released"], email=False, kept=kept_here)
    alert = json.dumps(refused["my-notifications-alert"]["children"], ensure_ascii=False)
    assert refused["my-notifications-alert"]["color"] == "warning"
    assert "Tidak disimpan: data ini sudah diubah sejak Anda membukanya." in alert
    assert "pengguna_n menyimpan perubahan pada" in alert
    assert "Tahap yang dikabarkan" in alert and "Sudah dibayar" in alert and "Satu ringkasan per hari" in alert
    assert "muat ulang halaman" in alert
    assert "my-notifications-opened" not in refused  # still the version it opened: a second try is refused too
    assert not any("value" in props for props in refused.values())  # the switches keep what was chosen here
    session.expire_all()
    prefs = notifications.preferences(session, inbox_of_three["user_id"])
    assert (prefs["email"], prefs["digest"], prefs["stages"]) == (True, True, ["paid"])

    assert _saved(app, client, ["released"], email=False)["my-notifications-alert"]["children"] == \
        "Pilihan tersimpan."  # reopened on the newer choices


def test_a_crafted_stage_is_refused_with_a_message(app, client, session, inbox_of_three):
    alert = _save_choices(app, client, ["handed_over"])
    assert "Pilih tahap dari daftar." in alert["children"] and alert["color"] == "danger"
    assert notifications.preferences(session, inbox_of_three["user_id"])["stages"] == []


def test_a_refused_whatsapp_number_is_said_right_beside_the_save_button(app, client, session, inbox_of_three):
    """On a phone the top of the choices card is screens above "Simpan": the outcome shows where the person tapped,
    and names the problem with the number."""
    response = _saved(app, client, [], whatsapp=True, phone="nomor saya")
    from portal.i18n import t

    assert response["my-notifications-phone"]["invalid"] is True
    assert t("notify.error.phone_format") in response["my-notifications-alert"]["children"]
    with app.server.test_request_context():
        from layouts.my_notifications import _choices_card

        ids = [component.id for component in _choices_card().children[1].children if getattr(component, "id", None)]
    assert ids.index("my-notifications-alert") == ids.index("my-notifications-save") - 1


@pytest.mark.parametrize("stage", ["detained", "refused", "destroyed", "certified", "draft_certificate",
                                   "handed_over", "inspected"])
def test_a_message_in_the_inbox_ends_with_a_full_stop_not_where_its_link_was_cut(stage):
    """The inbox drops a message's link (it has a button instead): the sentence before it must still end."""
    from portal.i18n import t

    text = t(f"notify.{stage}.body" if stage != "inspected" else "notify.stage.body", number="1", company="PT",
             time="kemarin", stage_label="Pemeriksaan", link="").rstrip().rstrip(":")
    assert text.endswith("."), text


# The inbox shows a message's first three lines (assets/my_portal.css, .qc-message-text); on a 390 px phone a line
# holds about 38 characters. The bill's warning not to pay an officer came fourth, after the billing code, and was
# never in the preview.
PREVIEW_CHARACTERS = 3 * 38


@pytest.mark.parametrize("language, warning", [("id", "Jangan membayar kepada petugas."),
                                               ("en", "Never pay an officer.")])
def test_a_bill_message_says_not_to_pay_an_officer_within_its_preview(session, inbox_of_three, language, warning):
    gen_bill(session, inbox_of_three["application"], billing_code="820269999912345", amount=Decimal("12345678"))
    session.flush()
    text = _bill_message(session, inbox_of_three, language)["text"]
    assert text.index(warning) + len(warning) <= PREVIEW_CHARACTERS, text
    assert text.index("820269999912345") < text.index(warning)  # the code to pay with comes first, then the warning


def _bill_message(session, inbox_of_three, language):
    row = session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.recipient_user_id == inbox_of_three["user_id"], NotificationOutbox.channel == "inbox",
        NotificationOutbox.template == "billed")).one()
    return notifications.render(session, row, language=language)


@pytest.mark.parametrize("language, warning, gone", [
    ("id", "Jangan membayar kepada petugas.", "Tagihan ini tidak lagi tercatat di sistem."),
    ("en", "Never pay an officer.", "This bill is no longer on record.")])
def test_a_bill_message_whose_bill_was_deleted_at_the_source_says_so_not_dashes(session, inbox_of_three, language,
                                                                                warning, gone):
    """It read "Kode billing –, jumlah –. … Bayar dengan kode billing itu": a dash to pay with."""
    gen_bill(session, inbox_of_three["application"], deleted_at=NOW)
    session.flush()
    message = _bill_message(session, inbox_of_three, language)
    assert "–" not in message["text"] and "–" not in message["subject"], message
    assert message["text"].startswith(gone)
    assert message["text"].index(warning) + len(warning) <= PREVIEW_CHARACTERS, message["text"]
    assert inbox_of_three["application"].number in message["text"] and inbox_of_three["application"].number in \
        message["subject"]


@pytest.mark.parametrize("language, warning, no_code", [
    ("id", "Jangan membayar kepada petugas.", "Kode billing belum terbit; jumlah Rp\u00a0175.000."),
    ("en", "Never pay an officer.", "Billing code not issued yet; amount Rp\u00a0175,000.")])
def test_a_bill_message_without_its_billing_code_says_the_code_is_not_issued_yet(session, inbox_of_three, language,
                                                                                 warning, no_code):
    gen_bill(session, inbox_of_three["application"], billing_code=None)
    session.flush()
    message = _bill_message(session, inbox_of_three, language)
    assert message["text"].startswith(no_code) and "–" not in message["text"], message["text"]
    assert message["text"].index(warning) + len(warning) <= PREVIEW_CHARACTERS


@pytest.mark.parametrize("language, words", [("id", "dari Tiongkok untuk Manggis"), ("en", "from China for Manggis")])
def test_an_nnc_message_names_the_notifying_country_in_the_readers_language(session, inbox_of_three, language, words):
    """The NNC's country is kept as typed, in Indonesian: an English reader's message said "from Tiongkok"."""
    notifications.notify_user(session, inbox_of_three["user_id"], inbox_of_three["application"].id, "nnc_77", "nnc",
                              {"nnc_id": 77, "nnc_number": "GACC/2026/77", "country": "Tiongkok",
                               "commodity": "Manggis", "category": "pest"})
    row = session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.recipient_user_id == inbox_of_three["user_id"], NotificationOutbox.channel == "inbox",
        NotificationOutbox.template == "nnc")).one()
    assert words in notifications.render(session, row, language=language)["text"]
