"""The handler page's callback: the companies a PPJK served, within the caller's reach."""
from __future__ import annotations

from dash import Input, Output

from layouts import handler as page
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import profile as compliance_profile
from portal.validation import Forbidden, NotFound

PERMISSION = "rankings.view"


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("handler-body", "children"), Input("handler-id", "data"))
    def show(handler_id):
        current = user()
        try:
            handler_id = int(handler_id)
        except (TypeError, ValueError):
            return page.refused("not_found")
        try:
            with database().session() as db:
                reach = compliance_filters.handler_reach(current.scope)
                detail = compliance_profile.handler_profile(db, handler_id, **reach)
        except NotFound:
            return page.refused("not_found")
        except Forbidden:
            return page.refused("forbidden")
        return page.render(detail, current)
