"""Import historical NNCs from a spreadsheet (admin, operator): the columns, a template, and a row-by-row report."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import page_header
from portal.i18n import t
from portal.services.nnc.imports import COLUMNS, REQUIRED_COLUMNS, TEMPLATE_HEADERS_ID

# What each column accepts, where the form's field label is not enough.
COLUMN_HINTS = {
    "notice_date": "nnc_import.hint.date", "received_date": "nnc_import.hint.date",
    "flow": "nnc_import.hint.flow", "service_user_tax_id": "nnc_import.hint.tax_id",
    "party_name": "nnc_import.hint.party", "section": "nnc_import.hint.section",
    "category": "nnc_import.hint.category", "subcategory": "nnc_import.hint.subcategory",
    "action_taken": "nnc_import.hint.action", "status": "nnc_import.hint.status",
    "handler": "nnc_import.hint.handler", "organism": "nnc_import.hint.organism",
    "application_number": "nnc_import.hint.application",
}


def columns_table():
    rows = []
    for field, (english, _others) in COLUMNS.items():
        required = field in REQUIRED_COLUMNS
        rows.append(html.Tr([
            html.Td([html.Strong(TEMPLATE_HEADERS_ID.get(field, english)),
                     html.Span(" *", className="text-danger") if required else None]),
            html.Td(html.Code(english)),
            html.Td(t(COLUMN_HINTS[field]) if field in COLUMN_HINTS else "", className="small"),
        ]))
    return dbc.Table([html.Thead(html.Tr([html.Th(t("nnc_import.col.header_id")),
                                          html.Th(t("nnc_import.col.header_en")),
                                          html.Th(t("nnc_import.col.accepts"))])),
                      html.Tbody(rows)], size="sm", responsive=True, striped=True, className="mb-0",
                     id="nnc-import-columns")


def layout(user, page, **_):
    return html.Div([
        page_header(t("page.nnc_import"), t("nnc_import.subtitle"),
                    dbc.Button([html.I(className="bi bi-arrow-left me-1"), t("nnc.back_to_list")], href="/nnc",
                               color="secondary", outline=True)),
        dbc.Row([
            dbc.Col([
                dbc.Card([
                    dbc.CardHeader([html.I(className="bi bi-upload me-2"), t("nnc_import.upload_title")],
                                   className="fw-semibold"),
                    dbc.CardBody([
                        html.P(t("nnc_import.how")),
                        dcc.Upload(id="nnc-import-upload", multiple=False, accept=".xlsx,.csv",
                                   className="qc-nnc-upload", children=html.Div([
                                       html.I(className="bi bi-file-earmark-spreadsheet fs-4 d-block"),
                                       html.Span(t("nnc_import.upload_prompt")),
                                       html.Small(t("nnc_import.upload_help"), className="d-block text-muted"),
                                   ])),
                        dbc.Button([html.I(className="bi bi-download me-1"), t("nnc_import.template")],
                                   id="nnc-import-template", color="link", className="px-0 mt-2"),
                        dcc.Download(id="nnc-import-template-download"),
                    ]),
                ], className="mb-3"),
                dcc.Loading(html.Div(id="nnc-import-result"), type="dot", color="#0b6e4f"),
            ], lg=5),
            dbc.Col(dbc.Card([
                dbc.CardHeader([html.I(className="bi bi-table me-2"), t("nnc_import.columns_title")],
                               className="fw-semibold"),
                dbc.CardBody([html.P(t("nnc_import.columns_help"), className="small text-muted"),
                              columns_table()]),
            ], className="mb-3"), lg=7),
        ]),
    ])
