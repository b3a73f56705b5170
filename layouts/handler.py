"""A handler (PPJK): the companies it has served, their tiers, and when each came to it and left it."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.compliance_common import back_link, tier_badge
from layouts.components.formatting import format_count, format_date
from portal.i18n import t


def layout(user, page=None, handler_id: int | None = None, **_):
    return html.Div([
        back_link("/rankings", t("profile.back"), "handler-back"),
        dcc.Store(id="handler-id", data=handler_id),
        dcc.Loading(html.Div(id="handler-body"), type="default", delay_show=300),
    ])


def refused(kind: str):
    colour = "danger" if kind == "forbidden" else "warning"
    return dbc.Alert([html.H2(t(f"handler.{kind}_title"), className="h5"), t(f"handler.{kind}")], color=colour,
                     id="handler-refused")


def render(detail: dict, user):
    handler, tz = detail["handler"], detail["timezone"]
    rows = [html.Tr([
        html.Td(dcc.Link(c["name"], href=f"/profile/{c['service_user_id']}"), **{"data-label": t("handler.col.company")}),
        html.Td(c["tax_id"] or "–", **{"data-label": t("compliance.col.tax_id")}),
        html.Td(tier_badge(c["tier"]), **{"data-label": t("compliance.col.tier")}),
        html.Td(format_count(c["applications"]), **{"data-label": t("handler.col.applications")}),
        html.Td(format_date(c["first"], tz=tz), **{"data-label": t("handler.col.first")}),
        html.Td(format_date(c["last"], tz=tz), **{"data-label": t("handler.col.last")}),
    ]) for c in detail["companies"]]
    headers = [t("handler.col.company"), t("compliance.col.tax_id"), t("compliance.col.tier"),
               t("handler.col.applications"), t("handler.col.first"), t("handler.col.last")]
    flag = (dbc.Alert([html.I(className="bi bi-flag-fill me-2"),
                       t("handler.flagged", count=detail["tier_d_companies"])], color="danger", id="handler-flag")
            if detail["flagged"] else
            html.P(t("handler.tier_d_count", count=detail["tier_d_companies"]), className="small",
                   id="handler-flag"))
    return html.Div([
        html.H1(handler["name"], id="handler-name", className="mb-1"),
        html.P([t("profile.npwp"), " ", handler["tax_id"] or "–", " · ", handler["address"] or "–"],
               className="text-muted"),
        flag,
        dbc.Card([dbc.CardHeader(html.H2([html.I(className="bi bi-building me-2"),
                                          t("handler.companies_title", count=len(detail["companies"]))],
                                         className="h6 mb-0")),
                  dbc.CardBody([
                      html.P(t("handler.companies_hint"), className="small text-muted"),
                      dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)],
                                size="sm", hover=True, responsive=True, className="mb-0 qc-stack-table",
                                id="handler-companies") if rows else html.P(t("handler.no_companies"),
                                                                            className="text-muted mb-0")])],
                 className="shadow-sm"),
    ])
