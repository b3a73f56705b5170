"""The shell's callbacks: draw the page for the address (after checking its permission), the phone menu,
and the warning that the IQFast data is stale."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html

from layouts.components.empty import forbidden, not_found
from layouts.components.formatting import format_datetime, format_duration
from layouts.shell import TITLE_ID, document_title
from portal import pages
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.security.permissions import AUTHENTICATED
from portal.services.sync import status as sync_status


def stale_data_notice(current) -> tuple:
    """(children, is_open, colour) of the staleness alert for this user; closed when the data is fresh."""
    with database().session() as db:
        fresh = sync_status.freshness(db, settings().sync_interval_minutes)
    if not fresh["stale"] or fresh["fresh_install"]:
        return None, False, "warning"
    last = fresh["last_success_at"]
    if current.scope.company_scoped:
        text = t("shell.sync.user_last_updated", at=format_datetime(last, current.office_timezone)) if last \
            else t("shell.sync.user_not_updated")
        return [html.I(className="bi bi-info-circle me-2"), text], True, "info"
    text = t("shell.sync.stale", at=format_datetime(last, current.office_timezone),
             age=format_duration(fresh["age_seconds"]), minutes=settings().sync_interval_minutes) if last \
        else t("shell.sync.never")
    children = [html.I(className="bi bi-exclamation-triangle-fill me-2"), text]
    if current.can("admin.settings"):
        children += [" ", dcc.Link(t("shell.sync.open_admin"), href="/admin/sync", className="alert-link")]
    return children, True, "warning"


def register(app) -> None:
    @protected_callback(app, AUTHENTICATED, Output("shell-content", "children"), Input("shell-url", "pathname"),
                        State("shell-url", "search"))
    def show_page(pathname, search=None):
        """The router: the page at this address, drawn only if the role may open it."""
        found = pages.match(pathname or "/")
        if found is None:
            return not_found()
        page, arguments = found
        current = user()
        if not current.can(page.permission):
            return forbidden()
        # The query string reaches the layout (a list draws its filters from it); it is a State: a page that
        # writes its filters into the address is not drawn again for it.
        return page.render(current, query=search or "", **arguments)

    @protected_callback(app, AUTHENTICATED, Output(TITLE_ID, "data"), Input("shell-url", "pathname"),
                        prevent_initial_call=True)
    def page_title(pathname):
        """The title of the page a link inside the portal opened (the first load has it in the index page)."""
        found = pages.match(pathname or "/")
        return document_title(pathname if found and user().can(found[0].permission) else None)

    # The tab's title follows (assets/qc-shell.js: no inline script, so the Content-Security-Policy stays as it is).
    protected_clientside_callback(app, AUTHENTICATED, ClientsideFunction("qcShell", "setTitle"),
                                  Output(TITLE_ID, "id"), Input(TITLE_ID, "data"), prevent_initial_call=True)

    @protected_callback(app, AUTHENTICATED,
                        [Output("shell-sync-warning", "children"), Output("shell-sync-warning", "is_open"),
                         Output("shell-sync-warning", "color")],
                        Input("shell-sync-interval", "n_intervals"))
    def sync_warning(_ticks):
        """Warn when the IQFast copy is stale; service users get a gentler 'last updated' notice."""
        return stale_data_notice(user())

    @protected_callback(app, AUTHENTICATED, Output("shell-navbar-collapse", "is_open"),
                        Input("shell-navbar-toggler", "n_clicks"), Input("shell-url", "pathname"),
                        State("shell-navbar-collapse", "is_open"), prevent_initial_call=True)
    def toggle_menu(_clicks, _pathname, is_open):
        """Open and close the menu on narrow screens; a page opened from it closes it (on a phone the open menu
        otherwise covers the page just chosen)."""
        return not is_open if ctx.triggered_id == "shell-navbar-toggler" else False
