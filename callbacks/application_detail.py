"""The application page's callback: load it within the caller's reach, draw its sections."""
from __future__ import annotations

from dash import Input, Output

from layouts import application_detail as page
from portal import audit
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.services import applications
from portal.validation import Forbidden, NotFound

PERMISSION = "applications.view"


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("application-detail-body", "children"),
                        Input("application-detail-id", "data"))
    def show(application_id):
        """The whole page, or a refusal: another section's application (coordinators) or none at all."""
        current = user()
        try:
            application_id = int(application_id)
        except (TypeError, ValueError):
            return page.refused("not_found")
        try:
            with database().session() as db:
                detail = applications.application_detail(db, application_id, **applications.reach(current.scope))
        except NotFound:
            return page.refused("not_found")
        except Forbidden:
            with database().session() as db:  # logged like the guard's refusals, for the same review
                audit.record(db, current.id, current.username, "access_denied", "application", application_id)
            return page.refused("forbidden")
        return page.render(detail, current)
