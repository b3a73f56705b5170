"""Priority service (Layanan Prioritas): tier-A service users with the evidence behind each, to print or export."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.grid import grid
from layouts.common import page_header, section_select
from layouts.compliance_common import labelled
from layouts.components.export_buttons import export_buttons
from layouts.components.pager import pager
from portal.services.compliance.ranking import SORTS
from portal.i18n import t


def layout(user, sections=(), **_):
    return html.Div([
        page_header(t("page.priority"), t("priority.subtitle"), actions=html.Div([
            dbc.Button([html.I(className="bi bi-file-earmark-pdf me-1"), t("priority.pdf")], id="priority-export-pdf",
                       color="primary", size="sm", className="me-2"),
            *export_buttons("priority"),
        ], className="qc-no-print")),
        dbc.Row([labelled(t("compliance.field.section"),
                          section_select("priority-section", user, t("compliance.all_sections"), sections=sections), md=3),
                 labelled(t("compliance.sort"), dbc.Select(
                     id="priority-sort", value="rank",
                     options=[{"label": t(f"compliance.sort.{key}"), "value": key} for key in SORTS]), md=3)],
                className="qc-no-print"),
        html.P(id="priority-criteria", className="small"),
        html.P(id="priority-window", className="small text-muted"),
        dbc.Alert(id="priority-error", color="warning", is_open=False),
        # A page at a time (callbacks.priority): the order is the sort menu's, over the whole list, never one page's.
        grid(
            "priority-grid", class_name="qc-compliance-grid", min_height="320px",
            no_rows=t("priority.no_rows"), options={"domLayout": "normal"}, columns=[
                {"field": "rank", "headerName": t("compliance.col.rank"), "maxWidth": 95, "type": "numericColumn"},
                {"field": "name", "headerName": t("compliance.col.name"), "flex": 2, "minWidth": 220,
                 "cellClass": "qc-link-cell"},
                {"field": "tax_id", "headerName": t("compliance.col.tax_id"), "minWidth": 180},
                {"field": "consignments", "headerName": t("compliance.col.consignments"), "maxWidth": 140,
                 "type": "numericColumn"},
                {"field": "clean_streak", "headerName": t("compliance.col.clean_streak"), "maxWidth": 150,
                 "type": "numericColumn"},
                {"field": "months_since", "headerName": t("compliance.col.months_since"), "minWidth": 190},
                {"field": "score_text", "headerName": t("compliance.col.score"), "maxWidth": 100,
                 "type": "numericColumn"},
            ],
        ),
        pager("priority", count_id="priority-pager-text"),
        html.Div(id="priority-count", className="text-muted small pt-2"),  # the pager's text is the live one
        dcc.Download(id="priority-download"),
        dcc.Location(id="priority-go", refresh="callback-nav"),
    ])
