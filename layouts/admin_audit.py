"""Admin › Audit log: who changed what and when, filtered by user, action and date."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.components.pager import pager
from layouts.components.grid import grid
from layouts.components.search_box import search_box
from layouts.common import page_header
from portal.i18n import t


def layout(user, **_):
    return html.Div([
        page_header(t("page.admin_audit"), t("admin_audit.subtitle")),
        dbc.Row([
            dbc.Col(search_box("admin-audit-user", t("field.username")), md=3, className="mb-2"),
            dbc.Col(dbc.Select(id="admin-audit-action", value="all",
                               options=[{"label": t("admin_audit.all_actions"), "value": "all"}]), md=3, className="mb-2"),
            dbc.Col(dbc.InputGroup([dbc.InputGroupText(t("filter.from")),
                                    dbc.Input(id="admin-audit-from", type="date")]), md=3, className="mb-2"),
            dbc.Col(dbc.InputGroup([dbc.InputGroupText(t("filter.to")),
                                    dbc.Input(id="admin-audit-to", type="date")]), md=3, className="mb-2"),
        ]),
        grid(
            "admin-audit-grid", min_height=None, row_id=False, columns=[
                {"field": "at", "headerName": t("field.time"), "minWidth": 170},
                {"field": "username", "headerName": t("field.username"), "minWidth": 120},
                {"field": "action_label", "headerName": t("field.action"), "minWidth": 170},
                {"field": "object", "headerName": t("field.object"), "minWidth": 120},
                {"field": "before", "headerName": t("field.before"), "flex": 1, "minWidth": 200},
                {"field": "after", "headerName": t("field.after"), "flex": 1, "minWidth": 200},
                {"field": "ip", "headerName": "IP", "maxWidth": 130},
            ],
            default_col={"wrapText": True, "autoHeight": True, "suppressMovable": False},
        ),
        pager("admin-audit"),
    ])
