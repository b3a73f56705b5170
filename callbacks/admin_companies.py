"""Admin › Perusahaan lintas UPT callbacks: find a company, show its records per office and its link history, move
or split a record, undo a change (services in portal/services/companies), and add a station (UPT)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update

from callbacks.common import Page, paged_callback, register_picker_search, register_unsaved_guard, stale_message
from layouts.components.formatting import format_datetime
from portal.extensions import database
from portal.i18n import t
from portal.security.access import protected_callback, user
from portal.services import companies, edit_versions
from portal.services import offices as office_service
from portal.validation import InvalidInput, NotFound, StaleEdit

PERMISSION = "admin.settings"
FORM = ("record", "target", "reason")
OFFICE_FORM = ("code", "name", "timezone", "iqfast_url")
# Service errors by field → the form's control that shows them.
FIELD_OF = {"service_user": "record", "to_company": "target", "reason": "reason", "change": "record"}


def _feedback(messages: dict) -> list:
    return [v for name in FORM for v in (name in messages, messages.get(name, ""))]


def _form_outputs() -> list:
    return [o for name in FORM for o in (Output(f"admin-companies-{name}", "invalid"),
                                         Output(f"admin-companies-{name}-feedback", "children"))]


def _by_field(error: InvalidInput) -> dict:
    return {FIELD_OF.get(name, "reason"): message for name, message in error.messages(t).items()}


def _label(name: str) -> str:
    """A company field as the stale message names it."""
    return "NPWP" if name == "npwp" else t("admin_companies.col.name")


def _records_table(records) -> object:
    rows = [html.Tr([html.Td(f"{r.office_code} · {r.office_name}"), html.Td(r.name), html.Td(r.tax_id),
                     html.Td(r.source_id), html.Td(t("admin_companies.deleted") if r.deleted else
                                                   (t("admin_companies.blocked") if r.blocked else ""))])
            for r in records]
    headers = [t("admin_companies.col.office"), t("admin_companies.col.record_name"),
               t("admin_companies.col.npwp_typed"), t("admin_companies.col.source_id"), ""]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)], size="sm",
                     responsive=True, striped=True, className="mb-0", id="admin-companies-records-table")


def _history_table(changes, company_id: int, zone: str):
    if not changes:
        return html.P(t("admin_companies.no_history"), className="text-muted small")
    rows = []
    for c in changes:
        direction = t("admin_companies.moved_in") if c.to_company_id == company_id else \
            t("admin_companies.moved_out")
        undo = dbc.Button(t("admin_companies.undo"), id={"type": "admin-companies-undo", "index": c.id},
                          size="sm", color="secondary", outline=True) \
            if c.from_company_id is not None and not c.undone else \
            html.Span(t("admin_companies.undone") if c.undone else "", className="small text-muted")
        rows.append(html.Tr([html.Td(format_datetime(c.at, zone), className="text-nowrap small"),
                             html.Td(c.username or "–"), html.Td(f"{c.office_code} · {c.record_name}"),
                             html.Td(direction), html.Td(c.reason), html.Td(undo)]))
    headers = [t("admin_companies.col.when"), t("admin_companies.col.who"), t("admin_companies.col.office"),
               t("admin_companies.col.change"), t("admin_companies.col.reason"), ""]
    return html.Div([html.H2(t("admin_companies.history_title"), className="h6"),
                     dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)], size="sm",
                               responsive=True, id="admin-companies-history-table")])


# The company's part of the page (header, records, history): drawn by `show_company`, and again as the company now
# stands by a refused move, split or undo (whose form keeps the record chosen, what was typed and its version).
COMPANY_VIEW = [("admin-companies-company", "children"), ("admin-companies-records", "children"),
                ("admin-companies-history", "children")]


def _company_view(company_id) -> dict:
    """The chosen company as the page shows it, its records as the form's choices and the version the form opens
    (NotFound when there is no such company)."""
    with database().session() as db:
        summary = companies.company_summary(db, int(company_id))
        records = companies.records_of(db, summary["id"], include_deleted=True)
        changes, _total = companies.history(db, summary["id"])
    header = html.Div([html.H2(summary["name"], className="h5 mb-0", id="admin-companies-name"),
                       html.Div(f"NPWP {summary['npwp_text'] or t('admin_companies.no_npwp')} · "
                                + t("admin_companies.record_count", count=summary["records"]),
                                className="small text-muted mb-2")])
    return {"header": header, "records": _records_table(records),
            "history": _history_table(changes, summary["id"], user().office_timezone),
            "options": [{"label": f"{r.office_code} · {r.name} ({r.tax_id})", "value": r.service_user_id}
                        for r in records],
            "opened": edit_versions.opened(summary["version"], {"name": summary["name"], "npwp": summary["npwp"]})}


def _redrawn(company_id) -> list:
    """COMPANY_VIEW as the company now stands (nothing when no company is shown)."""
    try:
        view = _company_view(company_id) if company_id else None
    except (NotFound, TypeError, ValueError):
        view = None
    return [view["header"], view["records"], view["history"]] if view else [no_update] * len(COMPANY_VIEW)


def register(app) -> None:
    # Unsaved changes (layouts/components/unsaved.py): a reason or a target company typed and not saved, or a station
    # half entered, asks before a link, Back or a reload leaves them. Both forms start empty and are emptied by their
    # save (the record and the action start at their choices: nothing typed to lose).
    register_unsaved_guard(app, PERMISSION, "admin-companies", "admin-companies-opened", {},
                           blank=["admin-companies-reason", "admin-companies-target"])
    register_unsaved_guard(app, PERMISSION, "admin-companies-office", "admin-companies-office-refresh", {},
                           blank=[f"admin-companies-office-{name}" for name in OFFICE_FORM])

    @paged_callback(app, PERMISSION, "admin-companies", {"rows": Output("admin-companies-grid", "rowData")},
                    {"text": Input("admin-companies-search", "value"),
                     "_refresh": Input("admin-companies-refresh", "data")})
    def search(page, text=None, _refresh=None):
        with database().session() as db:
            rows, total = companies.search_companies(db, text, page=page)
        return {"rows": rows}, Page(page, companies.links.PAGE_SIZE, len(rows), total)

    @protected_callback(app, PERMISSION, Output("admin-companies-selected", "data"),
                        Input("admin-companies-grid", "cellClicked"), prevent_initial_call=True)
    def pick(cell):
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        return int(cell["rowId"])

    register_picker_search(app, PERMISSION, "admin-companies-target",
                           lambda db, _user, text: companies.pick_companies(db, text))

    @protected_callback(
        app, PERMISSION,
        [Output("admin-companies-company", "children"), Output("admin-companies-records", "children"),
         Output("admin-companies-record", "options"), Output("admin-companies-record", "value"),
         Output("admin-companies-opened", "data"), Output("admin-companies-history", "children"),
         Output("admin-companies-form", "style"),
         Output("admin-companies-target", "value", allow_duplicate=True),
         Output("admin-companies-reason", "value", allow_duplicate=True)],
        Input("admin-companies-selected", "data"), Input("admin-companies-refresh", "data"),
        prevent_initial_call="initial_duplicate")
    def show_company(company_id, _refresh):
        """The chosen company, its record at each office, and the history of its links (newest first). Another
        company chosen empties the target and the reason: typed for the last one, a save would have moved the wrong
        record."""
        emptied = [None, ""] if ctx.triggered_id == "admin-companies-selected" else [no_update, no_update]
        if not company_id:
            return [no_update, None, [], None, None, None, {"display": "none"}] + emptied
        try:
            view = _company_view(company_id)
        except NotFound:
            return [dbc.Alert(t("error.not_found"), color="warning"), None, [], None, None, None,
                    {"display": "none"}] + emptied
        options = view["options"]
        return [view["header"], view["records"], options, options[0]["value"] if options else None, view["opened"],
                view["history"], {}] + emptied

    @protected_callback(
        app, PERMISSION,
        [Output("admin-companies-alert", "children"), Output("admin-companies-alert", "is_open"),
         Output("admin-companies-alert", "color"), Output("admin-companies-refresh", "data")] + _form_outputs()
        + [Output(*part, allow_duplicate=True) for part in COMPANY_VIEW]
        + [Output("admin-companies-target", "value"), Output("admin-companies-reason", "value")],
        Input("admin-companies-save", "n_clicks"),
        State("admin-companies-record", "value"), State("admin-companies-action", "value"),
        State("admin-companies-target", "value"), State("admin-companies-reason", "value"),
        State("admin-companies-opened", "data"), State("admin-companies-refresh", "data"),
        State("admin-companies-selected", "data"), prevent_initial_call=True)
    def save(_clicks, record_id, action, target_id, reason, kept, refresh, company_id):
        """Move the record to the chosen company or split it off; the form keeps what was typed on any refusal and is
        emptied by a save (the next change starts afresh, not with the last one's reason)."""
        current = user()
        view_kept = [no_update] * len(COMPANY_VIEW)  # drawn by `show_company` (after a save: the refresh)
        typing_kept = [no_update, no_update]
        version, opened = edit_versions.from_form(kept)
        try:
            with database().session() as db:
                if action == "split":
                    done = companies.split_record(db, current.id, current.username, service_user_id=record_id,
                                                  version=version, reason=reason, opened=opened)
                else:
                    done = companies.move_record(db, current.id, current.username, service_user_id=record_id,
                                                 to_company_id=target_id, version=version, reason=reason,
                                                 opened=opened)
        except StaleEdit as error:
            return [[html.Div(t("edit.stale_title"), className="fw-semibold"),
                     stale_message(error, _label)],
                    True, "warning", no_update] + _feedback({}) + _redrawn(company_id) + typing_kept
        except NotFound:
            return [t("admin_companies.pick_record"), True, "warning", no_update] + _feedback({}) + view_kept + \
                typing_kept
        except InvalidInput as error:
            return [t("form.has_errors"), True, "danger", no_update] + _feedback(_by_field(error)) + view_kept + \
                typing_kept
        message = t(f"admin_companies.done.{'split' if action == 'split' else 'move'}", change=done["change_id"])
        return [message, True, "success", (refresh or 0) + 1] + _feedback({}) + view_kept + [None, ""]

    @protected_callback(
        app, PERMISSION,
        [Output("admin-companies-alert", "children", allow_duplicate=True),
         Output("admin-companies-alert", "is_open", allow_duplicate=True),
         Output("admin-companies-alert", "color", allow_duplicate=True),
         Output("admin-companies-refresh", "data", allow_duplicate=True)]
        + [Output(*part, allow_duplicate=True) for part in COMPANY_VIEW],
        Input({"type": "admin-companies-undo", "index": ALL}, "n_clicks"),
        State("admin-companies-selected", "data"), State("admin-companies-opened", "data"),
        State("admin-companies-refresh", "data"), prevent_initial_call=True)
    def undo(clicks, company_id, kept, refresh):
        """Undo one change of the history shown, against the version of the company the page opened."""
        unchanged = [no_update] * len(COMPANY_VIEW)
        if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
            return [no_update] * 4 + unchanged
        current = user()
        version, opened = edit_versions.from_form(kept)
        try:
            with database().session() as db:
                companies.undo_change(db, current.id, current.username, change_id=ctx.triggered_id["index"],
                                      company_id=company_id, version=version, opened=opened)
        except StaleEdit as error:
            return [[html.Div(t("edit.stale_title"), className="fw-semibold"),
                     stale_message(error, _label)], True, "warning", no_update] + _redrawn(company_id)
        except (InvalidInput, NotFound) as error:
            text = "; ".join(error.messages(t).values()) if isinstance(error, InvalidInput) else t("error.not_found")
            return [text, True, "danger", no_update] + unchanged
        return [t("admin_companies.done.undo"), True, "success", (refresh or 0) + 1] + unchanged

    @protected_callback(app, PERMISSION, Output("admin-companies-offices", "children"),
                        Input("admin-companies-office-refresh", "data"))
    def office_list(_refresh):
        """Every station of the installation, with its zone and its own IQFast source when it has one."""
        with database().session() as db:
            rows = office_service.list_offices(db)
        headers = [t("admin_companies.field.code"), t("admin_companies.field.office_name"),
                   t("admin_companies.field.timezone"), t("admin_companies.field.iqfast_url")]
        body = [html.Tr([html.Td(r["code"]), html.Td(r["name"]), html.Td(f"{r['timezone']} ({r['zone']})"),
                         html.Td(r["iqfast_source"] or t("admin_companies.shared_source"), className="small")])
                for r in rows]
        return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body)], size="sm",
                         responsive=True, striped=True, id="admin-companies-offices-table")

    @protected_callback(
        app, PERMISSION,
        [Output("admin-companies-office-alert", "children"), Output("admin-companies-office-alert", "is_open"),
         Output("admin-companies-office-alert", "color"), Output("admin-companies-office-refresh", "data")]
        + [o for name in OFFICE_FORM for o in (Output(f"admin-companies-office-{name}", "invalid"),
                                                Output(f"admin-companies-office-{name}-feedback", "children"))]
        + [Output(f"admin-companies-office-{name}", "value") for name in OFFICE_FORM],
        Input("admin-companies-office-add", "n_clicks"),
        [State(f"admin-companies-office-{name}", "value") for name in OFFICE_FORM]
        + [State("admin-companies-office-refresh", "data")], prevent_initial_call=True)
    def add_office(_clicks, code, name, zone, iqfast_url, refresh):
        """Add a station; every field's error beside it, what was typed kept."""
        current = user()
        try:
            with database().session() as db:
                added = office_service.add_office(db, current.id, current.username, {
                    "code": code, "name": name, "timezone": zone, "iqfast_url": iqfast_url})
        except InvalidInput as error:
            messages = error.messages(t)
            return [t("form.has_errors"), True, "danger", no_update] + [
                v for field in OFFICE_FORM for v in (field in messages, messages.get(field, ""))] + \
                [no_update] * len(OFFICE_FORM)
        # Emptied: the station is in the list above, and the next one starts from an empty form, not over this one.
        return [t("admin_companies.office_added", code=added["code"]), True, "success", (refresh or 0) + 1] + [
            v for _field in OFFICE_FORM for v in (False, "")] + [None] * len(OFFICE_FORM)
