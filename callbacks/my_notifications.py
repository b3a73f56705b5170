"""My notifications: the inbox (read when shown), channel preferences, and the bell's unread count."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from callbacks.common import page_of, paged_callback
from layouts.components.formatting import format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import notifications
from portal.validation import InvalidInput

PERMISSION = "my.view"


def _message(row: dict, tz: str):
    return dbc.ListGroupItem([
        html.Div([html.Strong(row["subject"]),
                  dbc.Badge(t("my_notifications.new"), color="success", className="ms-2") if not row["read"] else None]),
        html.Div(format_datetime(row["at"], tz), className="small text-muted"),
        html.Div(row["text"], className="small mt-1 qc-prewrap"),
        html.A([t("my_notifications.open"), html.I(className="bi bi-chevron-right ms-1")], href=row["link"],
               className="btn btn-outline-primary mt-2 qc-tap"),
    ], className="qc-message" + ("" if row["read"] else " qc-unread"), id={"type": "my-notifications-item",
                                                                        "index": row["id"]})


def register(app) -> None:
    @paged_callback(
        app, PERMISSION, "my-notifications", with_count=False, prevent_initial_call="initial_duplicate",
        output={"items": Output("my-notifications-list", "children"),
                "bell": Output("shell-bell-count", "children", allow_duplicate=True)}, inputs={})
    def load_inbox(page):
        """A page of messages; what is shown counts as read."""
        current = user()
        with database().session() as db:
            box = notifications.inbox(db, current.id, page)
            notifications.mark_read(db, current.id, [row["id"] for row in box["rows"]])
            unread = notifications.unread_count(db, current.id)
        items = [_message(row, current.office_timezone) for row in box["rows"]]
        content = dbc.ListGroup(items, className="shadow-sm", id="my-notifications-items") if items else \
            dbc.Alert(t("my_notifications.empty"), color="light", id="my-notifications-empty")
        return {"items": content, "bell": str(unread) if unread else ""}, page_of(box, page)

    @protected_callback(
        app, PERMISSION,
        [Output("my-notifications-email", "value"), Output("my-notifications-whatsapp", "value"),
         Output("my-notifications-phone", "value"), Output("my-notifications-email-address", "children"),
         Output("my-notifications-email", "disabled")],
        Input("my-notifications-page", "id"))
    def load_preferences(_):
        with database().session() as db:
            prefs = notifications.preferences(db, user().id)
        address = t("my_notifications.email_to", email=prefs["email_address"]) if prefs["has_email"] else \
            t("my_notifications.no_email")
        return prefs["email"] and prefs["has_email"], prefs["whatsapp"], prefs["phone"] or "", address, \
            not prefs["has_email"]

    @protected_callback(
        app, PERMISSION,
        [Output("my-notifications-alert", "children"), Output("my-notifications-alert", "is_open"),
         Output("my-notifications-alert", "color"), Output("my-notifications-phone", "invalid"),
         Output("my-notifications-phone-feedback", "children")],
        Input("my-notifications-save", "n_clicks"), State("my-notifications-email", "value"),
        State("my-notifications-whatsapp", "value"), State("my-notifications-phone", "value"),
        prevent_initial_call=True)
    def save_preferences(_clicks, email, whatsapp, phone):
        try:
            with database().session() as db:
                notifications.save_preferences(db, user().id, email=bool(email), whatsapp=bool(whatsapp),
                                               phone=phone)
        except InvalidInput as error:
            messages = error.messages(t)
            return t("form.has_errors"), True, "danger", "phone" in messages, messages.get("phone", "")
        return t("my_notifications.saved"), True, "success", False, ""

    @protected_callback(app, PERMISSION, Output("shell-bell-count", "children"), Input("shell-url", "pathname"))
    def bell(_pathname):
        """The unread count beside the bell, refreshed on every page change."""
        with database().session() as db:
            unread = notifications.unread_count(db, user().id)
        return str(unread) if unread else ""
