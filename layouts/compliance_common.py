"""Pieces the compliance pages (rankings, profile, handler, priority, guidance) draw the same way."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.components.date_words import date_words, is_date_input
from layouts.components.formatting import (chart_separators, count_axis, format_count, format_date, format_number,
                                           format_months_ago, format_percent, format_rate, format_score, format_tax_id)
from models.application import DIRECTIONS
from portal.domain.compliance import TIERS
from portal.domain.periods import local_date
from portal.i18n import t

# Tier colours: A green, B blue, C amber, D red (the same in badges, grid cells and charts).
TIER_COLOURS = {"A": "#198754", "B": "#0d6efd", "C": "#e0a800", "D": "#dc3545"}
TIER_BADGE = {"A": "success", "B": "primary", "C": "warning", "D": "danger"}
# The value of every "all …" choice (an empty value would show a blank select).
ALL = "all"


def tier_label(tier: str | None) -> str:
    return t(f"compliance.tier.{tier}") if tier else t("compliance.tier.none")


def tier_short(tier: str) -> str:
    """A tier's short name for a narrow column or an axis ("Prioritas")."""
    return t(f"compliance.tier_short.{tier}")


def tier_cells(tier: str | None) -> dict:
    """A grid's tier cell: the letter and a short name that fit its column ("A · Prioritas"; "Layak layanan
    prioritas" was cut to "A · Layak layanan …" at 1366 px), the full name in its tooltip."""
    if not tier:
        return {"tier": tier, "tier_label": t("compliance.tier.none"), "tier_title": t("compliance.tier.none")}
    return {"tier": tier, "tier_label": f"{tier} · {tier_short(tier)}",
            "tier_title": f"{tier} · {tier_label(tier)}"}


def tier_badge(tier: str | None, **kwargs):
    if not tier:
        return dbc.Badge(t("compliance.tier.none"), color="secondary", **kwargs)
    return dbc.Badge(f"{tier} · {tier_label(tier)}", color=TIER_BADGE[tier], className="qc-tier-badge", **kwargs)


def intervention_label(name: str, percent: float | None = None) -> str:
    text = t(f"compliance.intervention.{name}")
    return f"{text} ({format_percent(percent / 100, decimals=1, trim=True)})" if percent is not None else text


def months_since_text(months: int | None) -> str:
    return t("compliance.never_violated") if months is None else format_months_ago(months)


def tier_options(include_all: bool = True):
    options = [{"label": t("compliance.all_tiers"), "value": ALL}] if include_all else []
    return options + [{"label": f"{tier} · {tier_label(tier)}", "value": tier} for tier in TIERS]


def direction_options():
    return [{"label": t("compliance.all_directions"), "value": ALL}] + [
        {"label": t(f"direction.{d}"), "value": d} for d in DIRECTIONS]


def labelled(label: str, control, md: int = 3, xs: int = 12):
    """A filter's control under its label; a date field with its date in words under it
    (layouts.components.date_words)."""
    words = [date_words(control.id)] if is_date_input(control) else []
    return dbc.Col([dbc.Label(label, html_for=getattr(control, "id", None), className="small text-muted mb-1"),
                    control, *words], xs=xs, md=md, className="mb-2")


def tier_chart(counts: dict[str, int], title: str | None = None) -> dict:
    """One bar per tier in its colour, with the count on the bar: 'how many need guidance?' at a glance.

    A plain figure dict, like the KPI panel's: plotly's graph objects validate every property and took ≈ 25 ms of
    each rankings callback on the server.
    """
    # The short names: under narrow bars "Layak layanan prioritas" ran into the next bar's "Patuh".
    labels = [f"<b>{tier}</b><br>{tier_short(tier)}" for tier in TIERS]
    values = [counts.get(tier, 0) for tier in TIERS]
    layout = {"margin": {"l": 40, "r": 10, "t": 50 if title else 20, "b": 60}, "height": 280, "plot_bgcolor": "#fff",
              "paper_bgcolor": "rgba(0,0,0,0)",
              "yaxis": {"title": {"text": t("compliance.chart.service_users")}, "gridcolor": "#e9ecef",
                        "automargin": True, **count_axis(max(values))},
              "separators": chart_separators(), "showlegend": False,
              "xaxis": {"tickangle": 0, "automargin": True}}
    if title:
        layout["title"] = {"text": title, "font": {"size": 15}, "x": 0, "xanchor": "left"}
    return {"data": [{"type": "bar", "x": labels, "y": values, "marker": {"color": [TIER_COLOURS[tier]
                                                                                     for tier in TIERS]},
                      "text": [format_number(v) for v in values], "textposition": "outside", "cliponaxis": False,
                      "hovertemplate": "%{y:,d}<extra></extra>"}],
            "layout": layout}


def tier_cell_rules() -> dict:
    return {f"qc-tier-cell qc-tier-{tier}": f"params.data.tier == '{tier}'" for tier in TIERS}


def grid_row(row: dict, tz: str) -> dict:
    """One ranked service user as the grids show it: numbers formatted for the reader."""
    return {
        "id": row["service_user_id"], "rank": row["rank"], "name": row["name"], "tax_id": format_tax_id(row["tax_id"]),
        "score": row["score"], "score_text": format_score(row["score"]), "consignments": row["consignments"],
        "detentions": row["detentions"], "refusals": row["refusals"], "destructions": row["destructions"],
        "nncs": row["nncs"], "violations": row["violations"], "clean_streak": row["clean_streak"],
        "last_violation": format_date(row["last_violation_at"], tz=tz) if row["last_violation_at"] else t(
            "compliance.never_violated"),
        "months_since": months_since_text(row["months_since_last_violation"]),
        **tier_cells(row["tier"]),
        "intervention": intervention_label(row["intervention"], row["sampling_percent"]),
    }


def export_columns() -> list[tuple[str, str]]:
    return [("rank", t("compliance.col.rank")), ("name", t("compliance.col.name")),
            ("tax_id", t("compliance.col.tax_id")), ("score", t("compliance.col.score")),
            ("tier", t("compliance.col.tier")), ("consignments", t("compliance.col.consignments")),
            ("detentions", t("compliance.col.detentions")), ("refusals", t("compliance.col.refusals")),
            ("destructions", t("compliance.col.destructions")), ("nncs", t("compliance.col.nncs")),
            ("clean_streak", t("compliance.col.clean_streak")),
            ("last_violation", t("compliance.col.last_violation")),
            ("months_since_last_violation", t("compliance.col.months_since_months")),
            ("intervention", t("compliance.col.intervention"))]


def export_row(row: dict, tz: str) -> dict:
    """A ranked service user as the exports write it: the last violation as the office's date (a date cell in the
    workbook, ISO in the CSV), not as text; every NPWP written the one way people read it (IQFast keeps some with
    their dots, some as 16 bare digits, and the file mixed the two)."""
    return {**row, "tax_id": format_tax_id(row["tax_id"]) if row.get("tax_id") else row.get("tax_id"),
            "last_violation": local_date(row["last_violation_at"], tz) if row["last_violation_at"] else None,
            "intervention": intervention_label(row["intervention"], row["sampling_percent"])}


def window_text(result: dict) -> str:
    return t("compliance.window_text", start=format_date(result["window_from"]), end=format_date(result["window_to"]),
             p0=format_rate(result["p0"]), n=format_count(result["office_n"]), version=result["settings_version"])


def back_link(href: str, text: str, component_id: str):
    from dash import dcc

    return dcc.Link([html.I(className="bi bi-arrow-left me-1"), text], href=href, id=component_id,
                    className="d-inline-block mb-2 qc-no-print qc-list-link")  # the list as left (assets/qc-url.js)
