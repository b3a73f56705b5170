"""Offices side by side: read the period, ask portal.services.kpi.offices (the KPI panel's own figures per office),
draw the table and the chart."""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from callbacks.common import register_date_words, register_url_filters
from callbacks.kpi import HIDDEN, SHOWN, hours, number, parse_date, period_feedback, unusable_period
from callbacks.shell import known_section
from layouts import kpi as kpi_layout, offices as offices_layout
from layouts.components.empty import empty_figure
from layouts.components.formatting import (chart_separators, format_count, format_date, format_per_thousand,
                                           format_percent, office_label)
from layouts.components.url_filters import query_string
from layouts.offices import metric_label
from portal.domain.periods import today_in
from portal.extensions import database
from portal.i18n import t
from portal.security.access import protected_callback, user
from portal.services.kpi import offices as offices_service
from portal.services.kpi import panel as kpi
from portal.validation import InvalidInput
from portal.view_cache import cached

PERMISSION = "offices.compare"
GOOD, FAIR, POOR = "#2f9e44", "#e8a317", "#c92a2a"
NEUTRAL = "#868e96"  # a rank among offices with nothing to rank against: neither best nor worst
# The chart keeps room for at least this many bars: plotly stretches the bars of a few offices over the chart's whole
# height (one office compared was a block some 230 px thick), so a short list stands at the width of a full one.
FEWEST_BAR_SLOTS = 6
# Room per bar, and for the axis below them: the chart grows with the offices (the national office compares dozens),
# where a fixed 360 px squeezed 30 offices' names and bars into 12 px each.
BAR_PX, AXIS_PX, LEAST_CHART_PX = 28, 60, 360


def chart_height(count: int) -> int:
    return max(LEAST_CHART_PX, BAR_PX * max(count, FEWEST_BAR_SLOTS) + AXIS_PX)


def grid_row(row: dict) -> dict:
    """One office as the grid shows it: raw numbers to sort by, text to read."""
    tiers = row["tiers"] or {}
    ikm = row["ikm"]
    return {"id": row["office_id"], "office": office_label(row["code"], row["name"]),
            "completed": row["applications_completed"],
            "median": row["median_hours"], "median_text": hours(row["median_hours"]),
            "p90": row["p90_hours"], "p90_text": hours(row["p90_hours"]),
            "sla": row["sla_share"], "sla_text": format_percent(row["sla_share"]),
            "ikm": ikm, "ikm_text": "–" if ikm is None else f"{number(ikm, 2)} ({row['ikm_grade']})",
            "violations_per_1000": row["violations_per_1000"],
            "rate_text": format_per_thousand(row["violations_per_1000"]),
            **{f"tier_{name}": tiers.get(name) for name in ("A", "B", "C", "D")},
            # The phone's stacked row (layouts/offices.py): texts, not the raw numbers the columns sort by.
            "completed_text": format_count(row["applications_completed"]),
            "tiers_text": " · ".join(f"{name} {format_count(tiers.get(name) or 0)}" for name in ("A", "B", "C", "D"))}


def _value_text(metric: str, value) -> str:
    if metric == "sla_share":
        return format_percent(value)
    if metric == "median_hours":
        return hours(value)
    if metric == "violations_per_1000":
        return format_per_thousand(value)
    return number(value, 2)  # the survey index (IKM), two decimals as on the KPI panel's card


def _colour(metric: str, value, rows: list[dict]) -> str:
    """Green, amber or red: the SLA share against 90 % / 75 % (the KPI panel's bands), the others by thirds of their
    rank; grey when there is no rank (one office, or every office the same): a lone office was drawn red, the
    "worst" of one."""
    if metric == "sla_share":
        return GOOD if value >= 0.9 else FAIR if value >= 0.75 else POOR
    values = sorted(row[metric] for row in rows)
    if len(set(values)) < 2:
        return NEUTRAL
    rank = values.index(value) / max(len(values) - 1, 1)
    better_high = offices_service.CHART_METRICS[metric]
    good = rank if better_high else 1 - rank
    return GOOD if good >= 2 / 3 else FAIR if good >= 1 / 3 else POOR


def bar_room(count: int) -> dict:
    """The y axis of the offices' categories: with fewer offices than FEWEST_BAR_SLOTS, a range as wide as that many
    (the bars centred in it), so each bar is as thick as in a full chart; plotly's own range for more."""
    if count >= FEWEST_BAR_SLOTS:
        return {}
    spare = (FEWEST_BAR_SLOTS - count) / 2
    return {"range": [-0.5 - spare, count - 0.5 + spare]}


def chart(rows: list[dict], metric: str) -> tuple[dict, str]:
    """Offices sorted by the chosen figure, best at the top, and the sentence the chart answers."""
    shown = offices_service.chart_order(rows, metric)
    if not shown:
        return empty_figure(t("offices.no_figures")), t("offices.no_figures")
    labels = [office_label(row["code"], row["name"]) for row in shown][::-1]
    values = [row[metric] * 100 if metric == "sla_share" else row[metric] for row in shown][::-1]
    # The share is drawn in percent: its ticks say so, as the targeting effectiveness chart's do (the axis title,
    # the measure's name, no longer repeats it).
    # A share reads against the whole: 0–100 % (plotly's own range ended at 54 %, ticks to 40 %, under a bar of 51 %).
    percent = {"ticksuffix": "%", "range": [0, 100], "dtick": 25} if metric == "sla_share" else {}
    figure = {"data": [{"type": "bar", "orientation": "h", "y": labels, "x": values,
                        "marker": {"color": [_colour(metric, row[metric], shown) for row in shown][::-1]},
                        "text": [_value_text(metric, row[metric]) for row in shown][::-1],
                        "textposition": "outside", "cliponaxis": False,
                        "hovertemplate": "%{y}: %{text}<extra></extra>"}],
              "layout": {"margin": {"l": 10, "r": 40, "t": 10, "b": 30}, "height": chart_height(len(shown)),
                         "plot_bgcolor": "#fff", "paper_bgcolor": "rgba(0,0,0,0)", "showlegend": False,
                         "xaxis": {"title": {"text": metric_label(metric)}, "gridcolor": "#e9ecef",
                                   "rangemode": "tozero", "automargin": True, **percent},
                         "yaxis": {"automargin": True, **bar_room(len(shown))}, "separators": chart_separators()}}
    best, worst = shown[0], shown[-1]
    if len(shown) == 1:  # best and lowest would name the same office: say there is nothing to compare it with yet
        return figure, t("offices.chart_answer_single", metric=metric_label(metric),
                         office=office_label(best["code"], best["name"]), value=_value_text(metric, best[metric]))
    answer = t("offices.chart_answer", metric=metric_label(metric),
               best=office_label(best["code"], best["name"]), best_value=_value_text(metric, best[metric]),
               worst=office_label(worst["code"], worst["name"]), worst_value=_value_text(metric, worst[metric]))
    return figure, answer


def register(app) -> None:
    register_date_words(app, PERMISSION, "offices-from", "offices-to")
    register_url_filters(app, PERMISSION, "offices", offices_layout.URL_FIELDS)

    @protected_callback(
        app, PERMISSION,
        [Output("offices-grid", "rowData"), Output("offices-chart", "figure"),
         Output("offices-chart", "style"), Output("offices-chart-answer", "children"),
         Output("offices-period-label", "children"), Output("offices-from-col", "style"),
         Output("offices-to-col", "style"),
         Output("offices-from", "invalid"), Output("offices-from-feedback", "children"),
         Output("offices-to", "invalid"), Output("offices-to-feedback", "children")],
        Input("offices-preset", "value"), Input("offices-from", "value"), Input("offices-to", "value"),
        Input("offices-section", "value"), Input("offices-metric", "value"))
    def load(preset, date_from, date_to, section, metric):
        """Every office's figures over the period, and the chart of the chosen one."""
        current = user()
        preset = preset if preset in kpi.PRESETS else "this_month"
        metric = metric if metric in offices_service.CHART_METRICS else "sla_share"
        section = known_section(section)
        custom = SHOWN if preset == "custom" else HIDDEN
        try:
            span = kpi.period(preset, today_in(current.office_timezone), parse_date(date_from), parse_date(date_to))
        except InvalidInput as error:
            feedback = period_feedback(error, date_from, date_to)
            if ctx.triggered_id is not None:  # the last figures stay, under the label of their own period
                return (no_update,) * 5 + (custom, custom, *feedback)
            figure, said, label = unusable_period()  # opened on it: the reason, not an empty table and chart
            return ([], figure, no_update, said, label, custom, custom, *feedback)
        with database().session() as session:
            result = cached(session, offices_service.side_by_side, current.scope, span, section)
        figure, answer = chart(result["rows"], metric)
        # "1 office", not "1 offices" (the translation layer has no plural rules: two texts)
        label = t("offices.period_label_one" if len(result["rows"]) == 1 else "offices.period_label",
                  start=format_date(span.start), end=format_date(span.end), offices=number(len(result["rows"])))
        height = {"height": f"{figure['layout'].get('height', LEAST_CHART_PX)}px"}  # the container, not only the figure
        return ([grid_row(row) for row in result["rows"]], figure, height, answer, label, custom, custom, False, "",
                False, "")

    @protected_callback(app, PERMISSION, Output("offices-go", "href"), Input("offices-grid", "cellClicked"),
                        State("offices-preset", "value"), State("offices-from", "value"), State("offices-to", "value"),
                        State("offices-section", "value"), prevent_initial_call=True)
    def open_office(cell, preset, date_from, date_to, section):
        """The clicked office's KPI panel on this page's period and section: the row's figures are that panel's, so
        it opens on them (it checks the reader's reach again)."""
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        office = int(cell["rowId"])
        # The reader's own office is the panel's "home" choice (the office chooser lists it so, not by its id).
        return "/kpi" + kpi_panel_query(None if office == user().office_id else office, preset, date_from, date_to,
                                        section)


def kpi_panel_query(office_id: int | None, preset, date_from, date_to, section) -> str:
    """The KPI panel's address query for one office (None: the home office) over this page's period (a preset, or
    custom dates) and section."""
    custom = preset == "custom"
    return query_string({"kpi-office": None if office_id is None else str(office_id), "kpi-preset": preset,
                         "kpi-section": section,
                         "kpi-from": date_from if custom else None, "kpi-to": date_to if custom else None},
                        kpi_layout.URL_FIELDS)
