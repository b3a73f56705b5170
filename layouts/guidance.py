"""Guidance (pembinaan): the tier-D service users who need it, planning and recording it, and whether it worked.

The records grid is paged in the database; a row opens its actions (mark done, cancel) in a dialog that keeps
the version it loaded, so a save over a newer one is refused.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.company_picker import company_picker
from layouts.components.grid import PHONE_COLUMN, grid, stacked_column
from layouts.components.pager import pager
from layouts.common import field, page_header, section_select
from layouts.compliance_common import labelled, tier_cell_rules
from models.compliance import GUIDANCE_KINDS
from portal.i18n import t

FORM_FIELDS = ("service_user_id", "given_on", "kind", "officer_name", "notes")
# The company picker's classes as company_picker draws them; a refused save adds "is-invalid" (a drop-down has
# no `invalid` of its own).
PICKER_CLASS = "qc-nnc-dropdown qc-picker"


def _form(user):
    return dbc.Card([
        dbc.CardHeader(html.H2([html.I(className="bi bi-journal-plus me-2"), t("guidance.form_title")],
                               className="h6 mb-0")),
        dbc.CardBody([
            dbc.Row([
                # Searched as it is typed among the tier-D companies (callbacks/guidance.py): the list is paged
                # and grows with the office, so the drop-down never holds it whole.
                field(t("guidance.field.service_user"),
                      company_picker("guidance-service_user_id", t("guidance.choose")),
                      "guidance-service_user_id-error", t("guidance.service_user_help"), width=6),
                field(t("guidance.field.status"), dbc.Select(id="guidance-status", value="done", options=[
                    {"label": t(f"guidance.status.{status}"), "value": status} for status in ("done", "planned")]),
                      help_text=t("guidance.status_help"), width=3),
                field(t("guidance.field.date"), dbc.Input(id="guidance-given_on", type="date"),
                      "guidance-given_on-error", width=3),
                field(t("guidance.field.kind"), dbc.Select(id="guidance-kind", value="visit", options=[
                    {"label": t(f"guidance.kind.{kind}"), "value": kind} for kind in GUIDANCE_KINDS]),
                      "guidance-kind-error", width=3),
                field(t("guidance.field.officer"), dbc.Input(id="guidance-officer_name", value=user.full_name,
                                                             maxLength=100), "guidance-officer_name-error", width=3),
                field(t("guidance.field.notes"), dbc.Textarea(id="guidance-notes", rows=3, maxLength=2000),
                      "guidance-notes-error", help_text=t("guidance.notes_help"), width=12),
            ]),
            dbc.Button([html.I(className="bi bi-save me-1"), t("guidance.save")], id="guidance-save",
                       color="primary"),
            dbc.Alert(id="guidance-saved", is_open=False, color="success", className="mt-3 mb-0", duration=6000),
            # Written by each save: the browser then takes the form as it stands for its start (unsaved changes).
            dcc.Store(id="guidance-form-saved"),
        ]),
    ], className="mb-3 shadow-sm", id="guidance-form")


def list_phone_column() -> dict:
    """The tier-D list's one column on a phone (the eight side by side need ~1,300 px; a 390 px phone showed the
    name and half the score): the name; the tier in its colour and the score; the last and the next guidance;
    its effect."""
    return stacked_column(
        f"{t('compliance.col.name')} · {t('compliance.col.tier')} · {t('compliance.col.score')}", "name",
        [["name"], ["tier_label", "score_text"], ["last_guidance"], ["planned"], ["effect"]],
        ["qc-link-cell", "small", "small text-muted", "small text-muted", "small text-muted"],
        labels={"score_text": t("compliance.col.score"), "last_guidance": t("guidance.col.last"),
                "planned": t("guidance.col.planned")},
        field_classes={"tier_label": "qc-tier-cell qc-tier-{tier}"})


def records_phone_column() -> dict:
    """The records' one column on a phone (the seven side by side need ~1,100 px; a 390 px phone showed the date
    and a cut name): the service user; status, date and kind; the officer; the effect."""
    return stacked_column(
        f"{t('compliance.col.name')} · {t('guidance.field.status')} · {t('profile.col.date')}", "name",
        [["name"], ["status_text", "date", "kind"], ["officer_name"], ["effect"]],
        ["qc-link-cell", "small", "small text-muted", "small text-muted"],
        labels={"officer_name": t("guidance.field.officer")})


def layout(user, sections=(), **_):
    return html.Div([
        page_header(t("page.guidance"), t("guidance.subtitle")),
        dbc.Row([labelled(t("compliance.field.section"),
                          section_select("guidance-section", user, t("compliance.all_sections"), sections=sections), md=3)]),
        html.P(id="guidance-window", className="small text-muted"),
        dbc.Alert(id="guidance-error", color="warning", is_open=False),
        dbc.Card([
            dbc.CardHeader([html.H2([html.I(className="bi bi-exclamation-octagon me-2"), t("guidance.list_title")],
                                    className="h6 mb-0"),
                            html.Small(t("guidance.effect_help"), className="text-muted")]),
            # Not sortable by a header: the grid holds one page (lowest score first), and a header's sort would
            # order that page alone while looking like the whole list's order.
            # As tall as its page of rows (25 at most): in a fixed box the sixth tier-D company was cut in half
            # under "1–6 dari 6", and a coordinator could miss a company to guide.
            dbc.CardBody([grid(
                "guidance-grid", class_name="qc-compliance-grid", height="auto", min_height=None,
                options={"domLayout": "autoHeight"},
                # Headers wrap onto a second line rather than end in "…" ("Catatan pelanggaran" in 120 px).
                default_col={"wrapHeaderText": True, "autoHeaderHeight": True},
                no_rows=t("guidance.no_rows"), columns=[
                    {"field": "name", "headerName": t("compliance.col.name"), "flex": 2, "minWidth": 220,
                     "cellClass": "qc-link-cell"},
                    {"field": "score_text", "headerName": t("compliance.col.score"), "width": 90,
                     "type": "numericColumn"},
                    {"field": "tier_label", "headerName": t("compliance.col.tier"), "width": 150,
                     "cellClassRules": tier_cell_rules(), "tooltipField": "tier_title"},
                    {"field": "violations", "headerName": t("guidance.col.violations"), "width": 120,
                     "type": "numericColumn"},
                    {"field": "consignments", "headerName": t("compliance.col.consignments_short"), "width": 110,
                     "type": "numericColumn", "headerTooltip": t("compliance.col.consignments")},
                    # "17 Des 2026 · Sosialisasi" whole: a date and the kind of guidance.
                    {"field": "last_guidance", "headerName": t("guidance.col.last"), "width": 195},
                    {"field": "planned", "headerName": t("guidance.col.planned"), "width": 195},
                    {"field": "effect", "headerName": t("guidance.col.effect"), "flex": 2, "minWidth": 240,
                     "wrapText": True},
                    list_phone_column(),
                ], phone_column=PHONE_COLUMN,
            ), pager("guidance", class_name="px-2 pb-2")], className="p-0"),
        ], className="mb-3 shadow-sm"),
        _form(user) if user.can("guidance.edit") else None,
        dbc.Card([
            dbc.CardHeader([html.H2([html.I(className="bi bi-clock-history me-2"), t("guidance.recent_title")],
                                    className="h6 mb-0"),
                            # Who cannot record (the head of office) opens a record to read it, nothing more.
                            html.Small(t("guidance.records_help" if user.can("guidance.edit")
                                         else "guidance.records_help_read"), className="text-muted")]),
            dbc.CardBody([grid(
                "guidance-records-grid", class_name="qc-compliance-grid", height="auto", min_height=None,
                options={"domLayout": "autoHeight"},
                no_rows=t("guidance.no_records"), columns=[
                    {"field": "date", "headerName": t("profile.col.date"), "width": 115},
                    {"field": "name", "headerName": t("compliance.col.name"), "flex": 1, "minWidth": 180,
                     "cellClass": "qc-link-cell", "tooltipField": "name"},
                    {"field": "status_text", "headerName": t("guidance.field.status"), "width": 125,
                     "cellClassRules": {f"qc-guidance-{s}": f"params.data.status == '{s}'"
                                        for s in ("planned", "done", "cancelled")}},
                    {"field": "kind", "headerName": t("guidance.field.kind"), "width": 120},
                    {"field": "officer_name", "headerName": t("guidance.field.officer"), "flex": 1, "minWidth": 140},
                    {"field": "notes", "headerName": t("guidance.field.notes"), "flex": 1, "minWidth": 160,
                     "tooltipField": "notes"},
                    {"field": "effect", "headerName": t("guidance.col.effect"), "flex": 2, "minWidth": 260,
                     "wrapText": True},
                    records_phone_column(),
                ], phone_column=PHONE_COLUMN), pager("guidance-records")], className="p-2"),
        ], className="mb-3 shadow-sm"),
        _actions(user),
        dcc.Store(id="guidance-version", data=0),
        dcc.Location(id="guidance-go", refresh="callback-nav"),
    ])


def _actions(user):
    """The dialog a records-grid row opens: the record, and for an editor the moves its status allows."""
    edit = user.can("guidance.edit")
    body = [html.Div(id="guidance-action-body"),
            dcc.Store(id="guidance-action-record", data=None)]
    if edit:
        body += [
            dbc.Alert(id="guidance-action-error", color="warning", is_open=False, className="mt-2"),
            html.Div([
                html.H3(t("guidance.action.done_title"), className="h6 mt-3"),
                dbc.Row([
                    field(t("guidance.action.done_date"), dbc.Input(id="guidance-action-given_on", type="date"),
                          "guidance-action-given_on-error", width=6),
                    dbc.Col(dbc.Button([html.I(className="bi bi-check2-circle me-1"), t("guidance.action.done")],
                                       id="guidance-action-done", color="success", className="mt-md-4"), md=6),
                ]),
            ], id="guidance-action-done-part"),
            html.Div([
                html.H3(t("guidance.action.cancel_title"), className="h6 mt-3"),
                field(t("guidance.action.reason"), dbc.Textarea(id="guidance-action-cancel_reason", rows=2,
                                                                maxLength=300),
                      "guidance-action-cancel_reason-error"),
                dbc.Button([html.I(className="bi bi-x-circle me-1"), t("guidance.action.cancel")],
                           id="guidance-action-cancel", color="danger", outline=True),
            ], id="guidance-action-cancel-part"),
        ]
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(t("guidance.action.title"))),
        dbc.ModalBody(body),
    ], id="guidance-action-modal", is_open=False, size="lg")
