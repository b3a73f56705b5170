"""Admin › IQFast sync callbacks: ask for a sync (the scheduler runs it), follow it, list the runs."""
from __future__ import annotations

from datetime import date, datetime

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import page_of, paged_callback, register_date_words
from layouts.admin_sync import ALL_STATUSES, RUN_TONE
from layouts.components.formatting import (actor_name, format_date, format_datetime, format_duration,
                                           format_local_time, format_number)
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import format_end_time, t
from portal.services.sync import requests as sync_requests
from portal.services.sync import status as sync_status
from portal.validation import NotFound

PERMISSION = "admin.settings"
# A request nobody picked up after this long means the scheduler is probably not running.
SCHEDULER_HINT_AFTER_SECONDS = 120
ERROR_SHOWN = 800  # characters of a run's error shown on hover (it lists rejected rows)
DETAIL_SHOWN = 2000  # characters of a failed request's whole error under "Rincian teknis"
STATE_STYLE = {"pending": ("info", "bi-hourglass"), "running": ("info", None), "done": ("success", "bi-check-circle"),
               "failed": ("danger", "bi-x-circle")}


def _counts(values: dict) -> str:
    """{'m_upt': 1, 'ptk': 120, 'riwayat_ptk': 800} → 'ptk 120 · riwayat_ptk 800 · m_upt 1': the records first, the
    code lists (m_*, read again by every run) last. The column shows one line (the rest in its tooltip), and it
    showed "m_upt 1 · m_jeni…" for every run."""
    if not values:
        return "–"
    ordered = sorted(values.items(), key=lambda item: str(item[0]).startswith("m_"))  # stable: stored order kept
    return " · ".join(f"{table} {format_number(count) if isinstance(count, (int, float)) else count}"
                      for table, count in ordered)


# What a run wrote, by our table, in the reader's words (what it read keeps IQFast's table names: the names of its
# export files). A name the list does not know is shown as it is.
WRITTEN = frozenset({"applications", "application_commodities", "stage_events", "quarantine_actions", "bills",
                     "certificates", "service_users", "handlers", "offices", "commodities", "source_lookups"})


def written_text(values: dict) -> str:
    """{'stage_events': 935, 'bills': 0, 'bills_deleted': 1} → 'Tahap 935 · Tagihan ditandai terhapus 1': the tables
    with rows written, in words; "tidak ada yang berubah" when a run wrote nothing."""
    if not values:
        return "–"
    parts = []
    for name, count in values.items():
        if not count:
            continue
        base = name.removesuffix("_deleted")
        what = t(f"admin_sync.written.{base}") if base in WRITTEN else base
        if base != name:
            what = t("admin_sync.written.deleted", what=what)
        parts.append(f"{what} {format_number(count) if isinstance(count, (int, float)) else count}")
    return " · ".join(parts) or t("admin_sync.written.nothing")


def triggered_by_text(value: str | None) -> str:
    """Who started a run, in words: the scheduler process ("scheduler:host:pid", its name in the tooltip) reads
    "penjadwal", the command line "baris perintah", the portal itself (the demo's first copy) "Sistem" as in the
    audit log; a person's username stays as it is."""
    if not value or value.startswith("scheduler:"):
        return t("admin_sync.scheduler")
    if value == "cli":
        return t("admin_sync.triggered.cli")
    return actor_name(value)


def technical_details(detail: str):
    """A failed run's whole error, folded under "Rincian teknis": kept for whoever fixes it (the driver's own words,
    the source's address, the rejected rows), not said as the message — the driver's English after the Indonesian
    read as the reason itself."""
    return html.Details([html.Summary(t("admin_sync.request.technical"), className="small"),
                         html.Div(detail[:DETAIL_SHOWN] + (" …" if len(detail) > DETAIL_SHOWN else ""),
                                  className="qc-prewrap small font-monospace mt-1")],
                        id="admin-sync-request-detail", className="mt-1")


def run_row(run: dict, tz: str) -> dict:
    """One run as a grid row: times in the office's zone (named once, in the header), counts, the error in words (the
    whole of it, the driver's words too, on hover)."""
    error = (run["error"] or "").strip()
    return {"id": run["id"], "started": format_local_time(run["started_at"], tz),
            # Beside its start, the time alone: a run ends the day it starts (a full date did not fit at 1366 px).
            "finished": format_end_time(run["started_at"], run["finished_at"], tz),
            "duration": format_duration(run["duration_seconds"]), "status": run["status"],
            "status_tone": RUN_TONE.get(run["status"], "secondary"),  # its colour in a phone's column
            "status_label": t(f"admin_sync.status.{run['status']}"), "kind": t(f"admin_sync.kind.{run['kind']}"),
            "read": _counts(run["rows_read"]), "written": written_text(run["rows_written"]),
            "triggered_by": triggered_by_text(run["triggered_by"]), "triggered_by_tip": run["triggered_by"],
            "error": sync_status.error_parts(error)["message"][:ERROR_SHOWN],
            "error_tip": error[:ERROR_SHOWN] + (" …" if len(error) > ERROR_SHOWN else "") if error else None}


def _position(value) -> str:
    """One table's read position: source update time and last id, whatever shape the run stored."""
    if isinstance(value, dict):
        updated, last_id = value.get("updated_at"), value.get("last_id")
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        updated, last_id = value
    else:
        return str(value)
    return t("admin_sync.position", updated=_source_time(updated), last_id=last_id if last_id is not None else "–")


def _source_time(value) -> str:
    """The source's own update time (IQFast's naive local time, kept as text) in the page's date format."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "–")
    return f"{format_date(moment.date())} {moment:%H:%M:%S}"


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
    register_date_words(app, PERMISSION, "admin-sync-day")

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
            error = sync_status.error_parts(status["error"])
            text += [html.Br(), html.Span(error["message"][:ERROR_SHOWN], id="admin-sync-request-error")]
            if error["detail"]:
                text.append(technical_details(error["detail"]))
        if state == "failed" and status["reason"] == "no_run":
            text += [html.Br(), t("admin_sync.request.no_run")]
        if state == "done" and status["rows_written"]:
            text += [html.Br(), t("admin_sync.request.written", counts=written_text(status["rows_written"]))]
        still_open = state in sync_requests.OPEN_STATES
        return [mark, html.Div(text)], True, colour, not still_open, still_open, state

    @protected_callback(app, PERMISSION, Output("shell-sync-interval", "n_intervals", allow_duplicate=True),
                        Input("admin-sync-state", "data"), State("shell-sync-interval", "n_intervals"),
                        prevent_initial_call=True)
    def recheck_staleness(state, ticks):
        """Once a requested sync is done, the shell's staleness warning checks again at once."""
        return (ticks or 0) + 1 if state == "done" else no_update

    @paged_callback(app, PERMISSION, "admin-sync-runs", output={"rows": Output("admin-sync-runs-grid", "rowData")},
                    inputs={"state": Input("admin-sync-state", "data"), "status": Input("admin-sync-status", "value"),
                            "day": Input("admin-sync-day", "value")})
    def load_runs(page, state=None, status=None, day=None):
        """A page of the runs, newest first, of a status and a day; again from the first page when a requested sync
        moves on. A day that is not a date (typed by hand) lists every day."""
        tz = user().office_timezone
        try:
            chosen = date.fromisoformat(day) if day else None
        except (TypeError, ValueError):
            chosen = None
        with database().session() as db:
            result = sync_status.runs_page(db, page, None if status in (None, ALL_STATUSES) else status,
                                           day=chosen, tz=tz)
        return {"rows": [run_row(run, tz) for run in result["rows"]]}, page_of(result, page)

    @protected_callback(
        app, PERMISSION, [Output("admin-sync-lag", "children"), Output("admin-sync-cursor", "children")],
        Input("admin-sync-state", "data"))
    def load_overview(_state):
        """The lag behind the source and the cursor of the last good run (again on every poll)."""
        tz = user().office_timezone
        interval = settings().sync_interval_minutes
        with database().session() as db:
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
        source = sync_status.source_name(last["source"]) if last else ""
        if source:
            cursor.append(html.P(t("admin_sync.source", source=source), className="text-muted small mt-2 mb-0",
                                 id="admin-sync-source"))
        return lag, cursor
