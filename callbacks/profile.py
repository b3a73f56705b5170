"""The service-user profile's callbacks: load it within the caller's reach, draw it."""
from __future__ import annotations

from dash import Input, Output

from callbacks.common import register_section_loader
from callbacks.rankings import compliance_sections
from layouts import profile as page
from portal import audit
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import profile as compliance_profile
from portal.validation import Forbidden, InvalidInput, NotFound

PERMISSION = "rankings.view"


def register(app) -> None:
    register_section_loader(app, PERMISSION, "profile-section", Input("profile-id", "data"), compliance_sections)

    @protected_callback(app, PERMISSION, Output("profile-body", "children"),
                        Input("profile-id", "data"), Input("profile-section", "value"))
    def show(service_user_id, section):
        """The whole profile, or a refusal: a company outside a coordinator's section, or none at all."""
        current = user()
        try:
            service_user_id = int(service_user_id)
        except (TypeError, ValueError):
            return page.refused("not_found")
        try:
            with database().session() as db:
                scope = compliance_filters.company_reach(db, current.scope, service_user_id)
                detail = compliance_profile.profile(db, service_user_id, **scope, section=section)
        except (NotFound, InvalidInput):
            return page.refused("not_found")
        except Forbidden:
            with database().session() as db:  # logged like the guard's refusals, for the same review
                audit.record(db, current.id, current.username, "access_denied", "service_user", service_user_id)
            return page.refused("forbidden")
        return page.render(detail, current)
