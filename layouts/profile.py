"""A service user's track record: identity, score and how it was computed, consignments per month, every 3P
action and NNC, handlers over time, tier history and guidance given.

The layout draws the frame; callbacks/profile.py loads the profile through portal.services.compliance.profile.profile
(which refuses a coordinator a company not active in their section) and draws it with `render`. The long sections
(timeline, handlers, tier history, guidance) are closed at first and read when opened, the lists a page at a time:
the largest company's profile, drawn whole, was 5,478 px tall and froze the browser for 8 s.
"""
from __future__ import annotations

from datetime import date, timedelta

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import group_label, hidden_label, section_select
from layouts.compliance_common import (ALL, back_link, direction_options, intervention_label, months_since_text,
                                       tier_badge)
from portal.pages import opened_from
from layouts.components.date_words import date_words
from layouts.components.formatting import (MONTH_CHART, chart_separators, count_axis, format_count, format_date,
                                           format_month, format_rate, format_score, format_tax_id, month_axis,
                                           office_label)
from layouts.components.grid import NUMERIC, PHONE_COLUMN, grid, stacked_column
from layouts.components.pager import pager
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location, parse
from layouts.rankings import NATIONAL
from portal.domain.addresses import address_text
from portal.services.compliance.filters import chosen_words
from portal.i18n import t
from portal.services.dossier import MAX_PERIOD_DAYS as DOSSIER_DAYS

CHART_HEIGHT = 260
# The sections read when opened: (name, title key, icon).
SECTIONS = (("timeline", "profile.timeline_title", "bi-clock-history"),
            ("handlers", "profile.handlers_title", "bi-person-badge"),
            ("tier_history", "profile.tier_history_title", "bi-graph-up"),
            ("guidance", "profile.guidance_title", "bi-people"))


# The section the profile is scored for is in its address: a ranking row opens it on the ranking's section, and a
# record opened from it leads back to it on the section chosen (layouts/components/url_filters.py).
# Its period too: a ranking of a custom period opens its companies' profiles scored over that period; and its
# direction and primary commodity: a ranking so filtered opens them scored over those consignments.
# The ranking a profile was opened from, when it is the national one (its row's figures pool every office, the
# profile's are one office's: the profile then says both). Another ranking's row opens the record it scored.
URL_FIELDS = (UrlField("section", "profile-section", CODE, "all"), UrlField("from", "profile-from", DAY),
              UrlField("to", "profile-to", DAY), UrlField("direction", "profile-direction", CODE, ALL),
              UrlField("commodity", "profile-commodity", CODE, ALL),
              UrlField("ranking", "profile-ranking", CHOICE, choices=(NATIONAL,)))


def layout(user, page=None, service_user_id: int | None = None, sections=(), query: str = "", **_):
    section = [section_select("profile-section", user, t("compliance.all_sections"), sections=sections)]
    # Opened from the national ranking by a reader of several offices: the company's national row above the
    # office's record (callbacks/profile.py fills it); for anyone else the parameter draws nothing.
    national = parse(query, URL_FIELDS).get("profile-ranking") == NATIONAL and user.scope.several_offices
    return applied(html.Div([
        back_link("/rankings", t("profile.back"), "profile-back"),
        dcc.Store(id="profile-id", data=service_user_id),
        dcc.Input(id="profile-ranking", type="hidden", value=None),
        dbc.Row([dbc.Col(dbc.InputGroup([group_label(t("profile.score_for"), "profile-section"), *section], size="sm"),
                         md=5, lg=4, className="mb-2"),
                 dbc.Col(period_fields(), md=7, lg=6, className="mb-2")], className="mb-2 qc-no-print"),
        choice_fields(),
        html.Div(id="profile-national") if national else None,
        # Only the profile itself shows the spinner: a section or page loading inside it must not redraw it all.
        dcc.Loading(html.Div(id="profile-body"), type="default", delay_show=300,
                    target_components={"profile-body": "children"}),
        dcc.Location(id="profile-go", refresh="callback-nav"),
        location("profile"),
    ]), URL_FIELDS, query)


def record_filters(user, query: str = "") -> dict:
    """The section the profile's callback checks the company with, as this page draws it from the address (its
    document's status asks the same check: Page.record_filters): the section select's own value, so a section-scoped
    reader's stays their own (the select is locked) and a code of the wrong form is dropped, as on the page."""
    return {"section": applied(section_select("profile-section", user, ""), URL_FIELDS, query).value}


def period_fields():
    """The score's period: empty, the default window (the last months the settings name, to today); set, the score
    over those days, as the ranking's custom period scores it."""
    return html.Div([
        dbc.InputGroup([
            group_label(t("profile.period"), "profile-from"),
            dbc.Input(id="profile-from", type="date", style=DATE_INPUT, debounce=True),
            hidden_label(t("dossier.period_to"), "profile-to"),
            dbc.InputGroupText("–"),
            dbc.Input(id="profile-to", type="date", style=DATE_INPUT, debounce=True),
        ], size="sm", className="qc-period-group"),
        html.Div([date_words("profile-from"), html.Small("–", className="form-text"), date_words("profile-to")],
                 className="d-flex flex-wrap column-gap-1 qc-period-words"),
        html.Small(t("profile.period_hint"), className="text-muted"),
    ])


def choice_fields():
    """The consignments the score counts, as the ranking's filters choose them: a direction and a primary commodity
    (the company's own, filled when the page opens: callbacks/profile.py). "Semua": the company's whole record."""
    return dbc.Row([
        dbc.Col(dbc.InputGroup([group_label(t("compliance.field.direction"), "profile-direction"),
                                dbc.Select(id="profile-direction", value=ALL, options=direction_options())],
                               size="sm"), md=5, lg=4, className="mb-2"),
        dbc.Col(dbc.InputGroup([group_label(t("compliance.field.commodity"), "profile-commodity"),
                                dbc.Select(id="profile-commodity", value=ALL, options=[
                                    {"label": t("compliance.all_commodities"), "value": ALL}])],
                               size="sm"), md=7, lg=6, className="mb-2"),
    ], className="mb-2 qc-no-print")


def chosen_text(detail: dict) -> str | None:
    """What the score is narrowed to ("Ekspor · komoditas utama Kopi"), or None for the whole record."""
    return chosen_words(detail, t)


def _card(title: str, icon: str, body, component_id: str, subtitle: str | None = None):
    header = [html.H2([html.I(className=f"bi {icon} me-2"), title], className="h6 mb-0")]
    if subtitle:
        header.append(html.Small(subtitle, className="text-muted"))
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], className="mb-3 shadow-sm", id=component_id)


def _table(headers: list[str], rows: list[list], component_id: str, empty: str):
    if not rows:
        return html.P(empty, className="text-muted mb-0", id=component_id)
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])),
                      html.Tbody([html.Tr([html.Td(cell, **{"data-label": h}) for h, cell in zip(headers, r)])
                                  for r in rows])],
                     size="sm", hover=True, responsive=True, className="mb-0 qc-stack-table", id=component_id)


def refused(kind: str):
    colour = "danger" if kind == "forbidden" else "warning"
    return dbc.Alert([html.H2(t(f"profile.{kind}_title"), className="h5"), t(f"profile.{kind}")], color=colour,
                     id="profile-refused")


def monthly_chart(months: list[dict]) -> dict:
    """Consignments per month (bars) and violations (red dots holding their count, right axis); a plain figure dict
    (see tier_chart)."""
    # Upright month ticks (month_axis) and the legend above the bars: on a phone the thirteen months stood turned
    # and the legend below ran over them.
    x = [f"{m['month']:%Y-%m}" for m in months]
    names = [format_month(m["month"]) for m in months]
    return {"data": [
        {"type": "bar", "x": x, "y": [m["consignments"] for m in months], "name": t("profile.chart.consignments"),
         "marker": {"color": "#0b6e4f"}, "customdata": names, "hovertemplate": "%{customdata}: %{y}<extra></extra>"},
        {"type": "scatter", "x": x, "y": [m["violations"] or None for m in months],
         "name": t("profile.chart.violations"), "mode": "markers+text",
         # The count white inside its dot: above a cross it was dark grey, and where the dot sat on a month's bar
         # the number vanished into the dark green.
         "text": [str(m["violations"]) if m["violations"] else "" for m in months], "textposition": "middle center",
         "textfont": {"color": "#fff", "size": 11},
         "marker": {"color": "#dc3545", "size": 20, "symbol": "circle", "line": {"color": "#fff", "width": 1.5}},
         "yaxis": "y2", "customdata": names,
         "hovertemplate": "%{customdata}: %{y}<extra></extra>"}],
        "layout": {"height": CHART_HEIGHT, "margin": {"l": 40, "r": 40, "t": 10, "b": 40}, "plot_bgcolor": "#fff",
                   "paper_bgcolor": "rgba(0,0,0,0)",
                   "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                   "xaxis": {**month_axis(x), "automargin": True},
                   # automargin: the title moves out past the widest tick ("1.500"), not over it.
                   "yaxis": {"title": {"text": t("profile.chart.consignments")}, "gridcolor": "#e9ecef",
                             "automargin": True, **count_axis(max([m["consignments"] for m in months] + [0]))},
                   "yaxis2": {"title": {"text": t("profile.chart.violations")}, "overlaying": "y", "side": "right",
                              "showgrid": False, "dtick": 1, "automargin": True,
                              "range": [0, max([m["violations"] for m in months] + [1]) + 1]},
                   "separators": chart_separators()}}


def _explanation(working: dict, tz: str, here: str, custom_period: bool = False, chosen: str | None = None):
    """'How this score was computed': the counts, the weights, the prior, p0, the window (the last months the
    settings name, or the `custom_period` chosen), the consignments `chosen` (a direction, a commodity) and each
    event."""
    w, c = working["weights"], working["counts"]
    v_terms = " + ".join(f"{format_count(w[kind])}×{c[kind]}" for kind in ("detention", "refusal", "destruction",
                                                                          "nnc"))
    # p0 falls back when the office's window is small (DOMAIN: compliance): say which rate was used.
    source = working.get("p0_source", "office")
    p0_text = t(f"profile.how.p0_value_{source}" if source != "office" else "profile.how.p0_value",
                v=format_rate(working["office_V"] if source == "office" else working["all_V"], 0),
                n=format_count(working["office_n"] if source == "office" else working["all_n"]),
                own_n=format_count(working["office_n"]), p0=format_rate(working["p0"]),
                min_n=format_count(working["settings"]["p0_min_consignments"]))
    steps = [
        (t("profile.how.window"), t("profile.how.window_value_custom" if custom_period else "profile.how.window_value",
                                    start=format_date(working["window_from"]), end=format_date(working["window_to"]),
                                    months=working["window_months"])),
        *([(t("profile.how.chosen"), t("profile.how.chosen_value", chosen=chosen))] if chosen else []),
        (t("profile.how.n"), t("profile.how.n_value", n=format_count(working["n"]))),
        (t("profile.how.counts"), t("profile.how.counts_value", d=c["detention"], r=c["refusal"], x=c["destruction"],
                                    k=c["nnc"])),
        (t("profile.how.v"), f"V = {v_terms} = {format_rate(working['V'], 0)}"),
        (t("profile.how.p0"), p0_text),
        (t("profile.how.p"), t("profile.how.p_value", v=format_rate(working["V"], 0), m=format_count(working["prior_m"]),
                               p0=format_rate(working["p0"]), n=format_count(working["n"]), p=format_rate(working["p"]))),
        (t("profile.how.score"), t("profile.how.score_value", p=format_rate(working["p"]),
                                   score=format_score(working["score"]))),
        (t("profile.how.streak"), t("profile.how.streak_value", streak=format_count(working["clean_streak"]),
                                    since=months_since_text(working["months_since_last_violation"]))),
    ]
    checks = [html.Li([html.I(className="bi bi-check-circle-fill text-success me-1" if check["passed"]
                              else "bi bi-x-circle text-muted me-1"),
                       t(f"compliance.rule.{check['rule']}"), html.Span(" — " + _rule_detail(check["rule"], working),
                                                                        className="text-muted small")])
              for check in working["tier_checks"]]
    level = working["intervention"]
    events, total = working["events"], working.get("events_total", len(working["events"]))
    event_rows = [[format_date(e["date"]), t(f"compliance.event.{e['type']}"), _event_link(e, here),
                   e.get("detail") or "–"] for e in events]
    return html.Div([
        html.P(t("profile.how.intro"), className="small"),
        html.Dl([item for label, value in steps for item in (html.Dt(label, className="col-sm-4"),
                                                             html.Dd(value, className="col-sm-8"))],
                className="row qc-facts mb-2", id="profile-how-steps"),
        html.H3(t("profile.how.tier_rules"), className="h6 mt-3"),
        html.Ul(checks, className="list-unstyled mb-2", id="profile-how-checks"),
        html.P(t("profile.how.intervention", level=intervention_label(level["name"], level["sampling_percent"]),
                 more=level["clean_to_next_level"]) if level["clean_to_next_level"] is not None else
               t("profile.how.intervention_lowest", level=intervention_label(level["name"], level["sampling_percent"])),
               className="small", id="profile-how-intervention"),
        html.P(t("profile.how.nnc_date"), className="small text-muted"),
        html.H3(t("profile.how.events", count=format_count(total)), className="h6 mt-3"),
        _table([t("profile.col.date"), t("profile.col.event"), t("profile.col.reference"), t("profile.col.detail")],
               event_rows, "profile-how-events", t("profile.how.no_events")),
        html.P(t("profile.how.events_more", shown=len(events), total=format_count(total)),
               className="small text-muted mt-1 mb-0", id="profile-how-events-more") if total > len(events) else None,
        html.P(t("profile.how.settings", version=working["settings_version"]), className="small text-muted mt-2"),
    ])


def _rule_detail(rule: str, working: dict) -> str:
    """The numbers a tier rule looked at, in the reader's language."""
    s = working["settings"]
    months = working["months_since_last_violation"]
    if rule == "A_priority_service":
        return t("compliance.rule_detail.A", streak=format_count(working["clean_streak"]),
                 min_streak=s["tier_a_min_clean_streak"], since=months_since_text(months),
                 clean_months=s["tier_a_clean_months"], n=format_count(working["n"]), min_n=s["tier_a_min_n"])
    if rule == "D_violation_records":
        return t("compliance.rule_detail.D_records", records=working["violation_records"],
                 min=s["tier_d_min_violation_records"])
    if rule == "D_low_score":
        return t("compliance.rule_detail.D_score", score=format_score(working["score"]),
                 below=format_score(s["tier_d_score_below"]))
    if rule == "B_high_score":
        return t("compliance.rule_detail.B", score=format_score(working["score"]), min=format_score(s["tier_b_min_score"]))
    return t("compliance.rule_detail.C")


def _event_link(event: dict, here: str):
    """The event's record, whose link back returns to this profile (`here`)."""
    if event["type"] == "nnc":
        return dcc.Link(event["nnc_number"], href=opened_from(f"/nnc/{event['nnc_id']}", here))
    if event.get("application_id"):
        return dcc.Link(event["application_number"], href=opened_from(f"/applications/{event['application_id']}", here))
    return "–"


def render(detail: dict, user, period_problem: str | None = None):
    """The profile's top; `period_problem`: why the period set was not taken (the default window was)."""
    su, working, tz = detail["service_user"], detail["explanation"], detail["timezone"]
    section_text = t(f"section.{detail['section']}") if detail["section"] else t("compliance.all_sections")
    chosen = chosen_text(detail)
    if chosen:
        section_text = f"{section_text} · {chosen}"
    identity = html.Div([
        html.H1(su["name"], className="mb-1", id="profile-name"),
        html.P([t("profile.npwp"), " ", html.Strong(format_tax_id(su["tax_id"])), " · ",
                address_text(su["address"], su["city"])],
               className="text-muted mb-2"),
    ], className="mb-2")
    summary = dbc.Row([
        dbc.Col(html.Div([html.Div(t("compliance.col.score"), className="small text-muted"),
                          html.Div(format_score(working["score"]), className="qc-big-number", id="profile-score")]),
                xs=6, md=2),
        dbc.Col(html.Div([html.Div(t("compliance.col.tier"), className="small text-muted"),
                          tier_badge(working["tier"], id="profile-tier")]), xs=6, md=3),
        dbc.Col(html.Div([html.Div(t("compliance.col.consignments"), className="small text-muted"),
                          html.Div(format_count(working["n"]), className="qc-big-number")]), xs=6, md=2),
        dbc.Col(html.Div([html.Div(t("compliance.col.clean_streak"), className="small text-muted"),
                          html.Div(format_count(working["clean_streak"]), className="qc-big-number")]), xs=6, md=2),
        dbc.Col(html.Div([html.Div(t("compliance.col.intervention"), className="small text-muted"),
                          html.Div(intervention_label(working["intervention"]["name"],
                                                      working["intervention"]["sampling_percent"]),
                                   className="fw-semibold")]), xs=12, md=3),
    ], className="mb-3 g-3")
    return html.Div([
        identity,
        dbc.Alert(period_problem, color="warning", className="py-2 small", id="profile-period-problem")
        if period_problem else None,
        dossier_form(su.get("id"), working, detail),
        _card(t("profile.summary", section=section_text), "bi-speedometer", summary, "profile-summary-card",
              t("profile.summary_window", start=format_date(working["window_from"]), end=format_date(working["window_to"]))),
        other_offices_card(),
        _card(t("profile.how.title"), "bi-calculator",
              _explanation(working, tz, f"/profile/{su['id']}", detail.get("custom_period", False), chosen),
              "profile-how-card"),
        # The chart is drawn by its own callback once the rest is on screen: one task less in the first one.
        _card(t("profile.monthly_title"), "bi-bar-chart", dcc.Graph(
            id="profile-monthly-chart", figure={"data": [], "layout": {"height": CHART_HEIGHT}},
            style={"minHeight": f"{CHART_HEIGHT}px"}, config={"displayModeBar": False}, className=MONTH_CHART),
              "profile-monthly-card"),
        sections(detail),
    ])


# A date field wide enough for its whole date and the calendar button ("05/12/2025" was cut to "12/05/202").
DATE_INPUT = {"minWidth": "9.5rem"}


def dossier_form(service_user_id, working: dict, chosen: dict | None = None):
    """'Cetak dokumen penelusuran' for a period (default the score's window: the last 12 months, or the period the
    profile is scored for, its last three years when longer — a dossier covers at most that): a plain form the
    browser sends to the dossier's download route (portal/web/dossier.py), which checks and audits it. Of the
    section, direction and commodity the profile is scored for (`chosen`: the profile's checked `section`,
    `direction` and `commodity_id`), sent along unseen: the dossier covers the consignments the profile above it
    counts (a reader of every section who chose one printed every section's)."""
    if service_user_id is None:
        return None
    chosen = chosen or {}
    sent_along = [dbc.Input(type="hidden", name=name, value=str(chosen[key]), id=f"profile-dossier-{name}")
                  for name, key in (("section", "section"), ("direction", "direction"), ("commodity", "commodity_id"))
                  if chosen.get(key) is not None]
    first, last = working["window_from"], working["window_to"]
    if isinstance(first, date) and isinstance(last, date) and (last - first).days >= DOSSIER_DAYS:
        first = last - timedelta(days=DOSSIER_DAYS - 1)
    return html.Form([
        dbc.InputGroup([
            group_label(t("dossier.period_label"), "profile-dossier-from"),
            dbc.Input(id="profile-dossier-from", name="from", type="date", value=str(first),
                      style=DATE_INPUT),
            hidden_label(t("dossier.period_to"), "profile-dossier-to"),
            dbc.InputGroupText("–"),
            dbc.Input(id="profile-dossier-to", name="to", type="date", value=str(last),
                      style=DATE_INPUT),
            dbc.Button([html.I(className="bi bi-file-earmark-pdf me-1"), t("dossier.button")], type="submit",
                       id="profile-dossier-print", color="secondary", outline=True),
        ], size="sm", className="mb-1"),
        html.Div([date_words("profile-dossier-from"), html.Small("–", className="form-text"),
                  date_words("profile-dossier-to")], className="d-flex flex-wrap column-gap-1 qc-period-words"),
        html.Small(t("dossier.period_hint"), className="text-muted"),
        *sent_along,
    ], action=f"/dossier/{int(service_user_id)}.pdf", method="GET", target="_blank", id="profile-dossier-form",
        className="mb-3 qc-no-print", style={"maxWidth": "52rem"})


# ------------------------------------------------------------------------------------- sections read when opened
def sections(detail: dict):
    """The long sections, closed: each body is drawn by callbacks/profile.py the first time it is opened."""
    titles = {"timeline": t("profile.timeline_count", count=format_count(detail["sizes"]["timeline"]))}
    return dbc.Accordion([
        dbc.AccordionItem(html.Div(id=f"profile-{name.replace('_', '-')}-body"), item_id=name,
                          title=html.Span([html.I(className=f"bi {icon} me-2"), t(title_key),
                                           html.Span(titles.get(name, ""), className="text-muted ms-2 fw-normal")]))
        for name, title_key, icon in SECTIONS],
        id="profile-sections", always_open=True, start_collapsed=True, active_item=[], className="mb-3 shadow-sm",
        # The sections the reader opened stay open for this company in this tab: back from an application opened in
        # its history, the profile came back with every section closed (and so scrolled to its top).
        persistence=f"profile-{detail['service_user'].get('id')}", persisted_props=["active_item"],
        persistence_type="session")


def timeline_columns() -> list[dict]:
    return [
        {"field": "date", "headerName": t("profile.col.date"), "minWidth": 120, "maxWidth": 140},
        {"field": "event", "headerName": t("profile.col.event"), "minWidth": 130, "maxWidth": 170},
        {"field": "reference", "headerName": t("profile.col.reference"), "minWidth": 260, "cellClass": "qc-link-cell"},
        {"field": "section", "headerName": t("compliance.field.section"), "minWidth": 130, "maxWidth": 170},
        {"field": "detail", "headerName": t("profile.col.detail"), "flex": 1, "minWidth": 180, "tooltipField": "detail"},
        # A phone's one column (grid `phone_column`): the five side by side need ~820 px, and on a 390 px phone the
        # application number began past the screen's right edge. Date, event and section; the number; the detail.
        stacked_column(f"{t('profile.col.event')} · {t('profile.col.reference')}", "reference",
                       [["date", "event", "section"], ["reference"], ["detail"]],
                       ["small", "qc-link-cell", "small text-muted"]),
    ]


def timeline_row(event: dict) -> dict:
    """One event as a grid row: its id is the page it opens (the application, or the NNC), then "#" and the event.

    An application with several actions (a detention, then a refusal) gave several rows one id; AG Grid then drew
    one of them in two rows' places, and left the other place blank once the phone's column showed."""
    if event["type"] == "nnc":
        href, reference = f"/nnc/{event['nnc_id']}", event["nnc_number"]
    else:
        href = f"/applications/{event['application_id']}" if event.get("application_id") else f"none-{event['id']}"
        reference = event.get("application_number") or "–"
    return {"id": f"{href}#{event['type']}-{event['id']}", "date": format_date(event["date"]),
            "event": t(f"compliance.event.{event['type']}"), "reference": reference,
            "section": t(f"section.{event['section']}"), "detail": event.get("detail") or "–"}


def handler_columns() -> list[dict]:
    return [
        {"field": "name", "headerName": t("handler.col.name"), "flex": 1, "minWidth": 200, "cellClass": "qc-link-cell",
         "tooltipField": "name"},
        {"field": "applications", "headerName": t("handler.col.applications"), "type": NUMERIC, "minWidth": 110,
         "maxWidth": 140},
        {"field": "first", "headerName": t("handler.col.first"), "minWidth": 120, "maxWidth": 150},
        {"field": "last", "headerName": t("handler.col.last"), "minWidth": 120, "maxWidth": 150},
        # Its header and its flag ("Ditandai: 3 perusahaan tier D") whole: cut with "…" at 1366 px they hid the very
        # words the column is for. Wide enough for both on a laptop; on a narrower screen they wrap.
        {"field": "tier_d", "headerName": t("handler.col.tier_d"), "minWidth": 260, "wrapHeaderText": True,
         "autoHeaderHeight": True, "wrapText": True,
         "cellClassRules": {"qc-flagged-cell": "params.data.flagged"}},
        handler_phone_column(),
    ]


def handler_phone_column() -> dict:
    """The handlers on a phone: the five side by side need ~850 px, and a 390 px phone showed a cut name and half
    its count, the tier-D flag off the screen. The name; the flag in red; its applications and the count of tier-D
    companies below the flag's bar, named (a bare "2" said nothing); when they began and ended (a line of their own:
    beside the count a date broke over two lines)."""
    return stacked_column(
        f"{t('handler.col.name')} · {t('handler.col.applications')}", "name",
        [["name"], ["tier_d_flag"], ["applications", "tier_d_count"], ["first", "last"]],
        ["qc-link-cell", "small", "small", "small text-muted"],
        labels={"applications": t("handler.col.applications"), "first": t("handler.col.first"),
                "last": t("handler.col.last"), "tier_d_count": t("handler.col.tier_d")},
        field_classes={"tier_d_flag": "qc-flagged-cell"})


def handler_row(handler: dict, tz: str) -> dict:
    """One handler as a grid row: its id is the handler's page ("none" for applications without a handler)."""
    row = {"id": f"/handlers/{handler['handler_id']}" if handler["handler_id"] else "none",
           "name": handler["name"] if handler["handler_id"] else t("profile.no_handler"),
           "applications": handler["applications"], "first": format_date(handler["first"], tz=tz),
           "last": format_date(handler["last"], tz=tz), "flagged": handler["flagged"],
           "tier_d": t("profile.handler_flag", count=handler["tier_d_companies"]) if handler["flagged"]
           else format_count(handler["tier_d_companies"])}
    # A phone's column (handler_phone_column) shows the flag in red, or the count with its name: one of the two.
    return {**row, "tier_d_flag": row["tier_d"] if handler["flagged"] else "",
            "tier_d_count": "" if handler["flagged"] else row["tier_d"]}


def paged_section(name: str, columns: list[dict], no_rows: str, intro=None):
    """A section's frame: a grid of one page and its pager (callbacks/profile.py fills them)."""
    prefix = f"profile-{name}"
    phone_column = PHONE_COLUMN if any(column.get("colId") == PHONE_COLUMN for column in columns) else None
    return html.Div([intro, grid(f"{prefix}-grid", columns, no_rows, height="auto", min_height=None,
                                 class_name="qc-compliance-grid", options={"domLayout": "autoHeight"},
                                 phone_column=phone_column), pager(prefix)])


def section_frame(name: str):
    """What an opened section shows before its rows arrive."""
    if name == "timeline":
        return paged_section("timeline", timeline_columns(), t("profile.no_events"),
                             html.P(t("profile.timeline_hint"), className="small text-muted"))
    return paged_section("handlers", handler_columns(), t("profile.no_handlers"),
                         html.P(id="profile-handler-changes", className="small"))


def tier_history_section(rows: list[dict]):
    """At most 100 changes of tier, newest first, in a box of its own height. A table, as the other sections read
    whole: its rows stack on a phone (a grid's four columns were cut to "Per t…", "6 De…", "B …" there)."""
    table = _table([t("profile.col.as_of"), t("compliance.col.tier"), t("compliance.col.score"),
                    t("profile.col.settings_version")],
                   [[format_date(h["as_of"]), tier_badge(h["tier"]), format_score(h["score"]),
                     str(h["settings_version"])] for h in rows], "profile-tier-history", t("profile.no_history"))
    return html.Div(table, className="qc-scroll-box") if rows else table


def guidance_section(rows: list[dict]):
    return _table([t("profile.col.date"), t("guidance.field.kind"), t("guidance.field.officer"),
                   t("guidance.field.notes")],
                  [[format_date(g["given_on"]), _guidance_kind(g), g["officer_name"], g["notes"]]
                   for g in rows], "profile-guidance", t("profile.no_guidance"))


def _guidance_kind(record: dict) -> str:
    """'Kunjungan', or 'Kunjungan · Direncanakan' for a plan or a cancelled one: only a done guidance was given."""
    kind = t(f"guidance.kind.{record['kind']}")
    status = record.get("status", "done")
    return kind if status == "done" else f"{kind} · {t('guidance.status.' + status)}"


def drawn_later(user):
    """The profile and its opened sections, as callbacks/profile.py draws them into the page (for the app's
    validation layout: every id a callback names is drawn somewhere); the national card's place, which the layout
    draws for a profile opened from the national ranking."""
    detail = {"service_user": {"name": "", "tax_id": "", "address": "", "city": ""}, "section": None,
              "timezone": "UTC", "sizes": {"timeline": 0}, "explanation": None}
    return html.Div([sections(detail), section_frame("timeline"), section_frame("handlers"),
                     dcc.Graph(id="profile-monthly-chart"), other_offices_card(), html.Div(id="profile-national"),
                     dossier_form(0, {"window_from": "", "window_to": ""})])


def national_card(standing: dict):
    """The company's row of the national ranking (`national.company_standing`): rank, pooled counts, national score
    and tier, and which office's record the profile below shows."""
    row, office = standing["row"], standing["office"]
    here = html.P(t("profile.national.here", office=office_label(office["code"], office["name"])),
                  className="small text-muted mb-0 mt-2")
    if row is None:
        body = [html.P(t("profile.national.none"), className="mb-0"), here]
    else:
        def figure(label: str, shown, lg: int = 2):
            # Three a row on a tablet, six on a desktop, where the tier's words take a wider column.
            return dbc.Col(html.Div([html.Div(label, className="small text-muted"), shown]), xs=6, md=4, lg=lg)

        def number(text: str, **kwargs):
            return html.Div(text, className="qc-big-number", **kwargs)

        body = [dbc.Row([
            figure(t("profile.national.rank"), html.Div([
                html.Span(format_count(row["rank"]), className="qc-big-number", id="profile-national-rank"),
                html.Small(" " + t("profile.national.rank_of", ranked=format_count(standing["ranked"])),
                           className="text-muted")])),
            figure(t("rankings.col.national_score"), number(format_score(row["score"]), id="profile-national-score")),
            figure(t("rankings.col.national_tier"), html.Div([tier_badge(row["tier"], id="profile-national-tier"),
                                                              _tier_reason(standing["tier_reason"])]), lg=3),
            figure(t("compliance.col.consignments"), number(format_count(row["consignments"]),
                                                            id="profile-national-consignments")),
            figure(t("profile.national.violations"), number(format_count(row["violations"]))),
            figure(t("profile.national.offices"), number(t(
                "profile.national.offices_value_one" if len(row["offices"]) == 1 else "profile.national.offices_value",
                count=format_count(len(row["offices"])))), lg=1),
        ], className="g-3"), here]
    # Named: on a phone the card comes a screen before the profile's own heading.
    return _card(t("profile.national.title", name=standing["name"]), "bi-globe-asia-australia", body,
                 "profile-national-card",
                 t("profile.national.subtitle", start=format_date(standing["window_from"]),
                   end=format_date(standing["window_to"])))


def _tier_reason(reason: dict | None):
    """Why the national tier is D, in a line under it: a score of 99,7 beside a D read as a mistake."""
    if reason is None:
        return None
    text = (t("profile.national.tier_d_records", records=format_count(reason["records"]),
              limit=format_count(reason["limit"])) if reason["rule"] == "records"
            else t("profile.national.tier_d_score", below=format_score(reason["below"])))
    return html.Div(text, className="small text-muted mt-1", id="profile-national-tier-reason")


def other_offices_card():
    """The company's record at every other office; its rows come from their own callback once the profile is
    drawn (one office's ranking read per other office: the profile's first answer does not wait for them)."""
    return _card(t("profile.other_offices.title"), "bi-buildings",
                 html.Div(html.P("…", className="text-muted mb-0"), id="profile-other-offices"),
                 "profile-other-offices-card", t("profile.other_offices.subtitle"))


def other_offices_table(rows: list[dict]):
    """One row per other office: consignments, 3P actions and NNCs over that office's window, score and tier."""
    headers = [t("profile.other_offices.office"), t("compliance.col.consignments"),
               t("profile.other_offices.actions_3p"), t("compliance.col.nncs"), t("compliance.col.score"),
               t("compliance.col.tier"), t("profile.other_offices.window")]
    body = [[f"{row['office_code']} · {row['office_name']}", format_count(row["consignments"]),
             format_count(row["actions_3p"]), format_count(row["nncs"]),
             format_score(row["score"]) if row["score"] is not None else "–",
             tier_badge(row["tier"]) if row["tier"] else "–",
             f"{format_date(row['window_from'])} – {format_date(row['window_to'])}"] for row in rows]
    return _table(headers, body, "profile-other-offices-table", t("profile.other_offices.none"))
