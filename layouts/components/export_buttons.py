"""The one pair of export buttons: Excel (XLSX) first — typed numbers and dates, whatever the PC's locale — then CSV
for an Indonesian spreadsheet (`;`, decimal comma; portal/reports/exports.py writes both)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from portal.i18n import t


def export_buttons(prefix: str, class_name: str = "me-2"):
    """`prefix-export-xlsx` and `prefix-export-csv`, in that order."""
    return [
        dbc.Button([html.I(className="bi bi-file-earmark-excel me-1"), t("export.xlsx")], id=f"{prefix}-export-xlsx",
                   color="primary", outline=True, size="sm", className=class_name, title=t("export.xlsx_title")),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), t("export.csv")], id=f"{prefix}-export-csv",
                   color="secondary", outline=True, size="sm", className=class_name, title=t("export.csv_title")),
    ]
