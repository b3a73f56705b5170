"""My notifications (service users): the in-portal inbox, newest first, and what each account chooses to receive.

Drawing only: `message` draws one notification (unread: a dot, bold, and the words "Belum dibaca" — never colour
alone); the callbacks in callbacks/my_notifications.py fill the list and the choices.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from layouts.common import field, page_header
from layouts.components.formatting import breakable_text, format_datetime
from layouts.components.pager import pager
from layouts.components.url_filters import CHOICE, UrlField, applied, location, page_field
from portal.extensions import settings
from portal.i18n import format_date, t
from portal.services.notifications import OPTIONAL_STAGES

SHOW = ("all", "unread")


def message(row: dict, tz: str):
    """One notification; its button opens it (/my/notifications/<id>/open marks it read and leads on)."""
    unread = not row["read"]
    return dbc.ListGroupItem([
        html.Div([
            html.Span(className="qc-unread-dot", **{"aria-hidden": "true"}) if unread else None,
            html.Span(breakable_text(row["subject"]), className="fw-bold" if unread else "fw-normal"),
        ], className="d-flex align-items-start gap-2 qc-message-subject"),
        html.Div([html.Span(t("my_notifications.unread"), className="qc-unread-label me-2") if unread else None,
                  format_datetime(row["at"], tz)], className="small text-muted"),
        html.Div(row["text"], className="small mt-1 qc-prewrap qc-message-text"),
        html.A([t("my_notifications.open"), html.I(className="bi bi-chevron-right ms-1")],
               href=f"/my/notifications/{row['id']}/open", className="btn btn-outline-primary btn-sm mt-2 qc-tap",
               id={"type": "my-notifications-open", "index": row["id"]}),
    ], className="qc-message" + (" qc-unread" if unread else " qc-read"),
        id={"type": "my-notifications-item", "index": row["id"]})


def _push_devices():
    """This device's "turn on" button (assets/qc-push.js asks the browser and sends its subscription) and the list
    of the account's devices, each removable. The script's messages come from the data attributes, translated."""
    words = {f"data-{key}": t(f"my_notifications.push_{key}") for key in (
        "unsupported", "denied", "off", "enabling", "enabled", "failed", "disabled", "active")}
    return html.Div([
        # Push chosen while the account has no device that receives it: nothing would arrive, and nothing said so. Shown
        # by callbacks/my_notifications.py (push_without_device), right over the button that adds this device.
        dbc.Alert(t("my_notifications.push_no_device"), id="my-notifications-push-no-device", is_open=False,
                  color="warning", className="small py-2 mb-2"),
        html.Div([
            dbc.Button([html.I(className="bi bi-bell me-1"), t("my_notifications.push_enable")],
                       id="my-notifications-push-enable", color="success", outline=True, className="qc-tap"),
            dbc.Button([html.I(className="bi bi-bell-slash me-1"), t("my_notifications.push_disable")],
                       id="my-notifications-push-disable", color="secondary", outline=True,
                       className="qc-tap d-none"),
        ], className="d-flex flex-wrap gap-2"),
        html.Div(id="my-notifications-push-status", role="status", className="small mt-1"),
        dcc.Input(type="hidden", value=generate_csrf(), id="my-notifications-push-csrf"),
        # Pressed by the script once a subscription is saved, so the device list below is drawn again.
        html.Button(id="my-notifications-devices-refresh", n_clicks=0, hidden=True, tabIndex="-1",
                    **{"aria-hidden": "true"}),
        html.H3(t("my_notifications.devices"), className="h6 mt-3"),
        html.Div(id="my-notifications-devices"),
        dcc.Store(id="my-notifications-device-count"),  # how many devices the list above shows (None: not loaded)
    ], id="my-notifications-push-device", className="mb-3", **words)


def devices(rows: list[dict], tz: str):
    """The account's devices that receive push: name, since when, last delivery, and a remove button."""
    if not rows:
        return html.Div(t("my_notifications.no_devices"), className="small text-muted",
                        id="my-notifications-devices-empty")
    return dbc.ListGroup([dbc.ListGroupItem([
        html.Div([html.Span(row["label"] or t("my_notifications.device"), className="fw-semibold"),
                  html.Div(t("my_notifications.device_since", date=format_date(row["created_at"], tz=tz)) +
                           (" · " + t("my_notifications.device_last", time=format_datetime(row["last_success_at"], tz))
                            if row["last_success_at"] else ""), className="small text-muted")]),
        dbc.Button([html.I(className="bi bi-trash me-1"), t("my_notifications.device_remove")],
                   id={"type": "my-notifications-device-remove", "index": row["id"]}, color="danger", outline=True,
                   size="sm", className="qc-tap"),
    ], className="d-flex justify-content-between align-items-center gap-2") for row in rows],
        id="my-notifications-devices-list", className="mb-2")


def _choices_card():
    stages = [{"label": t(f"my.stage.{stage}"), "value": stage} for stage in OPTIONAL_STAGES]
    push_on = settings().push_enabled
    return dbc.Card([
        dbc.CardHeader(html.H2([html.I(className="bi bi-sliders me-2"), t("my_notifications.channels")],
                               className="h6 mb-0")),
        dbc.CardBody([
            html.P(t("my_notifications.inbox_always"), className="small text-muted"),
            dbc.Switch(id="my-notifications-email", label=t("my_notifications.email"), value=True,
                       className="mb-1 qc-switch"),
            html.Div(id="my-notifications-email-address", className="small text-muted mb-3"),
            dbc.Switch(id="my-notifications-whatsapp", label=t("my_notifications.whatsapp"), value=False,
                       className="mb-2 qc-switch"),
            # No example inside the box: drawn almost as dark as typing, it read as a number already stored. The help
            # line under it gives the example.
            field(t("my_notifications.phone"), dbc.Input(id="my-notifications-phone", type="tel",
                                                         inputMode="tel"),
                  "my-notifications-phone-feedback", t("my_notifications.phone_help")),
            # Greyed out, with the reason, when the station has push off: a switch that can be turned on but
            # never delivers would promise what the station does not send.
            dbc.Switch(id="my-notifications-push", label=t("my_notifications.push"), value=False,
                       disabled=not push_on, className="mb-1 qc-switch"),
            html.Div(t("my_notifications.push_help" if push_on else "my_notifications.push_off"),
                     className="small text-muted mb-2", id="my-notifications-push-help"),
            html.Div(_push_devices(), hidden=not push_on),
            html.H3(t("my_notifications.stages"), className="h6 mt-3"),
            html.P(t("my_notifications.stages_always"), className="small text-muted mb-2"),
            dbc.Label(t("my_notifications.stages_choose"), html_for="my-notifications-stages", className="small"),
            dbc.Checklist(id="my-notifications-stages", options=stages, value=[], className="mb-3 qc-checklist",
                          inputClassName="qc-check"),
            html.H3(t("my_notifications.digest_title"), className="h6 mt-3"),
            dbc.Switch(id="my-notifications-digest", label=t("my_notifications.digest"), value=False,
                       className="mb-1 qc-switch"),
            html.Div(t("my_notifications.digest_help"), className="small text-muted mb-3"),
            # The outcome right above the button, where the person tapped: on a phone the top of this long card is
            # several screens up, and a refused number said nothing there. (Under the button it opened off-screen.)
            dbc.Alert(id="my-notifications-alert", is_open=False, className="mb-2"),
            # Usable once the stored choices are loaded (callbacks/my_notifications.py): a tap before would save the
            # page's defaults over them, or be refused for want of the version it opened.
            dbc.Button(t("action.save"), id="my-notifications-save", color="primary", size="lg", className="w-100",
                       disabled=True),
            # The version and choices the form opened: a save over another tab's newer one is refused (edit_versions).
            dcc.Store(id="my-notifications-opened"),
        ]),
    ], className="shadow-sm mb-3", id="my-notifications-choices")


# In the address (layouts/components/url_filters.py): Back from a message's application returns to the page of the
# inbox it was opened from, unread only if so chosen.
URL_FIELDS = (UrlField("show", "my-notifications-show", CHOICE, "all", SHOW), page_field("my-notifications-page"))


def layout(user, page, query: str = "", **_):
    return applied(html.Div([
        page_header(t("page.my_notifications"), t("my_notifications.subtitle")),
        # The choices sit under a page of 20 messages (some 4,000 px down on a phone): a way straight to them.
        html.A([html.I(className="bi bi-gear me-1"), t("my_notifications.to_channels")],
               href="#my-notifications-choices", id="my-notifications-to-channels",
               className="d-inline-block small mb-2 qc-tap"),
        html.Div([
            html.Div(id="my-notifications-unread", className="small fw-semibold", role="status"),
            # Asked first: one tap clears every unread mark of an account often shared by a company's staff.
            dcc.ConfirmDialogProvider(
                dbc.Button([html.I(className="bi bi-check2-all me-1"), t("my_notifications.mark_all")],
                           id="my-notifications-mark-all", color="success", outline=True, className="qc-tap"),
                id="my-notifications-mark-all-confirm", message=t("my_notifications.mark_all_confirm")),
        ], className="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2"),
        dbc.RadioItems(
            id="my-notifications-show", value="all", inline=True, className="btn-group qc-segmented mb-2 w-100",
            inputClassName="btn-check", labelClassName="btn btn-outline-success", labelCheckedClassName="active",
            options=[{"label": t(f"my_notifications.show.{s}"), "value": s} for s in SHOW]),
        html.Div(id="my-notifications-list"),
        pager("my-notifications", phone=True, class_name="mt-2 mb-4 g-2"),
        _choices_card(),
        location("my-notifications"),
    ]), URL_FIELDS, query)
