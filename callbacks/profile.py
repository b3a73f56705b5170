"""The service-user profile's callbacks: load it within the caller's reach, draw it."""
from __future__ import annotations

from dash import Input, Output

from callbacks.common import load_record, register_section_loader
from callbacks.rankings import compliance_sections
from layouts import profile as page
from portal.security.access import protected_callback, user
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import profile as compliance_profile

PERMISSION = "rankings.view"


def register(app) -> None:
    register_section_loader(app, PERMISSION, "profile-section", Input("profile-id", "data"), compliance_sections)

    @protected_callback(app, PERMISSION, Output("profile-body", "children"),
                        Input("profile-id", "data"), Input("profile-section", "value"))
    def show(service_user_id, section):
        """The whole profile, or a refusal: a company outside a coordinator's section, or none at all."""
        current = user()

        def load(db, found_id):
            reach = compliance_filters.company_reach(db, current.scope, found_id)
            return compliance_profile.profile(db, found_id, **reach, section=section)

        detail, refusal = load_record(service_user_id, load, audit_as="service_user")
        if refusal:
            return page.refused(refusal)
        return page.render(detail, current)
