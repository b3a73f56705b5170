"""Admin › IQFast sync callbacks: ask for a sync (the scheduler runs it), follow it, list the runs."""
from __future__ import annotations


import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from layouts.admin_sync import RUN_TONE
from layouts.components.formatting import format_datetime, format_duration, format_number
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.services.sync import requests as sync_requests
from portal.services.sync import status as sync_status
from portal.validation import NotFound

PERMISSION = "admin.settings"
# A request nobody picked up after this long means the scheduler is probably not running.
SCHEDULER_HINT_AFTER_SECONDS = 120
STATE_STYLE = {"pending": ("info", "bi-hourglass"), "running": ("info", None), "done": ("success", "bi-check-circle"),
               "failed": ("danger", "bi-x-circle")}


def _counts(values: dict) -> str:
    """{'applications': 120, 'stage_events': 800} → 'applications 120 · stage_events 800'."""
    if not values:
        return "–"
    return " · ".join(f"{table} {format_number(count) if isinstance(count, (int, float)) else count}"
                      for table, count in values.items())


RUN_COLUMNS = ("admin_sync.field.started", "admin_sync.field.finished", "admin_sync.field.duration",
               "field.status", "admin_sync.field.kind", "admin_sync.field.read", "admin_sync.field.written",
               "admin_sync.field.triggered_by")
ERROR_SHOWN = 800  # characters of a run's error shown in the table (it lists rejected rows)


def _count_lines(values: dict):
    if not values:
        return "–"
    return [html.Div([html.Span(table, className="text-muted"), " ",
                      format_number(count) if isinstance(count, (int, float)) else str(count)])
            for table, count in values.items()]


def runs_table(runs: list[dict], tz: str):
    """Recent runs, newest first; a failed run's error on a line of its own under it."""
    if not runs:
        return html.P(t("admin_sync.no_runs"), className="text-muted m-3", id="admin-sync-no-runs")
    labels = [t(key) for key in RUN_COLUMNS]
    rows = []
    for run in runs:
        badge = dbc.Badge(t(f"admin_sync.status.{run['status']}"), color=RUN_TONE.get(run["status"], "secondary"))
        cells = [html.Span(format_datetime(run["started_at"], tz), className="qca-nowrap"),
                 html.Span(format_datetime(run["finished_at"], tz), className="qca-nowrap")
                 if run["finished_at"] else "–",
                 format_duration(run["duration_seconds"]), badge, t(f"admin_sync.kind.{run['kind']}"),
                 _count_lines(run["rows_read"]), _count_lines(run["rows_written"]),
                 run["triggered_by"] or t("admin_sync.scheduler")]
        rows.append(html.Tr([html.Td(html.Div(cell), **{"data-label": label})
                             for label, cell in zip(labels, cells)],
                            className="qca-run-failed" if run["status"] == "failed" else None,
                            id=f"admin-sync-run-{run['id']}"))
        if run["error"]:
            text = run["error"] if len(run["error"]) <= ERROR_SHOWN else run["error"][:ERROR_SHOWN] + " …"
            rows.append(html.Tr(html.Td([html.I(className="bi bi-exclamation-octagon me-1"), text],
                                        colSpan=len(labels), className="qca-run-error"),
                                className="qca-run-error-row"))
    return html.Div(dbc.Table([html.Thead(html.Tr([html.Th(label, scope="col") for label in labels])),
                               html.Tbody(rows)], size="sm", hover=True, className="qca-stack-table mb-0",
                              id="admin-sync-runs-table"), className="qca-runs-scroll")


def _position(value) -> str:
    """One table's read position: source update time and last id, whatever shape the run stored."""
    if isinstance(value, dict):
        updated, last_id = value.get("updated_at"), value.get("last_id")
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        updated, last_id = value
    else:
        return str(value)
    return t("admin_sync.position", updated=updated or "–", last_id=last_id if last_id is not None else "–")


def _cursor_view(cursor, saved: list[dict]) -> list:
    """The last good run's cursor; when that run kept none (an export file), the positions saved now."""
    positions = dict(cursor) if isinstance(cursor, dict) and cursor else {
        c["source_table"]: {"updated_at": c["updated_at"], "last_id": c["last_id"]} for c in saved}
    if not positions:
        return [html.P(t("admin_sync.no_cursor"), className="text-muted mb-0")]
    rows = [html.Tr([html.Th(table, scope="row", className="fw-normal"), html.Td(html.Code(_position(value)))])
            for table, value in positions.items()]
    note = [] if cursor else [html.P(t("admin_sync.cursor_saved"), className="text-muted small mb-1")]
    return note + [dbc.Table(html.Tbody(rows), size="sm", className="mb-0 qca-cursor-table", borderless=True)]


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("admin-sync-request", "data"), Input("admin-sync-now", "n_clicks"))
    def request_or_resume(clicks):
        """On a click: ask the scheduler for a sync. On page load: follow a request still open, if any."""
        with database().session() as db:
            if ctx.triggered_id == "admin-sync-now" and clicks:
                found = sync_requests.request_sync(db, user())
            else:
                found = sync_requests.open_request(db)
        return found["id"] if found else None

    @protected_callback(
        app, PERMISSION,
        [Output("admin-sync-request-status", "children"), Output("admin-sync-request-status", "is_open"),
         Output("admin-sync-request-status", "color"), Output("admin-sync-poll", "disabled"),
         Output("admin-sync-now", "disabled"), Output("admin-sync-state", "data")],
        Input("admin-sync-request", "data"), Input("admin-sync-poll", "n_intervals"))
    def follow_request(request_id, _ticks):
        """Poll only while a request is open: pending → running → done | failed."""
        if not request_id:
            return None, False, "info", True, False, None
        tz = user().office_timezone
        try:
            with database().session() as db:
                status = sync_requests.request_status(db, int(request_id))
        except NotFound:
            return None, False, "info", True, False, None
        state = status["state"]
        colour, icon = STATE_STYLE[state]
        mark = dbc.Spinner(size="sm") if state == "running" else html.I(className=f"bi {icon}")
        text = [html.Strong(t(f"admin_sync.request.{state}")), " ",
                t("admin_sync.request.asked_at", at=format_datetime(status["requested_at"], tz))]
        if state == "pending" and status["waiting_seconds"] > SCHEDULER_HINT_AFTER_SECONDS:
            text += [html.Br(), t("admin_sync.request.scheduler_hint",
                                  waited=format_duration(status["waiting_seconds"]))]
        if state == "failed" and status["error"]:
            text += [html.Br(), html.Code(status["error"][:500])]
        if state == "failed" and status["reason"] == "no_run":
            text += [html.Br(), t("admin_sync.request.no_run")]
        if state == "done" and status["rows_written"]:
            text += [html.Br(), t("admin_sync.request.written", counts=_counts(status["rows_written"]))]
        still_open = state in sync_requests.OPEN_STATES
        return [mark, html.Div(text)], True, colour, not still_open, still_open, state

    @protected_callback(app, PERMISSION, Output("shell-sync-interval", "n_intervals", allow_duplicate=True),
                        Input("admin-sync-state", "data"), State("shell-sync-interval", "n_intervals"),
                        prevent_initial_call=True)
    def recheck_staleness(state, ticks):
        """Once a requested sync is done, the shell's staleness warning checks again at once."""
        return (ticks or 0) + 1 if state == "done" else no_update

    @protected_callback(
        app, PERMISSION,
        [Output("admin-sync-runs", "children"), Output("admin-sync-lag", "children"),
         Output("admin-sync-cursor", "children")],
        Input("admin-sync-state", "data"))
    def load_overview(_state):
        """Recent runs, the lag behind the source and the cursor of the last good run (again on every poll)."""
        tz = user().office_timezone
        interval = settings().sync_interval_minutes
        with database().session() as db:
            runs = sync_status.recent_runs(db)
            fresh = sync_status.freshness(db, interval)
            last = sync_status.last_success_run(db)
            saved = sync_status.saved_cursors(db)
        if fresh["last_success_at"] is None:
            lag = [html.Div(t("admin_sync.never"), className="qca-lag-value text-danger"),
                   html.P(t("admin_sync.never_help"), className="text-muted small mb-0")]
        else:
            badge = dbc.Badge(t("admin_sync.stale" if fresh["stale"] else "admin_sync.fresh"),
                              color="danger" if fresh["stale"] else "success", className="ms-2 align-middle")
            lag = [html.Div([format_duration(fresh["age_seconds"]), badge], className="qca-lag-value",
                            id="admin-sync-lag-value"),
                   html.P(t("admin_sync.last_success", at=format_datetime(fresh["last_success_at"], tz)),
                          className="mb-1"),
                   html.P(t("admin_sync.interval_help", minutes=interval,
                            stale=format_duration(fresh["stale_after_seconds"])), className="text-muted small mb-0")]
        cursor = _cursor_view(last["cursor"] if last else None, saved)
        if last and last["source"]:
            cursor.append(html.P(t("admin_sync.source", source=last["source"]), className="text-muted small mt-2 mb-0"))
        return runs_table(runs, tz), lag, cursor
