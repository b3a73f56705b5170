"""Antrian pemeriksaan: today's new consignments of the office (a coordinator's section), selected first, with the
level, the reasons and a link to each application. Paged and filtered in the database; filters in the address."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import group_label, hidden_label, page_header, section_select
from layouts.components.date_words import date_words
from layouts.components.formatting import zone_label
from layouts.components.grid import PHONE_COLUMN, WRAPPED, grid, stacked_column
from layouts.components.pager import pager
from layouts.components.search_box import search_box
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location, page_field
from models.targeting import LEVELS
from portal.domain.targeting import FLAG_CODES
from portal.i18n import format_number, t

ALL = "all"
SELECTED_CHOICES = ("yes", "no")
LEVEL_TONE = {"tightened": "danger", "normal": "warning", "reduced": "success"}


def _options(all_key: str, values, label_key: str):
    return [{"label": t(all_key), "value": ALL}] + [{"label": t(f"{label_key}.{v}"), "value": v} for v in values]



def grid_columns(user) -> list[dict]:
    """Selected first (the service sorts), then what the officer needs to act: number, company, what, reasons.

    Set widths where the content is short and known ("Not selected" after its dot, the number, "Diperketat · 100%",
    "28 Agu 2026"); the names and the reasons share the rest and wrap, so the nine fit the grid at 1366 px and at
    1440 px (Bootstrap's 1320 px container: less room) without scrolling sideways, where "Periksa?" took 150 px, the
    company and the commodity ended in "…" and the stage was past the edge. The shared columns' least widths leave
    ≈ 50 px to spare at 1440 px (a grid's vertical scroll bar takes 15 of it). The commodity's least width holds its
    longest word ("Dendrobium", "kesayangan"): at 100 px the words broke mid-word ("Aglaonem a"), since a cell
    breaks a word only when the word alone is wider than its line. A section's coordinator has no section column:
    the locked section filter above says it for every row."""
    zone = zone_label(user.office_timezone)
    section = [] if user.section_scope else [
        {"field": "section_label", "headerName": t("applications.field.section"), "width": 106, **WRAPPED}]
    return [
        {"field": "selected_label", "headerName": t("targeting_queue.field.selected"), "width": 128,
         "pinned": "left", "cellClass": "qca-dot-cell",
         "cellClassRules": {"qca-tone-danger": "params.data.selected",
                            "qca-tone-secondary": "!params.data.selected"}},
        {"field": "number", "headerName": t("applications.field.number"), "width": 220, "cellClass": "qca-link-cell"},
        {"field": "level_label", "headerName": t("targeting_queue.field.level"), "width": 146},
        {"field": "reasons", "headerName": t("targeting_queue.field.reasons"), "flex": 2, "minWidth": 130,
         "tooltipField": "reasons", **WRAPPED},
        {"field": "service_user", "headerName": t("applications.field.service_user"), "flex": 2, "minWidth": 150,
         **WRAPPED},
        {"field": "commodity", "headerName": t("applications.field.commodity"), "flex": 1.5, "minWidth": 130,
         **WRAPPED},
        *section,
        {"field": "submitted", "headerName": f"{t('applications.field.submitted')} ({zone})", "width": 116, **WRAPPED},
        {"field": "stage_label", "headerName": t("applications.field.stage"), "width": 116, **WRAPPED},
        phone_column(zone),
    ]


def phone_column(zone: str) -> dict:
    """A phone's one column at the inspection site: the nine side by side need ~1,700 px, and a 390 px phone showed
    "Periksa" and the number only. The number; inspect or not (its dot's colour) and the level; the company; why;
    what and which section; when it was submitted and how far it has got."""
    return stacked_column(
        " · ".join((t("applications.field.number"), t("targeting_queue.field.selected"),
                    t("applications.field.service_user"))), "number",
        [["number"], ["selected_label", "level_label"], ["service_user"], ["reasons"], ["commodity", "section_label"],
         ["submitted", "stage_label"]],
        ["qca-link-cell", "small", "", "small", "small text-muted", "small text-muted"],
        # "Normal · 25%" alone does not say it is the level, nor a bare "08.40" when it was submitted.
        labels={"level_label": t("targeting_queue.field.level"), "reasons": t("targeting_queue.field.reasons"),
                "submitted": f"{t('applications.field.submitted')} ({zone})",
                "stage_label": t("applications.field.stage")},
        field_classes={"selected_label": "qca-dot-cell qca-tone-{selected_tone}"})


def _page(user, sections=()):
    return html.Div([
        page_header(t("page.targeting_queue"), t("targeting_queue.subtitle")),
        dbc.Row([
            dbc.Col(search_box("queue-search", t("targeting_queue.search_placeholder"),
                               t("targeting_queue.search")), xs=12, md=6, xl=4, className="mb-2"),
            dbc.Col([dbc.InputGroup([group_label(t("targeting_queue.day"), "queue-day"),
                                     dbc.Input(id="queue-day", type="date")]), date_words("queue-day")],
                    xs=12, md=6, xl=3, className="mb-2"),
        ]),
        # A row each on a phone: at half of a 390 px screen "Dipilih dan tidak", "Semua tanda risiko" and a
        # coordinator's "Karantina Tumbuhan" ended in "…".
        dbc.Row([
            dbc.Col([hidden_label(t("applications.field.section"), "queue-section"),
                     section_select("queue-section", user, t("applications.all_sections"), ALL, sections)],
                    xs=12, sm=6, lg=3, className="mb-2"),
            dbc.Col([hidden_label(t("targeting_queue.field.level"), "queue-level"),
                     dbc.Select(id="queue-level", value=ALL,
                                options=_options("targeting_queue.all_levels", LEVELS, "compliance.intervention"))],
                    xs=12, sm=6, lg=3, className="mb-2"),
            dbc.Col([hidden_label(t("targeting_queue.field.selected"), "queue-selected"),
                     dbc.Select(id="queue-selected", value=ALL,
                                options=_options("targeting_queue.all_selected", SELECTED_CHOICES,
                                                 "targeting_queue.selected"))],
                    xs=12, sm=6, lg=3, className="mb-2"),
            dbc.Col([hidden_label(t("targeting_queue.flag"), "queue-flag"),
                     dbc.Select(id="queue-flag", value=ALL,
                                options=_options("targeting_queue.all_flags", FLAG_CODES, "targeting_queue.flag"))],
                    xs=12, sm=6, lg=3, className="mb-2"),
        ]),
        html.Div(id="queue-summary", className="mb-2", role="status"),
        dbc.Alert(id="queue-error", color="warning", is_open=False),
        grid("queue-grid", grid_columns(user), t("targeting_queue.no_rows"), class_name="qca-grid", height="62vh",
             # Headers wrap rather than end in "…" ("Media pembawa" in its narrow column).
             default_col={"filter": False, "wrapHeaderText": True, "autoHeaderHeight": True},
             options={"suppressCellFocus": False}, phone_column=PHONE_COLUMN),
        pager("queue"),
        html.P(t("targeting_queue.open_hint"), className="text-muted small mt-2"),
        dcc.Location(id="queue-go", refresh="callback-nav"),
    ])


URL_FIELDS = (
    UrlField("q", "queue-search"),
    UrlField("day", "queue-day", DAY),
    UrlField("section", "queue-section", CODE, ALL),
    UrlField("level", "queue-level", CHOICE, ALL, LEVELS),
    UrlField("selected", "queue-selected", CHOICE, ALL, SELECTED_CHOICES),
    UrlField("flag", "queue-flag", CHOICE, ALL, FLAG_CODES),
    page_field("queue-page"),
)


def layout(user, query: str = "", sections=(), **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user, sections), location("queue")]), URL_FIELDS, query)


def summary(total: int, selected: int, day_text: str):
    """"12 konsinyasi baru pada 3 Des 2026 · 5 dipilih untuk diperiksa"."""
    return html.Div([
        html.Span(t("targeting_queue.summary_total", count=format_number(total), day=day_text), className="me-2"),
        dbc.Badge(t("targeting_queue.summary_selected", count=format_number(selected)), color="danger" if selected else "secondary"),
    ])
