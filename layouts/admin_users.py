"""Admin › Users: list accounts; create, edit, deactivate, reset a password, unlock."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.grid import grid
from layouts.components.pager import pager
from layouts.components.search_box import search_box
from layouts.common import field, hidden_label, page_header
from portal.i18n import t
from portal.security.permissions import ROLES
from portal.services.users import STAFF

# Form fields, in order; each has an input `admin-users-<name>` and a message `admin-users-<name>-feedback`.
FORM_FIELDS = ("username", "full_name", "email", "role", "section_id", "office_id", "password")


def role_options():
    return [{"label": t(f"role.{role}"), "value": role} for role in ROLES]


def role_filter_options():
    """Every officer (the default), one role, or every account: the service users' accounts, thousands at a station,
    are asked for by their role or with all."""
    return ([{"label": t("admin_users.all_staff"), "value": STAFF}] + role_options()
            + [{"label": t("admin_users.all_roles"), "value": "all"}])


def layout(user, **_):
    return html.Div([
        page_header(t("page.admin_users"), t("admin_users.subtitle"),
                    dbc.Button([html.I(className="bi bi-person-plus me-1"), t("admin_users.new")],
                               id="admin-users-new", color="primary")),
        dbc.Row([
            dbc.Col(search_box("admin-users-search", t("admin_users.search_placeholder"),
                               t("admin_users.search")), md=5, className="mb-2"),
            dbc.Col([hidden_label(t("field.role"), "admin-users-role-filter"),
                     dbc.Select(id="admin-users-role-filter", options=role_filter_options(), value=STAFF)],
                    md=3, className="mb-2"),
        ]),
        dbc.Alert(id="admin-users-alert", is_open=False, dismissable=True, duration=8000),
        # Not sortable by a header: the grid holds one page, and a header's sort would order that page alone while
        # looking like the whole list's order (the database orders by username).
        grid(
            "admin-users-grid", min_height=None, default_col={"filter": False, "suppressMovable": False},
            options={"rowSelection": {"mode": "singleRow", "enableClickSelection": True, "checkboxes": False}},
            # Short values get the width they need and the full name the rest: at 1366 px every other column took
            # AG Grid's 200 px and cut the names ("drh. Bambang Prasetyo (Koo…").
            columns=[
                {"field": "username", "headerName": t("field.username"), "pinned": "left", "width": 175,
                 "minWidth": 150, "tooltipField": "username"},
                {"field": "full_name", "headerName": t("field.full_name"), "flex": 1, "minWidth": 200,
                 "tooltipField": "full_name"},
                # "Enforcement coordinator", "National (headquarters)": cut at 170 px in English.
                {"field": "role_label", "headerName": t("field.role"), "width": 205, "tooltipField": "role_label"},
                {"field": "section_label", "headerName": t("field.section"), "width": 170},
                # The code (the column has no room for a name at 1366 px beside whole full names), named on hover.
                {"field": "office_code", "headerName": t("field.office"), "width": 90, "tooltipField": "office_title"},
                {"field": "status_label", "headerName": t("field.status"), "width": 120},
                {"field": "last_login", "headerName": t("field.last_login"), "width": 195},
            ],
        ),
        pager("admin-users"),
        dcc.Store(id="admin-users-selected"),
        dcc.Store(id="admin-users-opened"),  # the version and values the form opened (edit_versions)
        dcc.Store(id="admin-users-refresh", data=0),
        _editor(),
    ])


def _editor():
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(id="admin-users-modal-title")),
        dbc.ModalBody([
            dbc.Alert(id="admin-users-modal-alert", is_open=False, color="danger"),
            dbc.Row([
                field(t("field.username"), dbc.Input(id="admin-users-username", autoComplete="off"),
                      "admin-users-username-feedback", t("admin_users.username_help"), 6),
                field(t("field.full_name"), dbc.Input(id="admin-users-full_name"),
                      "admin-users-full_name-feedback", width=6),
                field(t("field.email"), dbc.Input(id="admin-users-email", type="email"),
                      "admin-users-email-feedback", width=6),
                field(t("field.role"), dbc.Select(id="admin-users-role", options=role_options()),
                      "admin-users-role-feedback", width=6),
                field(t("field.section"), dbc.Select(
                    # An account without a section has the value "", which selects dbc.Select's hidden placeholder:
                    # it says what the "" option says, or the box shows blank.
                    id="admin-users-section_id", placeholder=t("admin_users.no_section")),
                      "admin-users-section_id-feedback", t("admin_users.section_help"), 6),
                field(t("field.office"), dbc.Select(id="admin-users-office_id"),
                      "admin-users-office_id-feedback", width=6),
                _initial_password(),
                dbc.Col(dbc.Switch(id="admin-users-active", label=t("field.active"), value=True), md=6,
                        className="mb-3 pt-md-4"),
            ]),
            html.Div(id="admin-users-existing-tools", children=[
                html.Hr(),
                html.H3(t("admin_users.security"), className="h6"),
                dbc.Row([
                    field(t("field.new_password"), dbc.Input(id="admin-users-new_password", type="password",
                                                             autoComplete="new-password"),
                          "admin-users-new_password-feedback", t("admin_users.reset_help"), 8),
                    dbc.Col(dbc.Button(t("admin_users.reset_password"), id="admin-users-reset", color="warning",
                                       className="w-100"), md=4, className="pt-md-4 mb-3"),
                ]),
                html.Div(id="admin-users-lock-status", className="small text-muted mb-2"),
                dbc.Button([html.I(className="bi bi-unlock me-1"), t("admin_users.unlock")], id="admin-users-unlock",
                           color="secondary", outline=True, size="sm"),
            ]),
        ]),
        dbc.ModalFooter([
            dbc.Button(t("action.cancel"), id="admin-users-cancel", color="secondary", outline=True),
            dbc.Button(t("action.save"), id="admin-users-save", color="primary"),
        ]),
    ], id="admin-users-modal", is_open=False, size="lg", backdrop="static")


def _initial_password():
    """A new account's first password; an existing account's form hides it (its password is reset below, and a
    greyed-out "Kata sandi awal" with its rule above the reset field read as a second way to change it)."""
    column = field(t("field.password"), dbc.Input(id="admin-users-password", type="password",
                                                  autoComplete="new-password"),
                   "admin-users-password-feedback", t("admin_users.password_help"), 6)
    column.id = "admin-users-password-field"
    return column
