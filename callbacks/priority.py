"""Priority-service list callbacks: tier-A service users of the current window, printable and exportable."""
from __future__ import annotations


from dash import Input, Output, State, ctx, dcc, no_update

from callbacks.common import export_failed, page_of, paged_callback, register_open_row
from callbacks.rankings import download
from layouts.compliance_common import grid_row, months_since_text, window_text
from layouts.components.formatting import format_count, format_date, format_datetime, format_score, format_tax_id
from models.base import utcnow
from portal.reports import exports
from portal.reports import priority_list as compliance_print
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import ranking as compliance
from portal.view_cache import cached

PERMISSION = "rankings.view"
# Tier A grows with the office (hundreds of companies nationally): a page at a time, like the ranking's own list.
PAGE_SIZE = 50


def _list(section, sort: str | None, page: int, page_size: int | None):
    """Tier A of the current window in the chosen order, a page (``page_size=None``: all of it, for an export)."""
    current = user()
    with database().session() as db:
        return cached(db, compliance.ranking, **compliance_filters.reach(current.scope),
                      filters={"section": section, "tier": "A"}, sort=known_sort(sort), page=page,
                      page_size=page_size)


def known_sort(sort: str | None) -> str:
    """The list's order: one of the ranking's (compliance.ranking.SORTS), else by rank."""
    return sort if sort in compliance.SORTS else "rank"


def criteria(settings: dict) -> str:
    return t("priority.criteria", streak=settings["tier_a_min_clean_streak"], months=settings["tier_a_clean_months"],
             n=settings["tier_a_min_n"])


def register(app) -> None:
    @paged_callback(
        app, PERMISSION, "priority", count_id="priority-pager-text", forbidden_key="compliance.forbidden",
        cleared={"eligible": "", "criteria": "", "window": ""},
        output={"rows": Output("priority-grid", "rowData"), "eligible": Output("priority-count", "children"),
                "criteria": Output("priority-criteria", "children"), "window": Output("priority-window", "children"),
                "error": Output("priority-error", "children"), "error_open": Output("priority-error", "is_open")},
        inputs={"section": Input("priority-section", "value"), "sort": Input("priority-sort", "value")})
    def load(page, section=None, sort=None):
        """A page of tier A of the current window in the chosen order, with the criteria it was chosen by; a changed
        section or order starts again from the first page."""
        result = _list(section, sort, page, PAGE_SIZE)
        rows = [grid_row(row, result["timezone"]) for row in result["rows"]]
        eligible = t("priority.count", count=format_count(result["total"]), ranked=format_count(result["ranked"]))
        return {"rows": rows, "eligible": eligible, "criteria": criteria(result["settings"]), "window": window_text(result),
                "error": "", "error_open": False}, page_of(result, page)

    register_open_row(app, PERMISSION, "priority-grid", "priority-go", "/profile/")

    @protected_callback(
        app, PERMISSION, Output("priority-download", "data"),
        Input("priority-export-pdf", "n_clicks"), Input("priority-export-csv", "n_clicks"),
        Input("priority-export-xlsx", "n_clicks"), State("priority-section", "value"), State("priority-sort", "value"),
        prevent_initial_call=True, on_error=export_failed)
    def export(_pdf, _csv, _xlsx, section, sort):
        """The whole list, in the order on screen."""
        if ctx.triggered_id not in ("priority-export-pdf", "priority-export-csv", "priority-export-xlsx"):
            return no_update
        result = _list(section, sort, 0, None)
        if ctx.triggered_id == "priority-export-pdf":
            current = user()
            printed_by = {"name": current.full_name, "username": current.username, "office": current.office_name,
                          "at": format_datetime(utcnow(), current.office_timezone)}
            return dcc.send_bytes(priority_pdf(result, printed_by), exports.filename("layanan-prioritas", "pdf",
                                                                         result["timezone"]),
                                  type="application/pdf")
        return download(result, "layanan-prioritas", ctx.triggered_id.endswith("xlsx"))


def priority_pdf(result: dict, printed_by: dict | None = None) -> bytes:
    """The list as a printable PDF with the criteria and the window, for the priority-service decision: every page
    says which of how many it is, for which office, who printed it and when (`printed_by`: {name, username, at,
    office}), as the dossier does — a decision rests on it."""
    section = result["filters"]["section"]
    headers = [t("compliance.col.rank"), t("compliance.col.name"), t("compliance.col.tax_id"),
               t("compliance.col.consignments"), t("compliance.col.clean_streak"), t("compliance.col.months_since"),
               t("compliance.col.score")]
    rows = [[str(r["rank"]), r["name"], format_tax_id(r["tax_id"]), format_count(r["consignments"]),
             format_count(r["clean_streak"]), months_since_text(r["months_since_last_violation"]),
             format_score(r["score"])] for r in result["rows"]]
    lines = [t(f"section.{section}") if section else t("compliance.all_sections"), criteria(result["settings"]),
             window_text(result)]
    signed = ""
    if printed_by:
        signed = " · ".join(part for part in (printed_by.get("office"), t(
            "dossier.footer.printed", who=printed_by.get("name") or "–", username=printed_by.get("username") or "–",
            when=printed_by.get("at") or "–")) if part)
    return compliance_print.table_pdf(t("page.priority"), lines, headers, rows,
                                      footer=t("priority.printed", date=format_date(result["as_of"])),
                                      widths=[19, 90, 45, 28, 28, 42, 21], numeric=(0, 3, 4, 6),
                                      page_footer=signed,
                                      page_words=lambda page, pages: t("dossier.footer.page", page=page, pages=pages))
