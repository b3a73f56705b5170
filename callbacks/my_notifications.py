"""My notifications: the paged inbox (showing reads nothing; opening or "mark all read" does), the account's
choices, and the bell's unread count (the last 30 days)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks.common import (first_call, page_of, paged_callback, register_unsaved_guard, register_url_filters,
                              stale_message)
from layouts import my_notifications as my_notifications_layout
from layouts.my_notifications import devices, message
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.extensions import database
from portal.i18n import format_number, t
from portal.services import edit_versions, notifications, push
from portal.validation import InvalidInput, StaleEdit

PERMISSION = "my.view"


# Above this the badge reads "99+": a forwarder's "4.508" covered the bell on a phone; the bell's name for screen
# readers, and the inbox, keep the whole count.
BELL_MOST = 99


def bell_text(unread: int) -> str:
    if not unread:
        return ""
    return f"{BELL_MOST}+" if unread > BELL_MOST else format_number(unread)


def bell_label(unread: int) -> str:
    """The bell's name for screen readers: the page, and how many are unread (the badge alone is only a number)."""
    return t("my_notifications.bell_unread", count=format_number(unread)) if unread else t("page.my_notifications")


def _opened(prefs: dict) -> dict:
    """What the choices form keeps of the account's choices it shows: their version and values (edit_versions)."""
    return edit_versions.opened(prefs["version"], {name: prefs[name] for name in notifications.EDIT_FIELDS})


def _choice_label(name: str) -> str:
    return t(f"my_notifications.{name}")


def _choice_value(name: str, value):
    """A choice as the form words it: the stages by their names."""
    if name == "stages" and isinstance(value, list):
        return ", ".join(t(f"my.stage.{stage}") for stage in value) or None
    return value


def register(app) -> None:
    register_url_filters(app, PERMISSION, "my-notifications", my_notifications_layout.URL_FIELDS)
    # Leaving the page with a choice changed and not saved asks first. Not the email switch (shown off where the
    # account has no address, whatever is stored) nor push (turned on by a device added here, which stores it).
    register_unsaved_guard(app, PERMISSION, "my-notifications", "my-notifications-opened",
                           {name: f"my-notifications-{name}" for name in ("whatsapp", "phone", "digest", "stages")})

    @paged_callback(
        app, PERMISSION, "my-notifications", with_count=False, prevent_initial_call="initial_duplicate",
        output={"items": Output("my-notifications-list", "children"),
                "unread": Output("my-notifications-unread", "children"),
                "mark_all_disabled": Output("my-notifications-mark-all", "disabled"),
                "bell": Output("shell-bell-count", "children", allow_duplicate=True),
                "bell_label": Output("shell-bell", "aria-label", allow_duplicate=True)},
        inputs={"show": Input("my-notifications-show", "value"),
                "mark_all": Input("my-notifications-mark-all-confirm", "submit_n_clicks")})
    def load_inbox(page, show, mark_all):
        """A page of messages, newest first; "mark all read", once confirmed, first clears every unread one (one
        UPDATE)."""
        current = user()
        with database().session() as db:
            if ctx.triggered_id == "my-notifications-mark-all-confirm" and mark_all and not first_call():
                notifications.mark_read(db, current.id)
            box = notifications.inbox(db, current.id, page, unread_only=show == "unread")
            unread = notifications.unread_count(db, current.id)
        items = [message(row, current.office_timezone) for row in box["rows"]]
        empty = "my_notifications.empty_unread" if show == "unread" else "my_notifications.empty"
        content = dbc.ListGroup(items, className="shadow-sm", id="my-notifications-items") if items else \
            dbc.Alert(t(empty), color="light", id="my-notifications-empty")
        return {"items": content, "bell": bell_text(unread), "bell_label": bell_label(unread),
                "mark_all_disabled": not unread,
                "unread": t("my_notifications.unread_count", count=format_number(unread)) if unread else
                t("my_notifications.all_read")}, page_of(box, box["page"])

    @protected_callback(
        app, PERMISSION,
        [Output("my-notifications-email", "value"), Output("my-notifications-whatsapp", "value"),
         Output("my-notifications-phone", "value"), Output("my-notifications-email-address", "children"),
         Output("my-notifications-email", "disabled"), Output("my-notifications-push", "value"),
         Output("my-notifications-stages", "value"), Output("my-notifications-digest", "value"),
         Output("my-notifications-opened", "data"), Output("my-notifications-save", "disabled")],
        Input("my-notifications-page", "id"))
    def load_preferences(_):
        with database().session() as db:
            prefs = notifications.preferences(db, user().id)
        address = t("my_notifications.email_to", email=prefs["email_address"]) if prefs["has_email"] else \
            t("my_notifications.no_email")
        return prefs["email"] and prefs["has_email"], prefs["whatsapp"], prefs["phone"] or "", address, \
            not prefs["has_email"], prefs["push"], prefs["stages"], prefs["digest"], _opened(prefs), False

    @protected_callback(
        app, PERMISSION,
        [Output("my-notifications-alert", "children"), Output("my-notifications-alert", "is_open"),
         Output("my-notifications-alert", "color"), Output("my-notifications-phone", "invalid"),
         Output("my-notifications-phone-feedback", "children"), Output("my-notifications-opened", "data",
                                                                      allow_duplicate=True)],
        Input("my-notifications-save", "n_clicks"), State("my-notifications-email", "value"),
        State("my-notifications-whatsapp", "value"), State("my-notifications-phone", "value"),
        State("my-notifications-push", "value"), State("my-notifications-stages", "value"),
        State("my-notifications-digest", "value"), State("my-notifications-opened", "data"),
        prevent_initial_call=True)
    def save_preferences(_clicks, email, whatsapp, phone, push, stages, digest, kept):
        version, opened = edit_versions.from_form(kept)
        try:
            with database().session() as db:
                saved = notifications.save_preferences(db, user().id, email=bool(email), whatsapp=bool(whatsapp),
                                                       phone=phone, push=bool(push), digest=bool(digest),
                                                       stages=stages or [], expected_version=version, opened=opened)
        except StaleEdit as error:
            # Another tab of the same account saved first: nothing is written, the switches keep what was chosen
            # here, and the message says what the other save changed (reload to start from it).
            return [html.Div(t("edit.stale_title"), className="fw-semibold"),
                    stale_message(error, _choice_label, _choice_value)], True, "warning", False, "", no_update
        except InvalidInput as error:
            messages = error.messages(t)
            # Every problem in the alert under the button too (the phone field's own message is screens above it).
            text = " ".join([t("form.has_errors")] + [messages[key] for key in ("phone", "stages") if key in messages])
            return text, True, "danger", "phone" in messages, messages.get("phone", ""), no_update
        return t("my_notifications.saved"), True, "success", False, "", _opened(saved)

    # The outcome is said beside "Simpan"; the page also scrolls to it and focuses it (assets/qc-my.js), so a
    # refused number is never said out of sight on a phone.
    protected_clientside_callback(app, PERMISSION, ClientsideFunction("qcMy", "showOutcome"),
                                  Output("my-notifications-alert", "id"), Input("my-notifications-alert", "children"),
                                  prevent_initial_call=True)

    @protected_callback(
        app, PERMISSION,
        [Output("my-notifications-devices", "children"), Output("my-notifications-device-count", "data")],
        Input("my-notifications-page", "id"), Input("my-notifications-devices-refresh", "n_clicks"),
        Input({"type": "my-notifications-device-remove", "index": ALL}, "n_clicks"))
    def load_devices(_page, _refresh, removes):
        """The account's push devices, and how many (push_without_device); a remove button forgets that device (only
        ever the account's own)."""
        current = user()
        with database().session() as db:
            trigger = ctx.triggered_id
            if isinstance(trigger, dict) and trigger.get("type") == "my-notifications-device-remove" and \
                    any(removes or ()) and isinstance(trigger.get("index"), int):
                push.unsubscribe(db, current.id, subscription_id=trigger["index"])
            rows = push.devices(db, current.id)
        return devices(rows, current.office_timezone), len(rows)

    @protected_callback(app, PERMISSION, Output("my-notifications-push-no-device", "is_open"),
                        Input("my-notifications-push", "value"), Input("my-notifications-device-count", "data"))
    def push_without_device(push_on, count):
        """Push on (stored, or just switched) while the account has no device subscribed: push goes only to devices
        (the outbox writes no push row for an account without one), so nothing would arrive. Say so, over the button
        that subscribes this phone or browser. Not before the list has loaded (count None)."""
        return bool(push_on) and count == 0

    @protected_callback(app, PERMISSION, Output("my-notifications-push", "value", allow_duplicate=True),
                        Input("my-notifications-devices-refresh", "n_clicks"), prevent_initial_call=True)
    def push_switch_follows_the_device(_refresh):
        """Turning a device on turns the push channel on: the switch shows it, so a later Simpan keeps it on."""
        with database().session() as db:
            return notifications.preferences(db, user().id)["push"]

    @protected_callback(app, PERMISSION, [Output("shell-bell-count", "children"), Output("shell-bell", "aria-label")],
                        Input("shell-counts-interval", "n_intervals"))
    def bell(_ticks):
        """The unread count of the last 30 days beside the bell: on load and once a minute (layouts/shell.py); the
        inbox redraws it as messages are read."""
        with database().session() as db:
            unread = notifications.unread_count(db, user().id)
        return bell_text(unread), bell_label(unread)
