"""NNCs naming my company (service users): a phone-friendly list and one NNC, read-only, without internal notes."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.back_link import back_target
from layouts.components.pager import pager
from layouts.common import page_header
from layouts.nnc_common import nature_text, status_badge
from layouts.components.formatting import format_date
from portal.i18n import country_name, t


def layout(user, page, **_):
    return html.Div([
        page_header(t("page.my_nnc"), t("my_nnc.subtitle")),
        dcc.Loading(html.Div(id="my-nnc-list"), type="dot", color="#0b6e4f"),
        pager("my-nnc", count_id="my-nnc-pager-text"),
        html.P(t("my_nnc.help"), className="text-muted small mt-3"),
    ])


def nnc_card(row: dict):
    """One NNC in the list: number, status, date, what and why."""
    return dbc.Card(dbc.CardBody([
        html.Div([html.A(row["number"], href=f"/my/nnc/{row['id']}", className="fw-semibold me-2 qc-number",
                         id=f"my-nnc-open-{row['id']}"),
                  status_badge(row["status"])], className="d-flex flex-wrap align-items-center gap-1"),
        # The partner country as the reader names it ("China"; IQFast and the form keep "Tiongkok").
        html.Div(" · ".join(p for p in (format_date(row["notice_date"]), t(f"nnc.flow.{row['flow']}"),
                                        country_name(row.get("country"))) if p), className="small text-muted mt-1"),
        html.Div([html.Strong(row["commodity"]), html.Span(" — " + nature_text(row))], className="mt-1"),
        html.Div(row["party"], className="small text-muted") if row.get("party") else None,
    ]), className="mb-2 qc-my-nnc-card")


def detail_layout(user, page, nnc_id: int, query: str = "", **_):
    back_href, back_text = back_target(user, query, "/my/nnc", t("my_nnc.back"))  # or the notifications
    return html.Div([
        html.Div(dbc.Button([html.I(className="bi bi-arrow-left me-1"), back_text], href=back_href,
                            color="link", className="p-0 mb-1", id="my-nnc-detail-back")),
        html.H1(t("page.my_nnc_detail"), id="my-nnc-detail-title", className="mb-3"),
        dcc.Loading(html.Div(id="my-nnc-detail-content"), type="dot", color="#0b6e4f"),
        dcc.Store(id="my-nnc-detail-id", data=nnc_id),
    ])
