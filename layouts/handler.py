"""A handler (PPJK): the companies it has served, their tiers, and when each came to it and left it.

The layout draws the frame; callbacks/handler.py draws the header (name, the tier-D flag) and fills the companies'
grid a page at a time from the database (a busy handler serves hundreds of companies).
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.compliance_common import back_link, tier_cell_rules, tier_label
from layouts.components.formatting import format_count, format_date, format_tax_id
from layouts.components.grid import NUMERIC, PHONE_COLUMN, grid, stacked_column
from layouts.components.back_link import back_target
from layouts.components.pager import pager
from portal.i18n import t


def layout(user, page=None, handler_id: int | None = None, query: str = "", **_):
    # Back to the profile it was opened from (its handlers' list), else to the ranking.
    back_href, back_text = back_target(user, query, "/rankings", t("profile.back"))
    return html.Div([
        back_link(back_href, back_text, "handler-back"),
        dcc.Store(id="handler-id", data=handler_id),
        # Only the handler itself shows the spinner: a page of its companies loading must not redraw it all.
        dcc.Loading(html.Div(id="handler-body"), type="default", delay_show=300,
                    target_components={"handler-body": "children"}),
        dcc.Location(id="handler-go", refresh="callback-nav"),
    ])


def refused(kind: str):
    colour = "danger" if kind == "forbidden" else "warning"
    return dbc.Alert([html.H2(t(f"handler.{kind}_title"), className="h5"), t(f"handler.{kind}")], color=colour,
                     id="handler-refused")


def company_columns() -> list[dict]:
    return [
        {"field": "name", "headerName": t("handler.col.company"), "flex": 2, "minWidth": 220,
         "cellClass": "qc-link-cell", "tooltipField": "name"},
        {"field": "tax_id", "headerName": t("compliance.col.tax_id"), "width": 185},
        # Room for the longest tier whole ("A · Layak layanan prioritas" was cut at 1366 px beside a wide NPWP).
        {"field": "tier_text", "headerName": t("compliance.col.tier"), "minWidth": 240, "flex": 1,
         "cellClassRules": tier_cell_rules()},
        {"field": "applications", "headerName": t("handler.col.applications"), "type": NUMERIC, "minWidth": 110},
        {"field": "first", "headerName": t("handler.col.first"), "minWidth": 120},
        {"field": "last", "headerName": t("handler.col.last"), "minWidth": 120},
        phone_column(),
    ]


def phone_column() -> dict:
    """The companies on a phone: the six side by side need ~900 px, and a 390 px phone showed a cut name and its
    tax id, the tier off the screen. The name; its tier in its colour; the tax id and its applications through this
    handler; when they began and ended (a line of their own: beside the count a date broke over two lines)."""
    return stacked_column(
        f"{t('handler.col.company')} · {t('compliance.col.tier')}", "name",
        [["name"], ["tier_text"], ["tax_id", "applications"], ["first", "last"]],
        ["qc-link-cell", "small", "small text-muted", "small text-muted"],
        labels={"tax_id": t("compliance.col.tax_id"), "applications": t("handler.col.applications"),
                "first": t("handler.col.first"), "last": t("handler.col.last")},
        field_classes={"tier_text": "qc-tier-cell qc-tier-{tier}"})


def company_row(company: dict, tz: str) -> dict:
    """One company as a grid row: its id is the service user's (a click opens its profile)."""
    tier = company["tier"]
    return {"id": company["service_user_id"], "name": company["name"], "tax_id": format_tax_id(company["tax_id"]),
            "tier": tier, "tier_text": f"{tier} · {tier_label(tier)}" if tier else t("compliance.tier.none"),
            "applications": company["applications"], "first": format_date(company["first"], tz=tz),
            "last": format_date(company["last"], tz=tz)}


def companies_card(total: int):
    return dbc.Card([dbc.CardHeader(html.H2([html.I(className="bi bi-building me-2"),
                                             t("handler.companies_title", count=format_count(total))],
                                            className="h6 mb-0")),
                     dbc.CardBody([
                         html.P(t("handler.companies_hint"), className="small text-muted"),
                         grid("handler-companies-grid", company_columns(), t("handler.no_companies"), height="auto",
                              min_height=None, class_name="qc-compliance-grid", options={"domLayout": "autoHeight"},
                              phone_column=PHONE_COLUMN),
                         pager("handler-companies")])],
                    className="shadow-sm")


def render(detail: dict, user):
    handler = detail["handler"]
    counted = {"count": detail["tier_d_companies"], "threshold": detail["threshold"]}
    # A coordinator's flag counts their section only: said, since an application's targeting reasons count every
    # section and may call the same handler flagged.
    counted_in = "" if detail["every_section"] else " " + t("handler.flag_your_section")
    flag = (dbc.Alert([html.I(className="bi bi-flag-fill me-2"), t("handler.flagged", **counted) + counted_in],
                      color="danger", id="handler-flag")
            if detail["flagged"] else
            html.P(t("handler.tier_d_count", **counted) + counted_in, className="small", id="handler-flag"))
    return html.Div([
        html.H1(handler["name"], id="handler-name", className="mb-1"),
        html.P([t("profile.npwp"), " ", format_tax_id(handler["tax_id"]), " · ", handler["address"] or "–"],
               className="text-muted"),
        flag,
        companies_card(detail["total"]),
    ])


def drawn_later(user):
    """The companies' card as callbacks/handler.py draws it into the page (for the app's validation layout)."""
    return companies_card(0)
