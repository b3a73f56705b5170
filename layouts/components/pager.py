"""The one pager: "Menampilkan 1–25 dari 1.234" and previous / next, with the page number kept in a store.

Ids, for a page prefix `p`: `p-prev`, `p-next`, the text `count_id` (default `p-count`) and the store `store_id`
(default `p-page`); callbacks.common.page_from / pager_text read and fill them.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.i18n import t


def pager(prefix: str, count_id: str | None = None, store_id: str | None = None, phone: bool = False,
          class_name: str = ""):
    """The pager under a list; `phone` draws two big buttons (service users' pages) and leaves the text out. With
    nothing to page (one page and no count to show) it takes no room (assets/qcorner.css: .qc-pager)."""
    store = dcc.Store(id=store_id or f"{prefix}-page", data=0)
    if phone:
        return html.Div([dbc.Row([
            dbc.Col(dbc.Button([html.I(className="bi bi-chevron-left me-1"), t("pager.previous")], id=f"{prefix}-prev",
                               color="secondary", outline=True, className="w-100 qc-tap"), width=6),
            dbc.Col(dbc.Button([t("pager.next"), html.I(className="bi bi-chevron-right ms-1")], id=f"{prefix}-next",
                               color="secondary", outline=True, className="w-100 qc-tap"), width=6),
        ], className=class_name or "mt-2 g-2"), store], className="qc-pager")
    return html.Div([dbc.Row([
        dbc.Col(html.Div(id=count_id or f"{prefix}-count", className="text-muted small pt-2", role="status"),
                xs=12, md=6),
        dbc.Col(dbc.ButtonGroup([
            dbc.Button([html.I(className="bi bi-chevron-left"), t("pager.previous")], id=f"{prefix}-prev",
                       color="secondary", outline=True, size="sm"),
            dbc.Button([t("pager.next"), html.I(className="bi bi-chevron-right")], id=f"{prefix}-next",
                       color="secondary", outline=True, size="sm"),
        ]), xs=12, md=6, className="text-md-end mt-2"),
    ], className=class_name), store], className="qc-pager")
