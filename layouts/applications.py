"""Applications: search every application the officer may see, a page at a time; a row opens its page."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.pager import pager
from layouts.components.grid import PHONE_COLUMN, WRAPPED, grid, stacked_column
from layouts.components.search_box import search_box
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location, page_field
from layouts.common import group_label, hidden_label, page_header, section_select
from layouts.components.date_words import date_words
from layouts.components.formatting import zone_label
from models.application import DIRECTIONS, STAGES
from portal.i18n import t
from portal.services.applications import DATES, DEFAULT_DATES

ALL = "all"  # the "every …" choice of a drop-down filter (a Select shows no option whose value is "")
SORT_KEYS = ("submitted_desc", "submitted_asc", "number", "service_user", "stage_changed_desc", "completed_desc")
# Text filters: (input id suffix, placeholder key); each is `applications-<name>`.
TEXT_FILTERS = (("number", "applications.filter.number"), ("service_user", "applications.filter.service_user"),
                ("handler", "applications.filter.handler"), ("commodity", "applications.filter.commodity"))

# The colour of a stage says how the application stands: green done, red stopped, amber held, blue moving.
STAGE_TONE = {"handed_over": "success", "certified": "success", "released": "info", "detained": "warning",
              "refused": "danger", "destroyed": "danger"}


def stage_tone(stage: str | None) -> str:
    return STAGE_TONE.get(stage or "", "primary") if stage else "secondary"


def stage_options():
    return [{"label": t("applications.all_stages"), "value": ALL}] + [
        {"label": t(f"stage.{stage}"), "value": stage} for stage in STAGES]


def direction_options():
    return [{"label": t("applications.all_directions"), "value": ALL}] + [
        {"label": t(f"direction.{direction}"), "value": direction} for direction in DIRECTIONS]


def date_options():
    """The dates the period can filter: when submitted (the default) or when completed; or, still in progress on
    the period's last day (submitted from its first), the KPI panel's in-progress card's list."""
    return [{"label": t(f"applications.filter.dates.{name}"), "value": name} for name in DATES]


def grid_columns(user) -> list[dict]:
    """The list's columns: the stage beside the number, times in the office's zone (named once, in the header).

    Set widths where the content is short and known (the number, whole on its line: a cell breaks a word wider than
    its line; a stage, a date and time, a section, a direction);
    the company, the commodities and the forwarder share the rest; every cell wraps at word boundaries rather than
    end in "…". The nine fit the grid at 1366 px and at 1440 px (Bootstrap's 1320 px container: less room) without
    scrolling sideways: their least widths add up to ≈ 1,225 px of the ≈ 1,280 there, where they took ≈ 1,490 px and
    "PPJK" and "Selesai" were past the edge while "Bidang" and "Arah" had room to spare."""
    zone = zone_label(user.office_timezone)
    return [
        {"field": "number", "headerName": t("applications.field.number"), "width": 224, "pinned": "left",
         "cellClass": "qca-link-cell", **WRAPPED},
        {"field": "stage_label", "headerName": t("applications.field.stage"), "width": 140, **WRAPPED,
         "cellClass": "qca-dot-cell",
         "cellClassRules": {f"qca-tone-{tone}": f"params.data.stage_tone == '{tone}'"
                            for tone in ("primary", "success", "info", "warning", "danger", "secondary")}},
        {"field": "submitted", "headerName": f"{t('applications.field.submitted')} ({zone})", "width": 124,
         **WRAPPED},
        {"field": "service_user", "headerName": t("applications.field.service_user"), "flex": 2, "minWidth": 150,
         "tooltipField": "service_user_tip", **WRAPPED},
        {"field": "commodity", "headerName": t("applications.field.commodity"), "flex": 2, "minWidth": 130,
         "tooltipField": "commodity", **WRAPPED},
        {"field": "section_label", "headerName": t("applications.field.section"), "width": 110, **WRAPPED},
        {"field": "direction_label", "headerName": t("applications.field.direction"), "width": 106, **WRAPPED},
        {"field": "handler", "headerName": t("applications.field.handler"), "flex": 1.5, "minWidth": 120,
         "tooltipField": "handler", **WRAPPED},
        {"field": "completed", "headerName": f"{t('applications.field.completed')} ({zone})", "width": 124,
         **WRAPPED},
        phone_column(zone),
    ]


def phone_column(zone: str) -> dict:
    """A phone's one column: the nine side by side need ~1,450 px, and a 390 px phone showed the number and half
    the stage. The number; the service user; the stage in its colour and when it was submitted; what, which
    section, which way."""
    return stacked_column(
        " · ".join(t(f"applications.field.{name}") for name in ("number", "service_user", "stage")), "number",
        [["number"], ["service_user"], ["stage_label", "submitted"], ["commodity", "section_label", "direction_label"]],
        ["qca-link-cell", "", "small", "small text-muted"],
        # "Tgl. pengajuan", not the column's "Diajukan": the stage before it on that line is often "Diajukan" too.
        labels={"submitted": f"{t('applications.field.submitted_on')} ({zone})"},
        field_classes={"stage_label": "qca-dot-cell qca-tone-{stage_tone}"})


def _page(user, sections=()):
    text_inputs = [dbc.Col(search_box(f"applications-{name}", t(key)), xs=12, md=6, xl=3, className="mb-2")
                   for name, key in TEXT_FILTERS]
    return html.Div([
        page_header(t("page.applications"), t("applications.subtitle")),
        dbc.Row(text_inputs),
        dbc.Row([
            dbc.Col([hidden_label(t("applications.field.stage"), "applications-stage"),
                     dbc.Select(id="applications-stage", options=stage_options(), value=ALL)],
                    xs=6, md=4, className="mb-2"),
            dbc.Col([hidden_label(t("applications.field.direction"), "applications-direction"),
                     dbc.Select(id="applications-direction", options=direction_options(), value=ALL)],
                    xs=6, md=4, className="mb-2"),
            dbc.Col([hidden_label(t("applications.field.section"), "applications-section"),
                     section_select("applications-section", user, t("applications.all_sections"), ALL, sections)],
                    xs=12, md=4, className="mb-2"),
        ]),
        # The period: which date it filters (the submission, or the completion the KPI panel counts by), from, to.
        dbc.Row([
            dbc.Col(dbc.InputGroup([
                group_label([html.I(className="bi bi-calendar3 me-1"), t("applications.filter.dates")],
                            "applications-dates"),
                dbc.Select(id="applications-dates", options=date_options(), value=DEFAULT_DATES),
            ]), xs=12, md=4, className="mb-2"),
            dbc.Col([dbc.InputGroup([group_label(t("filter.from"), "applications-date-from"),
                                     dbc.Input(id="applications-date-from", type="date")]),
                     date_words("applications-date-from")], xs=12, md=4, className="mb-2"),
            dbc.Col([dbc.InputGroup([group_label(t("filter.to"), "applications-date-to"),
                                     dbc.Input(id="applications-date-to", type="date")]),
                     date_words("applications-date-to")], xs=12, md=4, className="mb-2"),
        ]),
        dbc.Row([
            dbc.Col(dbc.InputGroup([
                group_label([html.I(className="bi bi-sort-down me-1"), t("applications.sort")], "applications-sort"),
                dbc.Select(id="applications-sort", value=SORT_KEYS[0],
                           options=[{"label": t(f"applications.sort.{key}"), "value": key} for key in SORT_KEYS]),
            ]), xs=12, md=6, xl=4, className="mb-2"),
            dbc.Col(dbc.Button([html.I(className="bi bi-x-circle me-1"), t("applications.clear_filters")],
                               id="applications-clear", color="secondary", outline=True), xs=12, md=6, xl=8,
                    className="mb-2 text-md-end"),
        ]),
        dbc.Alert(id="applications-error", color="warning", is_open=False),
        # Sorting happens in the database (the sort menu), so clicking a header must not re-sort one page.
        grid("applications-grid", grid_columns(user), t("applications.no_rows"), class_name="qca-grid",
             # Headers wrap rather than end in "…" ("Media pembawa", "Selesai (WIB)" in their set widths).
             height="62vh", default_col={"filter": False, "wrapHeaderText": True, "autoHeaderHeight": True},
             options={"rowClassRules": {"qca-row-deleted": "params.data.deleted"}, "suppressCellFocus": False},
             phone_column=PHONE_COLUMN),
        pager("applications"),
        html.P(t("applications.open_hint"), className="text-muted small mt-2"),
        dcc.Location(id="applications-go", refresh="callback-nav"),
    ])


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default.
URL_FIELDS = tuple(UrlField(name, f"applications-{name}") for name, _key in TEXT_FILTERS) + (
    UrlField("stage", "applications-stage", CHOICE, ALL, STAGES),
    UrlField("direction", "applications-direction", CHOICE, ALL, DIRECTIONS),
    UrlField("section", "applications-section", CODE, ALL),
    UrlField("dates", "applications-dates", CHOICE, DEFAULT_DATES, DATES), UrlField("from", "applications-date-from", DAY),
    UrlField("to", "applications-date-to", DAY), UrlField("sort", "applications-sort", CHOICE, SORT_KEYS[0], SORT_KEYS),
    page_field("applications-page"),
)


def layout(user, query: str = "", sections=(), **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user, sections), location("applications")]), URL_FIELDS, query)
