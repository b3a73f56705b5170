"""One complaint's callbacks: show it, handle it (status, assignee, answer), email the answer, attach evidence."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import load_record, register_timed_alerts, register_unsaved_guard, stale_message
from callbacks.complaints import STATUS_COLOURS, decode_uploads
from layouts.admin_audit import field_label, value_text
from layouts.components.changes import change_lines
from layouts.components.empty import refused
from layouts.components.formatting import format_date, format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.mailer import send_one
from portal.services import complaints, edit_versions
from portal.validation import Forbidden, InvalidInput, NotFound, StaleEdit

EDIT_FIELDS = ("status", "category", "assignee_id", "answer")


def _body(detail: dict, tz: str):
    def row(label, value):
        return html.Tr([html.Th(label, className="text-muted fw-normal", style={"width": "35%"}), html.Td(value)])

    reporter = detail["reporter_name"] or t("complaints.anonymous")
    if detail["contact_erased_at"]:
        reporter = t("complaints.contact_erased")
    links = []
    if detail["service_user_id"]:
        links.append(html.A(detail["service_user_name"], href=f"/profile/{detail['service_user_id']}"))
    if detail["application_id"]:
        links += [" · " if links else "", html.A(detail["application_number"],
                                                 href=f"/applications/{detail['application_id']}")]
    return dbc.Card(dbc.CardBody([
        html.P(detail["text"], style={"whiteSpace": "pre-wrap"}, id="complaint-text"),
        html.Table(html.Tbody([
            row(t("complaints.field.channel"), t(f"complaints.channel.{detail['channel']}")),
            row(t("complaints.field.category"), t(f"complaints.category.{detail['category']}")),
            row(t("complaints.field.received_at"), format_datetime(detail["received_at"], tz)),
            row(t("complaints.field.first_response_due"), _first_response(detail, tz)),
            row(t("complaints.field.due_date"), [
                html.Span(format_date(detail["due_date"]), className="qc-overdue" if detail["overdue"] else "",
                          id="complaint-due-date"),
                html.Small(" · " + t("complaints.field_check_marked"), className="text-muted")
                if detail["needs_field_check"] else None]),
            row(t("complaints.field.reporter_name"), reporter),
            row(t("complaints.field.reporter_contact"), detail["reporter_contact"] or "–"),
            row(t("complaints.field.reporter_email"), detail["reporter_email"] or "–"),
            row(t("complaints.field.links"), links or "–"),
            row(t("complaints.field.attachments"), [html.Div(html.A(
                [html.I(className="bi bi-paperclip me-1"), a["filename"]], href=f"/complaints/attachments/{a['id']}",
                target="_blank")) for a in detail["attachments"]] or "–"),
        ]), className="table table-sm mb-0"),
        html.Div([html.Hr(), html.H3(t("complaints.field.answer"), className="h6"),
                  html.P(detail["answer"], style={"whiteSpace": "pre-wrap"}, id="complaint-answer-text"),
                  html.Small(t("complaints.answer_emailed", at=format_datetime(detail["answer_emailed_at"], tz)),
                             className="text-muted") if detail["answer_emailed_at"] else None])
        if detail["answer"] else None,
    ]), className="shadow-sm")


def _first_response(detail: dict, tz: str):
    """The first-response due date, and when it was met (or that it was missed)."""
    late = detail["first_response_late"]
    if detail["first_response_at"]:
        state = t("complaints.first_response_done", at=format_datetime(detail["first_response_at"], tz))
    else:
        state = t("complaints.first_response_waiting")
    return [html.Span(format_date(detail["first_response_due"]), className="qc-overdue" if late else "",
                      id="complaint-first-response-due"),
            html.Small(" · " + state + (" · " + t("complaints.first_response_late") if late else ""),
                       className="text-muted")]


# History fields recorded under another name than the form's label (an id for a person or an application).
HISTORY_LABELS = {"assignee_id": "complaints.field.assignee", "application_id": "complaints.field.application_number",
                  "calendar_day": "complaints.field.calendar_day", "reason": "complaints.field.reason"}
LONG_VALUE = 160  # an answer in the history is cut here: the whole answer is shown above it


def _history(detail: dict, tz: str, people: dict[int, str]):
    """The complaint's history as officers read it: each entry's fields in words, "before → after" where it recorded
    both (statuses and categories in words, dates as the page shows them, the assignee by name)."""
    if not detail.get("history"):
        return html.P("–")
    return dbc.Table([html.Thead(html.Tr([html.Th(t("field.time")), html.Th(t("field.username")),
                                          html.Th(t("field.action")), html.Th(t("complaints.history_changes"))])),
                      html.Tbody([html.Tr([html.Td(format_datetime(e["at"], tz), className="text-nowrap"),
                                           html.Td(e["username"] or "—"),
                                           html.Td(t(f"complaints.event.{e['action']}")),
                                           html.Td(_changes(e, tz, people), className="small")])
                                  for e in detail["history"]])],
                     size="sm", striped=True, responsive=True,
                     className="qc-complaint-history qc-history-table")  # a block per entry on a phone


def _changes(entry: dict, tz: str, people: dict[int, str]):
    before, after = entry["before"] or {}, entry["after"] or {}
    names = list(before) + [name for name in after if name not in before]
    return change_lines(before, after, names, _label, lambda name, value: _value(name, value, tz, people)) or "–"


def _label(name: str) -> str:
    return t(HISTORY_LABELS[name]) if name in HISTORY_LABELS else field_label("complaint", name)


def _value(name: str, value, tz: str, people: dict[int, str]) -> str:
    if name == "assignee_id":
        return people.get(int(value), f"#{value}") if value else t("complaints.unassigned")
    text = value_text(name, value, tz, "complaint")
    return text if len(text) <= LONG_VALUE else text[:LONG_VALUE].rstrip() + "…"


def register(app) -> None:
    register_timed_alerts(app, "complaints.view", "complaint-alert")
    # Unsaved changes (layouts/components/unsaved.py): leaving the page with the handling changed asks first.
    register_unsaved_guard(app, "complaints.edit", "complaint", "complaint-opened",
                           {name: f"complaint-{name}" for name in complaints.EDIT_FIELDS},
                           empty={"complaint-assignee_id": "none"})

    @protected_callback(
        app, "complaints.view",
        [Output("complaint-header", "children"), Output("complaint-body", "children"),
         Output("complaint-history", "children")],
        Input("complaint-id", "data"), Input("complaint-refresh", "data"))
    def show(complaint_id, _refresh):
        current = user()
        detail, refusal = load_record(complaint_id, lambda session, found_id: complaints.detail(
            session, current, found_id, tz=current.office_timezone))
        if refusal:
            return refused(refusal), None, None
        header = html.Div([
            html.H1([detail["subject"], " ", dbc.Badge(t(f"complaints.status.{detail['status']}"),
                                                       color=STATUS_COLOURS[detail["status"]], className="align-middle",
                                                       id="complaint-status-badge")]),
            html.P([html.Code(detail["tracking_code"]),
                    *([" · ", dbc.Badge(t("complaints.overdue"), color="danger")] if detail["overdue"] else [])],
                   className="text-muted"),
        ])
        return header, _body(detail, current.office_timezone), _history(detail, current.office_timezone,
                                                                        detail["assignee_names"])

    @protected_callback(
        app, "complaints.edit",
        [Output(f"complaint-{name}", "value") for name in EDIT_FIELDS]
        + [Output("complaint-assignee_id", "options"), Output("complaint-needs_field_check", "value"),
           Output("complaint-opened", "data"), Output("complaint-form", "disabled")],
        Input("complaint-id", "data"))
    def fill_editor(complaint_id):
        """The handling form's stored values, its assignee choices and version; only then can it be used."""
        current = user()
        try:
            with database().session() as session:
                detail = complaints.detail(session, current, int(complaint_id), tz=current.office_timezone)
                people = complaints.editors(session, current.office_id)
        except (NotFound, Forbidden):
            return [no_update] * (len(EDIT_FIELDS) + 4)
        assignees = [{"label": t("complaints.unassigned"), "value": "none"}] + [
            {"label": p["name"], "value": str(p["id"])} for p in people]
        return [detail["status"], detail["category"], str(detail["assignee_id"] or "none"), detail["answer"] or "",
                assignees, detail["needs_field_check"], _opened(detail), False]

    @protected_callback(
        app, "complaints.edit",
        [Output("complaint-refresh", "data"), Output("complaint-alert", "children"),
         Output("complaint-alert", "is_open"), Output("complaint-alert", "color"),
         Output("complaint-upload-feedback", "children"), Output("complaint-alert", "duration"),
         Output("complaint-opened", "data")]
        + [Output(f"complaint-{name}", "invalid") for name in EDIT_FIELDS]
        + [Output(f"complaint-{name}-feedback", "children") for name in EDIT_FIELDS]
        # the assignee as saved: answering an unassigned complaint assigns it to its answerer, and the form left at
        # "belum ditugaskan" would unassign them at the next save
        + [Output("complaint-assignee_id", "value", allow_duplicate=True)],
        Input("complaint-save", "n_clicks"), Input("complaint-email", "n_clicks"),
        Input("complaint-upload", "contents"),
        [State(f"complaint-{name}", "value") for name in EDIT_FIELDS]
        + [State("complaint-needs_field_check", "value"), State("complaint-upload", "filename"),
           State("complaint-id", "data"), State("complaint-refresh", "data"), State("complaint-opened", "data")],
        prevent_initial_call=True)
    def act(_save, _email, contents, status, category, assignee_id, answer, field_check, filenames, complaint_id,
            refresh, kept):
        """Save the handling, save it and email the answer, or attach files; errors stay beside their fields."""
        current, complaint_id = user(), int(complaint_id)
        clear = [False] * len(EDIT_FIELDS) + [""] * len(EDIT_FIELDS)
        reopened = no_update  # a save takes the next version: the form now stands on it
        assigned = no_update
        version, opened = edit_versions.from_form(kept)
        handling = {"status": status, "category": category,
                    "assignee_id": None if assignee_id in (None, "", "none") else assignee_id,
                    "answer": answer, "needs_field_check": bool(field_check)}
        try:
            with database().session() as session:
                if ctx.triggered_id == "complaint-upload":
                    complaints.add_attachments(session, current, complaint_id, decode_uploads(contents, filenames))
                    message = t("complaints.attached")
                else:
                    emailing = ctx.triggered_id == "complaint-email"
                    if emailing:
                        _check_can_email(session, current, complaint_id, answer)
                    saved = complaints.update(session, current, complaint_id, handling, settings=settings(),
                                              expected_version=version, opened=opened, emailing_answer=emailing)
                    message, reopened = t("complaints.updated"), _opened(saved)
                    assigned = str(saved["assignee_id"] or "none")
            if ctx.triggered_id == "complaint-email":
                # Only once the save is committed: a refused save (stale, invalid) sends nothing, and what goes out
                # is the answer the officer had on screen, now stored, never one saved by someone else meanwhile.
                message = _email_answer(current, saved, changed=saved["version"] != version)
        except StaleEdit as error:
            # Stays open until closed (no 10 s fade): the reader has a list to read; the typed handling stays. The
            # page (header, card, history: `show`, not the form) is drawn again from the complaint as it now stands.
            return [(refresh or 0) + 1, [html.Div(t("edit.stale_title"), className="fw-semibold"),
                                stale_message(error, _complaint_label, _complaint_value)],
                    True, "warning", "", None, no_update] + clear + [no_update]
        except InvalidInput as error:
            messages = error.messages(t)
            return [no_update, t("form.has_errors"), True, "danger", messages.get("attachments", ""), 10000,
                    no_update] + [name in messages for name in EDIT_FIELDS] + [messages.get(name, "")
                                                                             for name in EDIT_FIELDS] + [no_update]
        except EmailNotSent as problem:
            # Before the save (no answer, no address, no mail server): nothing written. After it (the server
            # refused): the handling is saved, so the page and the form move on to it, and the officer may retry.
            if problem.saved is None:
                return [no_update, str(problem), True, "warning", "", 10000, no_update] + clear + [no_update]
            return [(refresh or 0) + 1, str(problem), True, "warning", "", None, _opened(problem.saved)] + clear + [
                str(problem.saved["assignee_id"] or "none")]
        return [(refresh or 0) + 1, message, True, "success", "", 10000, reopened] + clear + [assigned]


def _opened(detail: dict) -> dict:
    """What the handling form keeps of the complaint it shows: its version and values (edit_versions)."""
    return edit_versions.opened(detail["version"], {name: detail.get(name) for name in complaints.EDIT_FIELDS})


def _complaint_label(name: str) -> str:
    return t("complaints.field.assignee") if name == "assignee_id" else t(f"complaints.field.{name}")


def _complaint_value(name: str, value):
    """A value of the handling form as the form words it (a status, a category; the assignee by their id)."""
    if name in ("status", "category") and value:
        return t(f"complaints.{name}.{value}")
    return value


class EmailNotSent(Exception):
    """The answer could not be emailed; the reason is for the officer. `saved`: the handling saved before the send
    failed (None when it failed before anything was saved)."""

    def __init__(self, reason: str, saved: dict | None = None):
        super().__init__(reason)
        self.saved = saved


def _check_can_email(session, current, complaint_id: int, typed_answer) -> None:
    """Before saving for the email: an answer typed and an address to send it to (without them the officer has
    something to fix first; a mail server missing is told after the save, as a refusing one is: _email_answer)."""
    detail = complaints.detail(session, current, complaint_id)
    if not (typed_answer or "").strip() or not detail["reporter_email"]:
        raise EmailNotSent(t("complaints.email_missing"))


def _email_answer(current, saved: dict, changed: bool) -> str:
    """Email the answer just saved (`saved`, the complaint as the save left it) and record what was sent."""
    if not settings().smtp_url:
        # The handling is saved (the officer asked for it, and the page moves on to it); only the email cannot go.
        raise EmailNotSent(t("complaints.updated") + " " + t("complaints.email_not_configured"), saved)
    text = t("complaints.email_body", language="id", code=saved["tracking_code"], subject=saved["subject"],
             answer=saved["answer"])
    try:
        send_one(settings().smtp_url, settings().smtp_from, saved["reporter_email"],
                 t("complaints.email_subject", language="id", code=saved["tracking_code"]), text)
    except Exception as error:  # noqa: BLE001 - any SMTP failure is told to the officer, nothing recorded as sent
        reason = t("complaints.email_failed", error=str(error)[:200])
        raise EmailNotSent(t("complaints.updated") + " " + reason if changed else reason, saved) from error
    with database().session() as session:
        complaints.mark_answer_emailed(session, current, saved["id"], to=saved["reporter_email"],
                                       answer=saved["answer"])
    return t("complaints.email_sent", to=saved["reporter_email"])
