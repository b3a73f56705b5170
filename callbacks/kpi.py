"""Panel KPI callbacks: read the period and filters, ask portal.services.kpi.panel, draw cards, chart and tables."""
from __future__ import annotations

from datetime import date, timedelta
import time

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import (plain, register_date_words, register_timed_alerts, register_unsaved_guard,
                              register_url_filters, stale_message)
from callbacks.shell import known_section
from layouts.common import scrolling_table
from layouts.kpi import SLA_KEYS
from layouts.components.formatting import (chart_separators, count_axis, form_number, format_date, format_datetime,
                                           format_duration, format_idr, format_number, format_per_thousand,
                                           format_percent, format_targeting_share, month_axis, month_name,
                                           office_label)
from layouts import applications as applications_layout, kpi as kpi_layout, nnc as nnc_layout
from layouts import rankings as rankings_layout, survey as survey_layout, targeting_effect as effect_layout
from layouts.components.empty import empty_figure
from layouts.components.url_filters import query_string
from models.nnc import FLOW_OF_DIRECTION
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import current_language, t
from portal.domain.periods import today_in
from portal.services import edit_versions
from portal.services.applications import list_is_one_office
from portal.services.kpi import offices as kpi_offices, panel as kpi, sla as kpi_sla
from portal.services.offices import office_zone
from portal.services.sync import status as sync_status
from portal.validation import InvalidInput, StaleEdit
from portal.view_cache import cached

HIDDEN, SHOWN = {"display": "none"}, {}
GOOD, BAD = "up", "down"
GRADE_COLOURS = {"A": "#0b6e4f", "B": "#2f9e44", "C": "#e8a317", "D": "#c92a2a"}


# --- formatting -----------------------------------------------------------------------------------------------

def parse_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def unusable_period() -> tuple[dict, object, object]:
    """(chart, table, label) of a panel opened on a period that cannot be read: the reason where the figures go."""
    message = t("kpi.period_unusable")
    return empty_figure(message), html.P(message, className="text-muted mb-0"), \
        html.Span(message, className="text-danger")


def period_feedback(error: InvalidInput, date_from, date_to) -> tuple[bool, str, bool, str]:
    """(from invalid, its message, to invalid, its message) of a custom period the service refused. Both dates still
    empty is where everyone starts after choosing "Pilih tanggal…": the figures stay as they were, and no field is
    red before anything was typed; once one date is in, the other is asked for."""
    if not date_from and not date_to:
        return False, "", False, ""
    messages = error.messages(t)
    return "from" in messages, messages.get("from", ""), "to" in messages, messages.get("to", "")


def number(value, decimals: int = 0) -> str:
    return "–" if value is None else format_number(value, decimals=decimals)


def hours(value) -> str:
    """Hours the way a person reads them: minutes under an hour, days from three days on."""
    if value is None:
        return "–"
    if value < 1:
        return t("kpi.minutes", value=number(value * 60))
    if value >= 72:
        return t("kpi.days", value=number(value / 24, 1))
    # One decimal, dropped when it is 0 after rounding: 3.96 h and 4.0 h are both "4 jam" (3.96 read "4,0 jam" beside
    # another card's "4 jam", and a headline's "24 jam" beside its comparison's "24,0 jam").
    rounded = round(float(value), 1)
    return t("kpi.hours", value=number(rounded, 0 if rounded.is_integer() else 1))


def money_short(amount) -> str:
    """Rp 1,43 jt / Rp 2,5 M for the big number; the exact amount goes in the tooltip."""
    if amount is None:
        return "–"
    for size, key in ((1e12, "kpi.money.trillion"), (1e9, "kpi.money.billion"), (1e6, "kpi.money.million")):
        if abs(amount) >= size:
            return f"Rp\u00a0{number(amount / size, 2)}\u00a0{t(key)}"  # one unit on a narrow card: no break
    return format_idr(amount)


def age(seconds: int | None) -> str:
    """The copy's age worded as the banner over every page and the sync page word it ("1 jam 34 menit lalu"): the
    badge said "1,6 jam yang lalu" under the banner's "1 jam 34 menit lalu" for the same run."""
    if seconds is None:
        return t("kpi.card.freshness_never")
    return t("kpi.card.freshness_ago", age=format_duration(seconds))


def _share(change: float) -> str:
    """A change as a share of the previous figure (0.2 for 20%): whole percents, a tenth under 1% (the survey index
    moving 84,24 → 84,51 is "▲ 0,3%", not "▲ 0%" under an arrow), "<0,1%" below that."""
    return format_percent(change, decimals=0 if change >= 0.01 else 1, trim=True, floor=True)


def trend(current, previous, better: str | None, shown, comparable: bool = True, amount=None) -> html.Div:
    """▲/▼ against the previous period, green when the change is good for this figure, red when bad.

    No comparison when either figure is missing or the previous period holds no data at all (`comparable`): its
    zeros are not a baseline. `amount` formats the change itself (money in Rupiah, with the share when there is
    one); without it the change is a share, or a plain number when the previous figure is 0.
    """
    if not comparable or current is None or previous is None:
        return html.Div(t("kpi.no_previous"), className="qc-kpi-change text-muted")
    delta = current - previous
    if abs(delta) < 1e-9:
        return html.Div(["= ", t("kpi.unchanged")], className="qc-kpi-change text-muted")
    arrow = "▲" if delta > 0 else "▼"
    good = (delta > 0) == (better == GOOD) if better else None
    tone = "text-muted" if good is None else ("qc-good" if good else "qc-bad")
    share = _share(abs(delta) / abs(previous)) if previous else None
    if amount is not None:
        size = amount(abs(delta)) + (f" ({share})" if share else "")
    else:
        size = share or format_number(abs(delta), decimals=0 if float(delta).is_integer() else 1)
    return html.Div([html.Span(f"{arrow} {size}", className=f"fw-semibold {tone}"), " ",
                     html.Span(t("kpi.versus_previous", value=shown), className="text-muted")],
                    className="qc-kpi-change")


def card(key: str, label: str, value, sub=None, change=None, href: str | None = None, note=None,
         title: str | None = None):
    body = dbc.Card(dbc.CardBody([
        html.Div([label, html.I(className="bi bi-chevron-right qc-kpi-go") if href else None],
                 className="qc-kpi-label"),
        html.Div(value, className="qc-kpi-value", id=f"kpi-value-{key}", title=title),
        html.Div(sub, className="qc-kpi-sub") if sub else None,
        change,
        html.Div(note, className="qc-kpi-note") if note else None,
    ]), className="qc-kpi-card h-100")
    if href:
        return html.A(body, href=href, className="qc-kpi-link", id=f"kpi-card-{key}", title=t("kpi.open_page"))
    return html.Div(body, className="qc-kpi-link", id=f"kpi-card-{key}")


def card_links(office_id: int | None, section: str | None, direction: str | None,
               span: kpi.Period | None = None, list_is_the_office: bool = True) -> dict[str, str | None]:
    """Where each card leads, with those of the panel's filters that the card's figure and the page share: the
    applications list takes the section and direction; for the cards that count the applications completed in the
    period (certificates, whose line under it is their count, and service time: the "completed" link) also `span`'s
    days as completion days (`dates=completed&from=…&to=…`, bounded in the office's zone as the panel bounds its
    period; latest completion first), so the list's total is the card's "applications completed" — only where the
    reader's list is of the panel's office alone (`list_is_the_office`: an admin's or a national reader's list holds
    every office, an admin's the records deleted at the source too, and would show more); the in-progress card's
    list (`in_progress`) those not completed by the period's last day (`dates=in_progress&to=…`), on the same
    condition; the fees card's carries no period (paid by the payment's date, not the completion's); the NNC
    register the section and the flow a direction counts (export: received, import: issued, as the panel counts
    them); the ranking the section only (the card counts the stored scores of the default window, by section); the
    survey results the period (`span`: its preset, or its dates when custom) and the section, so the page shows the
    card's IKM; the targeting page the section, the direction (its card counts by it) and the period: its months for
    a preset (each runs from a month's first day, and a "this_…" one ends today, so the whole months count what the
    card counts) or custom dates of whole months, else its exact days. The NNC register's and the complaints' links
    carry no period (they filter by other dates than the cards count by).

    `office_id`: None for the reader's home office. Another office's panel (a national reader's choice) leads only
    to that office's ranking: the other lists are of the reader's own reach, not of the office on the panel, and a
    link into them would show other figures than the card's."""
    def address(path: str, layout, values: dict) -> str:
        return path + query_string(values, layout.URL_FIELDS)

    ranking = address("/rankings", rankings_layout, {"rankings-office": office_id, "rankings-section": section})
    if office_id is not None:
        return {"applications": None, "completed": None, "in_progress": None, "survey": None, "nnc": None,
                "complaints": None, "rankings": ranking, "targeting": None}
    custom = span is not None and span.preset == "custom"
    survey = {"survey-preset": span.preset if span else None, "survey-section": section,
              "survey-from": span.start.isoformat() if custom else None,
              "survey-to": span.end.isoformat() if custom else None}
    whole_months = span is not None and span.start.day == 1 and (span.end + timedelta(days=1)).day == 1
    if custom and not whole_months:
        targeting = {"effect-period": effect_layout.CUSTOM, "effect-start": span.start.isoformat(),
                     "effect-end": span.end.isoformat()}
    else:
        targeting = {"effect-from": span.start.isoformat()[:7], "effect-to": span.end.isoformat()[:7]} if span else {}
    applications = {"applications-section": section, "applications-direction": direction}
    # Latest completion first: the list in the order of the date it filters (its office-and-completion index then
    # reads the period's rows alone, never the newer submissions before them).
    completed = {**applications, "applications-dates": "completed", "applications-date-from": span.start.isoformat(),
                 "applications-date-to": span.end.isoformat(), "applications-sort": "completed_desc"} \
        if span and list_is_the_office else applications
    in_progress = {**applications, "applications-dates": "in_progress", "applications-date-to": span.end.isoformat()} \
        if span and list_is_the_office else applications
    return {"applications": address("/applications", applications_layout, applications),
            "completed": address("/applications", applications_layout, completed),
            "in_progress": address("/applications", applications_layout, in_progress),
            "survey": address("/survey-results", survey_layout, survey),
            "nnc": address("/nnc", nnc_layout, {"nnc-section": section,
                                                "nnc-flow": FLOW_OF_DIRECTION.get(direction or "")}),
            "complaints": "/complaints", "rankings": ranking,
            "targeting": address("/targeting/effectiveness", effect_layout,
                                 {**targeting, "effect-section": section, "effect-direction": direction})}


def cards(panel: dict, links: dict[str, str | None]):
    now, before = panel["current"], panel["previous"]
    comparable = before["comparable"]  # per card: does the previous period hold that card's data
    service, service_before = now["service_time"], before["service_time"]
    survey, survey_before = now["ikm"], before["ikm"]
    complaints, compliance = panel["complaints"], panel["compliance"]
    items = [
        card("certificates", t("kpi.card.certificates"), number(now["certificates_issued"]),
             t("kpi.card.certificates_sub", completed=number(now["applications_completed"])),
             trend(now["certificates_issued"], before["certificates_issued"], GOOD,
                   number(before["certificates_issued"]), comparable["certificates"]), links["completed"]),
        card("in-progress", t("kpi.card.in_progress"), number(now["applications_in_progress"]),
             t("kpi.card.in_progress_sub"),
             trend(now["applications_in_progress"], before["applications_in_progress"], BAD,
                   number(before["applications_in_progress"]), comparable["in_progress"]), links["in_progress"]),
        card("service-time", t("kpi.card.service_time"), hours(service["median_hours"]),
             # No certificate in the period: no P90 or share to give ("P90 – · – dalam SLA" read as garbled)
             t("kpi.card.service_time_sub", p90=hours(service["p90_hours"]),
               share=format_percent(service["within_sla_share"]), sla=number(service["sla_hours"], 0))
             if service["median_hours"] is not None else
             t("kpi.card.service_time_sub_none", sla=number(service["sla_hours"], 0)),
             trend(service["median_hours"], service_before["median_hours"], BAD, hours(service_before["median_hours"]),
                   comparable["service_time"]),
             links["completed"]),
        card("fees", t("kpi.card.fees"), money_short(now["fees"]["paid"]),
             t("kpi.card.fees_sub", billed=format_idr(now["fees"]["billed"])),
             trend(now["fees"]["paid"], before["fees"]["paid"], GOOD, money_short(before["fees"]["paid"]),
                   comparable["fees"], amount=money_short),
             links["applications"], title=format_idr(now["fees"]["paid"])),
        _ikm_card(survey, survey_before, panel["direction"], links["survey"]),
        card("violations", t("kpi.card.violations"), format_per_thousand(now["violations_per_1000"]),
             t("kpi.card.violations_sub", actions=number(now["actions_3p"]["total"]), nncs=number(now["nncs"]["total"])),
             trend(now["violations_per_1000"], before["violations_per_1000"], BAD,
                   format_per_thousand(before["violations_per_1000"]), comparable["violations"]), links["nnc"]),
        card("complaints", t("kpi.card.complaints"), number(complaints["open"]),
             # Open and overdue are of now; the rest of the complaints received in the period (under "Saat ini" alone, a
             # period's "0 terlambat" read as if no first response were late now).
             [t("kpi.card.complaints_sub", overdue=number(complaints["overdue"])), html.Br(),
              html.Span(t("kpi.card.complaints_period", received=number(complaints["received"]),
                          median=hours(complaints["median_hours_to_answer"])), id="kpi-complaints-period"), html.Br(),
              html.Span(t("kpi.card.complaints_first_response", on_time=number(complaints["first_response_on_time"]),
                          late=number(complaints["first_response_late"])), id="kpi-complaints-first-response")],
             None, links["complaints"], note=t("kpi.card.complaints_note",
                                               days=settings().complaint_first_response_working_days)),
        _compliance_card(compliance, links["rankings"]),
        _targeting_card(panel["targeting"], links["targeting"]),
    ]
    return items


def _targeting_card(figures: dict, href: str | None):
    """Does targeting find more than chance (hit-rate ratio), and what share of consignments was inspected."""
    ratio, note = figures["ratio"], None
    if ratio is not None:
        value = f"{format_number(ratio, decimals=1)}×"
    elif not figures["decisions"]:
        value = html.Span(t("kpi.no_data"), className="qc-kpi-empty")
    else:
        # Decisions, but no ratio yet: say which side is missing ("no data" read as if nothing had been decided).
        value = html.Span(t("kpi.card.targeting_not_yet"), className="qc-kpi-empty")
        note = t("kpi.card.targeting_why.targeted_none") if figures["targeted_rate"] is None else \
            t("kpi.card.targeting_why.random_none") if figures["random_rate"] is None else \
            t("kpi.card.targeting_why.random_zero", known=number(figures["random_known"]))
    # Nothing decided in the period: "– konsinyasi diperiksa (0 dari 0)" under "belum ada data" said it twice, badly.
    sub = t("kpi.card.targeting_sub_none") if not figures["decisions"] else t(
        "kpi.card.targeting_sub", share=format_targeting_share(figures["inspected_share"]),
        inspected=number(figures["inspected"]), decisions=number(figures["decisions"]))
    return card("targeting", t("kpi.card.targeting"), value, sub, None, href, note=note)


def _freshness(session, current, office_id: int, timezone: str | None = None):
    """The badge of the copy's age. It moves by the second and a sync run alone is no data change: never cached.
    Late by the sync's own rule (sync.status.freshness), as the banner over every page and the sync page say: the
    badge kept a rule of its own (6 hours) and showed a green tick under the banner's "late"."""
    fresh = sync_status.freshness(session, settings().sync_interval_minutes)
    return freshness_badge(fresh, timezone or office_zone(session, office_id), current.can("admin.settings"))


def freshness_badge(fresh: dict, timezone: str, can_open_sync: bool):
    """Data freshness beside the title: how old the copy of the certification data is (`fresh`:
    sync.status.freshness)."""
    when = format_datetime(fresh["last_success_at"], timezone) if fresh["last_success_at"] else ""
    stale = fresh["stale"]  # a new installation, never synced and with nothing to show, is not late
    body = html.Div([
        html.Div(t("kpi.card.freshness"), className="qc-kpi-label"),
        html.Div([html.I(className=f"bi {'bi-exclamation-triangle-fill qc-bad' if stale else 'bi-check-circle-fill qc-good'} me-1"),
                  age(fresh["age_seconds"])], className="qc-kpi-fresh-age", id="kpi-value-freshness"),
        html.Div(when, className="qc-kpi-note"),
    ], className="qc-kpi-fresh" + (" qc-kpi-fresh-stale" if stale else ""))
    if can_open_sync:
        return html.A(body, href="/admin/sync", className="qc-kpi-link", id="kpi-card-freshness")
    return html.Div(body, id="kpi-card-freshness")


def _ikm_card(survey: dict, before: dict, direction: str | None, href: str | None):
    if survey["ikm"] is None:
        value = html.Span(t("kpi.no_data"), className="qc-kpi-empty")
    else:
        value = [number(survey["ikm"], 2), " ",
                 html.Span(survey["grade"], className="qc-grade",
                           style={"backgroundColor": GRADE_COLOURS[survey["grade"]]},
                           title=t(f"ikm.grade.{survey['grade']}"))]
    if not survey["responses"] and not survey["population"]:
        # "0 jawaban · minimum 0 belum cukup" contradicted itself: nothing handed over, nothing answered, no minimum.
        sub = t("survey.empty_period")
    else:
        enough = dbc.Badge(t("kpi.sufficient") if survey["sufficient"] else t("kpi.insufficient"),
                           color="success" if survey["sufficient"] else "warning",
                           text_color=None if survey["sufficient"] else "dark", className="ms-1", id="kpi-ikm-enough")
        sub = [t("kpi.card.ikm_sub", responses=number(survey["responses"]), minimum=number(survey["minimum_sample"])),
               enough]
    return card("ikm", t("kpi.card.ikm"), value, sub,
                trend(survey["ikm"], before["ikm"], GOOD, number(before["ikm"], 2)), href,
                note=t("kpi.card.ikm_no_direction") if direction else None)


def _compliance_card(compliance: dict, href: str | None):
    if not compliance["computed"]:
        return card("compliance", t("kpi.card.compliance"), html.Span(t("kpi.no_data"), className="qc-kpi-empty"),
                    t("kpi.card.compliance_none"), None, href)
    tiers = compliance["tiers"]
    breakdown = html.Div([html.Span([html.B(tier), f" {number(tiers[tier])}"], className="me-3",
                                    title=t(f"compliance.tier.{tier}")) for tier in ("A", "B", "C", "D")],
                         className="qc-kpi-tiers")
    return card("compliance", t("kpi.card.compliance"), number(compliance["priority_eligible"]),
                t("kpi.card.compliance_sub", total=number(compliance["service_users"])), breakdown, href,
                note=t("kpi.tiers.as_of", date=format_date(date.fromisoformat(compliance["as_of"])))
                if compliance["as_of"] else None)


def monthly_figure(rows: list[dict]) -> dict:
    """3P actions stacked in one bar and NNCs (by flow) stacked in the bar beside it, per month.

    A plain figure dict: plotly's graph objects validate every property and cost more than the figures do. The bars
    stand on the months themselves ('2026-03') and the ticks say them (month_axis).
    """
    months = [row["month"] for row in rows]
    names = [month_name(month) for month in months]
    traces, tops = [], [0]
    for group, series in (("3p", (("detention", "#e8a317"), ("refusal", "#d9480f"), ("destruction", "#862e9c"))),
                          ("nnc", (("nnc_received", "#1c7ed6"), ("nnc_issued", "#74c0fc")))):
        base = [0] * len(rows)
        for key, colour in series:
            values = [row[key] for row in rows]
            # The hover says the part's own count: a bar standing on a base reports its top as %{y} (October's
            # refusals read 40, the 29 detentions under them included, where there were 11).
            traces.append({"type": "bar", "x": months, "y": values, "base": base, "name": t(f"kpi.monthly.{key}"),
                           "offsetgroup": group, "marker": {"color": colour},
                           "customdata": [[name, format_number(value)] for name, value in zip(names, values)],
                           "hovertemplate": "%{customdata[0]}: %{customdata[1]}<extra>%{fullData.name}</extra>"})
            base = [a + b for a, b in zip(base, values)]
        tops += base  # each month's stacked bar of the group, for the axis's steps
    return {"data": traces,
            "layout": {"barmode": "group", "margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "font": {"size": 14},
                       "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                       "plot_bgcolor": "white", "paper_bgcolor": "white",
                       "xaxis": {**month_axis(months), "automargin": True},
                       "yaxis": {"gridcolor": "#e9ecef", **count_axis(max(tops))},
                       "separators": chart_separators()}}


# Bootstrap's responsive display: shown from 576 px on. On a phone the stage table keeps the stage, its median, the
# SLA and the share within it (what a head reads it for) and leaves out the count and the P90, which pushed the SLA
# columns off the right edge of a 390 px screen (they scrolled in the table's frame, out of sight).
WIDER_THAN_PHONE = "d-none d-sm-table-cell"


def stages_table(panel: dict):
    now = panel["current"]

    def row(label, figure, strong=False):
        share = figure["within_sla_share"]
        colour = "secondary" if share is None else ("success" if share >= 0.9 else "warning" if share >= 0.75
                                                    else "danger")
        return html.Tr([
            html.Td(html.B(label) if strong else label),
            html.Td(number(figure["count"]), className=f"text-end {WIDER_THAN_PHONE}"),
            html.Td(hours(figure["median_hours"]), className="text-end"),
            html.Td(hours(figure["p90_hours"]), className=f"text-end {WIDER_THAN_PHONE}"),
            html.Td(hours(figure["sla_hours"]), className="text-end text-muted"),
            html.Td(dbc.Badge(format_percent(share), color=colour, text_color="dark" if colour == "warning" else None),
                    className="text-end"),
        ])

    head = html.Thead(html.Tr([html.Th(t("kpi.stages.stage")),
                               html.Th(t("kpi.stages.count"), className=f"text-end {WIDER_THAN_PHONE}"),
                               html.Th(t("kpi.stages.median"), className="text-end"),
                               html.Th(t("kpi.stages.p90"), className=f"text-end {WIDER_THAN_PHONE}"),
                               html.Th(t("kpi.stages.sla"), className="text-end"),
                               html.Th(t("kpi.stages.within"), className="text-end")]))
    body = [row(t("kpi.stages.service"), now["service_time"], strong=True)]
    body += [row(t(f"stage.{figure['stage']}"), figure) for figure in now["stages"]]
    # The frame still scrolls should a long stage name in a narrow column need it (a half-width card at 992 px).
    # Which period it is of: it comes a round trip after the cards (load_stages), and a reader of the page (a test, a
    # screen reader's refresh) can tell the new table from the last period's.
    return scrolling_table(dbc.Table([head, html.Tbody(body)], size="sm", hover=True,
                                     className="qc-kpi-table mb-1 text-nowrap", id="kpi-stages-table"),
                           t("kpi.stages.title"),
                           **{"data-period": f"{panel['period']['from']}/{panel['period']['to']}"})


def drawn_panel(session, office_id: int, span, section: str | None, direction: str | None, *, today: date,
                language: str, home: bool = True, list_is_the_office: bool = True) -> dict:
    """The panel drawn (cards, chart, stage table, period label) as plain values, for the view cache: per (office,
    period, filters, data stamp, language), so a repeat view neither computes nor draws. `language` is the one
    `t()` draws in (the caller passes current_language()); it is an argument so that it is part of the key, as is
    `home` (the office is the reader's own: the cards' links depend on it, card_links) and `list_is_the_office`
    (the reader's applications list is of that office alone: card_links). What depends on the person
    (the freshness badge's link) is drawn outside."""
    panel = cached(session, kpi.panel, office_id, span, section, direction, today=today)
    # "This quarter" is compared with as many days of the one before (kpi.period), so its end drifts from today's
    # date (1 Okt – 8 Des against 1 Jul – 7 Sep): the label says why. (A whole quarter against the one before is
    # no count of days, even when both have 92.)
    label = t("kpi.period_label_same_days" if span.by_days else "kpi.period_label",
              start=format_date(span.start), end=format_date(span.end), days=format_number(span.days),
              previous_start=format_date(span.previous_start), previous_end=format_date(span.previous_end))
    copied_from = panel["current"]["copied_from"]
    if copied_from and span.previous_start.isoformat() < copied_from:
        # Nothing said the figures of a period before the copy's first day were missing, not zero.
        label += ". " + t("kpi.copied_from", date=format_date(date.fromisoformat(copied_from)))
    links = card_links(None if home else office_id, section, direction, span, list_is_the_office)
    return {"cards": plain(cards(panel, links)), "chart": monthly_figure(panel["current"]["monthly"]),
            "stages": plain(stages_table(panel)), "label": label, "timezone": panel["period"]["timezone"]}


def chosen(value):
    return None if value in (None, "", "all") else value


def _drawn(current, preset, date_from, date_to, section, direction, office):
    """(office id, preset, the drawn panel) for the panel's fields, or (…, the InvalidInput of a period that cannot
    be read) in its place. The home office, or the office a national reader chose (Forbidden for anyone else asking
    for another)."""
    office_id = current.scope.figures_office(office)
    preset = preset if preset in kpi.PRESETS else "this_month"
    with database().session() as session:
        today = today_in(office_zone(session, office_id))
        try:
            span = kpi.period(preset, today, parse_date(date_from), parse_date(date_to))
        except InvalidInput as error:
            return office_id, preset, error
        return office_id, preset, cached(session, drawn_panel, office_id, span, known_section(section),
                                         chosen(direction), today=today, language=current_language(),
                                         home=office_id == current.office_id,
                                         list_is_the_office=list_is_one_office(current.scope))


# --- callbacks ------------------------------------------------------------------------------------------------

def register(app) -> None:
    register_timed_alerts(app, "admin.settings", "kpi-sla-alert")
    register_date_words(app, "kpi.view", "kpi-from", "kpi-to")
    register_url_filters(app, "kpi.view", "kpi", kpi_layout.URL_FIELDS)
    register_unsaved_guard(app, "admin.settings", "kpi-sla", "kpi-sla-opened",
                           {key: f"kpi-sla-{key}" for key in SLA_KEYS})

    panel_inputs = (Input("kpi-preset", "value"), Input("kpi-from", "value"), Input("kpi-to", "value"),
                    Input("kpi-section", "value"), Input("kpi-direction", "value"), Input("kpi-refresh", "data"),
                    Input("kpi-office", "value"))

    @protected_callback(
        app, "kpi.view",
        [Output("kpi-cards", "children"), Output("kpi-freshness", "children"), Output("kpi-monthly-chart", "figure"),
         Output("kpi-period-label", "children"), Output("kpi-from-col", "style"), Output("kpi-to-col", "style"),
         Output("kpi-from", "invalid"), Output("kpi-from-feedback", "children"), Output("kpi-to", "invalid"),
         Output("kpi-to-feedback", "children"), Output("kpi-drawn", "data")], *panel_inputs)
    def load(preset, date_from, date_to, section, direction, _refresh, office=None):
        current = user()
        office_id, preset, drawn = _drawn(current, preset, date_from, date_to, section, direction, office)
        custom = SHOWN if preset == "custom" else HIDDEN
        drawn_now = time.monotonic_ns()  # asks the stage table's callback for its part of what was just drawn
        if isinstance(drawn, InvalidInput):
            feedback = period_feedback(drawn, date_from, date_to)
            if ctx.triggered_id is not None:  # the last figures stay, under the label of their own period
                return (no_update, no_update, no_update, no_update, custom, custom, *feedback, no_update)
            # Opened on a period that cannot be read (an address typed or kept): say so where the figures go, not
            # an empty chart frame and empty cards.
            with database().session() as session:
                badge = _freshness(session, current, office_id)
            chart, _table, label = unusable_period()
            return ([], badge, chart, label, custom, custom, *feedback, drawn_now)
        with database().session() as session:
            badge = _freshness(session, current, office_id, drawn["timezone"])
        return (drawn["cards"], badge, drawn["chart"], drawn["label"], custom, custom, False, "", False, "",
                drawn_now)

    @protected_callback(app, "kpi.view", Output("kpi-stages", "children"), Input("kpi-drawn", "data"),
                        *[State(field.component_id, field.component_property) for field in panel_inputs],
                        prevent_initial_call=True)
    def load_stages(_drawn_now, preset, date_from, date_to, section, direction, _refresh, office=None):
        """The stage table, answered apart from the cards: the browser drew the cards' and the table's ~180
        components in one task of 130–280 ms on a two-core machine (over the 200 ms bound); apart, each is half
        that. Asked once the cards are drawn (`kpi-drawn`), so it reads the drawn panel the cards' answer cached,
        whichever worker answers (asked at once, two workers computed a cold panel twice)."""
        _office, _preset, drawn = _drawn(user(), preset, date_from, date_to, section, direction, office)
        return unusable_period()[1] if isinstance(drawn, InvalidInput) else drawn["stages"]

    @protected_callback(app, "kpi.view", Output("kpi-office", "options"), Input("kpi-office", "id"))
    def load_offices(_):
        """The offices a national reader may choose; the home office alone for everyone else."""
        current = user()
        with database().session() as session:
            offices = kpi_offices.office_choices(session, current.scope)
        return [{"label": t("kpi.office.home_named", name=current.office_name), "value": "home"}] + [
            {"label": office_label(office["code"], office["name"]), "value": str(office["id"])}
            for office in offices if office["id"] != current.office_id]

    outputs = [Output(f"kpi-sla-{key}", "value") for key in SLA_KEYS] + \
              [Output(f"kpi-sla-{key}", "invalid") for key in SLA_KEYS] + \
              [Output(f"kpi-sla-{key}-feedback", "children") for key in SLA_KEYS]

    @protected_callback(
        app, "admin.settings",
        [Output("kpi-sla-alert", "children"), Output("kpi-sla-alert", "is_open"), Output("kpi-sla-alert", "color"),
         Output("kpi-refresh", "data"), Output("kpi-sla-opened", "data"), Output("kpi-sla-alert", "duration"),
         Output("kpi-sla-form", "disabled")]
        + outputs,
        Input("kpi-sla-save", "n_clicks"), [State(f"kpi-sla-{key}", "value") for key in SLA_KEYS]
        + [State("kpi-refresh", "data"), State("kpi-sla-opened", "data")])
    def sla(_save, *values):
        """Show the SLA hours; on save, validate and store them (audited) and redraw the panel."""
        refresh, kept = values[-2] or 0, values[-1]
        typed = dict(zip(SLA_KEYS, values[:-2]))
        current = user()
        with database().session() as session:
            if ctx.triggered_id != "kpi-sla-save":
                stored = kpi_sla.sla_hours(session)
                return ["", False, "info", no_update, edit_versions.opened(kpi_sla.sla_version(session), stored),
                        6000, False] + [form_number(stored[k]) for k in SLA_KEYS] + [False] * len(SLA_KEYS) + \
                    [""] * len(SLA_KEYS)
            try:
                version, opened = edit_versions.from_form(kept)
                saved = kpi_sla.save_sla_hours(session, current.id, current.username, typed,
                                               expected_version=version, opened=opened)
                session.commit()
            except StaleEdit as error:  # the typed hours stay; the message stays until closed
                # The panel is redrawn on the colleague's hours (the refresh), so its "Dalam SLA" figures match the
                # hours the message names; the form keeps what was typed and the version it opened.
                return [[html.Div(t("edit.stale_title"), className="fw-semibold"),
                         stale_message(error, _sla_label, _sla_value)], True, "warning", refresh + 1, no_update, None, False] + \
                    [no_update] * len(SLA_KEYS) + [False] * len(SLA_KEYS) + [""] * len(SLA_KEYS)
            except InvalidInput as error:
                messages = error.messages(t)
                return [t("form.has_errors"), True, "danger", no_update, no_update, 6000, False] + \
                    [no_update] * len(SLA_KEYS) + [key in messages for key in SLA_KEYS] + \
                    [messages.get(key, "") for key in SLA_KEYS]
            reopened = edit_versions.opened(kpi_sla.sla_version(session), saved)
        return [t("kpi.sla.saved"), True, "success", refresh + 1, reopened, 6000, False] + \
            [form_number(saved[k]) for k in SLA_KEYS] + [False] * len(SLA_KEYS) + [""] * len(SLA_KEYS)


def _sla_value(_key: str, value) -> str | None:
    """Hours as the form takes them, in the reader's numbers: "2 jam", "1,5 jam" (not the stored "2.0")."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    decimals = next(d for d in (0, 1, 2) if d == 2 or round(value, d) == value)
    return t("kpi.hours", value=number(value, decimals))


def _sla_label(key: str) -> str:
    """A stage's name as the SLA form labels it."""
    return t("kpi.stages.service") if key == "service" else t(f"stage.{key}")
