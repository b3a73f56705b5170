"""Efektivitas penargetan: does targeting find more than chance? Per month and section: inspections, hits, the hit
rate of flag-selected consignments against the random share's, their ratio, and the inspections saved at reduced
companies. The drawing helpers are pure functions of the service's plain values, called by the callbacks."""
from __future__ import annotations

from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import page_header, scrolling_table, section_select
from layouts.components.formatting import (MONTH_CHART, chart_separators, format_count, format_number,
                                           format_targeting_share, month_axis, month_name)
from layouts.components.date_words import date_words
from layouts.components.empty import empty_figure
from layouts.components.grid import NUMERIC, PHONE_COLUMN, grid, stacked_column
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location, parse, query_string
from layouts.kpi import direction_options
from models.application import DIRECTIONS
from portal.domain.periods import add_months, month_start, today_in
from portal.i18n import t
from portal.services.targeting import effectiveness
from portal.validation import InvalidInput

ALL = "all"
MONTHS, CUSTOM = "months", "custom"  # the period: whole months (the page's own), or days (the KPI card's link)
TARGETED_COLOUR, RANDOM_COLOUR = "#c92a2a", "#868e96"


def ratio_text(ratio) -> str:
    return "–" if ratio is None else f"{format_number(ratio, decimals=1)}×"


def _filters(user, sections):
    """Month pickers filled with the default six months (the office's today: no query), so they never read blank;
    date fields in their place for a period of days (shown by the callback); the active sections the router read
    for the page (`Page.sections`); the direction, as the KPI panel offers it."""
    last = month_start(today_in(user.office_timezone))
    first = add_months(last, -5)
    hidden = {"display": "none"}
    return dbc.Row([
        dbc.Col([dbc.Label(t("kpi.filter.period"), html_for="effect-period", className="small mb-0"),
                 dbc.Select(id="effect-period", value=MONTHS,
                            options=[{"label": t("targeting_effect.period.months"), "value": MONTHS},
                                     {"label": t("kpi.preset.custom"), "value": CUSTOM}])],
                xs=12, md=3, lg=2, className="mb-2"),
        dbc.Col([dbc.Label(t("targeting_effect.from"), html_for="effect-from", className="small mb-0"),
                 dbc.Input(id="effect-from", type="month", debounce=True, value=first.isoformat()[:7]),
                 dbc.FormFeedback(id="effect-from-feedback", type="invalid"), date_words("effect-from")],
                xs=6, md=3, lg=2, className="mb-2", id="effect-from-col"),
        dbc.Col([dbc.Label(t("targeting_effect.to"), html_for="effect-to", className="small mb-0"),
                 dbc.Input(id="effect-to", type="month", debounce=True, value=last.isoformat()[:7]),
                 dbc.FormFeedback(id="effect-to-feedback", type="invalid"), date_words("effect-to")],
                xs=6, md=3, lg=2, className="mb-2", id="effect-to-col"),
        dbc.Col([dbc.Label(t("kpi.filter.from"), html_for="effect-start", className="small mb-0"),
                 dbc.Input(id="effect-start", type="date", debounce=True),
                 dbc.FormFeedback(id="effect-start-feedback", type="invalid"), date_words("effect-start")],
                xs=6, md=3, lg=2, className="mb-2", id="effect-start-col", style=hidden),
        dbc.Col([dbc.Label(t("kpi.filter.to"), html_for="effect-end", className="small mb-0"),
                 dbc.Input(id="effect-end", type="date", debounce=True),
                 dbc.FormFeedback(id="effect-end-feedback", type="invalid"), date_words("effect-end")],
                xs=6, md=3, lg=2, className="mb-2", id="effect-end-col", style=hidden),
        dbc.Col([dbc.Label(t("applications.field.section"), html_for="effect-section", className="small mb-0"),
                 section_select("effect-section", user, t("applications.all_sections"), ALL, sections)],
                xs=6, md=3, lg=2, className="mb-2"),
        # The KPI panel's direction choices (its card counts by direction, and its link carries it here).
        dbc.Col([dbc.Label(t("kpi.filter.direction"), html_for="effect-direction", className="small mb-0"),
                 dbc.Select(id="effect-direction", value=ALL, options=direction_options(ALL)),
                 dbc.FormFeedback(id="effect-direction-feedback", type="invalid")],
                xs=6, md=3, lg=2, className="mb-2"),
    ], className="align-items-start g-2 mb-2")  # the fields in a line; the month in words hangs below them


def grid_columns() -> list[dict]:
    number = {"type": NUMERIC, "minWidth": 110}
    return [
        {"field": "month_label", "headerName": t("targeting_effect.field.month"), "minWidth": 110, "pinned": "left"},
        # "Karantina Tumbuhan" whole (at 150 px it read "Karantina Tumb…" at 1366 px).
        {"field": "section_label", "headerName": t("applications.field.section"), "minWidth": 190},
        {"field": "decisions", "headerName": t("targeting_effect.field.decisions"), **number},
        {"field": "inspected", "headerName": t("targeting_effect.field.inspected"), **number},
        {"field": "hits", "headerName": t("targeting_effect.field.hits"), **number},
        {"field": "targeted_rate_text", "headerName": t("targeting_effect.field.targeted_rate"), "minWidth": 150,
         "tooltipField": "targeted_tip"},
        {"field": "random_rate_text", "headerName": t("targeting_effect.field.random_rate"), "minWidth": 150,
         "tooltipField": "random_tip"},
        {"field": "ratio_text", "headerName": t("targeting_effect.field.ratio"), "minWidth": 100},
        {"field": "saved", "headerName": t("targeting_effect.field.saved"), **number},
        {"field": "pending", "headerName": t("targeting_effect.field.pending"), **number},
        phone_column(),
    ]


# The figures a phone's row names (a bare "2 · 5 · 1" said nothing): field, its column's words.
PHONE_LABELS = {"ratio_text": "ratio", "targeted_rate_text": "targeted_rate", "random_rate_text": "random_rate",
                "decisions": "decisions", "inspected": "inspected", "hits": "hits", "saved": "saved",
                "pending": "pending"}


def phone_column() -> dict:
    """A month and section on a phone: the ten columns side by side need ~1,300 px, and a 390 px phone showed the
    month and a section cut short, the ratio off the screen. The month and section; the ratio (the answer); the two
    hit rates it compares; the counts they come from."""
    header = " · ".join(t(key) for key in ("targeting_effect.field.month", "applications.field.section",
                                           "targeting_effect.field.ratio"))
    return stacked_column(
        header, "month", [["month_label", "section_label"], ["ratio_text"], ["targeted_rate_text", "random_rate_text"],
                          ["decisions", "inspected", "hits"], ["saved", "pending"]],
        ["fw-semibold", "small fw-semibold", "small", "small text-muted", "small text-muted"],
        labels={field: t(f"targeting_effect.field.{key}") for field, key in PHONE_LABELS.items()})


def _page(user, sections, refusals=()):
    return html.Div([
        page_header(t("page.targeting_effect"), t("targeting_effect.subtitle")),
        *refusals,
        _filters(user, sections),
        dcc.Loading(html.Div(id="effect-cards", className="qc-kpi-grid mb-3"), type="dot", delay_show=400),
        dbc.Card(dbc.CardBody([
            html.H2(t("targeting_effect.chart.title"), className="h5"),
            dcc.Graph(id="effect-chart", config={"displayModeBar": False, "responsive": True},
                      style={"height": "320px"}, className=MONTH_CHART),
            html.Div(t("targeting_effect.chart.note"), className="small text-muted"),
        ]), className="mb-3"),
        html.H2(t("targeting_effect.table.title"), className="h5"),
        grid("effect-grid", grid_columns(), t("targeting_effect.no_rows"), height="45vh", min_height="240px",
             sortable=True, phone_column=PHONE_COLUMN, class_name="qc-tall-on-phone",
             # The columns share the width: at 200 px each the ten ran past a 1366 px screen and hid the ratio.
             default_col={"flex": 1, "wrapHeaderText": True, "autoHeaderHeight": True}),
        html.H2(t("targeting_effect.flags.title"), className="h5 mt-3"),
        html.Div(id="effect-flags"),
        html.P(t("targeting_effect.reading_note"), className="small text-muted mt-2"),
    ], className="qc-kpi")


# Whole months as "from"/"to" (2026-03); a period of days as the survey page's custom period is kept:
# "period=custom" with its dates, here "start"/"end" (2026-03-05), for "from"/"to" already name the months.
URL_FIELDS = (
    UrlField("period", "effect-period", CHOICE, MONTHS, (MONTHS, CUSTOM)),
    UrlField("from", "effect-from", CODE), UrlField("to", "effect-to", CODE),
    UrlField("start", "effect-start", DAY), UrlField("end", "effect-end", DAY),
    UrlField("section", "effect-section", CODE, ALL),
    UrlField("direction", "effect-direction", CHOICE, ALL, DIRECTIONS),
)
PERIOD_FIELDS = ("effect-period", "effect-from", "effect-to", "effect-start", "effect-end")


def layout(user, query: str = "", sections=(), **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view.

    A period the address gives that the service refuses (a month or day that is none, the end before the start, too
    long) is not drawn into the fields: the page opens on its default six months and says why above them. So does
    a direction it does not know (left out by `parse`): all directions, and the warning, not figures silently of
    every direction under an address that names one."""
    values = parse(query, URL_FIELDS)
    refusal = None
    direction_refusal = None
    try:
        effectiveness.clean_direction(_given(query, "direction", ALL))
    except InvalidInput:
        direction_refusal = dbc.Alert(t("targeting_effect.error.address_direction"), color="warning",
                                      id="effect-address-direction-error", className="py-2")
    try:
        if values.get("effect-period") == CUSTOM:
            effectiveness.clean_days(values.get("effect-start"), values.get("effect-end"))
        else:
            effectiveness.clean_months(values.get("effect-from"), values.get("effect-to"),
                                       today_in(user.office_timezone))
    except InvalidInput as error:
        query = query_string({key: value for key, value in values.items() if key not in PERIOD_FIELDS}, URL_FIELDS)
        said = " ".join(dict.fromkeys(error.messages(t).values()))  # both dates wrong the same way: said once
        refusal = dbc.Alert([t("targeting_effect.error.address"), " ", said], color="warning",
                            id="effect-address-error", className="py-2")
    return applied(html.Div([_page(user, sections, (refusal, direction_refusal)), location("effect")]), URL_FIELDS,
                   query)


def _given(query: str, param: str, default: str) -> str | None:
    """The raw value the address gives `param` (None for none, or for its default), before `parse` drops what
    does not fit."""
    try:
        given = (parse_qs((query or "").lstrip("?"), max_num_fields=50).get(param) or [None])[-1]
    except ValueError:
        return None
    return None if given == default else given


def _card(key: str, label: str, value, sub=None):
    return html.Div(dbc.Card(dbc.CardBody([
        html.Div(label, className="qc-kpi-label"),
        html.Div(value, className="qc-kpi-value", id=f"effect-value-{key}"),
        html.Div(sub, className="qc-kpi-sub") if sub else None,
    ]), className="qc-kpi-card h-100"), className="qc-kpi-link", id=f"effect-card-{key}")


def cards(total: dict):
    """The period at a glance: the ratio first (the answer), then what it is made of. A period without a decision
    says so (its headline said the random share had no finding yet, where nothing had been decided at all)."""
    verdict = t(f"targeting_effect.verdict.{total['verdict']}", random=format_count(total["random_hits"])) \
        if total["decisions"] else t("targeting_effect.no_rows")
    return [
        _card("ratio", t("targeting_effect.card.ratio"), ratio_text(total["ratio"]), verdict),
        _card("targeted", t("targeting_effect.card.targeted"), format_targeting_share(total["targeted_rate"]),
              t("targeting_effect.card.of", hits=format_count(total["targeted_hits"]),
                known=format_count(total["targeted_known"]))),
        _card("random", t("targeting_effect.card.random"), format_targeting_share(total["random_rate"]),
              t("targeting_effect.card.of", hits=format_count(total["random_hits"]),
                known=format_count(total["random_known"]))),
        _card("inspected", t("targeting_effect.card.inspected"), format_count(total["inspected"]),
              t("targeting_effect.card.inspected_sub", share=format_targeting_share(total["inspected_share"]),
                decisions=format_count(total["decisions"]), hits=format_count(total["hits"]))),
        _card("saved", t("targeting_effect.card.saved"), format_count(total["saved"]),
              t("targeting_effect.card.saved_sub")),
    ]


def chart(monthly: list[dict]) -> dict:
    """Per month, the hit rate of flag-selected consignments beside the random share's: a red bar taller than the
    grey one is targeting finding more than chance. Counts in the hover, since small months swing.

    A plain figure dict: plotly's graph objects validate every property and cost more than the figure does. A
    period with no consignment of known outcome says why its chart is empty, not bare axes.
    """
    if not any(row["targeted_known"] or row["random_known"] for row in monthly):
        decided = any(row.get("decisions") for row in monthly)  # decided, but no outcome known yet
        return empty_figure(t("targeting_effect.no_outcomes" if decided else "targeting_effect.no_rows"))
    months = [row["month"] for row in monthly]
    traces = []
    for key, colour, name in (("targeted", TARGETED_COLOUR, t("targeting_effect.chart.targeted")),
                              ("random", RANDOM_COLOUR, t("targeting_effect.chart.random"))):
        traces.append({
            # A name's explanation in brackets on its own line: plotly never wraps a legend, and on a phone the
            # random sample's ran past the chart's edge.
            "type": "bar", "x": months, "name": name.replace(" (", "<br>(", 1), "marker": {"color": colour},
            "y": [None if row[f"{key}_rate"] is None else round(row[f"{key}_rate"] * 100, 2) for row in monthly],
            # A bar of 0% has no height: said in words above it, or a month whose checks found nothing looks like
            # one with nothing checked (no bar, no word).
            "text": ["0%" if row[f"{key}_rate"] == 0 else "" for row in monthly], "textposition": "outside",
            "cliponaxis": False,
            "customdata": [[row[f"{key}_hits"], row[f"{key}_known"], month_name(row["month"])] for row in monthly],
            "hovertemplate": t("targeting_effect.chart.hover") + "<extra></extra>",
        })
    return {"data": traces,
            "layout": {"barmode": "group", "margin": {"l": 70, "r": 10, "t": 10, "b": 40}, "font": {"size": 14},
                       "legend": {"orientation": "h", "yanchor": "top", "y": -0.22}, "plot_bgcolor": "white",
                       "paper_bgcolor": "white",
                       # Month labels, never re-read as dates, upright on a phone (month_axis).
                       "xaxis": month_axis(months),
                       "yaxis": {"rangemode": "tozero", "gridcolor": "#e9ecef", "ticksuffix": "%", "automargin": True,
                                 "title": {"text": t("targeting_effect.chart.axis"), "standoff": 10}},
                       "separators": chart_separators()}}


def grid_rows(rows: list[dict]) -> list[dict]:
    return [{**row, "id": f"{row['month']}-{row['section']}", "month_label": month_name(row["month"]),
             "section_label": t(f"section.{row['section']}"),
             "targeted_rate_text": format_targeting_share(row["targeted_rate"]),
             "random_rate_text": format_targeting_share(row["random_rate"]),
             "targeted_tip": t("targeting_effect.card.of", hits=row["targeted_hits"], known=row["targeted_known"]),
             "random_tip": t("targeting_effect.card.of", hits=row["random_hits"], known=row["random_known"]),
             "ratio_text": ratio_text(row["ratio"])} for row in rows]


def flags_table(flags: list[dict]):
    """Each risk flag over the period: how often it fired, how many of those are decided, and the hits. One card per
    flag on a phone (qc-stack-table, each figure named): scrolled sideways, its figures were off the screen with
    nothing showing they were there."""
    headers = [(t("targeting_queue.flag"), ""), (t("targeting_effect.field.decisions"), "text-end text-nowrap"),
               (t("targeting_effect.field.known"), "text-end text-nowrap"),
               (t("targeting_effect.field.hits"), "text-end text-nowrap"),
               (t("targeting_effect.field.rate"), "text-end text-nowrap")]
    head = html.Thead(html.Tr([html.Th(label, className=style or None) for label, style in headers]))
    body = html.Tbody([html.Tr([
        html.Td(value, className=style or None, **{"data-label": label})
        for (label, style), value in zip(headers, (
            t(f"targeting_queue.flag.{flag['code']}"), format_count(flag["decisions"]), format_count(flag["known"]),
            format_count(flag["hits"]), format_targeting_share(flag["rate"])))
    ]) for flag in flags])
    return scrolling_table(dbc.Table([head, body], size="sm", hover=True, className="mb-1 qc-stack-table",
                                     id="effect-flags-table"), t("targeting_effect.flags.title"))
