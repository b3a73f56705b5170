"""Compliance ranking: every service user of the office scored over the filters, the tier counts, exports.

The filters choose which consignments and events count (the scores are recomputed over them); the grid is a
page of the ranked result; a row opens the service user's profile.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.export_buttons import export_buttons
from layouts.components.pager import pager
from layouts.components.grid import PHONE_COLUMN, grid, stacked_column
from layouts.components.search_box import search_box
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location, page_field
from layouts.common import group_label, page_header, section_select
from layouts.compliance_common import ALL, direction_options, labelled, tier_cell_rules, tier_options
from models.application import DIRECTIONS
from portal.domain.compliance import TIERS
from portal.i18n import t
from portal.services.compliance.ranking import SORTS


def grid_columns(with_rank: bool = True, elsewhere: bool = False):
    """An office's ranking: the columns side by side, and the one a phone shows instead (phone_column)."""
    columns = _office_columns(elsewhere)
    return (columns if with_rank else columns[1:]) + [phone_column()]


def _office_columns(elsewhere: bool = False):
    # Widths that fit the page at 1440 px without a side scroll; long headers wrap ("Rentetan / bersih").
    columns = [
        {"field": "rank", "headerName": t("compliance.col.rank"), "width": 90, "pinned": "left", "wrapHeaderText": False,
         "type": "numericColumn"},
        # A pinned column does not flex: at "flex" it stayed ~190 px, cutting names ("PT Sarana Kencana Mak…") beside
        # 100 px of empty grid at 1366 px. Fixed at what a 1366 px laptop leaves it; the last column takes the rest.
        {"field": "name", "headerName": t("compliance.col.name"), "width": 230, "minWidth": 160, "pinned": "left",
         "cellClass": "qc-link-cell", "tooltipField": "tax_id"},
        {"field": "score_text", "headerName": t("compliance.col.score"), "width": 70, "type": "numericColumn",
         "cellClass": "fw-semibold"},
        {"field": "tier_label", "headerName": t("compliance.col.tier"), "width": 150,
         "cellClassRules": tier_cell_rules(), "tooltipField": "tier_title"},
        # "Consignments" was cut at this width in English ("Consign…"): short like the counts beside it, whole in
        # its tooltip.
        {"field": "consignments", "headerName": t("compliance.col.consignments_short"), "width": 92,
         "type": "numericColumn", "headerTooltip": t("compliance.col.consignments")},
        {"field": "detentions", "headerName": t("compliance.col.detentions_short"), "width": 70,
         "type": "numericColumn", "headerTooltip": t("compliance.col.detentions")},
        {"field": "refusals", "headerName": t("compliance.col.refusals_short"), "width": 70,
         "type": "numericColumn", "headerTooltip": t("compliance.col.refusals")},
        {"field": "destructions", "headerName": t("compliance.col.destructions_short"), "width": 74,
         "type": "numericColumn", "headerTooltip": t("compliance.col.destructions")},
        {"field": "nncs", "headerName": t("compliance.col.nncs"), "width": 58, "type": "numericColumn"},
        {"field": "clean_streak", "headerName": t("compliance.col.clean_streak"), "width": 88,
         "type": "numericColumn", "headerTooltip": t("compliance.help.clean_streak")},
        {"field": "last_violation", "headerName": t("compliance.col.last_violation"), "width": 110},
        {"field": "intervention", "headerName": t("compliance.col.intervention"), "flex": 1, "minWidth": 140,
         "headerTooltip": t("compliance.help.intervention")},
    ]
    if elsewhere:
        # A mark, not a figure: another office's numbers are read on the profile only. Narrow (a flag, its words in
        # the tooltips) and the tier a little narrower, so the grid still fits 1440 px (test_columns_fit).
        columns.insert(4, {"field": "elsewhere", "headerName": "⚑", "width": 52,
                           "headerTooltip": t("rankings.col.elsewhere"), "tooltipField": "elsewhere_help",
                           "cellClass": "qc-elsewhere-cell text-danger"})
        columns[3] = {**columns[3], "width": 140}
    return columns


# A service user's counts on a phone (the desktop's short headers "Tahan", "Musnah" say less without their column).
COUNT_LABELS = {"consignments": "compliance.col.consignments", "detentions": "compliance.col.detentions",
                "refusals": "compliance.col.refusals", "destructions": "compliance.col.destructions",
                "nncs": "compliance.col.nncs", "clean_streak": "compliance.col.clean_streak",
                "last_violation": "compliance.col.last_violation"}
COUNT_LINES = [["consignments", "detentions", "refusals", "destructions", "nncs"], ["clean_streak", "last_violation"]]


def phone_column():
    """An office's ranking on a phone: the twelve columns side by side need ~1,300 px, and a 390 px phone showed the
    rank and a cut name. The name; its tier in its colour, score and rank; the mark of violations at another office;
    the recommended intervention; the counts the score comes from."""
    return stacked_column(
        f"{t('compliance.col.name')} · {t('compliance.col.tier')} · {t('compliance.col.score')}", "name",
        [["name"], ["tier_label", "score_text", "rank"], ["elsewhere_text"], ["intervention"], *COUNT_LINES],
        ["qc-link-cell", "small", "small text-danger", "small", "small text-muted", "small text-muted"],
        labels={"score_text": t("compliance.col.score"), "rank": t("compliance.col.rank"),
                "intervention": t("compliance.col.intervention"),
                **{field: t(key) for field, key in COUNT_LABELS.items()}},
        field_classes={"tier_label": "qc-tier-cell qc-tier-{tier}"})


def national_phone_column():
    """The national ranking on a phone: the name; the national tier, score and rank; each office's score; the
    counts over every office."""
    return stacked_column(
        f"{t('compliance.col.name')} · {t('rankings.col.national_tier')} · {t('rankings.col.national_score')}",
        "name", [["name"], ["tier_label", "score_text", "rank"], ["offices_text"], *COUNT_LINES],
        ["qc-link-cell", "small", "small", "small text-muted", "small text-muted"],
        labels={"score_text": t("rankings.col.national_score"), "rank": t("compliance.col.rank"),
                "offices_text": t("rankings.col.per_office"),
                **{field: t(key) for field, key in COUNT_LABELS.items()}},
        field_classes={"tier_label": "qc-tier-cell qc-tier-{tier}"})


def national_columns():
    """The national ranking: each company's national score and tier (every office's events pooled), its
    counts over every office, and its score and tier at each office beside them."""
    columns = _office_columns()[:-1]
    columns.insert(4, {"field": "offices_text", "headerName": t("rankings.col.per_office"), "minWidth": 170,
                       "flex": 1, "headerTooltip": t("rankings.help.per_office"), "tooltipField": "offices_title"})
    columns[2] = {**columns[2], "headerName": t("rankings.col.national_score"), "width": 86}
    # The tier's letter, colour and short name carry it; its full name is in the tooltip (the per-office column needs
    # the room).
    columns[3] = {**columns[3], "headerName": t("rankings.col.national_tier"), "width": 140}
    return columns + [national_phone_column()]


# The office choice's value for the national ranking (every office pooled per company); a profile opened from one
# of its rows says so in its address (layouts/profile.py).
NATIONAL = "national"


def office_chooser(user):
    """Which ranking: the home office's, another office's or the national one — shown only to a scope reading
    several offices; for everyone else it stays hidden on the home office (the same callback inputs for all)."""
    several = user.scope.several_offices
    return html.Div(dbc.Row(labelled(t("rankings.field.office"), dbc.Select(
        id="rankings-office", value="home",
        options=[{"label": user.office_name or t("kpi.office.home"), "value": "home"}]), md=6), className="g-2"),
        id="rankings-office-row", style=None if several else {"display": "none"})


def _page(user):
    return html.Div([
        page_header(t("page.rankings"), t("rankings.subtitle")),
        office_chooser(user),
        # Four choices a row and the period under them with its hint: six filters in one row left each a sixth of
        # the page, too narrow for "Karantina Tumbuhan".
        dbc.Row([
            labelled(t("compliance.field.section"),
                     section_select("rankings-section", user, t("compliance.all_sections")), md=3),
            labelled(t("compliance.field.direction"), dbc.Select(id="rankings-direction", value=ALL,
                                                                 options=direction_options()), md=3),
            labelled(t("compliance.field.commodity"), dbc.Select(id="rankings-commodity", value=ALL, options=[
                {"label": t("compliance.all_commodities"), "value": ALL}]), md=3),
            labelled(t("compliance.field.tier"), dbc.Select(id="rankings-tier", value=ALL, options=tier_options()),
                     md=3),
        ], className="g-2"),
        dbc.Row([
            labelled(t("compliance.field.period_from"), dbc.Input(id="rankings-from", type="date"), md=3, xs=6),
            labelled(t("compliance.field.period_to"), dbc.Input(id="rankings-to", type="date"), md=3, xs=6),
            dbc.Col(html.P(t("rankings.period_hint"), className="small text-muted mb-2"), md=6,
                    className="align-self-end"),
        ], className="g-2"),
        dbc.Alert(id="rankings-error", color="warning", is_open=False),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("rankings.chart_title"), className="h6 mb-1"),
                html.P(id="rankings-chart-answer", className="mb-1 fw-semibold", role="status"),
                dcc.Graph(id="rankings-chart", config={"displayModeBar": False}, style={"height": "280px"}),
            ]), className="shadow-sm h-100"), lg=4, className="mb-3"),
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("rankings.how_title"), className="h6"),
                html.P(t("rankings.how_text"), className="small mb-2"),
                html.P(id="rankings-window", className="small text-muted mb-2"),
                html.Ul([html.Li([html.Strong(f"{tier} · {t('compliance.tier.' + tier)}: "),
                                  t(f"compliance.tier_rule.{tier}")], className="small")
                         for tier in ("A", "D", "B", "C")], className="mb-0 ps-3"),
            ]), className="shadow-sm h-100"), lg=8, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(search_box("rankings-search", t("rankings.search_placeholder"), t("rankings.search")), md=4,
                    className="mb-2"),
            dbc.Col(dbc.InputGroup([
                group_label([html.I(className="bi bi-sort-down me-1"), t("compliance.sort")], "rankings-sort"),
                dbc.Select(id="rankings-sort", value="rank",
                           options=[{"label": t(f"compliance.sort.{key}"), "value": key} for key in SORTS]),
            ], size="sm"), md=4, className="mb-2"),
            dbc.Col([
                *export_buttons("rankings"),
            ], md=4, className="text-md-end mb-2"),
        ]),
        # Sorting happens over the whole ranked result (the sort menu), never over one page.
        grid("rankings-grid", grid_columns(elsewhere=True), t("rankings.no_rows"),
             class_name="qc-compliance-grid qc-ranking-grid",
             default_col={"wrapHeaderText": True, "autoHeaderHeight": True}, options={"tooltipShowDelay": 300},
             phone_column=PHONE_COLUMN),
        pager("rankings"),
        html.P(t("rankings.open_hint"), className="text-muted small mt-2"),
        dcc.Download(id="rankings-download"),
        dcc.Location(id="rankings-go", refresh="callback-nav"),
    ])


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default.
URL_FIELDS = (
    UrlField("office", "rankings-office", CODE, "home"),
    UrlField("section", "rankings-section", CODE, ALL), UrlField("direction", "rankings-direction", CHOICE, ALL, DIRECTIONS),
    UrlField("commodity", "rankings-commodity", CODE, ALL), UrlField("tier", "rankings-tier", CHOICE, ALL, TIERS),
    UrlField("from", "rankings-from", DAY), UrlField("to", "rankings-to", DAY),
    UrlField("sort", "rankings-sort", CHOICE, "rank", SORTS), UrlField("q", "rankings-search"),
    page_field("rankings-page"),
)


def layout(user, query: str = "", **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user), location("rankings")]), URL_FIELDS, query)
