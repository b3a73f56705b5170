"""Offices side by side (national): every office's service time, SLA share, IKM, violation rate and tiers over one
period, as a table and a chart that answers "which offices meet the SLA, which lag" (a row opens its KPI panel)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import hidden_label, page_header
from layouts.components.grid import NUMERIC, PHONE_COLUMN, grid, stacked_column
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location
from layouts.kpi import KPI_PRESETS, period_controls
from portal.i18n import t
from portal.services.kpi.offices import CHART_METRICS


# The chart's measures by name: the violation rate is the KPI panel's card's own words ("per 1.000 konsinyasi"), one
# term and one translation for the same figure on both pages.
METRIC_LABELS = {"sla_share": "offices.metric.sla_share", "median_hours": "offices.metric.median_hours",
                 "violations_per_1000": "kpi.card.violations", "ikm": "offices.metric.ikm"}


def metric_label(metric: str) -> str:
    return t(METRIC_LABELS[metric])


# The phone's stacked row names each figure, as the desktop's headers do.
PHONE_LABELS = {"completed_text": "offices.col.completed", "median_text": "offices.col.median",
                "p90_text": "offices.col.p90", "sla_text": "offices.col.sla", "ikm_text": "offices.col.ikm",
                "rate_text": "offices.col.violation_rate", "tiers_text": "compliance.col.tier"}


def grid_columns():
    """Office, service time, SLA share, IKM, violations per 1,000 and tier counts; the whole short list is in the
    grid, so a header click sorts it."""
    tier = [{"field": f"tier_{name}", "headerName": name, "width": 84, "type": NUMERIC,
             "headerTooltip": t(f"compliance.tier.{name}")} for name in ("A", "B", "C", "D")]
    return [
        {"field": "office", "headerName": t("offices.col.office"), "flex": 2, "minWidth": 300, "pinned": "left",
         "cellClass": "qc-link-cell", "tooltipField": "office"},
        {"field": "completed", "headerName": t("offices.col.completed"), "width": 120, "type": NUMERIC},
        {"field": "median", "headerName": t("offices.col.median"), "width": 110, "type": NUMERIC,
         "valueFormatter": {"function": "params.data.median_text"}},
        {"field": "p90", "headerName": t("offices.col.p90"), "width": 100, "type": NUMERIC,
         "valueFormatter": {"function": "params.data.p90_text"}},
        {"field": "sla", "headerName": t("offices.col.sla"), "width": 110, "type": NUMERIC,
         "valueFormatter": {"function": "params.data.sla_text"}},
        {"field": "ikm", "headerName": t("offices.col.ikm"), "width": 100, "type": NUMERIC,
         "valueFormatter": {"function": "params.data.ikm_text"}},
        {"field": "violations_per_1000", "headerName": t("offices.col.violation_rate"), "width": 120,
         "type": NUMERIC, "valueFormatter": {"function": "params.data.rate_text"},
         "headerTooltip": t("offices.help.violation_rate")},
        *tier,
        # A phone's one column: the office pinned at 300 px left a 390 px screen room for one figure at a time.
        stacked_column(t("offices.col.office"), "office",
                       [["office"], ["completed_text", "median_text", "p90_text"], ["sla_text", "ikm_text", "rate_text"],
                        ["tiers_text"]], ["qc-link-cell", "small", "small", "small text-muted"],
                       labels={name: t(key) for name, key in PHONE_LABELS.items()}),
    ]



def _page(user, sections):
    return html.Div([
        page_header(t("page.offices"), t("offices.subtitle")),
        period_controls("offices", KPI_PRESETS, "this_month", user, sections),
        html.Div(id="offices-period-label", className="qc-kpi-period mb-3"),
        dbc.Alert(id="offices-error", color="warning", is_open=False),
        dbc.Card(dbc.CardBody([
            dbc.Row([
                dbc.Col(html.H2(t("offices.chart_title"), className="h6 mb-1"), md=8),
                dbc.Col([hidden_label(t("offices.metric_label"), "offices-metric"),
                         dbc.Select(id="offices-metric", value="sla_share", size="sm",
                                    options=[{"label": metric_label(key), "value": key}
                                             for key in CHART_METRICS])], md=4),
            ], className="g-2 align-items-center"),
            html.P(id="offices-chart-answer", className="mb-1 fw-semibold", role="status"),
            dcc.Loading(dcc.Graph(id="offices-chart", config={"displayModeBar": False, "responsive": True},
                                  style={"height": "360px"}), type="dot", delay_show=400),
        ]), className="shadow-sm mb-3"),
        # A few dozen offices: the whole list is in the grid, sortable by a header click.
        grid("offices-grid", grid_columns(), t("offices.no_rows"), sortable=True, height="auto", min_height=None,
             default_col={"wrapHeaderText": True, "autoHeaderHeight": True}, options={"domLayout": "autoHeight"},
             phone_column=PHONE_COLUMN),
        html.P(t("offices.open_hint"), className="text-muted small mt-2"),
        dcc.Location(id="offices-go", refresh="callback-nav"),
    ], className="qc-offices")


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default.
URL_FIELDS = (
    UrlField("period", "offices-preset", CHOICE, "this_month", KPI_PRESETS), UrlField("from", "offices-from", DAY),
    UrlField("to", "offices-to", DAY), UrlField("section", "offices-section", CODE, "all"),
    UrlField("chart", "offices-metric", CHOICE, "sla_share", tuple(CHART_METRICS)),
)


def layout(user, query: str = "", sections=(), **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user, sections), location("offices")]), URL_FIELDS, query)
