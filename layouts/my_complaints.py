"""A service user's complaints: file one, and follow the answer."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, page_header
from layouts.components.pager import pager
from layouts.complaints import options
from models.complaint import CATEGORIES
from portal.i18n import t

FIELDS = ("category", "subject", "text", "application_number")


def layout(user, **_):
    return html.Div([
        page_header(t("page.my_complaints"), t("my_complaints.subtitle")),
        dbc.Alert(id="my-complaints-alert", is_open=False, dismissable=True),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("my_complaints.new"), className="h5"),
                dbc.Row([
                    field(t("complaints.field.category"), dbc.Select(id="my-complaints-category",
                                                                    options=options("category", CATEGORIES),
                                                                    value="service"),
                          "my-complaints-category-feedback"),
                    field(t("complaints.field.subject"), dbc.Input(id="my-complaints-subject", maxLength=200),
                          "my-complaints-subject-feedback"),
                    field(t("complaints.field.text"), dbc.Textarea(id="my-complaints-text", rows=5),
                          "my-complaints-text-feedback"),
                    field(t("complaints.field.application_number"), dbc.Input(id="my-complaints-application_number"),
                          "my-complaints-application_number-feedback", t("my_complaints.application_help")),
                ]),
                dbc.Button(t("my_complaints.submit"), id="my-complaints-submit", color="primary",
                           className="w-100"),
            ]), className="shadow-sm"), lg=5, className="mb-3"),
            dbc.Col([html.H2(t("my_complaints.mine"), className="h5"),
                     html.Div(id="my-complaints-count", className="small text-muted mb-2", role="status"),
                     html.Div(id="my-complaints-list"), pager("my-complaints", phone=True)], lg=7),
        ]),
        dcc.Store(id="my-complaints-refresh", data=0),
    ])
