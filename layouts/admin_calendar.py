"""Admin › Working-day calendar: the year's days off (national holidays, cuti bersama, the office's own) and the
form that adds a day off or makes a listed holiday a working day, with a reason (audited)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, page_header
from portal.services.complaints import office_today
from portal.i18n import t


def year_options(this_year: int) -> list[dict]:
    """Last year to two years ahead: due dates reach into next year, and decrees come out a year early."""
    return [{"label": str(year), "value": year} for year in range(this_year - 1, this_year + 3)]


def layout(user, **_):
    this_year = office_today(user.office_timezone).year  # the year the admin's office is living
    return html.Div([
        page_header(t("page.admin_calendar"), t("admin_calendar.subtitle")),
        dcc.Store(id="admin-calendar-load", data=0),
        dbc.Row([
            field(t("admin_calendar.field.office"),
                  dcc.Dropdown(id="admin-calendar-office", clearable=False, searchable=False), width=6),
            field(t("admin_calendar.field.year"),
                  dcc.Dropdown(id="admin-calendar-year", options=year_options(this_year), value=this_year,
                               clearable=False, searchable=False), width=3),
        ], className="mb-2"),
        dbc.Card(dbc.CardBody([
            html.H2(t("admin_calendar.edit_title"), className="h6"),
            dbc.Row([
                field(t("admin_calendar.field.day"), dbc.Input(id="admin-calendar-day", type="date"),
                      "admin-calendar-day-error", width=3),
                field(t("admin_calendar.field.reason"), dbc.Input(id="admin-calendar-reason", maxLength=200),
                      "admin-calendar-reason-error", help_text=t("admin_calendar.help.reason"), width=9),
            ]),
            html.Div([
                dbc.Button([html.I(className="bi bi-calendar-x me-1"), t("admin_calendar.add")],
                           id="admin-calendar-add", color="primary", className="me-2 mb-2"),
                dbc.Button([html.I(className="bi bi-calendar-check me-1"), t("admin_calendar.remove")],
                           id="admin-calendar-remove", color="outline-primary", className="mb-2"),
            ]),
            html.P(t("admin_calendar.help.buttons"), className="small text-muted mb-0"),
            dbc.Alert(id="admin-calendar-result", is_open=False, className="mt-3 mb-0"),
        ]), className="mb-3 shadow-sm"),
        dbc.Card([dbc.CardHeader(html.H2(id="admin-calendar-table-title", className="h6 mb-0")),
                  dbc.CardBody(html.Div(id="admin-calendar-table"))], className="shadow-sm"),
    ])
