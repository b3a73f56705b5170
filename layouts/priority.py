"""Priority service (Layanan Prioritas): tier-A service users with the evidence behind each, to print or export."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.grid import PHONE_COLUMN, grid, stacked_column
from layouts.common import page_header, section_select
from layouts.compliance_common import labelled
from layouts.components.export_buttons import export_buttons
from layouts.components.pager import pager
from portal.services.compliance.ranking import SORTS
from portal.i18n import t


def phone_column() -> dict:
    """The list on a phone: the seven columns side by side need ~1,100 px, and a 390 px phone showed the rank and a
    cut name. The name; its rank and score; its tax id; the evidence for tier A (consignments, clean streak, no
    recent violation)."""
    return stacked_column(
        f"{t('compliance.col.name')} · {t('compliance.col.rank')} · {t('compliance.col.score')}", "name",
        [["name"], ["rank", "score_text"], ["tax_id"], ["consignments", "clean_streak"], ["months_since"]],
        ["qc-link-cell", "small fw-semibold", "small text-muted", "small text-muted", "small text-muted"],
        # "Pelanggaran terakhir: 5 bulan lalu" / "… Belum pernah" reads better than the column's "Sejak …".
        labels={"rank": t("compliance.col.rank"), "score_text": t("compliance.col.score"),
                "tax_id": t("compliance.col.tax_id"), "consignments": t("compliance.col.consignments"),
                "clean_streak": t("compliance.col.clean_streak"), "months_since": t("compliance.col.last_violation")})


def layout(user, sections=(), **_):
    return html.Div([
        page_header(t("page.priority"), t("priority.subtitle"), actions=html.Div([
            dbc.Button([html.I(className="bi bi-file-earmark-pdf me-1"), t("priority.pdf")], id="priority-export-pdf",
                       color="primary", size="sm", className="me-2"),
            *export_buttons("priority"),
        ], className="qc-no-print")),
        dbc.Row([labelled(t("compliance.field.section"),
                          section_select("priority-section", user, t("compliance.all_sections"), sections=sections), md=3),
                 labelled(t("compliance.sort"), dbc.Select(
                     id="priority-sort", value="rank",
                     options=[{"label": t(f"compliance.sort.{key}"), "value": key} for key in SORTS]), md=3)],
                className="qc-no-print"),
        html.P(id="priority-criteria", className="small"),
        html.P(id="priority-window", className="small text-muted"),
        dbc.Alert(id="priority-error", color="warning", is_open=False),
        # A page at a time (callbacks.priority): the order is the sort menu's, over the whole list, never one page's.
        grid(
            "priority-grid", class_name="qc-compliance-grid", min_height="320px",
            no_rows=t("priority.no_rows"), options={"domLayout": "normal"}, columns=[
                {"field": "rank", "headerName": t("compliance.col.rank"), "maxWidth": 95, "type": "numericColumn"},
                {"field": "name", "headerName": t("compliance.col.name"), "flex": 2, "minWidth": 220,
                 "cellClass": "qc-link-cell"},
                {"field": "tax_id", "headerName": t("compliance.col.tax_id"), "minWidth": 180},
                {"field": "consignments", "headerName": t("compliance.col.consignments"), "maxWidth": 140,
                 "type": "numericColumn"},
                {"field": "clean_streak", "headerName": t("compliance.col.clean_streak"), "maxWidth": 150,
                 "type": "numericColumn"},
                {"field": "months_since", "headerName": t("compliance.col.months_since"), "minWidth": 190},
                {"field": "score_text", "headerName": t("compliance.col.score"), "maxWidth": 100,
                 "type": "numericColumn"},
                phone_column(),
            ], phone_column=PHONE_COLUMN,
        ),
        pager("priority", count_id="priority-pager-text"),
        html.Div(id="priority-count", className="text-muted small pt-2"),  # the pager's text is the live one
        dcc.Download(id="priority-download"),
        dcc.Location(id="priority-go", refresh="callback-nav"),
    ])
