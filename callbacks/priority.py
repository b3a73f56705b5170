"""Priority-service list callbacks: tier-A service users of the current window, printable and exportable."""
from __future__ import annotations

from datetime import datetime

from dash import Input, Output, State, ctx, dcc, no_update

from callbacks.rankings import download
from layouts.compliance_common import (fmt_date, fmt_number, fmt_score, grid_row, months_since_text,
                                       section_options, window_text)
from portal.reports import priority_list as compliance_print
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.compliance import ranking as compliance
from portal.validation import Forbidden, InvalidInput

PERMISSION = "rankings.view"


def _list(section):
    current = user()
    with database().session() as db:
        return compliance.ranking(db, **compliance.reach(current.scope), filters={"section": section, "tier": "A"},
                                  page_size=None)


def criteria(settings: dict) -> str:
    return t("priority.criteria", streak=settings["tier_a_min_clean_streak"], months=settings["tier_a_clean_months"],
             n=settings["tier_a_min_n"])


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("priority-section", "options"), Input("priority-grid", "id"))
    def load_sections(_):
        current = user()
        if current.section_scope:
            return no_update
        with database().session() as db:
            return section_options(compliance.filter_options(db, None)["sections"])

    @protected_callback(
        app, PERMISSION,
        [Output("priority-grid", "rowData"), Output("priority-count", "children"),
         Output("priority-criteria", "children"), Output("priority-window", "children"),
         Output("priority-error", "children"), Output("priority-error", "is_open")],
        Input("priority-section", "value"))
    def load(section):
        try:
            result = _list(section)
        except (InvalidInput, Forbidden):
            return [], "", "", "", t("compliance.forbidden"), True
        rows = [{**grid_row(row, result["timezone"])} for row in result["rows"]]
        count = t("priority.count", count=fmt_number(len(rows)), ranked=fmt_number(result["ranked"]))
        return rows, count, criteria(result["settings"]), window_text(result), "", False

    @protected_callback(app, PERMISSION, Output("priority-go", "pathname"),
                        Input("priority-grid", "cellClicked"), prevent_initial_call=True)
    def open_profile(cell):
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        return f"/profile/{int(cell['rowId'])}"

    @protected_callback(
        app, PERMISSION, Output("priority-download", "data"),
        Input("priority-export-pdf", "n_clicks"), Input("priority-export-csv", "n_clicks"),
        Input("priority-export-xlsx", "n_clicks"), State("priority-section", "value"), prevent_initial_call=True)
    def export(_pdf, _csv, _xlsx, section):
        if ctx.triggered_id not in ("priority-export-pdf", "priority-export-csv", "priority-export-xlsx"):
            return no_update
        try:
            result = _list(section)
        except (InvalidInput, Forbidden):
            return no_update
        if ctx.triggered_id == "priority-export-pdf":
            return dcc.send_bytes(priority_pdf(result), f"layanan-prioritas-{datetime.now():%Y%m%d}.pdf",
                                  type="application/pdf")
        return download(result, "layanan-prioritas", ctx.triggered_id.endswith("xlsx"))


def priority_pdf(result: dict) -> bytes:
    """The list as a printable PDF with the criteria and the window, for the priority-service decision."""
    section = result["filters"]["section"]
    headers = [t("compliance.col.rank"), t("compliance.col.name"), t("compliance.col.tax_id"),
               t("compliance.col.consignments"), t("compliance.col.clean_streak"), t("compliance.col.months_since"),
               t("compliance.col.score")]
    rows = [[str(r["rank"]), r["name"], r["tax_id"], fmt_number(r["consignments"]), fmt_number(r["clean_streak"]),
             months_since_text(r["months_since_last_violation"]), fmt_score(r["score"])] for r in result["rows"]]
    lines = [t(f"section.{section}") if section else t("compliance.all_sections"), criteria(result["settings"]),
             window_text(result)]
    return compliance_print.table_pdf(t("page.priority"), lines, headers, rows,
                                      footer=t("priority.printed", date=fmt_date(result["as_of"])))
