"""My notifications (service users): the in-portal inbox and the channels each account chooses."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.pager import pager
from layouts.common import field, page_header
from portal.i18n import t


def layout(user, page, **_):
    return html.Div([
        page_header(t("page.my_notifications"), t("my_notifications.subtitle")),
        dcc.Loading(html.Div(id="my-notifications-list"), type="dot", color="#0b6e4f"),
        pager("my-notifications", phone=True, class_name="mt-2 mb-4 g-2"),
        dbc.Card([
            dbc.CardHeader(html.H2([html.I(className="bi bi-sliders me-2"), t("my_notifications.channels")],
                                   className="h6 mb-0")),
            dbc.CardBody([
                html.P(t("my_notifications.inbox_always"), className="small text-muted"),
                dbc.Alert(id="my-notifications-alert", is_open=False),
                dbc.Switch(id="my-notifications-email", label=t("my_notifications.email"), value=True,
                           className="mb-1 qc-switch"),
                html.Div(id="my-notifications-email-address", className="small text-muted mb-3"),
                dbc.Switch(id="my-notifications-whatsapp", label=t("my_notifications.whatsapp"), value=False,
                           className="mb-2 qc-switch"),
                field(t("my_notifications.phone"), dbc.Input(id="my-notifications-phone", type="tel",
                                                             inputMode="tel", placeholder="+62 812 3456 7890"),
                      "my-notifications-phone-feedback", t("my_notifications.phone_help")),
                dbc.Button(t("action.save"), id="my-notifications-save", color="primary", size="lg",
                           className="w-100"),
            ]),
        ], className="shadow-sm mb-3"),
    ])
