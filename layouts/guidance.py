"""Guidance (pembinaan): the tier-D service users who need it, recording it, and whether it worked."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.grid import grid
from layouts.common import field, page_header, section_select
from layouts.compliance_common import labelled, tier_cell_rules
from models.compliance import GUIDANCE_KINDS
from portal.i18n import t

FORM_FIELDS = ("service_user_id", "given_on", "kind", "officer_name", "notes")


def _form(user):
    return dbc.Card([
        dbc.CardHeader(html.H2([html.I(className="bi bi-journal-plus me-2"), t("guidance.form_title")],
                               className="h6 mb-0")),
        dbc.CardBody([
            dbc.Row([
                field(t("guidance.field.service_user"), dbc.Select(id="guidance-service_user_id", options=[],
                                                                placeholder=t("guidance.choose")),
                      "guidance-service_user_id-error", width=6),
                field(t("guidance.field.date"), dbc.Input(id="guidance-given_on", type="date"),
                      "guidance-given_on-error", width=3),
                field(t("guidance.field.kind"), dbc.Select(id="guidance-kind", value="visit", options=[
                    {"label": t(f"guidance.kind.{kind}"), "value": kind} for kind in GUIDANCE_KINDS]),
                      "guidance-kind-error", width=3),
                field(t("guidance.field.officer"), dbc.Input(id="guidance-officer_name", value=user.full_name,
                                                             maxLength=100), "guidance-officer_name-error", width=6),
                field(t("guidance.field.notes"), dbc.Textarea(id="guidance-notes", rows=3, maxLength=2000),
                      "guidance-notes-error", help_text=t("guidance.notes_help"), width=12),
            ]),
            dbc.Button([html.I(className="bi bi-save me-1"), t("guidance.save")], id="guidance-save",
                       color="primary"),
            dbc.Alert(id="guidance-saved", is_open=False, color="success", className="mt-3 mb-0", duration=6000),
        ]),
    ], className="mb-3 shadow-sm", id="guidance-form")


def layout(user, **_):
    return html.Div([
        page_header(t("page.guidance"), t("guidance.subtitle")),
        dbc.Row([labelled(t("compliance.field.section"),
                          section_select("guidance-section", user, t("compliance.all_sections")), md=3)]),
        html.P(id="guidance-window", className="small text-muted"),
        dbc.Alert(id="guidance-error", color="warning", is_open=False),
        dbc.Card([
            dbc.CardHeader([html.H2([html.I(className="bi bi-exclamation-octagon me-2"), t("guidance.list_title")],
                                    className="h6 mb-0"),
                            html.Small(t("guidance.effect_help"), className="text-muted")]),
            dbc.CardBody(grid(
                "guidance-grid", class_name="qc-compliance-grid", height="45vh", min_height="300px", sortable=True,
                no_rows=t("guidance.no_rows"), columns=[
                    {"field": "name", "headerName": t("compliance.col.name"), "flex": 2, "minWidth": 220,
                     "cellClass": "qc-link-cell"},
                    {"field": "score_text", "headerName": t("compliance.col.score"), "maxWidth": 100,
                     "type": "numericColumn"},
                    {"field": "tier_label", "headerName": t("compliance.col.tier"), "minWidth": 170,
                     "cellClassRules": tier_cell_rules()},
                    {"field": "violations", "headerName": t("guidance.col.violations"), "maxWidth": 140,
                     "type": "numericColumn"},
                    {"field": "consignments", "headerName": t("compliance.col.consignments"), "maxWidth": 130,
                     "type": "numericColumn"},
                    {"field": "last_guidance", "headerName": t("guidance.col.last"), "minWidth": 200},
                    {"field": "effect", "headerName": t("guidance.col.effect"), "flex": 2, "minWidth": 280,
                     "wrapText": True, "autoHeight": True},
                ],
            ), className="p-0"),
        ], className="mb-3 shadow-sm"),
        _form(user) if user.can("guidance.edit") else None,
        dbc.Card([
            dbc.CardHeader(html.H2([html.I(className="bi bi-clock-history me-2"), t("guidance.recent_title")],
                                   className="h6 mb-0")),
            dbc.CardBody(html.Div(id="guidance-recent")),
        ], className="mb-3 shadow-sm"),
        dcc.Store(id="guidance-version", data=0),
        dcc.Location(id="guidance-go", refresh="callback-nav"),
    ])
