"""The shell's callbacks: draw the page for the address (after checking its permission), the phone menu,
and the warning that the IQFast data is stale."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, dcc, html

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
    # The router draws the page and names it in one answer: a page change is one request to the server, not one
    # per shell element (the title's store, the menu and the alert follow in the browser, assets/qc-shell.js).
    @protected_callback(app, AUTHENTICATED, [Output("shell-content", "children"), Output(TITLE_ID, "data")],
                        Input("shell-url", "pathname"), State("shell-url", "search"))
    def show_page(pathname, search=None):
        """The router: the page at this address, drawn only if the role may open it, and its title."""
        found = pages.match(pathname or "/")
        if found is None:
            return not_found(), document_title(None)
        page, arguments = found
        current = user()
        if not current.can(page.permission):
            return forbidden(), document_title(None)
        # The query string reaches the layout (a list draws its filters from it); it is a State: a page that
        # writes its filters into the address is not drawn again for it.
        return page.render(current, query=search or "", **arguments), document_title(pathname)

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

    # Open and close the menu on narrow screens; a page opened from it closes it (on a phone the open menu otherwise
    # covers the page just chosen). Only the browser's own state: answered in the browser, no request.
    protected_clientside_callback(app, AUTHENTICATED, ClientsideFunction("qcShell", "toggleMenu"),
                                  Output("shell-navbar-collapse", "is_open"), Input("shell-navbar-toggler", "n_clicks"),
                                  Input("shell-url", "pathname"), State("shell-navbar-collapse", "is_open"),
                                  prevent_initial_call=True)
