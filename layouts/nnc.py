"""NNC register: every notification of non-compliance the officer may see, filtered, sorted and paged in the
database; counts per status; CSV/XLSX export of the filtered rows; a row opens its NNC."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.pager import pager
from layouts.components.date_words import date_words
from layouts.components.export_buttons import export_buttons
from layouts.components.grid import PHONE_COLUMN, grid, stacked_column
from layouts.common import group_label, hidden_label, page_header, section_select
from layouts.components.company_picker import company_picker
from layouts.components.search_box import search_box
from layouts.components.url_filters import CHOICE, CODE, DAY, TEXT, UrlField, applied, location, page_field, parse
from layouts.nnc_common import STATUS_COLOR, STATUS_ICON, category_options, flow_options, status_options
from portal.i18n import t
from portal.services.nnc.rules import CATEGORIES, FLOWS, STATUSES

# Filter controls: `nnc-<name>`; their values are read together by the list callback.
FILTERS = ("text", "date-from", "date-to", "service-user", "section", "flow", "status", "category", "country")
DEFAULTS = ("", "", "", None, "all", "all", "all", "all", "all")
# The sort menu: the database orders the whole list (a header click would only sort one page).
SORTS = {
    "notice_desc": [["notice_date", "desc"]], "notice_asc": [["notice_date", "asc"]],
    "received_desc": [["received_date", "desc"]], "number": [["number", "asc"]],
    "party": [["party", "asc"], ["notice_date", "desc"]], "country": [["country", "asc"], ["notice_date", "desc"]],
    "status": [["status", "asc"], ["notice_date", "desc"]], "category": [["category", "asc"], ["notice_date", "desc"]],
}
ALL = "all"  # the "every …" choice of a filter (a Select cannot show an empty value)


def _with_all(options: list[dict], label_key: str) -> list[dict]:
    return [{"label": t(label_key), "value": ALL}] + options


def status_chips():
    """One button per status with its count; a click filters the list to that status."""
    chips = [dbc.Button([t("nnc.filter.all_statuses"), dbc.Badge("0", id="nnc-count-all", color="light",
                                                                 text_color="dark", className="ms-2")],
                        id="nnc-chip-all", color="secondary", outline=True, size="sm", className="me-2 mb-2")]
    for status in STATUSES:
        chips.append(dbc.Button(
            [html.I(className=f"bi {STATUS_ICON[status]} me-1"), t(f"nnc.status.{status}"),
             dbc.Badge("0", id=f"nnc-count-{status}", color=STATUS_COLOR[status], className="ms-2")],
            id=f"nnc-chip-{status}", color=STATUS_COLOR[status], outline=True, size="sm", className="me-2 mb-2"))
    return html.Div(chips, className="qc-nnc-chips", role="group", **{"aria-label": t("nnc.counts_label")})


def column_defs():
    """Fixed widths for short columns, the rest shares the room: everything fits 1366 px without scrolling."""
    return [
        {"field": "number", "headerName": t("nnc.field.number"), "width": 195, "pinned": "left",
         "cellClass": "qc-link-cell", "tooltipField": "number"},
        {"field": "notice_date", "headerName": t("nnc.col.notice_date"), "width": 112},
        {"field": "flow", "headerName": t("nnc.field.flow"), "width": 108},
        {"field": "party", "headerName": t("nnc.col.party"), "flex": 2, "minWidth": 170, "tooltipField": "party"},
        {"field": "country", "headerName": t("nnc.col.country"), "width": 125, "tooltipField": "country"},
        {"field": "commodity", "headerName": t("nnc.col.commodity"), "flex": 1, "minWidth": 120,
         "tooltipField": "commodity"},
        {"field": "category", "headerName": t("nnc.col.nature"), "flex": 2, "minWidth": 170,
         "tooltipField": "category"},
        {"field": "section", "headerName": t("nnc.field.section_id"), "width": 100},
        {"field": "status", "headerName": t("nnc.field.status"), "width": 175, "cellClass": "qc-nnc-status-cell",
         "cellClassRules": {f"qc-nnc-tone-{status}": f"params.data.status_code == '{status}'"
                            for status in STATUSES}},
        phone_column(),
    ]


def phone_column() -> dict:
    """A phone's one column: the nine side by side need ~1,300 px, and a 390 px phone showed the number and the
    date only, never the party or the status. The number; the party; the status in its colour and the NNC's date;
    the flow, partner country, commodity and what was wrong."""
    return stacked_column(
        f"{t('nnc.field.number')} · {t('nnc.col.party')} · {t('nnc.field.status')}", "number",
        [["number"], ["party"], ["status", "notice_date"], ["flow", "country", "commodity", "category"]],
        ["qc-link-cell", "", "small", "small text-muted"], labels={"notice_date": t("nnc.col.notice_date")},
        field_classes={"status": "qc-nnc-status-cell qc-nnc-tone-{status_code}"})


def _page(user):
    editor = user.can("nnc.edit")
    actions = [
        dbc.Button([html.I(className="bi bi-plus-lg me-1"), t("nnc.new")], href="/nnc/new", color="primary",
                   id="nnc-new", className="me-2 mb-1") if editor else None,
        dbc.Button([html.I(className="bi bi-upload me-1"), t("nnc.import")], href="/nnc/import", color="primary",
                   outline=True, id="nnc-import-link", className="mb-1") if editor else None,
    ]
    return html.Div([
        page_header(t("page.nnc"), t("nnc.subtitle"), [a for a in actions if a is not None] or None),
        dbc.Button([html.I(className="bi bi-funnel me-1"), t("nnc.filter.toggle")], id="nnc-filter-toggle",
                   color="secondary", outline=True, size="sm", className="d-md-none mb-2 w-100"),
        html.Div([
            dbc.Row([
                dbc.Col(search_box("nnc-text", t("nnc.filter.text")), xs=12, md=6, xl=3, className="mb-2"),
                dbc.Col([hidden_label(t("nnc.filter.service_user"), "nnc-service-user"),
                         company_picker("nnc-service-user", t("nnc.filter.service_user"))],
                        xs=12, md=6, xl=3, className="mb-2"),
                dbc.Col([dbc.InputGroup([group_label(t("nnc.filter.from"), "nnc-date-from"),
                                         dbc.Input(id="nnc-date-from", type="date", debounce=True)]),
                         date_words("nnc-date-from")],
                        xs=12, sm=6, xl=3, className="mb-2"),
                dbc.Col([dbc.InputGroup([group_label(t("filter.to"), "nnc-date-to"),
                                         dbc.Input(id="nnc-date-to", type="date", debounce=True)]),
                         date_words("nnc-date-to")],
                        xs=12, sm=6, xl=3, className="mb-2"),
            ], className="g-2"),
            dbc.Row([
                dbc.Col([hidden_label(t("nnc.field.section_id"), "nnc-section"),
                         section_select("nnc-section", user, t("nnc.filter.all_sections"), ALL)],
                        xs=6, md=4, xl=2, className="mb-2"),
                dbc.Col([hidden_label(t("nnc.field.flow"), "nnc-flow"),
                         dbc.Select(id="nnc-flow", value=ALL, options=_with_all(flow_options(), "nnc.filter.all_flows"))],
                        xs=6, md=4, xl=2, className="mb-2"),
                dbc.Col([hidden_label(t("nnc.field.status"), "nnc-status"),
                         dbc.Select(id="nnc-status", value=ALL,
                                    options=_with_all(status_options(), "nnc.filter.all_statuses"))],
                        xs=6, md=4, xl=2, className="mb-2"),
                dbc.Col([hidden_label(t("nnc.field.category"), "nnc-category"),
                         dbc.Select(id="nnc-category", value=ALL,
                                    options=_with_all(category_options(), "nnc.filter.all_categories"))],
                        xs=6, md=4, xl=2, className="mb-2"),
                dbc.Col([hidden_label(t("nnc.col.country"), "nnc-country"),
                         dbc.Select(id="nnc-country", value=ALL,
                                    options=[{"label": t("nnc.filter.all_countries"), "value": ALL}])],
                        xs=6, md=4, xl=2, className="mb-2"),
                dbc.Col([hidden_label(t("nnc.sort"), "nnc-sort"),
                         dbc.Select(id="nnc-sort", value="notice_desc",
                                    options=[{"label": t(f"nnc.sort.{key}"), "value": key} for key in SORTS])],
                        xs=6, md=4, xl=2, className="mb-2"),
            ], className="g-2"),
        ], id="nnc-filters", className="qc-nnc-filters"),
        dbc.Row([
            dbc.Col(status_chips(), xl=8),
            dbc.Col([
                dbc.Button([html.I(className="bi bi-x-circle me-1"), t("nnc.filter.clear")], id="nnc-clear",
                           color="secondary", outline=True, size="sm", className="me-2 mb-2"),
                *export_buttons("nnc", "me-2 mb-2"),
            ], xl=4, className="text-xl-end"),
        ], className="mt-1 g-2"),
        dbc.Alert(id="nnc-problem", color="warning", is_open=False, className="py-2 small"),
        grid("nnc-grid", column_defs(), t("nnc.no_rows"), class_name="qc-nnc-grid", default_col={"filter": False},
             options={"rowClassRules": {"qc-row-void": "params.data.status_code == 'void'"}},
             phone_column=PHONE_COLUMN),
        pager("nnc", count_id="nnc-pager-text"),
        html.P(t("nnc.open_hint"), className="text-muted small mt-2"),
        dcc.Download(id="nnc-download"),
        dcc.Location(id="nnc-go", refresh="callback-nav"),
    ])


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default.
URL_FIELDS = (
    UrlField("q", "nnc-text"), UrlField("from", "nnc-date-from", DAY), UrlField("to", "nnc-date-to", DAY),
    UrlField("section", "nnc-section", CODE, ALL), UrlField("flow", "nnc-flow", CHOICE, ALL, FLOWS),
    UrlField("status", "nnc-status", CHOICE, ALL, STATUSES),
    UrlField("category", "nnc-category", CHOICE, ALL, CATEGORIES), UrlField("country", "nnc-country", TEXT, ALL),
    UrlField("sort", "nnc-sort", CHOICE, "notice_desc", tuple(SORTS)),
    page_field("nnc-page"),
)


def layout(user, query: str = "", **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view. On a
    phone the filters a link sets are shown, not folded away under their button."""
    page = _page(user)
    if parse(query, URL_FIELDS):
        for node in page._traverse():
            if getattr(node, "id", None) == "nnc-filters":
                node.className = "qc-nnc-filters qc-open"
    return applied(html.Div([page, location("nnc")]), URL_FIELDS, query)
