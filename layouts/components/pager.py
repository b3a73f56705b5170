"""The one pager: "Menampilkan 1–25 dari 1.234", previous / next, the first and last page, and the page number to
type ("Hal. [3] dari 541"), with the page number kept in a store.

Ids, for a page prefix `p`: the buttons `p-first`, `p-prev`, `p-next`, `p-last`, the number field `p-goto` and its
"dari 541" `p-pages`, the text `count_id` (default `p-count`), the store `store_id` (default `p-page`) and beside it
`<store_id>-count`, the number of pages the last answer had; callbacks.common.paged_callback reads and fills them.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.i18n import t


def page_store(prefix: str, store_id: str | None = None) -> str:
    """The store holding the list's page number (the address's `page=`, url_filters.page_field)."""
    return store_id or f"{prefix}-page"


def count_store(prefix: str, store_id: str | None = None) -> str:
    """The store beside it holding how many pages the list's last answer had."""
    return f"{page_store(prefix, store_id)}-count"


def _page_number(prefix: str) -> list:
    """ "Hal. [3] dari 541": a forwarder's 541 pages of applications were reached by pressing "Berikutnya" one page
    at a time; the number is typed and taken on Enter or on leaving the field (debounce), not on every digit."""
    return [
        dbc.InputGroupText(t("pager.page")),
        # No min / max / step: a number the browser finds out of range reaches the server as nothing (dbc sends
        # NaN), and "600" of 541 pages should open the last page, not leave the field as it was.
        dbc.Input(id=f"{prefix}-goto", type="number", debounce=True, inputMode="numeric", className="qc-pager-goto"),
        dbc.InputGroupText(id=f"{prefix}-pages", className="qc-pager-pages"),
    ]


def _end_button(prefix: str, which: str, phone: bool) -> dbc.Button:
    icon = "bi bi-chevron-double-left" if which == "first" else "bi bi-chevron-double-right"
    return dbc.Button([html.I(className=icon, **{"aria-hidden": "true"}),
                       html.Span(t(f"pager.{which}"), className="visually-hidden")],
                      id=f"{prefix}-{which}", color="secondary", outline=True, title=t(f"pager.{which}"),
                      className="qc-tap" if phone else "")


def _label(prefix: str) -> dbc.Label:
    """The number field's name for a screen reader ("Hal." beside it is not its label)."""
    return dbc.Label(t("pager.page_label"), html_for=f"{prefix}-goto", class_name="visually-hidden")


def pager(prefix: str, count_id: str | None = None, store_id: str | None = None, phone: bool = False,
          class_name: str = ""):
    """The pager under a list; `phone` draws two big buttons (service users' pages) over the page number and leaves
    the text out. With nothing to page (one page and no count to show) it takes no room (assets/qcorner.css:
    .qc-pager)."""
    store = html.Div([dcc.Store(id=page_store(prefix, store_id), data=0),
                      dcc.Store(id=count_store(prefix, store_id), data=None)])
    if phone:
        return html.Div([dbc.Row([
            dbc.Col(dbc.Button([html.I(className="bi bi-chevron-left me-1"), t("pager.previous")], id=f"{prefix}-prev",
                               color="secondary", outline=True, className="w-100 qc-tap"), width=6),
            dbc.Col(dbc.Button([t("pager.next"), html.I(className="bi bi-chevron-right ms-1")], id=f"{prefix}-next",
                               color="secondary", outline=True, className="w-100 qc-tap"), width=6),
            dbc.Col([_label(prefix), dbc.InputGroup([_end_button(prefix, "first", True), *_page_number(prefix),
                                                     _end_button(prefix, "last", True)],
                                                    className="qc-pager-controls flex-nowrap")],
                    width=12, className="d-flex justify-content-center"),
        ], className=class_name or "mt-2 g-2"), store], className="qc-pager")
    return html.Div([dbc.Row([
        dbc.Col(html.Div(id=count_id or f"{prefix}-count", className="text-muted small pt-2", role="status"),
                xs=12, md=5),
        dbc.Col([_label(prefix), dbc.InputGroup([
            _end_button(prefix, "first", False),
            dbc.Button([html.I(className="bi bi-chevron-left"),
                        html.Span(t("pager.previous"), className="qc-pager-word")],
                       id=f"{prefix}-prev", color="secondary", outline=True),
            *_page_number(prefix),
            dbc.Button([html.Span(t("pager.next"), className="qc-pager-word"), html.I(className="bi bi-chevron-right")],
                       id=f"{prefix}-next", color="secondary", outline=True),
            _end_button(prefix, "last", False),
        ], size="sm", className="qc-pager-controls flex-nowrap")],
            xs=12, md=7, className="mt-2 d-flex justify-content-md-end"),
    ], className=class_name), store], className="qc-pager")
