"""The handler page's callback: the companies a PPJK served, within the caller's reach."""
from __future__ import annotations

from dash import Input, Output

from callbacks.common import load_record
from layouts import handler as page
from portal.security.access import protected_callback, user
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import profile as compliance_profile

PERMISSION = "rankings.view"


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("handler-body", "children"), Input("handler-id", "data"))
    def show(handler_id):
        """The handler's page, or a refusal: none such, or not within the reader's reach."""
        current = user()
        detail, refusal = load_record(handler_id, lambda db, found_id: compliance_profile.handler_profile(
            db, found_id, **compliance_filters.handler_reach(current.scope)))
        if refusal:
            return page.refused(refusal)
        return page.render(detail, current)
