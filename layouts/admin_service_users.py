"""Admin › Service users: find a synced company, see its accounts, invite a person by email, link an account."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, page_header
from layouts.components.search_box import search_box
from portal.i18n import t


def layout(user, page, **_):
    return html.Div([
        page_header(t("page.admin_service_users"), t("admin_service_users.subtitle")),
        dbc.Row([
            dbc.Col([
                search_box("admin-service-users-search", t("admin_service_users.search"), class_name="mb-2"),
                html.Div(id="admin-service-users-results"),
            ], md=5, className="mb-3"),
            dbc.Col([
                html.Div(html.P(t("admin_service_users.pick"), className="text-muted"),
                         id="admin-service-users-company"),
                html.Div(id="admin-service-users-accounts"),
                dbc.Card([
                    dbc.CardHeader(html.H2(t("admin_service_users.invite_title"), className="h6 mb-0")),
                    dbc.CardBody([
                        html.P(t("admin_service_users.invite_help"), className="small text-muted"),
                        dbc.Row([
                            field(t("field.email"), dbc.Input(id="admin-service-users-email", type="email"),
                                  "admin-service-users-email-feedback", width=6),
                            field(t("field.full_name"), dbc.Input(id="admin-service-users-full_name"),
                                  "admin-service-users-full_name-feedback", width=6),
                            field(t("field.username"), dbc.Input(id="admin-service-users-username",
                                                                 autoComplete="off"),
                                  "admin-service-users-username-feedback", t("admin_service_users.username_help"), 6),
                        ]),
                        dbc.Button([html.I(className="bi bi-envelope me-1"), t("admin_service_users.invite")],
                                   id="admin-service-users-invite", color="primary"),
                        html.Hr(),
                        dbc.Row([
                            field(t("admin_service_users.link_username"),
                                  dbc.Input(id="admin-service-users-link_username", autoComplete="off"),
                                  "admin-service-users-link_username-feedback",
                                  t("admin_service_users.link_help"), 8),
                            dbc.Col(dbc.Button(t("admin_service_users.link"), id="admin-service-users-link",
                                               color="secondary", outline=True, className="w-100"),
                                    md=4, className="pt-md-4 mb-3"),
                        ]),
                    ]),
                ], id="admin-service-users-forms", className="shadow-sm", style={"display": "none"}),
                dbc.Alert(id="admin-service-users-alert", is_open=False, className="mt-3 text-break"),
            ], md=7),
        ]),
        dcc.Store(id="admin-service-users-selected"),
        dcc.Store(id="admin-service-users-refresh", data=0),
    ])
