"""The handler page's callbacks: the header within the caller's reach, then its companies a page at a time."""
from __future__ import annotations

from dash import Input, Output

from callbacks.common import load_record, page_of, paged_callback, register_open_row
from layouts import handler as page
from portal.extensions import database
from portal.security.access import protected_callback, user
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import profile as compliance_profile

PERMISSION = "rankings.view"
COMPANIES_PAGE_SIZE = 20


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("handler-body", "children"), Input("handler-id", "data"))
    def show(handler_id):
        """The handler's page (its companies come a page at a time), or a refusal: none such, or not within the
        reader's reach."""
        current = user()
        detail, refusal = load_record(handler_id, lambda db, found_id: compliance_profile.handler_profile(
            db, found_id, **compliance_filters.handler_reach(current.scope), page_size=0))
        if refusal:
            return page.refused(refusal)
        return page.render(detail, current)

    @paged_callback(app, PERMISSION, "handler-companies",
                    output={"rows": Output("handler-companies-grid", "rowData")},
                    inputs={"handler_id": Input("handler-id", "data")})
    def companies(number, handler_id=None):
        """A page of the companies, the latest served first (the service checks the reach again)."""
        current = user()
        with database().session() as db:
            result = compliance_profile.handler_profile(db, int(handler_id), **compliance_filters.handler_reach(
                current.scope), page=number, page_size=COMPANIES_PAGE_SIZE)
        rows = [page.company_row(company, result["timezone"]) for company in result["companies"]]
        return {"rows": rows}, page_of({"rows": rows, "page_size": COMPANIES_PAGE_SIZE, "total": result["total"]},
                                       number)

    register_open_row(app, PERMISSION, "handler-companies-grid", "handler-go", "/profile/")
