"""How an inspection decision is drawn for officers: level, draw, rate, flags with their evidence, the outcome and
how it was reached (the "show the working" rule). Never used on a service user's page."""
from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from layouts.components.formatting import format_date, format_datetime, format_number, format_percent, format_quantity
from portal.i18n import country_name, t


def _number(value: Any, decimals: int = 0) -> str:
    if value is None:
        return "–"
    value = float(value)
    return format_number(value, decimals=0 if value == int(value) and not decimals else decimals)


def _percent(rate: float) -> str:
    return format_percent(rate, decimals=1, trim=True)


def flag_text(flag: dict[str, Any]) -> str:
    """One risk flag and its evidence, as a sentence."""
    code, e = flag.get("code"), flag.get("evidence") or {}
    if code == "new_company":
        return t("targeting.flag.new_company", prior=_number(e.get("prior_consignments")),
                 threshold=_number(e.get("threshold")))
    if code == "new_commodity":
        return t("targeting.flag.new_commodity", commodity=e.get("commodity") or "–")
    if code == "new_country":
        return t(f"targeting.flag.new_country_{e.get('role', 'origin')}", country=country_name(e.get("country")) or "–")
    if code == "handler_flagged":
        return t("targeting.flag.handler_flagged", handler=e.get("handler") or "–",
                 count=_number(e.get("tier_d_companies")), threshold=_number(e.get("threshold")))
    if code == "recent_nnc":
        numbers = ", ".join(f"{n.get('number') or n.get('id')} ({format_date(_day(n.get('notice_date')))})"
                            for n in e.get("nncs") or [])
        return t("targeting.flag.recent_nnc", days=_number(e.get("days")), nncs=numbers)
    if code == "quantity_outlier":
        return t("targeting.flag.quantity_outlier", commodity=e.get("commodity") or "–",
                 quantity=format_quantity(e.get("quantity")), unit=e.get("unit") or "", factor=_number(e.get("factor")), median=_number(e.get("median"), 0),
                 lines=_number(e.get("prior_lines")))
    return str(code)


def _day(value):
    from datetime import date
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return value


def _decided(decided_at, completed_at, user):
    """When it was decided, and whether that was after the application had already completed: the application was
    first copied from IQFast then (a first load of history, a sync after an outage), so the decision chose no
    inspection; "Diputuskan 7 Des" under "Selesai 19 Okt · Ditolak" read as an impossible order to an auditor."""
    when = format_datetime(decided_at, user.office_timezone)
    if completed_at is None or decided_at is None or decided_at <= completed_at:
        return when
    return [when, html.Br(), html.Span(t("targeting.decided_after_completion"), className="small text-muted",
                                       id="application-detail-targeting-late")]


def level_label(level: str) -> str:
    return t(f"compliance.intervention.{level}")


def decision_card(decision: dict[str, Any] | None, user, card, completed_at=None) -> Any:
    """The "Keputusan pemeriksaan" card (`card` is the page's card helper). `completed_at`: when the application
    completed, if it has."""
    if decision is None:
        body = html.P(t("targeting.none"), className="text-muted mb-0", id="application-detail-targeting-none")
        return card(t("targeting.card_title"), "bi-bullseye", body, "application-detail-targeting")
    selected = decision["selected"]
    outcome = dbc.Badge(t("targeting.selected" if selected else "targeting.not_selected"),
                        color="danger" if selected else "secondary", id="application-detail-targeting-outcome")
    basis = decision.get("level_basis") or {}
    if basis.get("source") == "compliance_scores":
        basis_text = t("targeting.basis_score", tier=basis.get("tier") or "–", streak=_number(basis.get("clean_streak")),
                       version=basis.get("compliance_settings_version"))
    else:
        basis_text = t("targeting.basis_none")
    u, rate = decision["draw"], decision["rate"]
    # Cut, not rounded, as the queue's percent is: 0,8849996 reads 0,884999 beside the queue's 88,4% (rounded it read
    # 0,885000), and a draw just under its rate never reads as equal to it.
    shown = format_number(math.floor(u * 1_000_000) / 1_000_000, decimals=6)
    working = t("targeting.working_under" if decision["random_selected"] else "targeting.working_over",
                draw=shown, rate=format_number(rate, decimals=2))
    flags = decision["flags"]
    flag_list = (html.Ul([html.Li(flag_text(f)) for f in flags], className="mb-0", id="application-detail-targeting-flags")
                 if flags else html.Span(t("targeting.no_flags"), className="text-muted"))
    rows = []
    for label, value in [
        (t("targeting.outcome"), outcome),
        (t("targeting.level"), [level_label(decision["level"]), html.Br(),
                                html.Span(basis_text, className="small text-muted")]),
        (t("targeting.rate"), _percent(rate)),
        (t("targeting.draw"), [shown, html.Br(),
                               html.Span(working, className="small text-muted")]),
        (t("targeting.flags"), flag_list),
        (t("targeting.decided_at"), _decided(decision["decided_at"], completed_at, user)),
    ]:
        rows += [html.Dt(label, className="col-sm-4 col-lg-3"), html.Dd(value, className="col-sm-8 col-lg-9")]
    # How to check the draw (the key's and settings' versions, the HMAC and the command) is for whoever audits a
    # decision; folded, so an officer reads the outcome and its reasons first, not "2^64".
    check = html.Details([
        html.Summary(t("targeting.how_to_check"), className="small text-muted"),
        html.P(t("targeting.versions") + ": " + t("targeting.versions_value", key_version=decision["key_version"],
                                                  settings=decision["settings_version"]),
               className="small text-muted mb-1 mt-1"),
        html.P(t("targeting.rule"), className="small text-muted mb-0"),
    ], id="application-detail-targeting-check")
    body = [html.Dl(rows, className="row qca-facts mb-2"), check]
    return card(t("targeting.card_title"), "bi-bullseye", body, "application-detail-targeting")
