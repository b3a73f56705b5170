"""Priority-service list callbacks: tier-A service users of the current window, printable and exportable."""
from __future__ import annotations


from dash import Input, Output, State, ctx, dcc, no_update

from callbacks.common import export_failed, register_open_row, shown_in
from callbacks.rankings import download
from layouts.compliance_common import grid_row, months_since_text, window_text
from layouts.components.formatting import format_count, format_date, format_score
from portal.reports import exports
from portal.reports import priority_list as compliance_print
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import ranking as compliance
from portal.view_cache import cached

PERMISSION = "rankings.view"


def _list(section):
    current = user()
    with database().session() as db:
        return cached(db, compliance.ranking, **compliance_filters.reach(current.scope),
                      filters={"section": section, "tier": "A"}, page_size=None)


def criteria(settings: dict) -> str:
    return t("priority.criteria", streak=settings["tier_a_min_clean_streak"], months=settings["tier_a_clean_months"],
             n=settings["tier_a_min_n"])


def register(app) -> None:
    outputs = {"rows": Output("priority-grid", "rowData"), "count": Output("priority-count", "children"),
               "criteria": Output("priority-criteria", "children"), "window": Output("priority-window", "children"),
               "error": Output("priority-error", "children"), "error_open": Output("priority-error", "is_open")}

    @protected_callback(app, PERMISSION, output=outputs, inputs={"section": Input("priority-section", "value")},
                        on_error=shown_in(outputs, forbidden_key="compliance.forbidden", rows=[], count="",
                                          criteria="", window=""))
    def load(section):
        """Tier A of the current window, with the criteria it was chosen by."""
        result = _list(section)
        rows = [grid_row(row, result["timezone"]) for row in result["rows"]]
        count = t("priority.count", count=format_count(len(rows)), ranked=format_count(result["ranked"]))
        return {"rows": rows, "count": count, "criteria": criteria(result["settings"]), "window": window_text(result),
                "error": "", "error_open": False}

    register_open_row(app, PERMISSION, "priority-grid", "priority-go", "/profile/")

    @protected_callback(
        app, PERMISSION, Output("priority-download", "data"),
        Input("priority-export-pdf", "n_clicks"), Input("priority-export-csv", "n_clicks"),
        Input("priority-export-xlsx", "n_clicks"), State("priority-section", "value"), prevent_initial_call=True,
        on_error=export_failed)
    def export(_pdf, _csv, _xlsx, section):
        if ctx.triggered_id not in ("priority-export-pdf", "priority-export-csv", "priority-export-xlsx"):
            return no_update
        result = _list(section)
        if ctx.triggered_id == "priority-export-pdf":
            return dcc.send_bytes(priority_pdf(result), exports.filename("layanan-prioritas", "pdf",
                                                                         result["timezone"]),
                                  type="application/pdf")
        return download(result, "layanan-prioritas", ctx.triggered_id.endswith("xlsx"))


def priority_pdf(result: dict) -> bytes:
    """The list as a printable PDF with the criteria and the window, for the priority-service decision."""
    section = result["filters"]["section"]
    headers = [t("compliance.col.rank"), t("compliance.col.name"), t("compliance.col.tax_id"),
               t("compliance.col.consignments"), t("compliance.col.clean_streak"), t("compliance.col.months_since"),
               t("compliance.col.score")]
    rows = [[str(r["rank"]), r["name"], r["tax_id"], format_count(r["consignments"]), format_count(r["clean_streak"]),
             months_since_text(r["months_since_last_violation"]), format_score(r["score"])] for r in result["rows"]]
    lines = [t(f"section.{section}") if section else t("compliance.all_sections"), criteria(result["settings"]),
             window_text(result)]
    return compliance_print.table_pdf(t("page.priority"), lines, headers, rows,
                                      footer=t("priority.printed", date=format_date(result["as_of"])))
