"""Admin › IQFast sync: recent runs, how far behind the source the copy is, 'sync now', export upload."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from layouts.common import page_header
from portal.i18n import t
from portal.web.sync_upload import UPLOAD_MAX_BYTES, UPLOAD_PATH

POLL_MS = 2000
RUN_TONE = {"success": "success", "failed": "danger", "running": "info"}


def upload_form():
    """A plain browser form (not dcc.Upload): a year's export is too large to send as base64 through Dash."""
    # dash.html has no <input>; dbc.Input renders a plain one, and its `name` is what the browser posts.
    return html.Form([
        dbc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="admin-sync-upload-csrf"),
        dbc.Label(t("admin_sync.upload.file"), html_for="admin-sync-upload-file"),
        html.Div([
            dbc.Input(type="file", name="file", id="admin-sync-upload-file", required=True),
            html.Button([html.I(className="bi bi-upload me-1"), t("admin_sync.upload.submit")], type="submit",
                        id="admin-sync-upload-submit", className="btn btn-primary"),
        ], className="qca-upload-row"),
        dbc.FormText(t("admin_sync.upload.help", limit=UPLOAD_MAX_BYTES // (1024 * 1024))),
    ], method="post", encType="multipart/form-data", action=UPLOAD_PATH, id="admin-sync-upload-form")


def layout(user, **_):
    return html.Div([
        page_header(t("page.admin_sync"), t("admin_sync.subtitle"),
                    dbc.Button([html.I(className="bi bi-arrow-repeat me-1"), t("admin_sync.sync_now")],
                               id="admin-sync-now", color="primary")),
        dbc.Alert(id="admin-sync-request-status", is_open=False, className="d-flex align-items-center gap-2"),
        dbc.Row([
            dbc.Col(dbc.Card([dbc.CardHeader(html.H2([html.I(className="bi bi-hourglass-split me-2"),
                                                      t("admin_sync.lag")], className="h6 mb-0")),
                              dbc.CardBody(id="admin-sync-lag")], className="h-100 shadow-sm"),
                    lg=5, className="mb-3"),
            dbc.Col(dbc.Card([dbc.CardHeader(html.H2([html.I(className="bi bi-bookmark me-2"),
                                                      t("admin_sync.cursor")], className="h6 mb-0")),
                              dbc.CardBody(id="admin-sync-cursor")], className="h-100 shadow-sm"),
                    lg=7, className="mb-3"),
        ]),
        dbc.Card([
            dbc.CardHeader(html.H2([html.I(className="bi bi-list-check me-2"), t("admin_sync.runs")],
                                   className="h6 mb-0")),
            # A plain table, not a grid: 50 rows at most, and a failed run's error needs the whole width.
            dbc.CardBody(html.Div(id="admin-sync-runs", className="qca-runs"), className="p-0"),
        ], className="mb-3 shadow-sm"),
        dbc.Card([
            dbc.CardHeader(html.H2([html.I(className="bi bi-file-earmark-arrow-up me-2"), t("admin_sync.upload")],
                                   className="h6 mb-0")),
            dbc.CardBody([html.P(t("admin_sync.upload.intro"), className="small"), upload_form()]),
        ], className="mb-3 shadow-sm"),
        dcc.Store(id="admin-sync-request"),
        dcc.Store(id="admin-sync-state"),
        dcc.Interval(id="admin-sync-poll", interval=POLL_MS, disabled=True),
    ])
