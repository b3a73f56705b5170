"""Web Push subscriptions (issue 20): the notification settings page's script sends the browser's PushSubscription
here. JSON in and out; the guard checks the login, the declared permission and the CSRF token (X-CSRFToken header)
before these run. A device is always the signed-in account's own."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.extensions import database, settings
from portal.i18n import t
from portal.security.access import requires, user
from portal.services import push
from portal.validation import InvalidInput

bp = Blueprint("push", __name__)
# A PushSubscription's JSON is well under 1 KB; anything much bigger is not one.
BODY_MAX = 8 * 1024


def _body() -> dict | None:
    if (request.content_length or 0) > BODY_MAX or not request.is_json:
        return None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("/my/push/key")
@requires("my.view")
def key():
    """The station's VAPID public key for PushManager.subscribe (null: push is off here)."""
    return jsonify(publicKey=push.public_key(settings()))


@bp.route("/my/push/subscribe", methods=["POST"])
@requires("my.view")
def subscribe():
    """Keep this device's subscription for the signed-in account: {"subscription": PushSubscription.toJSON()}."""
    if push.public_key(settings()) is None:
        return jsonify(error=t("push.off")), 409
    body = _body()
    if body is None:
        return jsonify(error=t("push.error.endpoint")), 400
    try:
        with database().session() as db:
            device = push.subscribe(db, user().id, body.get("subscription"),
                                    push.device_label(request.headers.get("User-Agent")),
                                    allow_loopback=settings().env != "production")
    except InvalidInput as error:
        return jsonify(errors=error.messages(t)), 400
    return jsonify(device={"id": device["id"], "label": device["label"]}), 201


@bp.route("/my/push/unsubscribe", methods=["POST"])
@requires("my.view")
def unsubscribe():
    """Forget this device ({"endpoint": …}): only the account's own device is ever removed."""
    body = _body()
    endpoint = body.get("endpoint") if body else None
    if not isinstance(endpoint, str) or not endpoint:
        return jsonify(error=t("push.error.endpoint")), 400
    with database().session() as db:
        removed = push.unsubscribe(db, user().id, endpoint=endpoint)
    return jsonify(removed=removed)
