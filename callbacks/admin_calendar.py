"""Admin › Working-day calendar callbacks: the offices the admin reaches, the year's days, an edit (audited)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from babel.dates import format_date as babel_date
from datetime import date

from dash import Input, Output, State, ctx, html

from callbacks.common import register_date_words
from layouts.components.formatting import format_date, format_datetime
from portal import i18n
from portal.extensions import database
from portal.i18n import BABEL_LOCALE, t
from portal.security.access import protected_callback, user
from portal.services import working_calendar
from portal.validation import InvalidInput

PERMISSION = working_calendar.PERMISSION
FIELDS = ("day", "reason")


def days_table(days: list[dict], tz: str):
    """One row per day: date and weekday, name, where the day comes from, and the office's reason, who and when."""
    language = i18n.current_language()
    headers = [t("admin_calendar.col.day"), t("admin_calendar.col.name"), t("admin_calendar.col.source"),
               t("admin_calendar.col.reason"), t("admin_calendar.col.by")]
    rows = []
    for d in days:
        weekday = babel_date(d["day"], "EEEE", locale=BABEL_LOCALE[language])
        source = t(f"admin_calendar.source.{d['source']}")
        if d["source"] == "worked":
            source += " · " + t(f"admin_calendar.source.{d['listed_as']}")
        rows.append(html.Tr([
            html.Td([format_date(d["day"]), html.Span(f" {weekday}", className="text-muted small")],
                    className="text-nowrap"),
            html.Td(d["name"] or "–"),
            html.Td(dbc.Badge(source, color={"added": "warning", "worked": "success"}.get(d["source"], "secondary"),
                              className="text-wrap text-start") if not d["weekend"] or d["source"] in ("added", "worked")
                    else html.Span([source, " · ", t("admin_calendar.weekend")], className="text-muted small")),
            html.Td(d["reason"] or "–"),
            html.Td(f"{d['by'] or '–'}, {format_datetime(d['at'], tz)}" if d["at"] else "–", className="small"),
        ], className="text-muted" if d["weekend"] and d["source"] not in ("added", "worked") else None))
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)], size="sm",
                     responsive=True, striped=True, className="mb-0", id="admin-calendar-days")


def _parse_day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def register(app) -> None:
    register_date_words(app, PERMISSION, "admin-calendar-day")
    @protected_callback(app, PERMISSION,
                        [Output("admin-calendar-office", "options"), Output("admin-calendar-office", "value")],
                        Input("admin-calendar-load", "data"))
    def offices(_load):
        """The offices the admin may edit, the admin's own first chosen."""
        current = user()
        with database().session() as db:
            choices = working_calendar.offices(db, current)
        options = [{"label": f"{o['code']} · {o['name']}", "value": o["id"]} for o in choices]
        ids = [o["id"] for o in choices]
        return options, current.office_id if current.office_id in ids else (ids[0] if ids else None)

    @protected_callback(
        app, PERMISSION,
        [Output("admin-calendar-table", "children"), Output("admin-calendar-table-title", "children"),
         Output("admin-calendar-result", "children"), Output("admin-calendar-result", "is_open"),
         Output("admin-calendar-result", "color")]
        + [Output(f"admin-calendar-{name}", "invalid") for name in FIELDS]
        + [Output(f"admin-calendar-{name}-error", "children") for name in FIELDS],
        Input("admin-calendar-office", "value"), Input("admin-calendar-year", "value"),
        Input("admin-calendar-add", "n_clicks"), Input("admin-calendar-remove", "n_clicks"),
        State("admin-calendar-day", "value"), State("admin-calendar-reason", "value"))
    def show_or_edit(office_id, year, _add, _remove, day, reason):
        """The year's days of the office; on a button, the edit first (refused whole, with each field's message)."""
        current = user()
        message, colour, errors = "", "success", {}
        if office_id is None or year is None:
            return [None, "", "", False, colour] + [False] * len(FIELDS) + [""] * len(FIELDS)
        if ctx.triggered_id in ("admin-calendar-add", "admin-calendar-remove"):
            adding = ctx.triggered_id == "admin-calendar-add"
            edit = working_calendar.add_day if adding else working_calendar.remove_day
            try:
                with database().session() as db:
                    result = edit(db, current, int(office_id), _parse_day(day), reason)
                    db.commit()
                message = t(f"admin_calendar.done.{result['change']}", day=format_date(result["day"]),
                            moved=result["complaints_moved"])
            except InvalidInput as error:
                errors = error.messages(t)
                message, colour = t("admin_calendar.not_saved"), "danger"
        with database().session() as db:
            days = working_calendar.year_days(db, current, int(office_id), int(year), i18n.current_language())
        return ([days_table(days, current.office_timezone), t("admin_calendar.table_title", year=year),
                 message, bool(message), colour]
                + [name in errors for name in FIELDS] + [errors.get(name, "") for name in FIELDS])
