"""Web Push on the notification settings page (issue 20): the routes the page's script calls (the key, subscribe,
unsubscribe: login, permission and CSRF like every POST) and the device list with its remove buttons."""
from __future__ import annotations

import base64
import json
import os
import re

import pytest
from sqlalchemy import select

from models.service_portal import PushSubscription
from portal.services import push
from support.hostile import find_key
from support.web import dash_callback

KEYS = push.generate_keys()
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"


def _subscription(name: str = "phone") -> dict:
    auth = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
    return {"endpoint": f"https://fcm.googleapis.com/fcm/send/{name}", "expirationTime": None,
            "keys": {"p256dh": P256DH, "auth": auth}}


@pytest.fixture
def push_on(app, settings, monkeypatch):
    monkeypatch.setitem(app.server.extensions, "qcorner_settings", settings.model_copy(update={
        "push_enabled": True, "vapid_public_key": KEYS["public"], "vapid_private_key": KEYS["private"],
        "vapid_subject": "mailto:operator@karantina.invalid"}))


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/logout").get_data(as_text=True)).group(1)


def _post(client, path: str, body: dict, token: str | None):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(path, json=body, headers={**headers, "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131"})


def _devices(app, client, removes: list[tuple[int, int | None]] = (), removed: int | None = None):
    changed = [json.dumps({"index": removed, "type": "my-notifications-device-remove"}, separators=(",", ":")) +
               ".n_clicks"] if removed else ["my-notifications-page.id"]
    response = dash_callback(client, find_key(app, "my-notifications-devices.children"), inputs=[
        {"id": "my-notifications-page", "property": "id", "value": "my-notifications-page"},
        {"id": "my-notifications-devices-refresh", "property": "n_clicks", "value": 0},
        [{"id": {"type": "my-notifications-device-remove", "index": index}, "property": "n_clicks", "value": clicks}
         for index, clicks in removes]], changed=changed)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.json["response"]["my-notifications-devices"]["children"], ensure_ascii=False)


def test_a_service_user_turns_push_on_for_this_device_sees_it_listed_and_removes_it(
        app, client, session, logged_in, push_on):
    logged_in("service_user", username="pengguna_push")
    assert client.get("/my/push/key").json == {"publicKey": KEYS["public"]}
    assert _post(client, "/my/push/subscribe", {"subscription": _subscription()}, None).status_code == 400  # no CSRF
    token = _token(client)
    answer = _post(client, "/my/push/subscribe", {"subscription": _subscription()}, token)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.json["device"]["label"] == "Chrome · Android"
    listing = _devices(app, client)
    assert "Chrome · Android" in listing and "Hapus" in listing
    # The channel switch follows: a later Simpan of the choices keeps push on.
    switch = dash_callback(client, next(k for k in app.callback_map if k.startswith("my-notifications-push.value@")), inputs=[
        {"id": "my-notifications-devices-refresh", "property": "n_clicks", "value": 1}],
        changed=["my-notifications-devices-refresh.n_clicks"])
    assert switch.json["response"]["my-notifications-push"]["value"] is True
    device_id = answer.json["device"]["id"]
    assert "Belum ada perangkat" in _devices(app, client, removes=[(device_id, 1)], removed=device_id)
    assert session.scalars(select(PushSubscription)).all() == []


def test_a_bad_subscription_is_refused_with_a_message_and_stores_nothing(app, client, session, logged_in, push_on):
    logged_in("service_user")
    token = _token(client)
    bad = {**_subscription(), "endpoint": "https://192.168.1.10/push"}
    answer = _post(client, "/my/push/subscribe", {"subscription": bad}, token)
    assert answer.status_code == 400 and "endpoint" in answer.json["errors"]
    assert _post(client, "/my/push/subscribe", {"subscription": "nonsense"}, token).status_code == 400
    assert session.scalars(select(PushSubscription)).all() == []


def test_one_account_cannot_remove_another_accounts_device(app, client, session, logged_in, make_user, push_on):
    other = make_user("lain", "service_user")
    theirs = push.subscribe(session, other["id"], _subscription("theirs"))
    session.commit()
    logged_in("service_user")
    token = _token(client)
    assert _post(client, "/my/push/unsubscribe", {"endpoint": _subscription("theirs")["endpoint"]},
                 token).json == {"removed": 0}
    _devices(app, client, removes=[(theirs["id"], 1)], removed=theirs["id"])
    assert len(session.scalars(select(PushSubscription)).all()) == 1


def test_logging_out_forgets_this_devices_push_but_never_another_accounts(app, client, session, logged_in,
                                                                         make_user, push_on):
    """A phone shared at the cargo area: after a logout it must not receive the last person's notifications."""
    other = make_user("lain", "service_user")
    push.subscribe(session, other["id"], _subscription("theirs"))
    session.commit()
    logged_in("service_user", username="pengguna_keluar")
    token = _token(client)
    assert _post(client, "/my/push/subscribe", {"subscription": _subscription("mine")}, token).status_code == 201
    assert _post(client, "/my/push/subscribe", {"subscription": _subscription("tablet")}, token).status_code == 201

    answer = client.post("/logout", data={"csrf_token": token, "push_endpoint": _subscription("mine")["endpoint"]})

    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    session.expire_all()
    left = {row.endpoint.rsplit("/", 1)[1] for row in session.scalars(select(PushSubscription))}
    assert left == {"theirs", "tablet"}  # only the device that logged out; the account's tablet keeps its pushes
    assert client.get("/my/notifications").status_code in (302, 401)  # and the session is over


def test_a_logout_naming_another_accounts_device_removes_nothing(app, client, session, logged_in, make_user,
                                                                  push_on):
    other = make_user("lain", "service_user")
    push.subscribe(session, other["id"], _subscription("theirs"))
    session.commit()
    logged_in("service_user")
    client.post("/logout", data={"csrf_token": _token(client), "push_endpoint": _subscription("theirs")["endpoint"]})
    session.expire_all()
    assert len(session.scalars(select(PushSubscription)).all()) == 1


def test_officers_may_not_use_the_push_routes(client, logged_in, push_on):
    logged_in("operator")
    assert client.get("/my/push/key").status_code == 403
    assert _post(client, "/my/push/subscribe", {"subscription": _subscription()}, _token(client)).status_code == 403


def test_with_push_off_the_page_gets_no_key_and_subscribing_is_refused(client, logged_in):
    logged_in("service_user")
    assert client.get("/my/push/key").json == {"publicKey": None}
    assert _post(client, "/my/push/subscribe", {"subscription": _subscription()}, _token(client)).status_code == 409


def _drawn_push_switch(app):
    from layouts import my_notifications

    with app.server.test_request_context("/my/notifications"):
        card = my_notifications._choices_card()
        found = {}

        def walk(component):
            if getattr(component, "id", None) in ("my-notifications-push", "my-notifications-push-help"):
                found[component.id] = component
            children = getattr(component, "children", None)
            for child in children if isinstance(children, list) else [children]:
                if hasattr(child, "to_plotly_json"):
                    walk(child)

        walk(card)
        return found["my-notifications-push"], str(found["my-notifications-push-help"].children)


def test_with_push_off_at_the_station_the_push_switch_is_greyed_out_and_says_why(app):
    switch, help_text = _drawn_push_switch(app)
    assert switch.disabled is True
    assert "belum diaktifkan" in help_text


def test_with_push_on_the_push_switch_can_be_used(app, push_on):
    switch, help_text = _drawn_push_switch(app)
    assert switch.disabled is False
    assert "belum diaktifkan" not in help_text


def _device_list(app, client, removed: int | None = None) -> dict:
    """The device list's callback (on opening the page, or a device's Hapus): its outputs by component id."""
    changed = [json.dumps({"index": removed, "type": "my-notifications-device-remove"}, separators=(",", ":")) +
               ".n_clicks"] if removed else ["my-notifications-page.id"]
    response = dash_callback(client, find_key(app, "my-notifications-devices.children"), inputs=[
        {"id": "my-notifications-page", "property": "id", "value": "my-notifications-page"},
        {"id": "my-notifications-devices-refresh", "property": "n_clicks", "value": 0},
        [{"id": {"type": "my-notifications-device-remove", "index": removed}, "property": "n_clicks", "value": 1}]
        if removed else []], changed=changed)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def _no_device_hint(app, client, push_on, count) -> bool:
    response = dash_callback(client, find_key(app, "my-notifications-push-no-device.is_open"), inputs=[
        {"id": "my-notifications-push", "property": "value", "value": push_on},
        {"id": "my-notifications-device-count", "property": "data", "value": count}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]["my-notifications-push-no-device"]["is_open"]


def test_push_on_with_no_device_subscribed_says_to_turn_notifications_on_on_this_device(
        app, client, session, logged_in, push_on):
    """Push stays on when the last device goes (removed here, or dropped by its browser): the switch read "on" and
    nothing said that no notification would arrive."""
    from models import User
    from portal.services import notifications

    logged_in("service_user", username="pengguna_tanpa_perangkat")
    answer = _post(client, "/my/push/subscribe", {"subscription": _subscription()}, _token(client))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    listed = _device_list(app, client)
    assert listed["my-notifications-device-count"]["data"] == 1
    assert _no_device_hint(app, client, True, 1) is False

    gone = _device_list(app, client, removed=answer.json["device"]["id"])
    assert gone["my-notifications-device-count"]["data"] == 0
    session.expire_all()
    account = session.scalar(select(User.id).where(User.username == "pengguna_tanpa_perangkat"))
    assert notifications.preferences(session, account)["push"] is True  # still on, with nothing to reach
    assert _no_device_hint(app, client, True, 0) is True
    assert _no_device_hint(app, client, False, 0) is False  # push off: nothing is promised
    assert _no_device_hint(app, client, True, None) is False  # the list not loaded yet: no guess

    from layouts import my_notifications

    with app.server.test_request_context("/my/notifications"):
        hint = json.dumps(my_notifications._push_devices().to_plotly_json(), default=lambda c: c.to_plotly_json(),
                          ensure_ascii=False)
    assert '"id": "my-notifications-push-no-device"' in hint
    assert "tidak ada notifikasi push yang akan sampai" in hint and "Aktifkan notifikasi di perangkat ini" in hint
