"""Guidance callbacks: the tier-D list with the effect of the last guidance, planning and recording guidance, and
the records grid whose rows open their actions (mark done, cancel)."""
from __future__ import annotations

from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import (MIN_SEARCH, describe, page_of, paged_callback, register_date_words, register_open_row,
                              register_timed_alerts, register_unsaved_guard, stale_message)
from layouts.components.company_picker import company_option
from layouts.compliance_common import grid_row, window_text
from layouts.guidance import FORM_FIELDS, PICKER_CLASS
from layouts.components.formatting import format_count, format_date, format_per_hundred, format_tax_id
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.domain.periods import today_in
from portal.i18n import t
from portal.services.compliance import filters as compliance_filters
from portal.services import edit_versions
from portal.services.compliance import guidance
from portal.validation import Conflict, Forbidden, InvalidInput, StaleEdit
from portal.view_cache import cached

PERMISSION = "rankings.view"


def effect_text(effect: dict | None) -> str:
    """'42,9 → 0,0 per 100 consignments (improved)' once the 6 months after the guidance have passed; before
    that, when it can be judged."""
    if effect is None:
        return t("guidance.effect.none")
    if effect["verdict"] == "pending":
        return t("guidance.effect.pending", date=format_date(effect["judged_from"]))

    def rate(side):
        return format_per_hundred(side["rate_per_100"])

    return t("guidance.effect.text", before=rate(effect["before"]), after=rate(effect["after"]),
             n_before=format_count(effect["before"]["n"]), n_after=format_count(effect["after"]["n"]),
             verdict=t(f"guidance.verdict.{effect['verdict']}"))


def record_row(record: dict) -> dict:
    """One guidance record as the records grid shows it: a plan and a cancellation have no effect to show."""
    if record["status"] == "cancelled":
        result = t("guidance.effect.cancelled", reason=record["cancel_reason"] or "–")
    elif record["status"] == "planned":
        result = t("guidance.effect.planned")
    else:
        result = effect_text(record["effect"])
    return {"id": record["id"], "date": format_date(record["given_on"]), "name": record["name"],
            "status": record["status"], "status_text": t(f"guidance.status.{record['status']}"),
            "kind": t(f"guidance.kind.{record['kind']}"), "officer_name": record["officer_name"],
            "notes": record["notes"], "effect": result}


def _action_label(name: str) -> str:
    """A field of the action dialog as the guidance page names it."""
    return t({"status": "guidance.field.status", "given_on": "guidance.field.date",
              "cancel_reason": "guidance.action.reason"}[name])


def _action_value(name: str, value):
    return t(f"guidance.status.{value}") if name == "status" and value else value


def register(app) -> None:
    register_timed_alerts(app, "guidance.edit", "guidance-saved")
    register_date_words(app, "guidance.edit", "guidance-given_on", "guidance-action-given_on")
    # Unsaved changes (layouts/components/unsaved.py). The record form opens nothing: it starts as drawn (the
    # officer's name, "done", a visit), and after a save as the save left it (the company and day kept for the next
    # record, the notes emptied). The dialog asks for its cancel reason only: its day starts at the planned day or
    # today, not at a value it opened, and is set again in one click.
    register_unsaved_guard(app, "guidance.edit", "guidance-form", "guidance-form-saved",
                           {name: f"guidance-{name}" for name in (*FORM_FIELDS, "status")})
    register_unsaved_guard(app, "guidance.edit", "guidance-action", "guidance-action-record", {},
                           blank=["guidance-action-cancel_reason"], open_while="guidance-action-modal")
    @paged_callback(app, PERMISSION, "guidance",
                    output={"rows": Output("guidance-grid", "rowData"), "window": Output("guidance-window", "children"),
                            "error": Output("guidance-error", "children"),
                            "error_open": Output("guidance-error", "is_open")},
                    inputs={"section": Input("guidance-section", "value"),
                            "_version": Input("guidance-version", "data")},
                    forbidden_key="compliance.forbidden", cleared={"window": ""})
    def load(page, section, _version):
        """A page of the tier-D list (paged in the database, as the ranking) with each company's last guidance and
        its effect, and its next planned one; another section starts again at page one."""
        with database().session() as db:
            result = cached(db, guidance.guidance_list, **compliance_filters.reach(user().scope),
                            filters={"section": section}, page=page)
        tz = result["timezone"]
        rows = []
        for row in result["rows"]:
            last, plan = row["last_guidance"], row["planned_guidance"]
            rows.append({**grid_row(row, tz),
                         "last_guidance": "–" if last is None else
                         f"{format_date(last['given_on'])} · {t('guidance.kind.' + last['kind'])}",
                         "planned": "–" if plan is None else
                         f"{format_date(plan['given_on'])} · {t('guidance.kind.' + plan['kind'])}",
                         "effect": effect_text(None if last is None else last["effect"])})
        return {"rows": rows, "window": window_text(result), "error": "", "error_open": False}, page_of(result, page)

    register_open_row(app, PERMISSION, "guidance-grid", "guidance-go", "/profile/")

    # The company to record guidance for is searched as it is typed, among the tier-D companies of the section
    # chosen (at most 20 a search): the drop-down used to hold the whole list, which grows with the office.
    @protected_callback(app, "guidance.edit", Output("guidance-service_user_id", "options"),
                        Input("guidance-service_user_id", "search_value"), State("guidance-service_user_id", "value"),
                        State("guidance-service_user_id", "options"), State("guidance-section", "value"),
                        prevent_initial_call=True)
    def search_companies(search_value, value, current_options, section):
        """Matches for what is typed so far; the chosen company stays in the list so it keeps its label."""
        if not search_value or len(search_value.strip()) < MIN_SEARCH:
            raise PreventUpdate
        with database().session() as db:
            found = guidance.candidates(db, **compliance_filters.reach(user().scope), text=search_value,
                                        filters={"section": section})
        kept = [option for option in (current_options or []) if option["value"] == value]
        return kept + [company_option({**item, "tax_id": format_tax_id(item["tax_id"])}) for item in found
                       if item["id"] != value]

    @paged_callback(app, PERMISSION, "guidance-records", output={"rows": Output("guidance-records-grid", "rowData")},
                    inputs={"_version": Input("guidance-version", "data")}, forbidden_key="compliance.forbidden")
    def records(page, _version):
        """A page of the office's guidance records (planned, done, cancelled), newest day first."""
        with database().session() as db:
            result = cached(db, guidance.records_page, **compliance_filters.reach(user().scope), page=page)
        return {"rows": [record_row(record) for record in result["rows"]]}, page_of(result, page)

    @protected_callback(app, PERMISSION,
                        output={"open": Output("guidance-action-modal", "is_open"),
                                "body": Output("guidance-action-body", "children"),
                                "record": Output("guidance-action-record", "data")},
                        inputs={"cell": Input("guidance-records-grid", "cellClicked")}, prevent_initial_call=True)
    def open_record(cell):
        """A clicked record opens with what may be done to it; the form keeps the version it loaded."""
        if not isinstance(cell, dict) or cell.get("rowId") in (None, ""):
            return no_update
        with database().session() as db:
            record = guidance.record_detail(db, cell["rowId"], **compliance_filters.reach(user().scope))
        return {"open": True, "body": record_summary(record),
                "record": {"id": record["id"], "version": record["version"], "moves": list(record["moves"]),
                           "given_on": record["given_on"].isoformat(),
                           "values": edit_versions.opened(record["version"], {
                               name: record[name] for name in guidance.ACTION_FIELDS})["values"]}}

    @protected_callback(app, "guidance.edit",
                        output={"done_hidden": Output("guidance-action-done-part", "hidden"),
                                "cancel_hidden": Output("guidance-action-cancel-part", "hidden"),
                                "given_on": Output("guidance-action-given_on", "value"),
                                "reason": Output("guidance-action-cancel_reason", "value"),
                                "error_open": Output("guidance-action-error", "is_open", allow_duplicate=True)},
                        inputs={"record": Input("guidance-action-record", "data")}, prevent_initial_call=True)
    def show_moves(record):
        """Only the moves the record's status allows; a plan for a day not yet come is marked done today."""
        record = record if isinstance(record, dict) else {}
        moves, planned_on = record.get("moves") or [], record.get("given_on")
        today = today_in(user().office_timezone).isoformat()
        return {"done_hidden": "done" not in moves, "cancel_hidden": "cancelled" not in moves,
                "given_on": min(planned_on, today) if isinstance(planned_on, str) else None, "reason": "",
                "error_open": False}

    action_outputs = {"open": Output("guidance-action-modal", "is_open", allow_duplicate=True),
                      "version": Output("guidance-version", "data", allow_duplicate=True),
                      "date_invalid": Output("guidance-action-given_on", "invalid"),
                      "date_error": Output("guidance-action-given_on-error", "children"),
                      "reason_invalid": Output("guidance-action-cancel_reason", "invalid"),
                      "reason_error": Output("guidance-action-cancel_reason-error", "children"),
                      "error": Output("guidance-action-error", "children"),
                      "error_open": Output("guidance-action-error", "is_open", allow_duplicate=True),
                      "body": Output("guidance-action-body", "children", allow_duplicate=True)}

    @protected_callback(app, "guidance.edit", output=action_outputs,
                        inputs={"_done": Input("guidance-action-done", "n_clicks"),
                                "_cancel": Input("guidance-action-cancel", "n_clicks")},
                        state={"record": State("guidance-action-record", "data"),
                               "given_on": State("guidance-action-given_on", "value"),
                               "reason": State("guidance-action-cancel_reason", "value"),
                               "version": State("guidance-version", "data")},
                        prevent_initial_call=True)
    def act(_done, _cancel, record, given_on, reason, version):
        """Mark the record done or cancel it; a save since the dialog opened is refused, not overwritten."""
        if not isinstance(record, dict) or ctx.triggered_id not in ("guidance-action-done", "guidance-action-cancel"):
            return no_update  # the service checks the id and version it is given; anything else is no record
        current = user()
        clear = {"date_invalid": False, "date_error": "", "reason_invalid": False, "reason_error": "", "error": "",
                 "error_open": False, "body": no_update}
        opened = record.get("values") if isinstance(record.get("values"), dict) else {}
        try:
            with database().session() as db:
                reach = compliance_filters.reach(current.scope)
                if ctx.triggered_id == "guidance-action-done":
                    guidance.mark_done(db, current.id, current.username, **reach, guidance_id=record.get("id"),
                                       version=record.get("version"), given_on=given_on, opened=opened)
                else:
                    guidance.cancel(db, current.id, current.username, **reach, guidance_id=record.get("id"),
                                    version=record.get("version"), reason=reason, opened=opened)
        except StaleEdit as error:  # the dialog stays open with the typed date or reason
            # Its summary of the record is drawn again as the record now stands (the form keeps its version).
            with database().session() as db:
                now = guidance.record_detail(db, record.get("id"), **compliance_filters.reach(current.scope))
            return {**clear, "open": no_update, "version": no_update, "error_open": True,
                    "error": [html.Div(t("edit.stale_title"), className="fw-semibold"),
                              stale_message(error, _action_label, _action_value)], "body": record_summary(now)}
        except InvalidInput as error:
            messages = error.messages(t)
            return {**clear, "open": no_update, "version": no_update,
                    "date_invalid": "given_on" in messages, "date_error": messages.get("given_on", ""),
                    "reason_invalid": "cancel_reason" in messages,
                    "reason_error": messages.get("cancel_reason", ""),
                    "error": messages.get("status", ""), "error_open": "status" in messages}
        except (Conflict, Forbidden) as error:
            title, text, _colour = describe(error)
            return {**clear, "open": no_update, "version": no_update, "error": f"{title} {text}",
                    "error_open": True}
        return {**clear, "open": False, "version": (version or 0) + 1}

    @protected_callback(
        app, "guidance.edit",
        # The company picker is a drop-down, which has no `invalid`: its class says it (_picker_class).
        [Output("guidance-service_user_id", "className")]
        + [Output(f"guidance-{name}", "invalid") for name in FORM_FIELDS[1:]]
        + [Output(f"guidance-{name}-error", "children") for name in FORM_FIELDS]
        + [Output("guidance-saved", "children"), Output("guidance-saved", "is_open"),
           Output("guidance-version", "data"), Output("guidance-notes", "value"),
           Output("guidance-form-saved", "data")],
        Input("guidance-save", "n_clicks"),
        [State(f"guidance-{name}", "value") for name in FORM_FIELDS]
        + [State("guidance-section", "value"), State("guidance-version", "data"), State("guidance-status", "value")],
        prevent_initial_call=True)
    def save(_clicks, service_user_id, given_on, kind, officer_name, notes, section, version, status=None):
        """Validate and record (given or planned); every field's problem shown under it; what was typed stays."""
        current = user()
        values = {"service_user_id": service_user_id, "given_on": given_on, "kind": kind,
                  "officer_name": officer_name, "notes": notes, "section": section, "status": status}
        try:
            with database().session() as db:
                saved = guidance.record_guidance(db, current.id, current.username,
                                                 **compliance_filters.reach(current.scope), values=values)
        except InvalidInput as error:
            messages = error.messages(t)
            if "status" in messages:  # the select offers only valid statuses: a crafted value, told by the date
                messages["given_on"] = " ".join(filter(None, (messages.get("given_on"), messages["status"])))
            return ([_picker_class("service_user_id" in messages)] + [name in messages for name in FORM_FIELDS[1:]]
                    + [messages.get(name, "") for name in FORM_FIELDS] + ["", False, no_update, no_update, no_update])
        except Forbidden:
            return ([_picker_class(True)] + [False] * 4 + [t("compliance.forbidden")] + [""] * 4
                    + ["", False, no_update, no_update, no_update])
        return ([_picker_class(False)] + [False] * 4 + [""] * 5
                + [t(f"guidance.saved_{saved['status']}"), True, (version or 0) + 1, "", {"saved": saved["id"]}])


def _picker_class(invalid: bool) -> str:
    """The company picker's classes, marked invalid as Bootstrap marks an input (its message shows under it)."""
    return f"{PICKER_CLASS} is-invalid" if invalid else PICKER_CLASS


def record_summary(record: dict):
    """The record the dialog acts on, in a few lines."""
    lines = [(t("compliance.col.name"), record["name"]), (t("guidance.field.status"),
                                                           t(f"guidance.status.{record['status']}")),
             (t("guidance.field.date"), format_date(record["given_on"])),
             (t("guidance.field.kind"), t(f"guidance.kind.{record['kind']}")),
             (t("guidance.field.officer"), record["officer_name"]), (t("guidance.field.notes"), record["notes"])]
    if record["cancel_reason"]:
        lines.append((t("guidance.action.reason"), record["cancel_reason"]))
    if not record["moves"]:  # cancelled for good, or a general one a coordinator only reads
        lines.append(("", t("guidance.action.none" if record["status"] == "cancelled" else "guidance.action.general")))
    return html.Dl([part for label, value in lines for part in (html.Dt(label), html.Dd(value))],
                   className="mb-0 qc-guidance-summary")
