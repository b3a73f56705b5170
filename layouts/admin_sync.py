"""Admin › IQFast sync: recent runs, how far behind the source the copy is, 'sync now', export upload."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from layouts.common import group_label, page_header
from layouts.components.date_words import date_words
from layouts.components.formatting import zone_label
from layouts.components.grid import PHONE_COLUMN, WRAPPED, grid, stacked_column
from layouts.components.pager import pager
from portal.i18n import t
from portal.services.sync.status import RUN_STATUSES
from portal.web.sync_upload import ALLOWED_SUFFIXES, UPLOAD_MAX_BYTES, UPLOAD_PATH

POLL_MS = 2000
RUN_TONE = {"success": "success", "failed": "danger", "running": "info"}
ALL_STATUSES = "all"


def run_columns(user) -> list[dict]:
    """The runs grid: times in the office's zone (named once, in the header), the status as a coloured dot."""
    zone = zone_label(user.office_timezone)
    # The fixed columns as narrow as their words ("6 Des 2026 15:58", "Berhasil", "Muat awal"): at their former
    # widths every flexible column sat at its minimum at 1440 px, and what a run wrote wrapped onto a dozen lines.
    return [
        # A two-digit day is the widest: "30 Nov 2026 18:43" (at 145 px it read "30 Nov 2026 18…").
        {"field": "started", "headerName": f"{t('admin_sync.field.started')} ({zone})", "minWidth": 160,
         "maxWidth": 165},
        {"field": "finished", "headerName": f"{t('admin_sync.field.finished')} ({zone})", "minWidth": 120,
         "maxWidth": 125},  # "18:43", or "7 Des 00:02" past midnight
        {"field": "duration", "headerName": t("admin_sync.field.duration"), "minWidth": 80, "maxWidth": 90},
        {"field": "status_label", "headerName": t("field.status"), "minWidth": 118, "maxWidth": 122,
         "cellClass": "qca-dot-cell",
         "cellClassRules": {f"qca-tone-{tone}": f"params.data.status == '{status}'"
                            for status, tone in RUN_TONE.items()}},
        # As wide as its longest words, "Pemuatan awal".
        {"field": "kind", "headerName": t("admin_sync.field.kind"), "minWidth": 130, "maxWidth": 135},
        # Every run reads every table (the code lists too): on one line, whole in its tooltip. What it wrote is whole,
        # on more lines where it must ("Permohonan 2 · T…" hid it): only the tables it changed, a first load's all.
        {"field": "read", "headerName": t("admin_sync.field.read"), "flex": 1, "minWidth": 120, "tooltipField": "read"},
        {"field": "written", "headerName": t("admin_sync.field.written"), "flex": 3, "minWidth": 150, **WRAPPED},
        {"field": "triggered_by", "headerName": t("admin_sync.field.triggered_by"), "minWidth": 100, "maxWidth": 125,
         "tooltipField": "triggered_by_tip"},
        # Why a run failed is what the admin opens the failed runs for: whole, on more lines ("IQFast tidak da…").
        {"field": "error", "headerName": t("admin_sync.field.error"), "flex": 1, "minWidth": 130,
         "tooltipField": "error_tip", "cellClass": "qca-run-error-cell", **WRAPPED},
        phone_column(zone),
    ]


def phone_column(zone: str) -> dict:
    """A run on a phone: the nine columns side by side need ~1,300 px, and a 390 px phone showed when runs started
    and ended, their status at the edge, never what they read or the error. When it started and its status in its
    colour; kind, duration and who started it; the rows read and written; the error, in red."""
    return stacked_column(
        f"{t('admin_sync.field.started')} · {t('field.status')}", "started",
        [["started", "status_label"], ["kind", "duration", "triggered_by"], ["read"], ["written"], ["error"]],
        ["fw-semibold", "small", "small text-muted", "small text-muted", "small text-danger"],
        labels={"started": f"{t('admin_sync.field.started')} ({zone})", "duration": t("admin_sync.field.duration"),
                "triggered_by": t("admin_sync.field.triggered_by"), "read": t("admin_sync.field.read"),
                "written": t("admin_sync.field.written")},
        field_classes={"status_label": "qca-dot-cell qca-tone-{status_tone}"})


def status_filter():
    """Which runs to list: all, or only the failed ones (what an admin looks for among a year of runs), and those
    started on one day (a year is ~4,200 pages: the way to a night three months ago)."""
    return html.Div([
        html.Div([
            dbc.InputGroup([group_label(t("admin_sync.day_filter"), "admin-sync-day"),
                            dbc.Input(id="admin-sync-day", type="date", className="qca-run-day", debounce=True)],
                           size="sm"),
            date_words("admin-sync-day")]),
        html.Div([
            dbc.Label(t("admin_sync.status_filter"), html_for="admin-sync-status", className="visually-hidden"),
            dbc.Select(id="admin-sync-status", value=ALL_STATUSES, size="sm", className="qca-run-status",
                       options=[{"label": t("admin_sync.all_statuses"), "value": ALL_STATUSES}] + [
                           {"label": t(f"admin_sync.status.{status}"), "value": status} for status in RUN_STATUSES])]),
    ], className="d-flex flex-wrap align-items-start gap-2")


def file_picker():
    """The export's file field in the page's words, "Pilih berkas · Belum ada berkas dipilih": the browser's own
    file button speaks the browser's language ("Choose File · No file chosen").

    The real file input lies invisible over the button and the line (assets/qc-applications.css), so a click, a
    dropped file or the keyboard reach it as before and the form posts its file; assets/qc-shell.js writes the chosen
    file's name on the line and the page's words into the browser's "select a file" message."""
    return html.Div([
        # dash.html has no <input>; dbc.Input renders a plain one, and its `name` is what the browser posts.
        dbc.Input(type="file", name="file", id="admin-sync-upload-file", required=True, class_name="qc-file-input"),
        html.Span([html.I(className="bi bi-folder2-open me-1"), t("admin_sync.upload.choose")],
                  className="btn btn-outline-secondary btn-sm qc-file-button", **{"aria-hidden": "true"}),
        html.Span(t("admin_sync.upload.none"), id="admin-sync-upload-name", className="qc-file-name"),
    ], className="qc-file-picker", id="admin-sync-upload-picker",
                    **{"data-none": t("admin_sync.upload.none"), "data-missing": t("sync_upload.error.no_file"),
                       "data-accept": ",".join(ALLOWED_SUFFIXES)})


def upload_form():
    """A plain browser form (not dcc.Upload): a year's export is too large to send as base64 through Dash."""
    return html.Form([
        dbc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="admin-sync-upload-csrf"),
        dbc.Label(t("admin_sync.upload.file"), html_for="admin-sync-upload-file"),
        html.Div([
            file_picker(),
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
            dbc.CardHeader(html.Div([html.H2([html.I(className="bi bi-list-check me-2"), t("admin_sync.runs")],
                                             className="h6 mb-0"), status_filter()],
                                    # On a phone the filters go under the title: beside it they were squeezed to
                                    # "r📅" and "Se".
                                    className="d-flex flex-wrap align-items-center justify-content-between gap-2")),
            # A grid of one page of runs: a year holds ~105,000, paged in the database (a table of every run's
            # cells as components froze the browser for seconds).
            dbc.CardBody([grid("admin-sync-runs-grid", run_columns(user), t("admin_sync.no_runs"),
                               height="auto", min_height=None, options={"domLayout": "autoHeight"},
                               phone_column=PHONE_COLUMN),
                          pager("admin-sync-runs")], id="admin-sync-runs"),
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
