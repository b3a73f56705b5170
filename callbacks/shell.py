"""The shell's callbacks: draw the page for the address (after checking its permission), the phone menu,
and the warning that the IQFast data is stale."""
from __future__ import annotations

import dataclasses
import hashlib
import pickle
import threading
from collections import OrderedDict
from typing import Callable

from dash import ClientsideFunction, Input, Output, State, dcc, html
from flask import current_app

from callbacks.common import plain
from layouts.components.empty import forbidden, not_found
from layouts.components.formatting import format_datetime, format_duration
from layouts.shell import TITLE_ID, document_title
from portal import pages
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.extensions import database, settings
from portal.domain.periods import today_in
from portal.i18n import current_language, t
from portal.security.permissions import AUTHENTICATED
from portal.services import applications
from portal.services.sync import status as sync_status
from portal.view_cache import cached


def active_sections() -> tuple[tuple[str, str, str], ...]:
    """The active sections as (code, name_id, name_en), for a page's section select (`Page.sections`); part of the
    kept drawing's key, so a changed list draws the page afresh."""
    with database().session() as db:
        return tuple((s["code"], s["name_id"], s["name_en"]) for s in cached(db, applications.section_options))


def known_section(value) -> str | None:
    """A section select's value when it names an active section, else None (every section): an address or a request
    made by hand may carry any code, and the pages treat one they do not know as no choice."""
    return value if value in {code for code, *_names in active_sections()} else None


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
    text = [t("shell.sync.never")]
    if last:
        # On a phone the reason stays short: the whole sentence took five lines, a fifth of the screen, on every page.
        minutes = settings().sync_interval_minutes
        text = [t("shell.sync.stale", at=format_datetime(last, current.office_timezone),
                  age=format_duration(fresh["age_seconds"])),
                html.Span(t("shell.sync.stale_why", minutes=minutes), className="d-none d-sm-inline"),
                html.Span(t("shell.sync.stale_why_short"), className="d-sm-none")]
    children = [html.I(className="bi bi-exclamation-triangle-fill me-2"), *text]
    if current.can("admin.settings"):
        children += [" ", dcc.Link(t("shell.sync.open_admin"), href="/admin/sync", className="alert-link")]
    return children, True, "warning"


# ---------------------------------------------------------------------------------- the kept drawings
# A person's drawn pages, kept for their next visit (issue #17).
#
# The router draws a page from the reader, the address (path arguments and query string), the language and the day
# only: layouts read no data — their callbacks do, after the page is drawn. (A page with a section select is also
# given the active sections, read by the router and part of the key: `Page.sections`.) So a person opening the same page with
# the same filters again (officers move between four or five pages all day) gets the drawing they got last time
# instead of building some hundred Dash components and asking each for its JSON again.
#
# Kept per person (every field of the logged-in user but the session, so a changed role, office or section draws
# afresh), per app in each process (its settings are part of some drawings), as pickled plain dicts
# (`callbacks.common.plain`): a copy per answer, small (≈ 15 kB for the rankings page), bounded (the least recently
# used go first). Pages whose drawing holds something of the moment — a CSRF token in a form posted outside Dash —
# are drawn every time (`Page.drawn_fresh`); tests/pages/test_drawn_pages.py draws every page in two sessions.
KEPT_DRAWINGS = 512  # ≈ 15 kB each: a few MB per worker at most, enough for fifty people's usual pages
_lock = threading.Lock()


def _kept() -> OrderedDict[tuple, bytes]:
    """This app's kept drawings, oldest visit first."""
    return current_app.extensions.setdefault("qcorner_drawn_pages", OrderedDict())


def _key(current, page, query: str, arguments: dict) -> tuple:
    person = tuple((f.name, getattr(current, f.name)) for f in dataclasses.fields(current) if f.name != "session_id")
    # The query string by its digest: the browser chooses it (megabytes, up to the callback body limit), and the key
    # is kept as long as its drawing — the drawing itself holds only what the layout accepted of it (url_filters).
    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
    return (page.key, tuple(sorted(arguments.items())), digest, current_language(), today_in(current.office_timezone),
            person)


def drawn(current, page, query: str, arguments: dict, draw: Callable):
    """The page as `draw()` draws it, from this person's last identical visit when there was one."""
    if page.drawn_fresh:
        return draw()
    key = _key(current, page, query, arguments)
    drawings = _kept()
    with _lock:
        kept = drawings.get(key)
        if kept is not None:
            drawings.move_to_end(key)
    if kept is not None:
        return pickle.loads(kept)
    tree = plain(draw())
    kept = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        drawings[key] = kept
        while len(drawings) > KEPT_DRAWINGS:
            drawings.popitem(last=False)
    return tree


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
        query = search or ""
        if page.sections and not current.scope.section_scoped:
            arguments = {**arguments, "sections": active_sections()}
        return drawn(current, page, query, arguments, lambda: page.render(current, query=query, **arguments)), \
            document_title(pathname)

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

    # The menu marks the page being read (assets/qc-shell.js markMenu), also inside a drop-down.
    protected_clientside_callback(app, AUTHENTICATED, ClientsideFunction("qcShell", "markMenu"),
                                  Output("shell-nav", "id"), Input("shell-url", "pathname"))

    # Open and close the menu on narrow screens; a page opened from it closes it (on a phone the open menu otherwise
    # covers the page just chosen). Only the browser's own state: answered in the browser, no request.
    protected_clientside_callback(app, AUTHENTICATED, ClientsideFunction("qcShell", "toggleMenu"),
                                  Output("shell-navbar-collapse", "is_open"), Input("shell-navbar-toggler", "n_clicks"),
                                  Input("shell-url", "pathname"), State("shell-navbar-collapse", "is_open"),
                                  prevent_initial_call=True)
