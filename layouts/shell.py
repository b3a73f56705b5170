"""The frame around every page: navigation for the role, the office, the user, language, logout."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import has_request_context
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from layouts.components import unsaved
from portal.extensions import settings
from portal.i18n import t
from portal.pages import match, menu_entries

SYNC_CHECK_MS = 3 * 60 * 1000  # how often an open page re-checks whether the IQFast data is stale
# How often the menu's counts (unread notifications, open correction requests) are read again. Once a minute, not on
# every page change: a person moving between pages every few seconds would otherwise cost a request per count each
# time, for numbers that change with a sync or another officer's answer; the pages that change them redraw them.
COUNTS_CHECK_MS = 60 * 1000
# The alert callbacks.common.on_error opens when a service refuses what a page asked (one place for every page).
ALERT_ID = "shell-alert"


# The page's name in the browser's tab, history and a screen reader's first words (WCAG 2.4.2).
TITLE_ID = "shell-title"


def document_title(path: str | None) -> str:
    """"<page> · Q-Corner" for the page at this address, "Q-Corner" where no page lives."""
    found = match(path or "/")
    return f"{t(found[0].title_key)} · Q-Corner" if found else "Q-Corner"


def layout():
    """Drawn on every page load for the logged-in user (the guard keeps anonymous users out)."""
    if not has_request_context() or not current_user.is_authenticated:
        return html.Div([dcc.Location(id="shell-url"), html.Div(id="shell-content")])
    user = current_user
    return html.Div([
        # The first thing a keyboard reaches: past the menu to the page itself (WCAG 2.4.1).
        html.A(t("shell.skip_to_content"), href="#shell-main", id="shell-skip",
               className="visually-hidden-focusable qc-skip-link"),
        dcc.Location(id="shell-url"),
        dcc.Store(id=TITLE_ID),
        html.Div(t("demo.banner"), className="qc-demo-banner", id="shell-demo-banner")
        if settings().env == "demo" else None,
        navbar(user),
        # Filled by callbacks/shell.py when the IQFast data is stale (checked on load and every few minutes).
        dbc.Container(dbc.Alert(id="shell-sync-warning", is_open=False, color="warning", className="mt-3 mb-0 py-2"),
                      fluid="xxl"),
        dcc.Interval(id="shell-sync-interval", interval=SYNC_CHECK_MS),
        dcc.Interval(id="shell-counts-interval", interval=COUNTS_CHECK_MS),
        dbc.Container(dbc.Alert(id=ALERT_ID, is_open=False, dismissable=True, color="warning",
                                className="mt-3 mb-0 py-2"), fluid="xxl"),
        html.Main(dbc.Container(id="shell-content", fluid="xxl", className="qc-page"), id="shell-main",
                  tabIndex="-1"),
        # What assets/qc-callback-errors.js says, in the reader's language, when a callback is refused.
        html.Div(id="qc-callback-error", hidden=True, **{
            f"data-{kind}": t(f"error.callback.{key}") for kind, key in (
                ("session", "session"), ("unavailable", "unavailable"), ("busy", "busy"), ("tooLarge", "too_large"),
                ("failed", "failed"), ("offline", "offline"), ("login", "login"), ("reload", "reload"),
                ("close", "close"))}),
        # The role's forms that ask before a changed one is left, and the question (layouts/components/unsaved.py).
        *unsaved.shell_parts(user),
    ])


def navbar(user):
    links = [_group_menu(*entry) if isinstance(entry, tuple) else _menu_link(entry) for entry in menu_entries(user)]
    role_label = t(f"role.{user.role}") + (f" · {t('section.' + user.section_code)}" if user.section_code else "")
    other_language = "en" if user.language == "id" else "id"
    user_menu = dbc.DropdownMenu(
        label=html.Span([html.I(className="bi bi-person-circle me-1"), user.full_name], id="shell-user-name"),
        children=[
            dbc.DropdownMenuItem(role_label, header=True, id="shell-user-role"),
            dbc.DropdownMenuItem(user.office_name, header=True),
            dbc.DropdownMenuItem(divider=True),
            *_install_items(user),
            dbc.DropdownMenuItem([html.I(className="bi bi-question-circle me-1"), t("page.help")], href="/help",
                                 id="shell-nav-help"),
            # A plain page of the server (portal/web/auth.py), not one of Dash's: loaded, not routed.
            dbc.DropdownMenuItem([html.I(className="bi bi-key me-1"), t("nav.change_password")], href="/password",
                                 external_link=True, id="shell-nav-password"),
            _language_form(other_language),
            _logout_form(),
        ],
        nav=True, in_navbar=True, align_end=True, color="link", toggle_class_name="text-white",
        class_name="qc-user-menu",  # assets/qcorner.css: the name takes the room left on its line of the menu
    )
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand([html.I(className="bi bi-shield-check me-2"), "Q-Corner",
                             html.Small(user.office_name, className="ms-2 fw-normal d-none d-lg-inline",
                                        id="shell-office")], href="/"),
            _bell(user),
            # A plain button: dbc.NavbarToggler says "Toggle navigation" to a screen reader in every language.
            html.Button(html.Span(className="navbar-toggler-icon"), id="shell-navbar-toggler", type="button",
                        className="navbar-toggler border-light",
                        **{"aria-label": t("shell.menu_toggle"), "aria-controls": "shell-navbar-collapse"}),
            dbc.Collapse(dbc.Nav(links + [user_menu], navbar=True, className="ms-auto", id="shell-nav"),
                         id="shell-navbar-collapse", navbar=True, is_open=False),
        ], fluid=True),  # the whole width: the admin's menu in English needs it (the page below stays at xxl)
        className="qc-navbar", dark=True, expand="lg",
    )


def _menu_link(page):
    """A page of its own on the bar. Its id (shell-nav-<key>) and href are what assets/qc-shell.js markMenu reads to
    mark the page being read."""
    return dbc.NavItem(dbc.NavLink([html.I(className=f"bi {page.icon} me-1"), t(page.title_key), _count_badge(page.key)],
                                   href=page.path, id=f"shell-nav-{page.key}"))


def _group_menu(group: str, members):
    """A drop-down of a group's pages (portal/pages.py menu_entries); its toggle is marked too while one of them is
    being read (assets/qc-shell.js markMenu)."""
    items = [dbc.DropdownMenuItem([html.I(className=f"bi {page.icon} me-1"), t(page.title_key)], href=page.path,
                                  id=f"shell-nav-{page.key}") for page in members]
    return dbc.DropdownMenu(label=t(f"nav.group.{group}"), children=items, nav=True, in_navbar=True,
                            id=f"shell-nav-group-{group}", toggle_class_name="text-white")


def _install_items(user):
    """"Pasang aplikasi" for the service users (their pages are an installable app, portal/web/pwa.py): hidden
    until assets/qc-pwa.js learns the browser can install it; on iOS, which has no prompt, a text hint instead."""
    if not user.can("my.view"):
        return []
    return [dbc.DropdownMenuItem([html.I(className="bi bi-phone me-1"), t("pwa.install")], id="shell-install",
                                 className="qc-install-item"),
            html.Div([html.I(className="bi bi-box-arrow-up me-1"), t("pwa.install_ios")],
                     className="dropdown-item-text small qc-install-ios", id="shell-install-ios")]


def _language_form(other_language: str):
    """The other language is a POST with the CSRF token, as logout is (it is remembered on the account), drawn as a menu
    item; the portal comes back on the page it was asked from."""
    return html.Form([
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="shell-language-token"),
        html.Button([html.I(className="bi bi-translate me-1"), t(f"language.switch_to.{other_language}")],
                    type="submit", className="dropdown-item", id="shell-language"),
    ], method="POST", action=f"/lang/{other_language}", className="m-0", id="shell-language-form")


def _logout_form():
    """Logout is a POST with the CSRF token (a GET of /logout only asks), drawn as the menu's last item."""
    return html.Form([
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="shell-logout-token"),
        html.Button([html.I(className="bi bi-box-arrow-right me-1"), t("nav.logout")], type="submit",
                    className="dropdown-item", id="shell-logout"),
    ], method="POST", action="/logout", className="m-0", id="shell-logout-form")


def _count_badge(page_key: str):
    """Open correction requests beside the officers' menu item (filled by callbacks/corrections.py)."""
    if page_key != "corrections":
        return None
    return dbc.Badge(id="shell-badge-corrections", color="warning", text_color="dark", pill=True, className="ms-1")


def _bell(user):
    """Service users' unread notifications, always visible, also on a phone (filled by callbacks/my_notifications.py)."""
    if not user.can("my.view"):
        return None
    return html.A([html.I(className="bi bi-bell-fill", **{"aria-hidden": "true"}),
                   dbc.Badge(id="shell-bell-count", color="danger", pill=True, className="qc-bell-count")],
                  href="/my/notifications", id="shell-bell", className="qc-bell ms-auto me-2 order-lg-last",
                  title=t("page.my_notifications"), **{"aria-label": t("page.my_notifications")})
