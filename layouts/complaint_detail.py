"""One complaint: what was reported, the answer, who handles it, its attachments and history."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, filled_form
from layouts.components.empty import RECORD_PART
from models.complaint import CATEGORIES, STATUSES
from layouts.complaints import options
from portal.extensions import settings
from portal.i18n import t


def layout(user, complaint_id: int, **_):
    can_edit = user.can("complaints.edit")
    return html.Div([
        dcc.Store(id="complaint-id", data=complaint_id),
        dcc.Store(id="complaint-refresh", data=0),
        html.A([html.I(className="bi bi-arrow-left me-1"), t("complaints.back")], href="/complaints",
               className="small", id="complaint-back", **{"data-qc-list": "1"}),  # the list as left (qc-url.js)
        html.Div(id="complaint-header", className="mt-2"),
        dbc.Alert(id="complaint-alert", is_open=False, dismissable=True, duration=10000),
        dbc.Row([
            dbc.Col(html.Div(id="complaint-body"), lg=7, className="mb-3"),
            dbc.Col(_editor() if can_edit else html.Div(id="complaint-readonly-note",
                                                       children=t("complaints.read_only"),
                                                       className="text-muted small"), lg=5, className=RECORD_PART),
        ]),
        html.H2(t("complaints.history"), className=f"h5 mt-3 {RECORD_PART}"),
        html.Div(id="complaint-history"),
    ])


def _editor():
    return dbc.Card(dbc.CardBody([
        html.H2(t("complaints.handle"), className="h5"),
        # The version and values the form opened: a save over a newer one is refused (edit_versions).
        dcc.Store(id="complaint-opened", data=None),
        filled_form("complaint-form", [
            dbc.Row([
                field(t("complaints.field.status"),
                      dbc.Select(id="complaint-status", options=options("status", STATUSES)),
                      "complaint-status-feedback", width=6),
                field(t("complaints.field.category"), dbc.Select(id="complaint-category",
                                                                options=options("category", CATEGORIES)),
                      "complaint-category-feedback", width=6),
                field(t("complaints.field.assignee"), dbc.Select(id="complaint-assignee_id"),
                      "complaint-assignee_id-feedback"),
                # Perlu cek lapangan: an officer must go and look, so the answer gets the longer deadline.
                dbc.Col([dbc.Checkbox(id="complaint-needs_field_check",
                                      label=t("complaints.field.needs_field_check"), value=False),
                        dbc.FormText(t("complaints.field_check_help", days=settings().complaint_due_field_check))],
                        width=12, className="mb-3"),
                field(t("complaints.field.answer"), dbc.Textarea(id="complaint-answer", rows=6),
                      "complaint-answer-feedback", t("complaints.answer_help")),
            ]),
            dbc.Button(t("action.save"), id="complaint-save", color="primary", className="me-2"),
            dbc.Button([html.I(className="bi bi-envelope me-1"), t("complaints.email_answer")], id="complaint-email",
                       color="secondary", outline=True),
        ]),
        html.Hr(),
        dbc.Label(t("complaints.field.attachments")),
        dcc.Upload(id="complaint-upload", multiple=True, max_size=10 * 1024 * 1024,
                   children=html.Div([html.I(className="bi bi-paperclip me-1"), t("complaints.upload_hint")]),
                   className="border rounded p-2 text-center text-muted"),
        html.Div(id="complaint-upload-feedback", className="invalid-feedback d-block"),
    ]), className="shadow-sm")
