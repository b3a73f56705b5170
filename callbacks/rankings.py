"""Compliance ranking callbacks: thin wrappers around portal.services.compliance.ranking.ranking."""
from __future__ import annotations

from datetime import datetime

from dash import Input, Output, State, ctx, dcc, no_update

from layouts.compliance_common import (empty_figure, export_columns, export_row, fmt_number, grid_row,
                                       section_options, tier_chart, window_text)
from portal import i18n
from portal.reports import exports
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.compliance import ranking as compliance
from portal.validation import Forbidden, InvalidInput

PERMISSION = "rankings.view"
FILTERS = ["rankings-section", "rankings-direction", "rankings-commodity", "rankings-tier", "rankings-from",
           "rankings-to"]


def filters_from(section, direction, commodity, tier, period_from, period_to) -> dict:
    return {"section": section, "direction": direction, "commodity_id": commodity, "tier": tier,
            "period_from": period_from, "period_to": period_to}


def chart_answer(counts: dict) -> str:
    return t("rankings.chart_answer", d=fmt_number(counts.get("D", 0)), a=fmt_number(counts.get("A", 0)),
             total=fmt_number(sum(counts.values())))


def register(app) -> None:
    @protected_callback(app, PERMISSION, [Output("rankings-section", "options"), Output("rankings-commodity",
                                                                                       "options")],
                        Input("rankings-page", "id"))
    def load_options(_):
        current = user()
        with database().session() as db:
            options = compliance.filter_options(db, current.section_scope)
        sections = no_update if current.section_scope else section_options(options["sections"])
        commodities = [{"label": t("compliance.all_commodities"), "value": "all"}] + [
            {"label": c["name"], "value": str(c["id"])} for c in options["commodities"]]
        return sections, commodities

    @protected_callback(
        app, PERMISSION,
        [Output("rankings-grid", "rowData"), Output("rankings-count", "children"), Output("rankings-page", "data"),
         Output("rankings-prev", "disabled"), Output("rankings-next", "disabled"),
         Output("rankings-chart", "figure"), Output("rankings-chart-answer", "children"),
         Output("rankings-window", "children"), Output("rankings-error", "children"),
         Output("rankings-error", "is_open")],
        [Input(component, "value") for component in FILTERS]
        + [Input("rankings-sort", "value"), Input("rankings-prev", "n_clicks"), Input("rankings-next", "n_clicks"),
           State("rankings-page", "data")])
    def load_page(section, direction, commodity, tier, period_from, period_to, sort, _prev, _next, page):
        """A page of the ranking; a changed filter or sort starts again from the first page."""
        page = page or 0
        if ctx.triggered_id == "rankings-next":
            page += 1
        elif ctx.triggered_id == "rankings-prev":
            page = max(page - 1, 0)
        else:
            page = 0
        current = user()
        try:
            with database().session() as db:
                result = compliance.ranking(db, **compliance.reach(current.scope), sort=sort or "rank", page=page,
                                            filters=filters_from(section, direction, commodity, tier, period_from,
                                                                 period_to))
        except InvalidInput as error:
            return ([], "", 0, True, True, empty_figure(t("rankings.no_rows")), "", "",
                    " ".join(error.messages(t).values()), True)
        except Forbidden:
            return [], "", 0, True, True, empty_figure(""), "", "", t("compliance.forbidden"), True
        tz = result["timezone"]
        rows = [grid_row(row, tz) for row in result["rows"]]
        first = page * result["page_size"] + (1 if rows else 0)
        last = page * result["page_size"] + len(rows)
        count = t("pager.showing", first=i18n.format_number(first), last=i18n.format_number(last),
                  total=i18n.format_number(result["total"]))
        counts = result["tier_counts"]
        figure = tier_chart(counts) if result["ranked"] else empty_figure(t("rankings.no_rows"))
        return (rows, count, page, page == 0, last >= result["total"], figure, chart_answer(counts),
                window_text(result), "", False)

    @protected_callback(app, PERMISSION, Output("rankings-go", "pathname"),
                        Input("rankings-grid", "cellClicked"), prevent_initial_call=True)
    def open_profile(cell):
        """Clicking a row opens that service user's profile (the profile checks the caller's reach again)."""
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        return f"/profile/{int(cell['rowId'])}"

    @protected_callback(
        app, PERMISSION, Output("rankings-download", "data"),
        Input("rankings-export-csv", "n_clicks"), Input("rankings-export-xlsx", "n_clicks"),
        [State(component, "value") for component in FILTERS] + [State("rankings-sort", "value")],
        prevent_initial_call=True)
    def export(_csv, _xlsx, section, direction, commodity, tier, period_from, period_to, sort):
        """The whole ranking under the filters (not one page), with formula cells neutralised."""
        if ctx.triggered_id not in ("rankings-export-csv", "rankings-export-xlsx"):
            return no_update
        current = user()
        try:
            with database().session() as db:
                result = compliance.ranking(db, **compliance.reach(current.scope), sort=sort or "rank",
                                            page_size=None, filters=filters_from(section, direction, commodity,
                                                                                 tier, period_from, period_to))
        except (InvalidInput, Forbidden):
            return no_update
        return download(result, "peringkat-kepatuhan", ctx.triggered_id.endswith("xlsx"))


def download(result: dict, stem: str, xlsx: bool) -> dict:
    """A dcc.Download payload of the rows of a ranking result."""
    tz = result["timezone"]
    rows = [export_row(row, tz) for row in result["rows"]]
    stamp = datetime.now().strftime("%Y%m%d")
    if xlsx:
        return dcc.send_bytes(exports.xlsx_bytes(export_columns(), rows, sheet=t("page.rankings")),
                              f"{stem}-{stamp}.xlsx", type=exports.XLSX_MIME)
    return dcc.send_bytes(exports.csv_bytes(export_columns(), rows), f"{stem}-{stamp}.csv", type=exports.CSV_MIME)
