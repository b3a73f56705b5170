"""The application page's callback: load it within the caller's reach, draw its sections."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output

from callbacks.common import load_record
from layouts import application_detail as page
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.services import applications, targeting

PERMISSION = "applications.view"


def register(app) -> None:
    # The tab named by the application's number once it is drawn (assets/qc-shell.js: recordTitle).
    protected_clientside_callback(app, PERMISSION, ClientsideFunction("qcShell", "recordTitle"),
                                  Output("application-detail-body", "id"), Input("application-detail-body", "children"),
                                  prevent_initial_call=True)

    @protected_callback(app, PERMISSION, Output("application-detail-body", "children"),
                        Input("application-detail-id", "data"))
    def show(application_id):
        """The whole page, or a refusal: another section's application (coordinators) or none at all."""
        current = user()
        detail, refusal = load_record(application_id, lambda db, found_id: {
            **applications.application_detail(db, found_id, **applications.reach(current.scope)),
            "targeting": targeting.decision_for(db, found_id)}, audit_as="application")
        if refusal:
            return page.refused(refusal)
        return page.render(detail, current)
