"""Admin › Audit log callbacks."""
from __future__ import annotations

import json
from datetime import date

from dash import Input, Output, State, ctx

from portal import i18n
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


def _compact(value) -> str:
    return "" if value in (None, {}, []) else json.dumps(value, ensure_ascii=False, default=str)


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("admin-audit-action", "options"), Input("admin-audit-page", "id"))
    def load_actions(_):
        with database().session() as db:
            names = audit_log.actions(db)
        return [{"label": t("admin_audit.all_actions"), "value": "all"}] + [
            {"label": t(f"audit.action.{name}"), "value": name} for name in names]

    @protected_callback(
        app, PERMISSION,
        [Output("admin-audit-grid", "rowData"), Output("admin-audit-count", "children"),
         Output("admin-audit-page", "data"), Output("admin-audit-prev", "disabled"),
         Output("admin-audit-next", "disabled")],
        Input("admin-audit-user", "value"), Input("admin-audit-action", "value"), Input("admin-audit-from", "value"),
        Input("admin-audit-to", "value"), Input("admin-audit-prev", "n_clicks"), Input("admin-audit-next", "n_clicks"),
        State("admin-audit-page", "data"))
    def load_page(username, action, date_from, date_to, _prev, _next, page):
        """A page of entries; a changed filter starts again from the first page."""
        page = page or 0
        if ctx.triggered_id == "admin-audit-next":
            page += 1
        elif ctx.triggered_id == "admin-audit-prev":
            page = max(page - 1, 0)
        else:
            page = 0
        current = user()
        with database().session() as db:
            result = audit_log.search(db, username=username, action=None if action in (None, "", "all") else action,
                                      date_from=_parse_date(date_from), date_to=_parse_date(date_to),
                                      tz=current.office_timezone, page=page)
        rows = [{"at": i18n.format_datetime(r["at"], current.office_timezone), "username": r["username"] or "—",
                 "action_label": t(f"audit.action.{r['action']}"),
                 "object": f"{r['object_type'] or ''} {r['object_id'] or ''}".strip(),
                 "before": _compact(r["before"]), "after": _compact(r["after"]), "ip": r["ip"] or ""}
                for r in result["rows"]]
        first = page * result["page_size"] + (1 if rows else 0)
        last = page * result["page_size"] + len(rows)
        count = t("pager.showing", first=first, last=last, total=result["total"])
        return rows, count, page, page == 0, last >= result["total"]
