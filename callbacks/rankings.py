"""Compliance ranking callbacks: thin wrappers around portal.services.compliance.ranking.ranking."""
from __future__ import annotations


from dash import Input, Output, State, ctx, no_update

from callbacks.common import (export_failed, page_of, paged_callback, plain, register_open_row,
                              register_url_filters, section_choices, table_download)
from layouts.compliance_common import export_columns, export_row, grid_row, tier_chart, window_text
from layouts.components.empty import empty_figure
from layouts.components.formatting import format_count
from layouts import rankings as rankings_layout
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import current_language, t
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import ranking as compliance
from portal.view_cache import cached

PERMISSION = "rankings.view"
# Each filter's name → its component id.
FILTERS = {"section": "rankings-section", "direction": "rankings-direction", "commodity": "rankings-commodity",
           "tier": "rankings-tier", "period_from": "rankings-from", "period_to": "rankings-to"}


def filters_from(section, direction, commodity, tier, period_from, period_to) -> dict:
    """The service's filters from the page's values."""
    return {"section": section, "direction": direction, "commodity_id": commodity, "tier": tier,
            "period_from": period_from, "period_to": period_to}


def compliance_sections(session) -> list[dict]:
    """The sections the compliance pages filter by."""
    return compliance.filter_options(session, None)["sections"]


def chart_answer(counts: dict) -> str:
    return t("rankings.chart_answer", d=format_count(counts.get("D", 0)), a=format_count(counts.get("A", 0)),
             total=format_count(sum(counts.values())))


def drawn_page(session, *, language: str, **asked) -> dict:
    """A page of the ranking drawn (grid rows, tier chart, its spoken answer, the window) as plain values, for the
    view cache per (the caller's office and section scope, filters, sort, page, search, data stamp, language): a
    repeat view neither ranks nor draws. `language` is the one `t()` draws in (the caller's current_language()),
    an argument so that it is part of the key."""
    result = compliance.ranking(session, **asked)
    counts = result["tier_counts"]
    return {"outputs": {"rows": [grid_row(row, result["timezone"]) for row in result["rows"]],
                        "figure": plain(tier_chart(counts) if result["ranked"] else empty_figure(t("rankings.no_rows"))),
                        "answer": plain(chart_answer(counts)), "window": plain(window_text(result))},
            "page": page_of(result, asked["page"])}


def register(app) -> None:
    register_url_filters(app, PERMISSION, "rankings", rankings_layout.URL_FIELDS)

    @protected_callback(app, PERMISSION, [Output("rankings-section", "options"), Output("rankings-commodity",
                                                                                       "options")],
                        Input("rankings-page", "id"))
    def load_options(_):
        current = user()
        with database().session() as db:
            options = compliance.filter_options(db, current.section_scope)
        sections = no_update if current.section_scope else section_choices(options["sections"])
        commodities = [{"label": t("compliance.all_commodities"), "value": "all"}] + [
            {"label": c["name"], "value": str(c["id"])} for c in options["commodities"]]
        return sections, commodities

    @paged_callback(
        app, PERMISSION, "rankings", forbidden_key="compliance.forbidden",
        cleared={"figure": lambda: empty_figure(t("rankings.no_rows")), "answer": "", "window": ""},
        output={"rows": Output("rankings-grid", "rowData"), "figure": Output("rankings-chart", "figure"),
                "answer": Output("rankings-chart-answer", "children"),
                "window": Output("rankings-window", "children"), "error": Output("rankings-error", "children"),
                "error_open": Output("rankings-error", "is_open")},
        inputs={**{name: Input(component, "value") for name, component in FILTERS.items()},
                "sort": Input("rankings-sort", "value"), "search": Input("rankings-search", "value")})
    def load_page(page, sort=None, search=None, **filters):
        """A page of the ranking; a changed filter or sort starts again from the first page."""
        with database().session() as db:
            drawn = cached(db, drawn_page, **compliance_filters.reach(user().scope), sort=sort or "rank",
                           page=page, filters=filters_from(**filters), search=search, language=current_language())
        return {**drawn["outputs"], "error": "", "error_open": False}, drawn["page"]

    register_open_row(app, PERMISSION, "rankings-grid", "rankings-go", "/profile/")

    @protected_callback(
        app, PERMISSION, Output("rankings-download", "data"),
        Input("rankings-export-csv", "n_clicks"), Input("rankings-export-xlsx", "n_clicks"),
        [State(component, "value") for component in FILTERS.values()] + [State("rankings-sort", "value"),
                                                                          State("rankings-search", "value")],
        prevent_initial_call=True, on_error=export_failed)
    def export(_csv, _xlsx, section, direction, commodity, tier, period_from, period_to, sort, search):
        """The whole ranking under the filters (not one page), with formula cells neutralised."""
        if ctx.triggered_id not in ("rankings-export-csv", "rankings-export-xlsx"):
            return no_update
        with database().session() as db:
            reach = compliance_filters.reach(user().scope)
            result = compliance.ranking(db, **reach, sort=sort or "rank", page_size=None, search=search,
                                        filters=filters_from(section, direction, commodity, tier, period_from,
                                                             period_to))
        return download(result, "peringkat-kepatuhan", ctx.triggered_id.endswith("xlsx"))


def download(result: dict, stem: str, xlsx: bool) -> dict:
    """A dcc.Download payload of the rows of a ranking result."""
    tz = result["timezone"]
    rows = [export_row(row, tz) for row in result["rows"]]
    return table_download(export_columns(), rows, stem, xlsx, tz, sheet=t("page.rankings"))
