"""Panel KPI: the head of office's figures at a glance, each against the previous period, each linking to its page."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import filled_form, page_header, section_select
from layouts.components.date_words import date_words
from layouts.components.formatting import MONTH_CHART
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location
from models.application import DIRECTIONS
from models.kpi import TIMED_STAGES
from portal.i18n import t

# Each "this" with its "last": a head reporting a closed quarter, semester or year (the survey results offer them) had to
# type its dates.
KPI_PRESETS = ("this_month", "last_month", "this_quarter", "last_quarter", "this_semester", "last_semester",
               "this_year", "last_year", "custom")


def direction_options(all_value: str = "all") -> list[dict]:
    """The direction choices of the panel, "all directions" first: also those of every page a card's link carries the
    panel's direction to (the targeting effectiveness page), so a direction reads the same on both."""
    return [{"label": t("kpi.filter.all_directions"), "value": all_value}] + \
        [{"label": t(f"direction.{d}"), "value": d} for d in DIRECTIONS]


def period_controls(prefix: str, presets, default: str, user, sections=(), directions: bool = False):
    """Period preset, custom dates (shown for "custom"), section and optionally direction. ``sections``: the active
    sections the router read for the page (`Page.sections`), locked to the user's own when they have one."""
    columns = [
        dbc.Col([dbc.Label(t("kpi.filter.period"), html_for=f"{prefix}-preset", className="small mb-0"),
                 dbc.Select(id=f"{prefix}-preset", value=default,
                            options=[{"label": t(f"kpi.preset.{p}"), "value": p} for p in presets])],
                xs=12, sm=6, lg=2, className="mb-2"),
        dbc.Col([dbc.Label(t("kpi.filter.from"), html_for=f"{prefix}-from", className="small mb-0"),
                 dbc.Input(id=f"{prefix}-from", type="date", debounce=True),
                 dbc.FormFeedback(id=f"{prefix}-from-feedback", type="invalid"), date_words(f"{prefix}-from")],
                xs=6, sm=3, lg=2, className="mb-2", id=f"{prefix}-from-col", style={"display": "none"}),
        dbc.Col([dbc.Label(t("kpi.filter.to"), html_for=f"{prefix}-to", className="small mb-0"),
                 dbc.Input(id=f"{prefix}-to", type="date", debounce=True),
                 dbc.FormFeedback(id=f"{prefix}-to-feedback", type="invalid"), date_words(f"{prefix}-to")],
                xs=6, sm=3, lg=2, className="mb-2", id=f"{prefix}-to-col", style={"display": "none"}),
        dbc.Col([dbc.Label(t("kpi.filter.section"), html_for=f"{prefix}-section", className="small mb-0"),
                 section_select(f"{prefix}-section", user, t("kpi.filter.all_sections"), "all", sections)],
                xs=6, sm=6, lg=2, className="mb-2"),
    ]
    if directions:
        columns.append(dbc.Col([
            dbc.Label(t("kpi.filter.direction"), html_for=f"{prefix}-direction", className="small mb-0"),
            dbc.Select(id=f"{prefix}-direction", value="all", options=direction_options())],
            xs=6, sm=6, lg=2, className="mb-2"))
    # Aligned at the top: each field's label, then its box, in one line; a date's weekday or its error grows below it
    # (aligned at the bottom, a date's error lifted its box above the others').
    return dbc.Row(columns, className="qc-kpi-filters align-items-start g-2 mb-2")


def office_chooser(user):
    """Which office's panel: shown only to a scope that reads several offices (the national role); for everyone
    else it stays hidden on the home office, so the panel's callback has the same inputs for every reader. Its
    choices are filled by a callback (a layout reads no database)."""
    several = user.scope.several_offices
    return html.Div(dbc.Row(dbc.Col([
        dbc.Label(t("kpi.filter.office"), html_for="kpi-office", className="small mb-0"),
        dbc.Select(id="kpi-office", value="home", options=[{"label": user.office_name or t("kpi.office.home"),
                                                            "value": "home"}]),
    ], xs=12, md=6, lg=4), className="g-2 mb-2"), id="kpi-office-row", style=None if several else {"display": "none"})


def _page(user, sections):
    can_set = user.can("admin.settings")
    return html.Div([
        page_header(t("page.kpi"), t("kpi.subtitle"), [html.Div(id="kpi-freshness")]),
        office_chooser(user),
        period_controls("kpi", KPI_PRESETS, "this_month", user, sections, directions=True),
        html.Div(id="kpi-period-label", className="qc-kpi-period mb-3"),
        dcc.Loading(html.Div(id="kpi-cards", className="qc-kpi-grid mb-3"), type="dot", delay_show=400),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("kpi.monthly.title"), className="h5"),
                dcc.Graph(id="kpi-monthly-chart", config={"displayModeBar": False, "responsive": True},
                          style={"height": "320px"}, className=MONTH_CHART),
                html.Div(t("kpi.monthly.nnc_direction_note"), className="small text-muted"),
            ])), lg=6, className="mb-3"),
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("kpi.stages.title"), className="h5"),
                html.Div(id="kpi-stages"),
                html.Div(t("kpi.stages.note"), className="small text-muted"),
            ])), lg=6, className="mb-3"),
        ]),
        _sla_form() if can_set else None,
        dcc.Store(id="kpi-refresh", data=0),
        dcc.Store(id="kpi-drawn"),  # the cards drawn: the stage table's callback then draws its part
    ], className="qc-kpi")


def _sla_form():
    keys = ("service",) + TIMED_STAGES
    return html.Details([
        html.Summary([html.I(className="bi bi-sliders me-1"), t("kpi.sla.open")], className="mb-2"),
        dbc.Card(dbc.CardBody([
            html.H2(t("kpi.sla.title"), className="h6"),
            html.P(t("kpi.sla.help"), className="small text-muted"),
            dbc.Alert(id="kpi-sla-alert", is_open=False, duration=6000),
            filled_form("kpi-sla-form", [
                dbc.Row([
                    dbc.Col([dbc.Label(t("kpi.stages.service") if key == "service" else t(f"stage.{key}"),
                                       html_for=f"kpi-sla-{key}", className="small mb-0"),
                             # Text with a decimal keyboard, not a number field: Chromium's dropped the comma of
                             # an Indonesian "1,5" and sent 15 hours, and its min and step held a whole 7 invalid
                             # and sent nothing. The server reads "1,5" and "1.5" and says the range (0 < hours
                             # ≤ 2160) in its own words.
                             dbc.Input(id=f"kpi-sla-{key}", type="text", inputMode="decimal", autoComplete="off"),
                             dbc.FormFeedback(id=f"kpi-sla-{key}-feedback", type="invalid")],
                            xs=6, md=4, lg=2, className="mb-2") for key in keys
                ]),
                dbc.Button(t("action.save"), id="kpi-sla-save", color="primary"),
            ]),
            dcc.Store(id="kpi-sla-opened"),  # the version and hours the form opened (edit_versions)
        ])),
    ], id="kpi-sla", className="mb-3")


SLA_KEYS = ("service",) + TIMED_STAGES


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default.
URL_FIELDS = (
    UrlField("office", "kpi-office", CODE, "home"),
    UrlField("period", "kpi-preset", CHOICE, "this_month", KPI_PRESETS), UrlField("from", "kpi-from", DAY),
    UrlField("to", "kpi-to", DAY), UrlField("section", "kpi-section", CODE, "all"),
    UrlField("direction", "kpi-direction", CHOICE, "all", DIRECTIONS),
)


def layout(user, query: str = "", sections=(), **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user, sections), location("kpi")]), URL_FIELDS, query)
