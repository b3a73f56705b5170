"""Admin › Audit log: who changed what and when, filtered by user, action and date."""
from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import page_header
from portal.i18n import t


def layout(user, **_):
    return html.Div([
        page_header(t("page.admin_audit"), t("admin_audit.subtitle")),
        dbc.Row([
            dbc.Col(dbc.Input(id="admin-audit-user", type="search", placeholder=t("field.username"),
                              debounce=True), md=3, className="mb-2"),
            dbc.Col(dbc.Select(id="admin-audit-action", value="all",
                               options=[{"label": t("admin_audit.all_actions"), "value": "all"}]), md=3, className="mb-2"),
            dbc.Col(dbc.InputGroup([dbc.InputGroupText(t("filter.from")),
                                    dbc.Input(id="admin-audit-from", type="date")]), md=3, className="mb-2"),
            dbc.Col(dbc.InputGroup([dbc.InputGroupText(t("filter.to")),
                                    dbc.Input(id="admin-audit-to", type="date")]), md=3, className="mb-2"),
        ]),
        dag.AgGrid(
            id="admin-audit-grid", className="ag-theme-alpine qc-grid", style={"height": "60vh"},
            columnDefs=[
                {"field": "at", "headerName": t("field.time"), "minWidth": 170},
                {"field": "username", "headerName": t("field.username"), "minWidth": 120},
                {"field": "action_label", "headerName": t("field.action"), "minWidth": 170},
                {"field": "object", "headerName": t("field.object"), "minWidth": 120},
                {"field": "before", "headerName": t("field.before"), "flex": 1, "minWidth": 200},
                {"field": "after", "headerName": t("field.after"), "flex": 1, "minWidth": 200},
                {"field": "ip", "headerName": "IP", "maxWidth": 130},
            ],
            defaultColDef={"resizable": True, "sortable": False, "wrapText": True, "autoHeight": True},
            dashGridOptions={"overlayNoRowsTemplate": t("grid.no_rows")}, rowData=[],
        ),
        dbc.Row([
            dbc.Col(html.Div(id="admin-audit-count", className="text-muted small pt-2"), md=6),
            dbc.Col(dbc.ButtonGroup([
                dbc.Button([html.I(className="bi bi-chevron-left"), t("pager.previous")], id="admin-audit-prev",
                           color="secondary", outline=True, size="sm"),
                dbc.Button([t("pager.next"), html.I(className="bi bi-chevron-right")], id="admin-audit-next",
                           color="secondary", outline=True, size="sm"),
            ]), md=6, className="text-md-end mt-2"),
        ]),
        dcc.Store(id="admin-audit-page", data=0),
    ])
