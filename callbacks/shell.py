"""The shell's callbacks: draw the page for the address (after checking its permission), the phone menu."""
from __future__ import annotations

from dash import Input, Output, State

from layouts.common import forbidden, not_found
from portal import pages
from portal.access import protected_callback, user
from portal.permissions import AUTHENTICATED


def register(app) -> None:
    @protected_callback(app, AUTHENTICATED, Output("shell-content", "children"), Input("shell-url", "pathname"))
    def show_page(pathname):
        """The router: the page at this address, drawn only if the role may open it."""
        found = pages.match(pathname or "/")
        if found is None:
            return not_found()
        page, arguments = found
        current = user()
        if not current.can(page.permission):
            return forbidden()
        return page.render(current, **arguments)

    @protected_callback(app, AUTHENTICATED, Output("shell-navbar-collapse", "is_open"),
                        Input("shell-navbar-toggler", "n_clicks"), State("shell-navbar-collapse", "is_open"),
                        prevent_initial_call=True)
    def toggle_menu(_clicks, is_open):
        """Open and close the menu on narrow screens."""
        return not is_open
