"""Admin › Audit log callbacks: the filtered page of entries, and one entry's drawer."""
from __future__ import annotations

from datetime import date

from dash import Input, Output, no_update

from callbacks.common import page_of, paged_callback, register_date_words
from layouts import admin_audit as view
from layouts.components.formatting import actor_name, format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import audit_log

PERMISSION = "admin.audit"


def _parse_date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def register(app) -> None:
    register_date_words(app, PERMISSION, "admin-audit-from", "admin-audit-to")

    @protected_callback(app, PERMISSION, Output("admin-audit-action", "options"), Input("admin-audit-page", "id"))
    def load_actions(_):
        with database().session() as db:
            names = audit_log.actions(db)
        return [{"label": t("admin_audit.all_actions"), "value": "all"}] + sorted(
            ({"label": view.action_label(name), "value": name} for name in names), key=lambda o: o["label"])

    @paged_callback(
        app, PERMISSION, "admin-audit",
        output={"rows": Output("admin-audit-grid", "rowData"), "error": Output("admin-audit-error", "children"),
                "error_open": Output("admin-audit-error", "is_open")},
        inputs={"username": Input("admin-audit-user", "value"), "action": Input("admin-audit-action", "value"),
                "date_from": Input("admin-audit-from", "value"), "date_to": Input("admin-audit-to", "value")})
    def load_page(page, username, action, date_from, date_to):
        """A page of entries; a changed filter starts again from the first page. A range the service refuses (the
        end before the start) empties the list and says why in the page's alert (callbacks.common.shown_in)."""
        current = user()
        with database().session() as db:
            result = audit_log.search(db, username=username, action=None if action in (None, "", "all") else action,
                                      date_from=_parse_date(date_from), date_to=_parse_date(date_to),
                                      tz=current.office_timezone, page=page)
        rows = [{"id": r["id"], "at": format_datetime(r["at"], current.office_timezone),
                 "username": actor_name(r["username"]),
                 "action_label": view.action_label(r["action"], r["occurrences"]),
                 "record": view.record_cell(r),
                 "record_path": view.record_path(r["object_type"], r["object_id"]),
                 "changed": view.changes_summary(r["object_type"], r["changes"])}
                for r in result["rows"]]
        return {"rows": rows, "error": "", "error_open": False}, page_of(result, page)

    @protected_callback(app, PERMISSION, Output("admin-audit-detail", "children"),
                        Output("admin-audit-drawer", "is_open"), Input("admin-audit-grid", "cellClicked"),
                        prevent_initial_call=True)
    def open_entry(cell):
        """A row clicked (or Enter on it) opens its entry in the drawer."""
        if not cell or cell.get("rowId") in (None, ""):
            return no_update, no_update
        current = user()
        with database().session() as db:
            entry = audit_log.entry(db, int(cell["rowId"]))
        return view.detail(entry, current.office_timezone), True
