"""One NNC: every field, its archived files, its history — and, for those who may, the follow-up panel.

The record itself is drawn by a callback (layouts never read the database); the follow-up panel is only
part of the page for roles that hold nnc.follow_up, and the service checks the section again.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.back_link import back_target
from layouts.components.empty import RECORD_PART
from portal.i18n import t


def layout(user, page, nnc_id: int, query: str = "", **_):
    panel = follow_up_panel(nnc_id) if user.can("nnc.follow_up") else None
    back_href, back_text = back_target(user, query, "/nnc", t("nnc.back_to_list"))  # or the profile it came from
    return html.Div([
        dbc.Row([
            dbc.Col([html.Div(dbc.Button([html.I(className="bi bi-arrow-left me-1"), back_text],
                                         href=back_href, color="link", className="p-0 mb-1 qc-list-link",
                                         id="nnc-detail-back")),  # the list as left (assets/qc-url.js)
                     html.H1(t("page.nnc_detail"), id="nnc-detail-title", className="mb-1"),
                     html.Div(id="nnc-detail-subtitle", className="text-muted")], md=8),
            dbc.Col(html.Div(id="nnc-detail-actions"), md=4, className="text-md-end mt-2 mt-md-0"),
        ], className="mb-3 align-items-end"),
        dbc.Alert(id="nnc-detail-notice", is_open=False, color="warning"),
        dcc.Loading(html.Div(id="nnc-detail-content"), type="dot", color="#0b6e4f"),
        dbc.Row([
            dbc.Col([
                dbc.Card([dbc.CardHeader([html.I(className="bi bi-paperclip me-2"), t("nnc.card.attachments")],
                                         className="fw-semibold"),
                          dbc.CardBody(id="nnc-detail-attachments")], className="mb-3"),
                dbc.Card([dbc.CardHeader([html.I(className="bi bi-signpost-split me-2"), t("nnc.history.statuses")],
                                         className="fw-semibold"),
                          dbc.CardBody(id="nnc-detail-statuses")], className="mb-3"),
            ], lg=6),
            dbc.Col([panel] if panel else [], lg=6),
        ], className=RECORD_PART),
        dbc.Card([dbc.CardHeader([html.I(className="bi bi-clock-history me-2"), t("nnc.history.changes")],
                                 className="fw-semibold"),
                  dbc.CardBody(id="nnc-detail-changes")], className=f"mb-3 {RECORD_PART}"),
        dcc.Store(id="nnc-detail-id", data=nnc_id),
        dcc.Store(id="nnc-detail-refresh", data=0),
    ])


def follow_up_panel(nnc_id: int):
    """Status change and follow-up fields; filled and shown by its callback when the viewer may use it."""
    def area(name: str, rows: int = 3):
        return html.Div([dbc.Label(t(f"nnc.field.{name}"), html_for=f"nnc-detail-fu-{name}", className="mb-1"),
                         dbc.Textarea(id=f"nnc-detail-fu-{name}", rows=rows, maxLength=4000),
                         html.Div(id=f"nnc-detail-fu-{name}-feedback", className="invalid-feedback d-block")],
                        className="mb-3")

    return dbc.Card([
        # "Catat tindak lanjut": the form, told apart from the record's own "Status dan tindak lanjut" card above.
        dbc.CardHeader([html.I(className="bi bi-pencil-square me-2"), t("nnc.follow_up.title")],
                       className="fw-semibold"),
        dbc.CardBody([
            dbc.Alert(id="nnc-detail-fu-alert", is_open=False, dismissable=True),
            html.Div([
                dbc.Label(t("nnc.follow_up.new_status"), html_for="nnc-detail-fu-status", className="mb-1"),
                dbc.Select(id="nnc-detail-fu-status", options=[], value="keep"),
                html.Div(id="nnc-detail-fu-status-feedback", className="invalid-feedback d-block"),
                dbc.FormText(t("nnc.follow_up.status_help"), className="d-block"),
            ], className="mb-3"),
            html.Div([
                dbc.Label(t("nnc.follow_up.note"), html_for="nnc-detail-fu-note", className="mb-1"),
                dbc.Textarea(id="nnc-detail-fu-note", rows=2, maxLength=2000,
                             placeholder=t("nnc.follow_up.note_placeholder")),
                html.Div(id="nnc-detail-fu-note-feedback", className="invalid-feedback d-block"),
            ], className="mb-3"),
            area("investigation_findings"), area("corrective_action"), area("guidance_given"),
            dbc.Button([html.I(className="bi bi-check-lg me-1"), t("nnc.follow_up.save")], id="nnc-detail-fu-save",
                       color="primary"),
        ]),
        dcc.Store(id="nnc-detail-fu-id", data=nnc_id),
        dcc.Store(id="nnc-detail-fu-opened", data=None),  # the version the panel opened (edit_versions)
    ], className="mb-3", id="nnc-detail-fu-card", style={"display": "none"})
