"""Shared callback plumbing: the pager, the section loader, opening a row, the company picker's search, and the
one error path (`on_error`) that turns a service's refusal into a translated alert.

Callbacks stay thin: they call a service and hand its result to these helpers, which shape the outputs as a dict
(Dash's dict-style outputs) instead of long positional tuples.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update, set_props
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate
from flask import current_app
from sqlalchemy.exc import DBAPIError

from layouts.components import unsaved, url_filters
from portal.pages import opened_from
from layouts.components.company_picker import company_option
from layouts.components.empty import Refusal
from layouts.components.date_words import words_id
from layouts.components.pager import count_store, page_store
from layouts.components.formatting import format_number
from layouts.shell import ALERT_ID
from portal import audit
from portal.extensions import database
from portal.i18n import current_language, t
from portal.reports import exports
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.security.permissions import AUTHENTICATED
from portal.i18n import format_datetime
from portal.validation import Conflict, Forbidden, InvalidInput, NotFound, OutsideSection, StaleEdit
from portal.web import outage

# The shortest search the company picker sends to the database (one letter matches half the registry).
MIN_SEARCH = 2
# PostgreSQL's codes for a statement the database refused while it was up (timeout, lock, serialisation,
# deadlock, read-only replica): the user can try again; a lost connection stays the outage's 503.
REFUSALS = {"57014", "55P03", "40001", "40P01", "25006"}


# ------------------------------------------------------------------------------------------------- the pager
@dataclass(frozen=True)
class Page:
    """Where a paged list stands: page number (from 0), rows per page, rows on this page, rows in all."""

    number: int
    size: int
    shown: int
    total: int


def pager_outputs(prefix: str, count_id: str | None = None, store_id: str | None = None,
                  with_count: bool = True) -> dict:
    """The pager's outputs (layouts.components.pager draws them), as dict-style outputs."""
    outputs = {"page": Output(page_store(prefix, store_id), "data"),
               "first_disabled": Output(f"{prefix}-first", "disabled"),
               "prev_disabled": Output(f"{prefix}-prev", "disabled"),
               "next_disabled": Output(f"{prefix}-next", "disabled"),
               "last_disabled": Output(f"{prefix}-last", "disabled"),
               "page_number": Output(f"{prefix}-goto", "value"),
               "page_count": Output(count_store(prefix, store_id), "data"),
               "pages": Output(f"{prefix}-pages", "children")}
    if with_count:
        outputs["count"] = Output(count_id or f"{prefix}-count", "children")
    return outputs


def pager_inputs(prefix: str) -> dict:
    """The pager's buttons and its typed page number, as dict-style inputs."""
    return {"first_clicks": Input(f"{prefix}-first", "n_clicks"), "prev_clicks": Input(f"{prefix}-prev", "n_clicks"),
            "next_clicks": Input(f"{prefix}-next", "n_clicks"), "last_clicks": Input(f"{prefix}-last", "n_clicks"),
            "page_typed": Input(f"{prefix}-goto", "value")}


def first_call() -> bool:
    """Whether this is a callback's first call, as its page is drawn, rather than an answer to something changed.

    Dash names no trigger for a first call, except for a callback that shares an output with another
    (prevent_initial_call="initial_duplicate"): the renderer reports that first call with every input as changed. A
    person changes one input at a time, so every input of several at once is the first call (the notifications'
    list, which is such a callback, showed its first page to a link or a Back to its third)."""
    if ctx.triggered_id is None:
        return True
    inputs = {f"{item['id']}.{item['property']}" for item in ctx.inputs_list if isinstance(item, dict)}
    return len(inputs) > 1 and inputs <= set(ctx.triggered_prop_ids)


# A page past any list: the last page (or a typed number past it) asked before the list's size is known; the list
# answers with its last page (see paged_callback).
PAST_THE_END = 10 ** 9


def page_asked(prefix: str, page: int | None, typed=None, pages: int | None = None) -> int:
    """The page to show: next / previous move by one, first / last go to the ends, a typed number goes to that page
    (counted from 1; past the end is the last); the first load shows the page drawn in the store (the one the address
    names, url_filters.page_field; else the first); a changed filter starts again. `pages`: how many the list had at
    its last answer, so the last page is asked for directly (past the end, the services read to the end of the list
    for nothing, then the last page again)."""
    page = page if isinstance(page, int) and page > 0 else 0
    last = pages - 1 if isinstance(pages, int) and pages > 0 else PAST_THE_END
    if first_call():
        return page
    if ctx.triggered_id == f"{prefix}-next":
        return page + 1
    if ctx.triggered_id == f"{prefix}-prev":
        return max(page - 1, 0)
    if ctx.triggered_id == f"{prefix}-first":
        return 0
    if ctx.triggered_id == f"{prefix}-last":
        return last
    if ctx.triggered_id == f"{prefix}-goto":
        try:
            number = int(typed)
        except (TypeError, ValueError, OverflowError):  # emptied, or not a number: stay where the list is
            return page
        return min(max(number - 1, 0), last)
    return 0


def pager_values(page: Page) -> dict:
    """The pager's outputs for a page: "Menampilkan 1–25 dari 1.234", "Hal. 3 dari 50", which buttons work. An empty
    list says nothing: every list says it is empty in its own words ("Tidak ada data", "Belum ada notifikasi"), and
    "Menampilkan 0–0 dari 0" under them only repeated it in a pager's."""
    first = page.number * page.size + (1 if page.shown else 0)
    last = page.number * page.size + page.shown
    count = "" if not page.total else t(
        "pager.showing", first=format_number(first), last=format_number(last), total=format_number(page.total))
    pages = max(1, -(-page.total // page.size)) if page.size else 1
    return {"count": count, "page": page.number, "first_disabled": page.number == 0,
            "prev_disabled": page.number == 0, "next_disabled": last >= page.total,
            "last_disabled": last >= page.total, "page_number": page.number + 1, "page_count": pages,
            "pages": t("pager.of", pages=format_number(pages))}


def page_of(result: dict, page: int) -> Page:
    """The Page of a service's paged result (`rows`, `page_size`, `total`)."""
    return Page(page, result["page_size"], len(result["rows"]), result["total"])


def _emptied(output: dict) -> dict:
    """What a refused list shows: no rows, no count, no page to move to."""
    rows = {key: [] for key, spec in output.items() if spec.component_property == "rowData"}
    return {**rows, "count": "", "page": 0, "first_disabled": True, "prev_disabled": True, "next_disabled": True,
            "last_disabled": True, "page_number": None, "page_count": None, "pages": ""}


def paged_callback(app, permission: str, prefix: str, output: dict, inputs: dict, state: dict | None = None,
                   count_id: str | None = None, store_id: str | None = None, with_count: bool = True,
                   forbidden_key: str | None = None, cleared: dict | None = None,
                   **kwargs):
    """Register a paged list: the decorated `load(page, **values)` returns (its outputs, Page).

    The factory adds the pager's outputs and buttons, works out the page asked for, and fills the pager. When the
    service refuses, the list empties and the message shows (see `shown_in`); `cleared` empties more outputs.
    """
    def decorator(load):
        pager = pager_outputs(prefix, count_id, store_id, with_count)
        if set(output) & set(pager):  # the pager's would silently replace the list's own
            raise ValueError(f"{prefix}: outputs named like the pager's: {sorted(set(output) & set(pager))}")
        outputs = {**output, **pager}

        @protected_callback(app, permission, output=outputs,
                            inputs={**inputs, **pager_inputs(prefix)},
                            state={**(state or {}), "page": State(page_store(prefix, store_id), "data"),
                                   "pages": State(count_store(prefix, store_id), "data")},
                            on_error=shown_in(outputs, forbidden_key=forbidden_key,
                                              **{**_emptied(output), **(cleared or {})}),
                            **kwargs)
        def paged(first_clicks=None, prev_clicks=None, next_clicks=None, last_clicks=None, page_typed=None,
                  page=None, pages=None, **values):
            asked = page_asked(prefix, page, page_typed, pages)
            values_out, where = load(asked, **values)
            if asked and where.total and not where.shown and where.size:
                # A page past the end (an old link, or the list shrank since): its last page, not an empty list.
                values_out, where = load((where.total - 1) // where.size, **values)
            pager = pager_values(where)
            return {**values_out, **{key: pager[key] for key in pager_outputs(prefix, with_count=with_count)}}

        paged.load = load  # the undecorated function, for tests
        return paged

    return decorator


# ---------------------------------------------------------------------------------- shared small callbacks
def section_choices(sections: list[dict], all_label_key: str = "compliance.all_sections", all_value: str = "all"):
    """A section select's choices in the reader's language, with "all sections" first."""
    name = "name_id" if current_language() == "id" else "name_en"
    return [{"label": t(all_label_key), "value": all_value}] + [
        {"label": s[name], "value": s["code"]} for s in sections]


def register_open_row(app, permission: str, grid_id: str, location_id: str, path: str, prop: str = "href",
                      back: str | None = None, carry: dict[str, str] | None = None,
                      carry_unless: tuple[str, str, tuple[str, ...]] | None = None,
                      carry_only: dict[str, tuple[str, ...]] | None = None):
    """Clicking a grid row opens its page (`path` + the row's id); that page checks the reader's reach again.

    The whole address (`href`), not the path: a list keeps its filters in its query string (url_filters), and a
    new path would carry them to the row's page. `back`: the list's own page, named in the row's address when the
    row is not one of that page's own records, so the record's link back returns here (layouts/components/back_link).
    `carry`: the row's page's parameters taken from this page's filters ({"section": "rankings-section"}): the row's
    page opens on what the row showed (a filter at "all" carries nothing). `carry_unless`: (component, value,
    parameters) — those parameters are not carried while that component holds that value (the national ranking
    switches its direction and commodity filters off: kept in their fields, they filtered no row). `carry_only`:
    parameters carried only with one of the values listed ({"ranking": ("national",)}: an office's ranking opens
    its own record's profile and needs no word of it)."""
    carried = list((carry or {}).items())
    # Each component once (the switch of `carry_unless` may be carried too: the national ranking's office choice).
    read = list(dict.fromkeys([component_id for _param, component_id in carried]
                              + ([carry_unless[0]] if carry_unless else [])))
    states = [State(component_id, "value") for component_id in read]

    @protected_callback(app, permission, Output(location_id, prop), Input(grid_id, "cellClicked"), states,
                        prevent_initial_call=True)
    def open_row(cell, *values):
        """The clicked row's page, or nothing for a click outside the rows."""
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        by_id = dict(zip(read, values))
        dropped = carry_unless[2] if carry_unless and by_id.get(carry_unless[0]) == carry_unless[1] else ()
        href = f"{path}{int(cell['rowId'])}"
        given = {param: value for param, value in ((param, by_id.get(component_id)) for param, component_id in carried)
                 if isinstance(value, str) and value not in ("", "all") and param not in dropped
                 and value in (carry_only or {}).get(param, (value,))}
        if given:
            href += "?" + urlencode(given)
        return opened_from(href, back) if back else href

    return open_row


def register_picker_search(app, permission: str, picker_id: str, search, allow_duplicate: bool = False):
    """Search-as-you-type for a company picker: `search(session, current_user, text)` lists matches (≤ 20).

    `allow_duplicate` where another callback also sets the options (a form loading a saved record).
    """
    @protected_callback(app, permission, Output(picker_id, "options", allow_duplicate=allow_duplicate),
                        Input(picker_id, "search_value"), State(picker_id, "value"), State(picker_id, "options"),
                        prevent_initial_call=True)
    def search_picker(search_value, value, current_options):
        """Matches for what is typed so far; the chosen entry stays in the list so it keeps its label."""
        if not search_value or len(search_value.strip()) < MIN_SEARCH:
            raise PreventUpdate
        with database().session() as db:
            found = search(db, user(), search_value)
        kept = [option for option in (current_options or []) if option["value"] == value]
        return kept + [company_option(item) for item in found if item["id"] != value]

    return search_picker


def register_url_filters(app, permission: str, prefix: str, fields) -> None:
    """Write a list page's filters into its address as they change (layouts/components/url_filters.py reads them
    when the page is drawn): `prefix`-url is the page's dcc.Location."""
    ids = [field.component_id for field in fields]

    @protected_callback(app, permission, Output(f"{prefix}-url", "search"),
                        [Input(field.component_id, field.prop) for field in fields], State(f"{prefix}-url", "search"),
                        prevent_initial_call=True)
    def write_filters(*values):
        """The filters' query string; nothing when the address already says it."""
        *chosen, current = values
        search = url_filters.query_string(dict(zip(ids, chosen)), fields)
        if search == (current or ""):
            raise PreventUpdate
        return search

    return write_filters


def load_record(record_id, load, audit_as: str | None = None):
    """A record page's content: (what `load(session, id)` returns, None), or (None, "not_found" | "forbidden").

    An id that is not a number or names nothing is "not found"; one outside the reader's reach is "forbidden",
    written to the audit log as `audit_as` like the guard's refusals, for the same review; of another section than
    the reader's, "forbidden" naming both sections (a Refusal: layouts/components/empty.py draws it).
    """
    current = user()
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        return None, "not_found"
    try:
        with database().session() as db:
            return load(db, record_id), None
    except (NotFound, InvalidInput):
        return None, "not_found"
    except Forbidden as error:
        if audit_as:
            with database().session() as db:
                audit.record_denied(db, current.id, current.username, current.session_id, audit_as, record_id)
        if isinstance(error, OutsideSection):
            return None, Refusal("forbidden", error.section, error.reader_section)
        return None, "forbidden"


# ---------------------------------------------------------------------------------------- the error path
def is_outage(error: Exception) -> bool:
    """A lost or refused connection: left to portal.web.outage, which answers a quick 503 to retry."""
    if not isinstance(error, outage.UNAVAILABLE):
        return False
    code = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(
        getattr(error, "orig", None), "pgcode", None)
    return code not in REFUSALS


def describe(error: Exception) -> tuple[str, str, str] | None:
    """(title, message, colour) of an error a person can act on, in their language; None for a bug of ours."""
    if isinstance(error, InvalidInput):
        return t("error.invalid_title"), " ".join(error.messages(t).values()), "warning"
    if isinstance(error, Forbidden):
        return t("error.forbidden_title"), t("error.record_forbidden"), "danger"
    if isinstance(error, NotFound):
        return t("error.not_found_title"), t("error.record_not_found"), "warning"
    if isinstance(error, StaleEdit):
        return t("edit.stale_title"), stale_message(error, lambda name: t(f"field.{name}")), "warning"
    if isinstance(error, Conflict):
        changed = [t(f"field.{name}") for name in error.changed]
        text = t("error.conflict") + (" " + t("error.conflict_changed", fields=", ".join(changed)) if changed else "")
        return t("error.conflict_title"), text, "warning"
    if isinstance(error, DBAPIError) and not is_outage(error):
        return t("error.database_title"), t("error.database"), "danger"
    return None


# A long text (a description, an answer) is shown by its start: enough to recognise, short enough to read.
STALE_VALUE_CHARS = 120


def _stale_value(value) -> str:
    if value is None or value == "":
        return t("edit.empty")
    if isinstance(value, bool):
        return t("edit.yes") if value else t("edit.no")
    text = str(value)
    return text if len(text) <= STALE_VALUE_CHARS else text[:STALE_VALUE_CHARS] + "…"


def stale_message(error: StaleEdit, label, shown=None, zone: str | None = None, kept_key: str = "edit.stale_kept"):
    """What every edit form says when its save is refused as stale (portal/services/edit_versions.py): who saved
    the record meanwhile and when, each field changed since the form opened (label: then → now), and that what
    was typed is still in the form. `label(field)` names a field as the form does; `shown(field, value)` may word
    a coded value (a status, a category) the way the form shows it. `kept_key` says how to get the newer version
    where the form has its own way (a button) instead of reloading the page."""
    word = shown or (lambda _field, value: value)
    zone = zone or getattr(user(), "office_timezone", None) or "Asia/Jakarta"
    who = error.by or t("edit.someone")
    saved = t("edit.stale_by", who=who, when=format_datetime(error.at, zone)) if error.at else \
        t("edit.stale_by_someone")
    items = [html.Li([html.Strong(label(field) + ": "), html.Span(_stale_value(word(field, then)), className="qc-then"),
                      " → ", html.Span(_stale_value(word(field, now)), className="qc-now")])
             for field, then, now in error.changes]
    return html.Div([
        html.Div(saved),
        html.Div(t("edit.stale_changes"), className="mt-1") if items else None,
        html.Ul(items, className="mb-1 qc-stale-changes") if items else None,
        html.Div(t(kept_key)),
    ], className="qc-stale-edit")


def _known(error: Exception) -> tuple[str, str, str]:
    """The description of an error, or the error raised again (an outage → 503, a bug → 500 with its trace)."""
    found = describe(error)
    if found is None:
        raise error
    if isinstance(error, DBAPIError):
        current_app.logger.warning("callback refused by the database: %s", str(error.orig or error).splitlines()[0])
    return found


def show_alert(title: str, message: str, colour: str = "warning") -> None:
    """Open the shell's alert (layouts/shell.py) over the page."""
    set_props(ALERT_ID, {"children": [html.Strong(title + " "), message], "color": colour, "is_open": True})


def on_error(error: Exception):
    """The app's one error handler: a known refusal becomes the shell's alert, the outputs stay as they were.

    A callback pointed at a record that is not there stays a 404 (portal/web/bad_requests.py): only a crafted or
    stale request gets there, since the pages that open records draw their own "not found" (load_record).
    """
    if isinstance(error, NotFound):
        raise error
    show_alert(*_known(error))
    return None  # every output: no_update


def shown_in(outputs: dict, alert: str = "error", forbidden_key: str | None = None, **cleared):
    """A callback's own on_error: the message in the page's alert if the callback fills one (outputs `alert` and
    `alert + "_open"`), else the shell's; outputs named in `cleared` get those values, the rest stay.

    `forbidden_key` words a refusal the way the page can explain it ("only your own section").
    """
    def handle(error: Exception):
        title, message, colour = _known(error)
        if forbidden_key and isinstance(error, Forbidden):
            message = t(forbidden_key)
        values = {key: no_update for key in outputs}
        # A value may be a function: text in the reader's language is only known while answering.
        values.update({key: value() if callable(value) else value for key, value in cleared.items()
                       if key in outputs})
        if alert in outputs and f"{alert}_open" in outputs:
            values[alert], values[f"{alert}_open"] = message, True
        else:
            show_alert(title, message, colour)
        return values

    return handle


def table_download(columns, rows, stem: str, xlsx: bool, zone: str, sheet: str = "Data") -> dict:
    """A dcc.Download payload of a list: XLSX, or CSV for an Indonesian spreadsheet (`;`, decimal comma), named
    with the office's date."""
    if xlsx:
        return dcc.send_bytes(exports.xlsx_bytes(columns, rows, sheet=sheet), exports.filename(stem, "xlsx", zone),
                              type=exports.XLSX_MIME)
    return dcc.send_bytes(exports.csv_bytes(columns, rows), exports.filename(stem, "csv", zone),
                          type=exports.CSV_MIME)


def export_failed(error: Exception):
    """An export that cannot be built says so in the shell's alert (it used to fail without a word)."""
    if is_outage(error):
        raise error
    found = describe(error)
    if found is None:
        current_app.logger.error("export failed", exc_info=error)
        found = (t("error.export_title"), t("error.export"), "danger")
    show_alert(*found)
    return no_update


def register(app) -> None:
    """The shell's alert closes when the reader moves to another page (it spoke of the page they left): in the
    browser (assets/qc-shell.js), so a page change costs no request for it."""
    protected_clientside_callback(app, AUTHENTICATED, ClientsideFunction("qcShell", "closeAlert"),
                                  Output(ALERT_ID, "is_open"), Input("shell-url", "pathname"),
                                  prevent_initial_call=True)


def register_timed_alerts(app, permission: str, *alert_ids: str) -> None:
    """Each of these alerts that closes by itself (a `duration`) gives every new message its whole time, in the
    browser (assets/qc-shell.js: restartTimer): without it, a message shown while the last one was still open went
    with the last one's timer."""
    for alert_id in alert_ids:
        protected_clientside_callback(app, permission, ClientsideFunction("qcShell", "restartTimer"),
                                      # A save's callback may set the alert's duration too.
                                      Output(alert_id, "duration", allow_duplicate=True), Input(alert_id, "children"),
                                      State(alert_id, "duration"), prevent_initial_call=True)


def register_date_words(app, permission: str, *control_ids: str) -> None:
    """The date in words under each of these recorded date fields (layouts.components.date_words), written in the
    browser (assets/qc-shell.js: dateWords) whenever the field's value changes, typed or filled by a callback.
    ``permission``: the form's own, so a role that may not use the form is not even told of these callbacks."""
    for control_id in control_ids:
        protected_clientside_callback(app, permission, ClientsideFunction("qcShell", "dateWords"),
                                      Output(words_id(control_id), "children"), Input(control_id, "value"))


def register_month_words(app, permission: str, *control_ids: str) -> None:
    """The month in words ("Juli 2026") under each of these month fields (layouts.components.date_words), written in
    the browser (assets/qc-shell.js: monthWords) as the dates' are, under the page's own ``permission``."""
    for control_id in control_ids:
        protected_clientside_callback(app, permission, ClientsideFunction("qcShell", "monthWords"),
                                      Output(words_id(control_id), "children"), Input(control_id, "value"))


def register_unsaved_guard(app, permission: str, guard_id: str, opened: str, fields, blank=(), open_while=None,
                           empty=None) -> None:
    """Ask before a link, a reload or a closed tab leaves this form changed and not saved
    (layouts.components.unsaved): `opened` is the store holding what the form opened (edit_versions.opened),
    `fields` which control shows each of its values (an id: its `value`; or (id, property)), `blank` controls that
    start empty at every opening, `open_while` the dialog holding the form, `empty` a control's word for no value by
    its id. The browser compares on every change (assets/qc-shell.js: unsavedForm), so typing costs no request. A
    save rewrites the opened store with what it saved: the form is then unchanged again by itself.
    ``permission``: the form's own, as for the dates."""
    watched, told = unsaved.declaration(opened, fields, blank, open_while, empty)
    known = unsaved.forms(app.server)
    if known.get(guard_id, (permission, told)) != (permission, told):
        raise ValueError(f"two forms guarded as {guard_id!r}")
    known[guard_id] = (permission, told)
    # The browser keeps the answer itself (qcUnsaved); the output, the store's own id, is never written: it names the
    # form's page, as every callback's output does.
    protected_clientside_callback(app, permission, ClientsideFunction("qcShell", "unsavedForm"), Output(opened, "id"),
                                  [Input(component_id, prop) for component_id, prop in watched],
                                  State(unsaved.FORMS_ID, "data"))


def plain(tree):
    """A drawn answer as the plain dicts and lists Dash sends the browser ({"type", "namespace", "props"} per
    component): what a view cache keeps of a drawing. Plain values pickle and unpickle in C and Dash serialises them
    without asking each component for its JSON, so a cached drawing costs a fraction of drawing it again."""
    if isinstance(tree, Component):
        drawn = tree.to_plotly_json()
        drawn["props"] = {key: plain(value) for key, value in drawn["props"].items()}
        return drawn
    if isinstance(tree, (list, tuple)):
        return [plain(part) for part in tree]
    if isinstance(tree, dict):
        return {key: plain(value) for key, value in tree.items()}
    return tree

