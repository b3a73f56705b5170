"""Admin › Perusahaan lintas UPT: one company's records at every office (matched by NPWP), moving a record to another
company or splitting it into its own when the match is wrong (with a reason, audited, undoable), and the UPT
section that adds a station."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, page_header
from layouts.components.company_picker import company_picker
from layouts.components.grid import NUMERIC, grid
from layouts.components.pager import pager
from layouts.components.search_box import search_box
from portal.i18n import t

ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")  # portal.services.offices


def _companies_tab():
    # The count and the NPWP get the width their text needs and the name the rest: a count's share of a 545 px grid
    # (flex 0.7) cut its header to "Catata…" at 1366 px.
    columns = [{"field": "name", "headerName": t("admin_companies.col.name"), "flex": 1, "minWidth": 160},
               {"field": "npwp_text", "headerName": "NPWP", "width": 180},
               {"field": "records", "headerName": t("admin_companies.col.records"), "type": NUMERIC, "width": 130}]
    form = dbc.Card([
        dbc.CardHeader(html.H2(t("admin_companies.fix_title"), className="h6 mb-0")),
        dbc.CardBody([
            html.P(t("admin_companies.fix_help"), className="small text-muted"),
            dbc.Row([
                field(t("admin_companies.field.record"),
                      dcc.Dropdown(id="admin-companies-record", options=[], clearable=False, searchable=False),
                      "admin-companies-record-feedback", width=12),
                field(t("admin_companies.field.action"),
                      dbc.RadioItems(id="admin-companies-action", value="move", inline=True, options=[
                          {"label": t("admin_companies.action.move"), "value": "move"},
                          {"label": t("admin_companies.action.split"), "value": "split"}]), width=12),
                field(t("admin_companies.field.target"),
                      company_picker("admin-companies-target", t("admin_companies.target_placeholder")),
                      "admin-companies-target-feedback", t("admin_companies.help.target"), width=12),
                field(t("admin_companies.field.reason"),
                      dbc.Textarea(id="admin-companies-reason", maxLength=500, rows=2),
                      "admin-companies-reason-feedback", width=12),
            ]),
            dbc.Button([html.I(className="bi bi-arrow-left-right me-1"), t("admin_companies.save")],
                       id="admin-companies-save", color="primary"),
        ]),
    ], id="admin-companies-form", className="shadow-sm mb-3", style={"display": "none"})
    return dbc.Row([
        dbc.Col([
            search_box("admin-companies-search", t("admin_companies.search_placeholder"), t("admin_companies.search"),
                       class_name="mb-2"),
            # A header longer than its column (another language) wraps onto a second line rather than end in "…".
            grid("admin-companies-grid", columns, t("admin_companies.none"), height="55vh", min_height="300px",
                 default_col={"wrapHeaderText": True, "autoHeaderHeight": True}),
            pager("admin-companies"),
        ], md=5, className="mb-3"),
        dbc.Col([
            html.Div(html.P(t("admin_companies.pick"), className="text-muted"), id="admin-companies-company"),
            html.Div(id="admin-companies-records", className="mb-3"),
            form,
            dbc.Alert(id="admin-companies-alert", is_open=False, className="text-break"),
            html.Div(id="admin-companies-history"),
        ], md=7),
    ])


def _offices_tab():
    return html.Div([
        html.P(t("admin_companies.offices_help"), className="text-muted small"),
        html.Div(id="admin-companies-offices", className="mb-3"),
        dbc.Card([
            dbc.CardHeader(html.H2(t("admin_companies.office_add_title"), className="h6 mb-0")),
            dbc.CardBody([
                dbc.Row([
                    field(t("admin_companies.field.code"), dbc.Input(id="admin-companies-office-code", maxLength=16),
                          "admin-companies-office-code-feedback", width=3),
                    field(t("admin_companies.field.office_name"),
                          dbc.Input(id="admin-companies-office-name", maxLength=200),
                          "admin-companies-office-name-feedback", width=9),
                    field(t("admin_companies.field.timezone"),
                          dcc.Dropdown(id="admin-companies-office-timezone", clearable=False, searchable=False,
                                       placeholder=t("admin_companies.timezone_placeholder"),
                                       options=[{"label": t(f"admin_companies.zone.{zone}"), "value": zone}
                                                for zone in ZONES]),
                          "admin-companies-office-timezone-feedback", width=4),
                    field(t("admin_companies.field.iqfast_url"),
                          dbc.Input(id="admin-companies-office-iqfast_url", maxLength=500, autoComplete="off"),
                          "admin-companies-office-iqfast_url-feedback", t("admin_companies.help.iqfast_url"),
                          width=8),
                ]),
                dbc.Button([html.I(className="bi bi-plus-lg me-1"), t("admin_companies.office_add")],
                           id="admin-companies-office-add", color="primary"),
                dbc.Alert(id="admin-companies-office-alert", is_open=False, className="mt-3 mb-0 text-break"),
            ]),
        ], className="shadow-sm"),
    ])


def layout(user, page=None, **_):
    return html.Div([
        page_header(t("page.admin_companies"), t("admin_companies.subtitle")),
        # Two sections one under the other (no tabs: Bootstrap's tab markup points at panes Dash never draws).
        html.H2(t("admin_companies.tab.companies"), className="h5"),
        _companies_tab(),
        html.H2(t("admin_companies.tab.offices"), className="h5 mt-4", id="admin-companies-offices-title"),
        _offices_tab(),
        dcc.Store(id="admin-companies-selected"),
        dcc.Store(id="admin-companies-opened"),
        dcc.Store(id="admin-companies-refresh", data=0),
        dcc.Store(id="admin-companies-office-refresh", data=0),
    ])
