"""Compliance ranking callbacks: thin wrappers around portal.services.compliance.ranking.ranking."""
from __future__ import annotations


from dash import Input, Output, State, ctx, no_update

from callbacks.common import (export_failed, page_of, paged_callback, plain, register_date_words, register_open_row,
                              register_url_filters, section_choices, table_download)
from layouts.compliance_common import export_columns, export_row, grid_row, tier_cells, tier_chart, window_text
from layouts.components.empty import empty_figure
from layouts.components.grid import formatted_columns
from layouts.components.formatting import format_count, format_date, format_rate, format_score, format_tax_id, office_label
from layouts import rankings as rankings_layout
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import current_language, t
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import national
from portal.services.compliance import ranking as compliance
from portal.services.offices import office_names
from portal.services.kpi.offices import office_choices
from portal.view_cache import cached

PERMISSION = "rankings.view"
# Each filter's name → its component id.
FILTERS = {"section": "rankings-section", "direction": "rankings-direction", "commodity": "rankings-commodity",
           "tier": "rankings-tier", "period_from": "rankings-from", "period_to": "rankings-to"}


def filters_from(section, direction, commodity, tier, period_from, period_to) -> dict:
    """The service's filters from the page's values."""
    return {"section": section, "direction": direction, "commodity_id": commodity, "tier": tier,
            "period_from": period_from, "period_to": period_to}


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
    # The mark for companies with violations at another office (never the other office's figures).
    marks = national.violations_elsewhere(
        session, asked["office_id"], [row["service_user_id"] for row in result["rows"]],
        first=result["window_from"], last=result["window_to"], section_id=result["filters"]["section_id"])
    rows = [grid_row(row, result["timezone"]) for row in result["rows"]]
    for row in rows:
        if row["id"] in marks:
            row["elsewhere"], row["elsewhere_help"] = t("rankings.elsewhere_mark"), t("rankings.elsewhere_help")
            # On a phone the mark with its words: no header or tooltip says what the flag alone means there.
            row["elsewhere_text"] = f"{t('rankings.elsewhere_mark')} {t('rankings.col.elsewhere')}"
    return {"outputs": {"rows": rows,
                        "figure": plain(tier_chart(counts) if result["ranked"] else empty_figure(t("rankings.no_rows"))),
                        "answer": plain(chart_answer(counts)), "window": plain(window_text(result))},
            "page": page_of(result, asked["page"])}


NATIONAL = rankings_layout.NATIONAL  # the office choice's value for the national ranking


def office_reach(scope, office) -> dict:
    """The reach of an office's ranking: the home office's, or another office a scope reading several chose
    (Forbidden for anyone else: a coordinator never sees another office's ranking)."""
    reach = compliance_filters.reach(scope)
    reach["office_id"] = scope.figures_office(office)
    return reach


def national_row(row: dict, tz: str, names: dict[int, str] | None = None) -> dict:
    """A company of the national ranking as the grid shows it: its national figures and each office's score (by
    code in the cell, by code and name on hover: `names`, office id → name)."""
    return {"id": row["service_user_id"], "rank": row["rank"], "name": row["name"],
            "tax_id": format_tax_id(row["tax_id"]),
            "score": row["score"], "score_text": format_score(row["score"]), "consignments": row["consignments"],
            "detentions": row["detentions"], "refusals": row["refusals"], "destructions": row["destructions"],
            "nncs": row["nncs"], "violations": row["violations"], "clean_streak": row["clean_streak"],
            "last_violation": format_date(row["last_violation_at"], tz=tz) if row["last_violation_at"] else t(
                "compliance.never_violated"),
            **tier_cells(row["tier"]),
            "offices_text": " · ".join(f"{office['office_code']}: {format_score(office['score'])} ({office['tier']})"
                                       for office in row["offices"]),
            "offices_title": offices_named(row["offices"], names)}


def offices_named(offices: list[dict], names: dict[int, str] | None) -> str:
    """Each office's score and tier by the office's code and name ("0300 · BBKP Soekarno-Hatta: 99,4 (B) · …"), on
    hover and in a sheet read away from the portal."""
    return " · ".join(f"{office_label(o['office_code'], (names or {}).get(o.get('office_id')))}: "
                      f"{format_score(o['score'])} ({o['tier']})" for o in offices)


def national_window(result: dict) -> str:
    return t("rankings.national_window", start=format_date(result["window_from"]),
             end=format_date(result["window_to"]), p0=format_rate(result["p0"]), n=format_count(result["all_n"]),
             version=result["settings_version"])


def register(app) -> None:
    register_date_words(app, PERMISSION, "rankings-from", "rankings-to")
    register_url_filters(app, PERMISSION, "rankings", rankings_layout.URL_FIELDS)

    # The page's choices in one answer when it opens (one request, one session): the offices this scope may rank and
    # the sections and commodities of the rollup.
    @protected_callback(app, PERMISSION, [Output("rankings-office", "options"), Output("rankings-section", "options"),
                                          Output("rankings-commodity", "options")],
                        Input("rankings-page", "id"))
    def load_options(_):
        """The home office; for a scope reading several, the national ranking and every other office too. Every
        section for officers who see all of them (a coordinator's stays as the layout drew it); every commodity."""
        current = user()
        offices = [{"label": t("kpi.office.home_named", name=current.office_name), "value": "home"}]
        with database().session() as db:
            if current.scope.several_offices:
                offices += [{"label": t("rankings.office.national"), "value": NATIONAL}] + [
                    {"label": office_label(office["code"], office["name"]), "value": str(office["id"])}
                    for office in office_choices(db, current.scope) if office["id"] != current.office_id]
            options = compliance.filter_options(db, current.section_scope)
        sections = no_update if current.section_scope else section_choices(options["sections"])
        commodities = [{"label": t("compliance.all_commodities"), "value": "all"}] + [
            {"label": c["name"], "value": str(c["id"])} for c in options["commodities"]]
        return offices, sections, commodities

    @paged_callback(
        app, PERMISSION, "rankings", forbidden_key="compliance.forbidden",
        # A filter the ranking cannot take: the chart points at the message above, not at the data ("no company").
        cleared={"figure": lambda: empty_figure(t("rankings.fix_filters")), "answer": "", "window": ""},
        output={"rows": Output("rankings-grid", "rowData"), "figure": Output("rankings-chart", "figure"),
                "answer": Output("rankings-chart-answer", "children"),
                "window": Output("rankings-window", "children"), "error": Output("rankings-error", "children"),
                "error_open": Output("rankings-error", "is_open"), "columns": Output("rankings-grid", "columnDefs"),
                "direction_off": Output("rankings-direction", "disabled"),
                "commodity_off": Output("rankings-commodity", "disabled")},
        inputs={**{name: Input(component, "value") for name, component in FILTERS.items()},
                "sort": Input("rankings-sort", "value"), "search": Input("rankings-search", "value"),
                "office": Input("rankings-office", "value")})
    def load_page(page, sort=None, search=None, office=None, **filters):
        """A page of the ranking (the home office's, another office's or the national one); a changed filter or
        sort starts again from the first page.

        The national ranking pools each company's offices from the stored scores: no rollup keeps pooled streaks per
        direction or commodity, so those two filters do not apply there and are shown switched off (in this answer:
        the office is one of its inputs, so no second request is needed for them)."""
        current = user()
        switched_off = {"direction_off": office == NATIONAL, "commodity_off": office == NATIONAL}
        if office == NATIONAL:
            with database().session() as db:
                result = cached(db, national.national_ranking, **compliance_filters.national_reach(current.scope),
                                sort=sort or "rank", page=page, filters=filters_from(**filters), search=search,
                                tz=current.office_timezone)
                names = office_names(db)
            counts = result["tier_counts"]
            return {"rows": [national_row(row, result["timezone"], names) for row in result["rows"]],
                    "figure": tier_chart(counts) if result["ranked"] else empty_figure(t("rankings.no_rows")),
                    "answer": chart_answer(counts), "window": national_window(result), "error": "",
                    "error_open": False,
                    "columns": formatted_columns(rankings_layout.national_columns()), **switched_off}, \
                page_of(result, page)
        with database().session() as db:
            drawn = cached(db, drawn_page, **office_reach(current.scope, office), sort=sort or "rank",
                           page=page, filters=filters_from(**filters), search=search, language=current_language())
        # The columns drawn now, not kept with the page: a page cached before a release would bring the old ones.
        columns = formatted_columns(rankings_layout.grid_columns(elsewhere=True))
        return {**drawn["outputs"], "columns": columns, "error": "", "error_open": False, **switched_off}, drawn["page"]

    # The profile opens scored for the section, the period, the direction and the commodity the ranking showed (its
    # "Semua bidang", its default window and every consignment read other figures than the row).
    # A national row (a pooled score) opens one office's record: the profile is told, and shows the row beside it.
    register_open_row(app, PERMISSION, "rankings-grid", "rankings-go", "/profile/",
                      carry={"section": "rankings-section", "from": "rankings-from", "to": "rankings-to",
                             "direction": "rankings-direction", "commodity": "rankings-commodity",
                             "ranking": "rankings-office"},
                      carry_unless=("rankings-office", NATIONAL, ("direction", "commodity")),
                      carry_only={"ranking": (NATIONAL,)})

    @protected_callback(
        app, PERMISSION, Output("rankings-download", "data"),
        Input("rankings-export-csv", "n_clicks"), Input("rankings-export-xlsx", "n_clicks"),
        [State(component, "value") for component in FILTERS.values()] + [State("rankings-sort", "value"),
                                                                          State("rankings-search", "value"),
                                                                          State("rankings-office", "value")],
        prevent_initial_call=True, on_error=export_failed)
    def export(_csv, _xlsx, section, direction, commodity, tier, period_from, period_to, sort, search, office=None):
        """The whole ranking under the filters (not one page), with formula cells neutralised."""
        if ctx.triggered_id not in ("rankings-export-csv", "rankings-export-xlsx"):
            return no_update
        current = user()
        chosen = filters_from(section, direction, commodity, tier, period_from, period_to)
        xlsx = ctx.triggered_id.endswith("xlsx")
        if office == NATIONAL:
            with database().session() as db:
                result = national.national_ranking(db, **compliance_filters.national_reach(current.scope),
                                                   sort=sort or "rank", page_size=None, search=search,
                                                   filters=chosen, tz=current.office_timezone)
                names = office_names(db)
            return national_download(result, xlsx, names)
        with database().session() as db:
            reach = office_reach(current.scope, office)
            result = compliance.ranking(db, **reach, sort=sort or "rank", page_size=None, search=search,
                                        filters=filters_from(section, direction, commodity, tier, period_from,
                                                             period_to))
        return download(result, "peringkat-kepatuhan", ctx.triggered_id.endswith("xlsx"))


def national_download(result: dict, xlsx: bool, names: dict[int, str] | None = None) -> dict:
    """The national ranking's rows: national figures, then each office's score and tier (by code and name: a sheet
    read away from the portal has no hover to name an office)."""
    columns = [("rank", t("compliance.col.rank")), ("name", t("compliance.col.name")),
               ("tax_id", t("compliance.col.tax_id")), ("score", t("rankings.col.national_score")),
               ("tier", t("rankings.col.national_tier")), ("consignments", t("compliance.col.consignments")),
               ("detentions", t("compliance.col.detentions")), ("refusals", t("compliance.col.refusals")),
               ("destructions", t("compliance.col.destructions")), ("nncs", t("compliance.col.nncs")),
               ("clean_streak", t("compliance.col.clean_streak")), ("offices", t("rankings.col.per_office"))]
    rows = [{**{key: row[key] for key, _label in columns if key != "offices"},
             "tax_id": format_tax_id(row["tax_id"]) if row.get("tax_id") else None,  # written as the page writes it
             # Each office's score as the page writes it (99,4), as the national score's column is in the file.
             "offices": offices_named(row["offices"], names)}
            for row in result["rows"]]
    return table_download(columns, rows, "peringkat-kepatuhan-nasional", xlsx, result["timezone"],
                          sheet=t("page.rankings"))


def download(result: dict, stem: str, xlsx: bool) -> dict:
    """A dcc.Download payload of the rows of a ranking result."""
    tz = result["timezone"]
    rows = [export_row(row, tz) for row in result["rows"]]
    return table_download(export_columns(), rows, stem, xlsx, tz, sheet=t("page.rankings"))
