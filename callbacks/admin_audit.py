"""Admin › Audit log callbacks."""
from __future__ import annotations

import json
from datetime import date

from dash import Input, Output

from callbacks.common import page_of, paged_callback
from layouts.components.formatting import format_datetime
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

    @paged_callback(
        app, PERMISSION, "admin-audit", output={"rows": Output("admin-audit-grid", "rowData")},
        inputs={"username": Input("admin-audit-user", "value"), "action": Input("admin-audit-action", "value"),
                "date_from": Input("admin-audit-from", "value"), "date_to": Input("admin-audit-to", "value")})
    def load_page(page, username, action, date_from, date_to):
        """A page of entries; a changed filter starts again from the first page."""
        current = user()
        with database().session() as db:
            result = audit_log.search(db, username=username, action=None if action in (None, "", "all") else action,
                                      date_from=_parse_date(date_from), date_to=_parse_date(date_to),
                                      tz=current.office_timezone, page=page)
        rows = [{"at": format_datetime(r["at"], current.office_timezone), "username": r["username"] or "—",
                 "action_label": t(f"audit.action.{r['action']}"),
                 "object": f"{r['object_type'] or ''} {r['object_id'] or ''}".strip(),
                 "before": _compact(r["before"]), "after": _compact(r["after"]), "ip": r["ip"] or ""}
                for r in result["rows"]]
        return {"rows": rows}, page_of(result, page)
