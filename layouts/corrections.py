"""Corrections (operators, admins): service users' reports of mistakes in draft certificates, and the answers."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, hidden_label, page_header
from layouts.components.pager import pager
from portal.i18n import t


def layout(user, page, **_):
    return html.Div([
        page_header(t("page.corrections"), t("corrections.subtitle")),
        dbc.Row([
            dbc.Col(html.Div(id="corrections-counts"), md=6, className="mb-2"),
            dbc.Col([hidden_label(t("field.status"), "corrections-status"),
                     dbc.Select(id="corrections-status", value="open", options=[
                         {"label": t("corrections.filter.open"), "value": "open"},
                         {"label": t("corrections.filter.resolved"), "value": "resolved"},
                         {"label": t("corrections.filter.all"), "value": "all"}])], md=3, className="mb-2 ms-auto"),
        ]),
        dbc.Alert(id="corrections-alert", is_open=False, dismissable=True, duration=8000),
        html.Div(id="corrections-list"),
        pager("corrections"),
        dcc.Store(id="corrections-refresh", data=0),
        dcc.Store(id="corrections-selected"),
        dcc.Store(id="corrections-opened"),  # the version of the request the answer form opened (edit_versions)
        dbc.Modal([
            dbc.ModalHeader(dbc.ModalTitle(t("corrections.answer_title"))),
            dbc.ModalBody([
                dbc.Alert(id="corrections-modal-alert", is_open=False, color="warning"),
                html.Div(id="corrections-modal-summary", className="mb-3"),
                field(t("corrections.new_draft"), dbc.Select(id="corrections-certificate_id"),
                      "corrections-certificate_id-feedback", t("corrections.new_draft_help")),
                field(t("corrections.reason"), dbc.Textarea(id="corrections-reason", rows=3, maxLength=1000),
                      "corrections-reason-feedback", t("corrections.reason_help")),
            ]),
            dbc.ModalFooter([dbc.Button(t("action.cancel"), id="corrections-cancel", color="secondary", outline=True),
                             dbc.Button(t("corrections.resolve"), id="corrections-save", color="primary")]),
        ], id="corrections-modal", is_open=False),
    ])
