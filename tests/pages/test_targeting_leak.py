"""A service user never learns whether a consignment was selected for inspection (DOMAIN: inspection targeting).

Two consignments of one company stand at the same stages at the same times; one is selected (a risk flag and the
draw), the other not. Walked as the service user — the applications list, each application's page, its offline
copy, the draft certificate, bill and certificate PDFs, the notifications in the inbox and as sent — the two
differ only in their number and id, and no word of targeting appears anywhere. (Service users have no export of
their own; the officers' pages and exports refuse them: tests/pages/test_permissions.py.)
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import StageEvent, User
from models.service_portal import NotificationOutbox
from portal.reports import documents
from portal.services import notifications
from portal.services.accounts import current_user_from
from portal.services.service_user_links import linked_ids
from support.factories import gen_application, gen_bill, gen_certificate, gen_service_user
from support.hostile import find_key
from support.portal_helpers import link_account, my_list, pdf_text
from support.targeting_data import gen_decision
from support.web import dash_callback, login, readable, pager_body, pager_state

NOW = datetime.now(timezone.utc).replace(microsecond=0)
STAGES = ("submitted", "verified", "draft_certificate", "billed")  # not inspected yet
# Words and fields of the decision, in both languages, and its flag codes; matched case-insensitively.
TARGETING_WORDS = ("dipilih", "undian", "selected", "random_selected", "draw", "targeting", "penargetan",
                   "tanda risiko", "risk flag", "keputusan pemeriksaan", "inspection decision", "periksa?",
                   "perusahaan baru", "new_company", "recent_nnc", "nnc dalam 90", "level_basis", "key_version",
                   "0.0123")


@pytest.fixture
def twins(session, make_user):
    """A (selected: flagged and drawn 0.0123 at normal) and B (not selected: reduced, drawn 0.9) of one company."""
    make_user("pengguna_rahasia", "service_user")
    company = gen_service_user(session, name="PT Kembar Rahasia")
    link_account(session, "pengguna_rahasia", company, NOW - timedelta(days=1))
    pair = {}
    # Ids no other number on a page could contain, so taking them out of the text takes nothing else.
    for name, own_id, decision in (
            ("a", 97_531_001, {"level": "normal", "draw": 0.0123, "flags": ("new_company", "recent_nnc")}),
            ("b", 97_531_002, {"level": "reduced", "draw": 0.9})):
        application = gen_application(session, company, stages=STAGES, submitted_at=NOW - timedelta(hours=3),
                                      step=timedelta(minutes=20), id=own_id)
        gen_decision(session, application, decided_at=NOW - timedelta(hours=3) + timedelta(minutes=2), **decision)
        gen_certificate(session, application, issued_at=NOW - timedelta(hours=2))
        gen_bill(session, application, issued_at=NOW - timedelta(hours=2))
        gen_certificate(session, application, is_draft=False, number=f"KT-1/{application.number}",
                        signer_name="drh. Penanda", issued_at=NOW - timedelta(hours=1))
        pair[name] = application
    session.commit()
    assert pair["a"].id != pair["b"].id
    return pair


def _normal(text: str, application) -> str:
    """The text with the application's own number and id taken out."""
    return text.replace(application.number, "<NUMBER>").replace(str(application.id), "<ID>")


def _no_targeting_words(text: str, where: str) -> None:
    lowered = text.lower()
    found = [word for word in TARGETING_WORDS if word in lowered]
    assert not found, f"{where} shows {found}"


def _viewer(session):
    user = session.scalar(select(User).where(User.username == "pengguna_rahasia"))
    return current_user_from(user, "test", linked_ids(session, user.id))


def test_pages_and_offline_copies_do_not_tell_a_selected_consignment_from_another(app, client, session, twins):
    login(client, "pengguna_rahasia")
    listed = my_list(app, client)
    assert listed.status_code == 200
    cards = listed.json["response"]["my-list"]["children"]
    assert len(cards) == 2
    _no_targeting_words(json.dumps(listed.json["response"]), "the applications list")
    drawn = [readable(json.dumps(card)) for card in cards]
    by_app = {name: next(card for card in drawn if application.number in card)
              for name, application in twins.items()}
    assert _normal(by_app["a"], twins["a"]) == _normal(by_app["b"], twins["b"])

    pages = {}
    for name, application in twins.items():
        detail = dash_callback(
            client, "..my-application-body.children...my-application-correction-card.style..."
                    "my-application-corrections.children..",
            inputs=[{"id": "my-application-id", "property": "data", "value": application.id},
                    {"id": "my-application-refresh", "property": "data", "value": 0}])
        assert detail.status_code == 200
        offline = client.get(f"/my/offline/applications/{application.id}")
        assert offline.status_code == 200
        pages[name] = _normal(readable(json.dumps(detail.json["response"])) + offline.get_data(as_text=True),
                              application)
        _no_targeting_words(pages[name], f"application {name}'s page")
    assert pages["a"] == pages["b"]
    offline_list = client.get("/my/offline/applications").get_data(as_text=True)
    _no_targeting_words(offline_list, "the offline list")


def test_documents_do_not_tell_a_selected_consignment_from_another(session, twins):
    me = _viewer(session)
    # Both printed at one instant: a minute turning between the two drew "21:19" on one and "21:20" on the other.
    printed_at = datetime.now(timezone.utc)
    for kind in documents.KINDS:
        texts = {}
        for name, application in twins.items():
            texts[name] = _normal(pdf_text(documents.render_document(session, me, kind, application.id,
                                                                     compress=False, now=printed_at)[1]), application)
            _no_targeting_words(texts[name], f"the {kind} of {name}")
        assert texts["a"] == texts["b"], kind


def test_notifications_do_not_tell_a_selected_consignment_from_another(app, client, session, twins):
    events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
              for e in session.scalars(select(StageEvent).where(
                  StageEvent.application_id.in_([twins["a"].id, twins["b"].id])))]
    assert notifications.enqueue_for_synced_events(session, events, [], now=NOW) > 0
    session.commit()
    rows = session.scalars(select(NotificationOutbox)).all()
    by_app: dict[str, list[str]] = {"a": [], "b": []}
    for row in rows:
        name = "a" if row.application_id == twins["a"].id else "b"
        shown = notifications.render(session, row)
        text = _normal(json.dumps({"params": row.params, "template": row.template, "channel": row.channel,
                                   "shown": shown}, default=str, sort_keys=True), twins[name])
        _no_targeting_words(text, f"a notification of {name}")
        by_app[name].append(text)
    assert sorted(by_app["a"]) == sorted(by_app["b"]) and by_app["a"]

    login(client, "pengguna_rahasia")
    inbox = dash_callback(client, find_key(app, "my-notifications-list.children"), inputs=[
        {"id": "my-notifications-show", "property": "value", "value": "all"},
        {"id": "my-notifications-mark-all-confirm", "property": "submit_n_clicks", "value": None},
        *pager_body("my-notifications")],
        state=pager_state("my-notifications-page", 0))
    assert inbox.status_code == 200
    _no_targeting_words(json.dumps(inbox.json["response"]), "the inbox")
