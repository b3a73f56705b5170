"""Pengaduan list callbacks: filter and page in the database, record a complaint from any channel."""
from __future__ import annotations

import base64
import uuid

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import (page_of, paged_callback, register_date_words, register_open_row, register_timed_alerts,
                              register_unsaved_guard, register_url_filters)
from layouts.complaints import NEW_FIELDS, STARTS_FILLED, new_form_values
from layouts.components.formatting import format_count, format_date, format_datetime
from layouts import complaints as complaints_layout
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.services import complaints
from portal.validation import InvalidInput

STATUS_COLOURS = {"new": "danger", "in_progress": "warning", "answered": "info", "closed": "secondary"}


def _chosen(value):
    return None if value in (None, "", "all") else value


def decode_uploads(contents, filenames) -> list[tuple[str, bytes]]:
    """dcc.Upload's data URLs back into (file name, bytes)."""
    files = []
    for content, name in zip(contents or [], filenames or []):
        _header, _, data = (content or "").partition(",")
        files.append((name, base64.b64decode(data)))
    return files


def grid_row(row: dict, tz: str) -> dict:
    waiting_late = row["first_response_late"] and row["status"] == "new"
    return {"id": row["id"], "tracking_code": row["tracking_code"],
            "received": format_datetime(row["received_at"], tz),
            "channel": t(f"complaints.channel.{row['channel']}"), "category": t(f"complaints.category.{row['category']}"),
            "subject": row["subject"],
            # A complaint still new past its first-response due date is marked where its status is read (one taken
            # up late needs nothing more now; the KPI panel counts it).
            "status": t(f"complaints.status.{row['status']}") + (" ⚠" if waiting_late else ""),
            "first_response_late": waiting_late,
            # What each mark means, on hover (a bare "⚠" beside "Baru" said nothing of why)
            "status_tip": t("complaints.first_response_late_tip", due=format_date(row["first_response_due"]))
            if waiting_late else None,
            "due": format_date(row["due_date"]) + (" ⚠" if row["overdue"] else ""), "overdue": row["overdue"],
            "due_tip": t("complaints.overdue_tip") if row["overdue"] else None,
            # The same marks on a phone's stacked row (layouts/complaints.py phone_column), which has no cell rules.
            "status_class": "qc-overdue" if waiting_late else "", "due_class": "qc-overdue" if row["overdue"] else ""}


def status_badges(counts: dict, overdue: int):
    badges = [dbc.Badge(f"{t('complaints.status.' + status)}: {format_count(counts.get(status, 0))}",
                        color=STATUS_COLOURS[status], className="me-2 p-2")
              for status in ("new", "in_progress", "answered", "closed")]
    badges.append(dbc.Badge(f"{t('complaints.overdue')}: {overdue}", color="danger" if overdue else "light",
                            text_color=None if overdue else "dark", className="p-2", id="complaints-overdue-count"))
    return badges


def register(app) -> None:
    register_timed_alerts(app, "complaints.view", "complaints-alert")
    register_date_words(app, "complaints.edit", "complaints-new-received_date")
    register_url_filters(app, "complaints.view", "complaints", complaints_layout.URL_FIELDS)

    @paged_callback(
        app, "complaints.view", "complaints",
        output={"rows": Output("complaints-grid", "rowData"), "counts": Output("complaints-counts", "children")},
        inputs={"text": Input("complaints-text", "value"), "status": Input("complaints-status", "value"),
                "channel": Input("complaints-channel", "value"), "category": Input("complaints-category", "value"),
                "overdue": Input("complaints-overdue", "value"), "_refresh": Input("complaints-refresh", "data")})
    def load(page, text, status, channel, category, overdue, _refresh):
        """A page of complaints under the filters, with the count per status."""
        current = user()
        with database().session() as session:
            result = complaints.search(session, current, status=_chosen(status), channel=_chosen(channel),
                                       category=_chosen(category), text=text, overdue_only=bool(overdue),
                                       page=page, tz=current.office_timezone)
        return {"rows": [grid_row(row, current.office_timezone) for row in result["rows"]],
                "counts": status_badges(result["counts"], result["overdue"])}, page_of(result, page)

    register_open_row(app, "complaints.view", "complaints-grid", "complaints-go", "/complaints/")

    @protected_callback(app, "complaints.edit", Output("complaints-new-files", "children"),
                        Input("complaints-new-upload", "filename"), prevent_initial_call=True)
    def show_files(filenames):
        return [html.Div([html.I(className="bi bi-file-earmark me-1"), name]) for name in filenames or []]

    outputs = [Output(f"complaints-new-{name}", "invalid") for name in NEW_FIELDS] + \
              [Output(f"complaints-new-{name}-feedback", "children") for name in NEW_FIELDS]
    # What a saved complaint leaves in the form: nothing but the form's own defaults (the dialog used to open again
    # on the complaint just saved, an invitation to record it twice or to write the next one over its text).
    emptied = [Output(f"complaints-new-{name}", "value") for name in NEW_FIELDS] + \
              [Output("complaints-new-upload", "contents"), Output("complaints-new-upload", "filename")]
    kept = [no_update] * len(emptied)
    outputs_duplicated = [Output(o.component_id, o.component_property, allow_duplicate=True) for o in outputs]

    # Unsaved changes (layouts/components/unsaved.py): Back, a reload or a closed tab with the dialog open and typed
    # in asks first (its backdrop holds the menu links off). The channel and category start at their defaults and the
    # day received at today, every other field and the attachments empty; a save or a close empties the form and
    # moves the start store, from which the browser takes the form as it then stands for its start.
    register_unsaved_guard(app, "complaints.edit", "complaints-new", "complaints-new-start",
                           {name: f"complaints-new-{name}" for name in STARTS_FILLED},
                           blank=[f"complaints-new-{name}" for name in NEW_FIELDS if name not in STARTS_FILLED]
                           + [("complaints-new-upload", "filename")], open_while="complaints-modal")

    @protected_callback(
        app, "complaints.edit",
        [Output("complaints-modal", "is_open"), Output("complaints-form-alert", "children"),
         Output("complaints-form-alert", "is_open"), Output("complaints-alert", "children"),
         Output("complaints-alert", "is_open"), Output("complaints-alert", "color"),
         Output("complaints-refresh", "data"), Output("complaints-new-attachments-feedback", "children"),
         Output("complaints-new-start", "data")] + outputs + emptied,
        Input("complaints-new", "n_clicks"), Input("complaints-new-cancel", "n_clicks"),
        Input("complaints-new-save", "n_clicks"),
        [State(f"complaints-new-{name}", "value") for name in NEW_FIELDS]
        + [State("complaints-new-upload", "contents"), State("complaints-new-upload", "filename"),
           State("complaints-refresh", "data")],
        prevent_initial_call=True)
    def new_complaint(_open, _cancel, _save, *values):
        """Open, cancel, or save the form; a refused form stays open with every message beside its field."""
        contents, filenames, refresh = values[-3:]
        data = dict(zip(NEW_FIELDS, values[:-3]))
        cleared = [False] * len(NEW_FIELDS) + [""] * len(NEW_FIELDS)
        current = user()
        if ctx.triggered_id == "complaints-new":
            # Opened: the day received is today's, as it is when the dialog was drawn or emptied (a page left open
            # overnight offered yesterday's). A new day also moves the leave question's start: compared with the day
            # drawn yesterday, the untouched dialog asked before being left.
            today = new_form_values(current.office_timezone)["received_date"]
            if data["received_date"] == today:
                return [True, "", False, no_update, no_update, no_update, no_update, "", no_update] + cleared + kept
            moved = [today if name == "received_date" else no_update for name in NEW_FIELDS] + [no_update, no_update]
            return [True, "", False, no_update, no_update, no_update, no_update, "", _moved()] + cleared + moved
        if ctx.triggered_id == "complaints-new-cancel":  # a closed dialog empties (below)
            return [False, "", False, no_update, no_update, no_update, no_update, "", no_update] + cleared + kept
        try:
            with database().session() as session:
                created = complaints.create(session, current, data, source="officer",
                                            files=decode_uploads(contents, filenames), settings=settings())
        except InvalidInput as error:
            messages = error.messages(t)
            return [True, t("form.has_errors"), True, no_update, no_update, no_update, no_update,
                    messages.get("attachments", ""), no_update] + \
                [name in messages for name in NEW_FIELDS] + [messages.get(name, "") for name in NEW_FIELDS] + kept
        message = t("complaints.saved", code=created["tracking_code"], due=format_date(created["due_date"]))
        return [False, "", False, message, True, "success", (refresh or 0) + 1, "", _moved()] + cleared + \
            _emptied_form()

    def _moved() -> str:
        """A new value for the start store: any value it did not hold makes the browser take the form as it stands."""
        return uuid.uuid4().hex[:12]

    def _emptied_form() -> list:
        """The form's own starting values (the day received: today at the reader's office), no attachments."""
        values = new_form_values(user().office_timezone)
        return [values[name] for name in NEW_FIELDS] + [None, None]

    @protected_callback(app, "complaints.edit", [Output(o.component_id, o.component_property, allow_duplicate=True)
                                                 for o in emptied] + outputs_duplicated
                        + [Output("complaints-new-start", "data", allow_duplicate=True)],
                        Input("complaints-modal", "is_open"), prevent_initial_call=True)
    def dialog_closed(is_open):
        """Closed, by Cancel, its × or Esc (the browser closes it then, no button's callback runs), the dialog drops
        what was typed: the next caller's complaint started with the last one's subject and attachment, and the
        draft, in a closed dialog, was lost without a question when the page was left."""
        if is_open:
            raise PreventUpdate
        return _emptied_form() + [False] * len(NEW_FIELDS) + [""] * len(NEW_FIELDS) + [_moved()]
