"""Corrections callbacks (operators, admins): list, answer with a newer draft or a reason; the menu's count."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update

from callbacks.common import page_of, paged_callback, register_timed_alerts, register_unsaved_guard, stale_message
from layouts.components.formatting import actor_name, format_count, format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import corrections, edit_versions
from portal.validation import Forbidden, InvalidInput, NotFound, StaleEdit

PERMISSION = "corrections.handle"
# The answer's "no new draft" choice: a value of its own, not "", which the select keeps for its placeholder (an
# option of value "" showed as the blank placeholder, so the box looked empty whatever it held).
NO_DRAFT = "none"


def _answered(row: dict, tz: str):
    """Who answered and when (the "Semua" view mixed answered requests with open ones, unmarked)."""
    if not row.get("resolved_at"):
        return None
    return html.Div(t("corrections.answered_by", who=actor_name(row.get("resolved_by")),
                      at=format_datetime(row["resolved_at"], tz)), className="small text-muted")


def _card(row: dict, tz: str):
    if row["status"] == "open":
        footer = dbc.Button([html.I(className="bi bi-reply me-1"), t("corrections.answer")],
                            id={"type": "corrections-answer", "index": row["id"]}, color="primary", size="sm")
    elif row["resolution"] == "new_draft":
        footer = html.Div([html.Div(t("corrections.answered_new_draft"), className="small text-success"),
                           _answered(row, tz)])
    else:
        footer = html.Div([html.Div([html.Strong(t("corrections.reason") + ": "), row["resolution_note"]],
                                    className="small"), _answered(row, tz)])
    status = "open" if row["status"] == "open" else "resolved"
    return dbc.Card(dbc.CardBody([
        html.Div([dbc.Badge(t(f"corrections.filter.{status}"), color="warning" if status == "open" else "success",
                            className="me-2"),
                  html.A(row["number"], href=f"/applications/{row['application_id']}", className="fw-semibold"),
                  html.Span(" · " + row["company"], className="text-muted")]),
        html.Div(format_datetime(row["created_at"], tz), className="small text-muted mb-1"),
        html.Div([html.Strong(t(f"my.correction.field.{row['field']}"))]),
        html.Div([t("my.correction.problem"), ": ", row["problem"]], className="small"),
        html.Div([t("my.correction.expected"), ": ", row["expected"]], className="small mb-2"),
        html.A([html.I(className="bi bi-file-earmark-pdf me-1"), t("corrections.view_draft")],
               href=f"/my/documents/draft/{row['application_id']}.pdf", target="_blank",
               className="btn btn-outline-secondary btn-sm me-2"),
        footer,
    ]), className="mb-2 shadow-sm", id=f"corrections-card-{row['id']}")


def draft_choice(drafts: list[dict], tz: str) -> dict:
    """The answer's draft select: the newer drafts and "no new draft" under a placeholder that says what to pick; with
    no newer draft, a disabled select whose placeholder says why there is nothing to pick (an empty box said
    nothing)."""
    if not drafts:
        return {"options": [], "placeholder": t("corrections.no_drafts_yet"), "disabled": True}
    options = [{"label": f"{d['form_code']} {d['number'] or ''} · {format_datetime(d['issued_at'], tz)}"
                         + ("" if d["is_draft"] else " · " + t("corrections.final")), "value": str(d["id"])}
               for d in drafts]
    return {"options": options + [{"label": t("corrections.no_new_draft"), "value": NO_DRAFT}],
            "placeholder": t("corrections.pick_draft"), "disabled": False}


def _answer_label(name: str) -> str:
    """A field of the answer, as the officers' page names it."""
    return t({"status": "field.status", "resolution": "corrections.answer", "resolution_note": "corrections.reason"}[name])


def _answer_value(name: str, value):
    if name == "status" and value:
        return t(f"corrections.filter.{value}")
    if name == "resolution" and value:
        return t("corrections.answered_new_draft") if value == "new_draft" else t("corrections.reason")
    return value


def register(app) -> None:
    register_timed_alerts(app, PERMISSION, "corrections-alert")
    # A reload or a closed tab with an answer begun in the dialog asks first: its draft choice and reason start
    # empty at every opening (the request's own values, in the opened store, are not the form's).
    register_unsaved_guard(app, PERMISSION, "corrections", "corrections-opened", {},
                           blank=["corrections-certificate_id", "corrections-reason"], open_while="corrections-modal")

    @paged_callback(app, PERMISSION, "corrections",
                    output={"cards": Output("corrections-list", "children"),
                            "counts": Output("corrections-counts", "children"),
                            "badge": Output("shell-badge-corrections", "children", allow_duplicate=True)},
                    inputs={"status": Input("corrections-status", "value"),
                            "_refresh": Input("corrections-refresh", "data")},
                    prevent_initial_call="initial_duplicate")
    def load(page, status, _refresh):
        """A page of the requests (20, paged in the database: an office can hold more open ones than a page); a
        changed filter or an answer starts again at page one. The menu's badge follows the open count at once (an
        answer just given lowers it)."""
        current = user()
        with database().session() as db:
            result = corrections.list_requests(db, current, None if status in (None, "all") else status, page=page)
            open_count = corrections.open_count(db, current)
        cards = [_card(row, current.office_timezone) for row in result["rows"]] or [
            dbc.Alert(t("corrections.none"), color="light", id="corrections-empty")]
        counts = html.Div([dbc.Badge(format_count(open_count), color="warning" if open_count else "success",
                                     className="me-2 fs-6", id="corrections-open-count"),
                           t("corrections.open_count")])
        return {"cards": cards, "counts": counts, "badge": format_count(open_count) if open_count else ""}, \
            page_of(result, page)

    @protected_callback(
        app, PERMISSION,
        [Output("corrections-modal", "is_open"), Output("corrections-selected", "data"),
         Output("corrections-modal-summary", "children"), Output("corrections-certificate_id", "options"),
         Output("corrections-certificate_id", "value"), Output("corrections-certificate_id", "placeholder"),
         Output("corrections-certificate_id", "disabled"), Output("corrections-reason", "value"),
         Output("corrections-opened", "data")],
        Input({"type": "corrections-answer", "index": ALL}, "n_clicks"), Input("corrections-cancel", "n_clicks"),
        prevent_initial_call=True)
    def open_answer(clicks, _cancel):
        """Open the answer form with the newer drafts synced since the request."""
        if ctx.triggered_id == "corrections-cancel" or not any(clicks or []):
            return False, None, no_update, no_update, no_update, no_update, no_update, no_update, None
        request_id = ctx.triggered_id["index"]
        current = user()
        try:
            with database().session() as db:
                drafts = corrections.newer_drafts(db, current, request_id)
                kept = corrections.opened_request(db, current, request_id)
                request = corrections.request_summary(db, current, request_id)
        except (Forbidden, NotFound):
            return False, None, no_update, no_update, no_update, no_update, no_update, no_update, None
        choice = draft_choice(drafts, current.office_timezone)
        # The request answered, named: the dialog over the list did not say which of its cards it was for.
        summary = html.Div([
            html.Div([html.Strong(request["number"]), html.Span(" · " + request["company"], className="text-muted")]),
            html.Div([html.Strong(t(f"my.correction.field.{request['field']}")), " · ",
                      t("my.correction.expected"), ": ", request["expected"]], className="small"),
            html.P(t("corrections.drafts_found", count=format_count(len(drafts))), className="small text-muted mb-0")
            if drafts else None], id="corrections-modal-request")
        return (True, request_id, summary, choice["options"], "", choice["placeholder"], choice["disabled"], "",
                kept)

    @protected_callback(
        app, PERMISSION,
        [Output("corrections-modal", "is_open", allow_duplicate=True),
         Output("corrections-refresh", "data"), Output("corrections-alert", "children"),
         Output("corrections-alert", "is_open"), Output("corrections-certificate_id", "invalid"),
         Output("corrections-certificate_id-feedback", "children"), Output("corrections-reason", "invalid"),
         Output("corrections-reason-feedback", "children"), Output("corrections-modal-alert", "children"),
         Output("corrections-modal-alert", "is_open")],
        Input("corrections-save", "n_clicks"), State("corrections-selected", "data"),
        State("corrections-certificate_id", "value"), State("corrections-reason", "value"),
        State("corrections-refresh", "data"), State("corrections-opened", "data"), prevent_initial_call=True)
    def resolve(_clicks, request_id, certificate_id, reason, refresh, kept):
        if not request_id:
            return False, no_update, no_update, False, False, "", False, "", "", False
        version, opened = edit_versions.from_form(kept)
        try:
            with database().session() as db:
                corrections.resolve(db, user(), int(request_id),
                                    certificate_id=int(certificate_id) if certificate_id not in (None, "", NO_DRAFT)
                                    else None, reason=reason,
                                    expected_version=version, opened=opened)
        except StaleEdit as error:  # the modal stays open with the typed reason, and says who answered and how
            return (True, no_update, no_update, False, False, "", False, "",
                    [html.Div(t("edit.stale_title"), className="fw-semibold"),
                     stale_message(error, _answer_label, _answer_value)], True)
        except InvalidInput as error:
            m = error.messages(t)
            return (True, no_update, no_update, False, "certificate_id" in m, m.get("certificate_id", ""),
                    "reason" in m, m.get("reason", ""), "", False)
        except (Forbidden, NotFound):
            return False, no_update, t("error.forbidden"), True, False, "", False, "", "", False
        return False, (refresh or 0) + 1, t("corrections.resolved"), True, False, "", False, "", "", False

    @protected_callback(app, PERMISSION, Output("shell-badge-corrections", "children"),
                        Input("shell-counts-interval", "n_intervals"))
    def badge(_ticks):
        """Open requests, beside the menu item: on load and once a minute (layouts/shell.py)."""
        with database().session() as db:
            count = corrections.open_count(db, user())
        return format_count(count) if count else ""
