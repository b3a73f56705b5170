"""My applications (service users): the linked companies' applications as phone-friendly cards.

Also the drawing helpers the service users' pages share (stage badge, progress bar, application card):
pure functions of plain values, called by the callbacks.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.pager import pager
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location, page_field, parse
from layouts.components.search_box import search_box
from layouts.common import page_header
from layouts.components.date_words import date_words
from layouts.components.formatting import breakable_number, format_datetime, format_percent
from portal.i18n import goods_and_route, t
from portal.services.my_applications import STAGE_FILTERS, stage_tone

STATUS_FILTERS = ("all", "in_progress", "completed", "problem")


def stage_label(stage: str | None) -> str:
    return t(f"my.stage.{stage}") if stage else t("my.stage.none")


def stage_badge(stage: str | None):
    # Bootstrap's badge classes on a plain span: what dbc.Badge draws, one light component fewer per card.
    return html.Span(stage_label(stage), className=f"badge bg-{stage_tone(stage)} qc-stage-badge text-wrap")


def not_yours(kind: str):
    """A record the reader cannot open: another company's, voided, or none at all — the same words for each (an id
    changed in the address tells nothing), and about the record, not the reader's role. `kind`: application, nnc."""
    return dbc.Alert([html.H2(t(f"my.not_yours_title.{kind}"), className="h5"),
                      html.P(t(f"my.not_yours.{kind}"), className="mb-0")], color="warning", id="my-not-yours")


# The palette's own colours (assets/qcorner.css :root), so the bar and the timeline cannot drift apart.
STEP_COLOURS = {"done": "var(--qc-green)", "current": "var(--qc-green-light)", "problem": "var(--qc-problem)",
                "todo": "var(--qc-todo)"}
STEP_GAP = "3px"


def steps_gradient(steps: list[dict]) -> str:
    """The progress bar's segments as one CSS gradient: a segment per step coloured by its state, a gap between.

    One element instead of one per step: each Dash component on the page is re-checked at every store update, so a
    page of ten cards drew ~90 segment components and its search took a long task on a phone (issue #17)."""
    if not steps:
        return "none"
    n = len(steps)
    stops = []
    for k, step in enumerate(steps):
        start = f"calc((100% + {STEP_GAP}) * {k} / {n})"
        end = f"calc((100% + {STEP_GAP}) * {k + 1} / {n} - {STEP_GAP})"
        stops.append(f"{STEP_COLOURS[step['state']]} {start} {end}")
        if k < n - 1:
            stops.append(f"transparent {end} calc((100% + {STEP_GAP}) * {k + 1} / {n})")
    return f"linear-gradient(to right, {', '.join(stops)})"


def progress(steps: list[dict], compact: bool = True, id_prefix: str = "my"):
    """The stage progress bar: one segment per step, with 'step n of m: stage' under it."""
    main = [s for s in steps if s["state"] != "problem"]
    done = sum(1 for s in main if s["state"] in ("done", "current"))
    problem = next((s for s in steps if s["state"] == "problem"), None)
    # The step it is at; once every step is done (handed over), the last one, not "no stage yet".
    current = next((s for s in reversed(steps) if s["state"] in ("current", "problem")), None) or next(
        (s for s in reversed(steps) if s["state"] == "done"), None)
    # Ended (refused, destroyed: the service lists no step after where it stopped): say it stopped, not "step 2 of 2".
    ended = problem is not None and not any(s["state"] in ("todo", "current") for s in steps)
    if ended:
        caption = t("my.progress_ended", stage=stage_label(problem["stage"]))
    else:
        caption = t("my.progress", done=done, total=len(main),
                    stage=stage_label(current["stage"]) if current else stage_label(None))
    children = [html.Div(className="qc-steps", role="progressbar", style={"backgroundImage": steps_gradient(steps)},
                         **{"aria-valuenow": done, "aria-valuemin": 0, "aria-valuemax": len(main),
                            "aria-label": caption}),
                html.Div(caption, className="small mt-1 " + ("text-danger fw-semibold" if problem else "text-muted"))]
    if not compact:
        children.append(html.Ol([
            html.Li([html.I(className="bi " + {"done": "bi-check-circle-fill text-success",
                                               "current": "bi-arrow-right-circle-fill text-primary",
                                               "problem": "bi-exclamation-octagon-fill text-danger",
                                               "todo": "bi-circle text-muted"}[s["state"]] + " me-2"),
                     html.Span(stage_label(s["stage"]), className="fw-semibold" if s["state"] in (
                         "current", "problem") else ("text-muted" if s["state"] == "todo" else ""))],
                    className="qc-stepper-item")
            for s in steps], className="qc-stepper list-unstyled mt-3 mb-0", id=f"{id_prefix}-stepper"))
    return html.Div(children, className="qc-progress")


def application_card(row: dict, tz: str, show_company: bool):
    """One application in the list: number, stage, progress, what and where, last change."""
    what = goods_and_route(row)  # "Salak (+1 lainnya) ke Tiongkok"
    # Plain html components with Bootstrap's card classes, as few as the card needs: the renderer's work per store
    # update grows with the components on the page (ten cards were ~300 components; now ~100).
    return html.Div(html.Div([
        html.Div([html.Span(breakable_number(row["number"]), className="fw-semibold qc-number"),
                  stage_badge(row["current_stage"])],
                 className="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-1"),
        html.Div(row["company"], className="small text-muted") if show_company else None,
        html.Div(what, className="mb-2") if what else None,
        progress(row["steps"]),
        html.Div(t("my.problem_flag"), className="bi bi-exclamation-triangle-fill qc-flag small text-danger mt-1")
        if row["problem"] else None,
        html.Div(t("my.last_change", when=format_datetime(row["current_stage_at"] or row["submitted_at"], tz)),
                 className="small text-muted mt-1"),
        html.A(t("my.open_application"), href=f"/my/applications/{row['id']}",
               className="stretched-link small fw-semibold d-inline-block mt-1"),
    ], className="card-body"), className="card mb-2 shadow-sm qc-app-card", id=f"my-card-{row['id']}")


LEVEL_COLORS = {"tightened": "danger", "normal": "warning", "reduced": "success"}


def _percent(value: float) -> str:
    """A level's inspection percentage as the compliance settings hold it (25 for 25%)."""
    return format_percent(value / 100, decimals=1, trim=True)


def level_panel(rows: list[dict], several: bool):
    """The service user's inspection level per section and the way to the next one, folded under one line.

    Only the level: which of their consignments were selected is never shown (DOMAIN: inspection targeting).
    """
    if not rows:
        return None
    items = []
    for row in rows:
        level = t(f"compliance.intervention.{row['level']}")
        if row["next_level"]:
            way = t("my_levels.to_next", count=row["clean_to_next"],
                    level=t(f"compliance.intervention.{row['next_level']}"), percent=_percent(row["next_percent"]))
        else:
            way = t("my_levels.lowest")
        items.append(html.Li([
            html.Div([html.Span(t(f"section.{row['section']}"), className="fw-semibold me-2"),
                      dbc.Badge(f"{level} · {_percent(row['percent'])}", color=LEVEL_COLORS[row["level"]],
                                className="qc-level-badge")]),
            html.Div(row["company"], className="small text-muted") if several else None,
            html.Div(way, className="small"),
        ], className="mb-2", id=f"my-level-{row['company_id']}-{row['section']}"))
    return html.Details([
        html.Summary([html.I(className="bi bi-shield-check me-2", **{"aria-hidden": "true"}),
                      html.Strong(t("my_levels.title"))], id="my-levels-summary"),
        html.P(t("my_levels.why"), className="small text-muted mt-2 mb-2"),
        html.Ul(items, className="list-unstyled mb-0"),
    ], className="mb-2 qc-my-levels border rounded px-2 py-1")


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default. Back from an
# application (the phone's Back, or the page's own link back) finds the list as it was left.
URL_FIELDS = (
    UrlField("q", "my-search"), UrlField("status", "my-status", CHOICE, "all", STATUS_FILTERS),
    UrlField("company", "my-company", CODE, "all"),
    UrlField("section", "my-section", CHOICE, "all", ("plant", "animal")),
    UrlField("stage", "my-stage", CHOICE, "all", tuple(STAGE_FILTERS)),
    UrlField("from", "my-from", DAY), UrlField("to", "my-to", DAY),
    page_field("my-page"),
)
# The filters folded under "more filters": a link that sets one opens the fold, so the list is not filtered unseen.
_FOLDED = {"my-company", "my-section", "my-stage", "my-from", "my-to"}


def layout(user, page, query: str = "", **_):
    """The list with its filters set from the address."""
    defaults = {field.component_id: field.default for field in URL_FIELDS}
    folded_set = any(value != defaults[key] for key, value in parse(query, URL_FIELDS).items() if key in _FOLDED)
    return applied(html.Div([_page(folded_set), location("my")]), URL_FIELDS, query)


def _page(folded_set: bool):
    return html.Div([
        page_header(t("page.my"), t("my.subtitle")),
        search_box("my-search", t("my.search_placeholder"), t("my.search_label"), class_name="mb-2"),
        dbc.RadioItems(
            id="my-status", value="all", inline=True, className="btn-group qc-segmented mb-2 w-100",
            inputClassName="btn-check", labelClassName="btn btn-outline-success",
            labelCheckedClassName="active",
            options=[{"label": t(f"my.status.{s}"), "value": s} for s in STATUS_FILTERS]),
        html.Details([
            html.Summary([html.I(className="bi bi-funnel me-1"), t("my.more_filters")], className="mb-2",
                         id="my-more-filters"),
            dbc.Row([
                dbc.Col([dbc.Label(t("my.company"), html_for="my-company"),
                         dbc.Select(id="my-company", value="all",
                                    options=[{"label": t("my.all_companies"), "value": "all"}])],
                        xs=12, md=4, className="mb-2", id="my-company-col"),
                dbc.Col([dbc.Label(t("field.section"), html_for="my-section"),
                         dbc.Select(id="my-section", value="all", options=[
                             {"label": t("my.all_sections"), "value": "all"},
                             {"label": t("section.plant"), "value": "plant"},
                             {"label": t("section.animal"), "value": "animal"}])], xs=12, md=4, className="mb-2"),
                dbc.Col([dbc.Label(t("my.stage_filter"), html_for="my-stage"),
                         dbc.Select(id="my-stage", value="all", options=[{"label": t("my.all_stages"), "value": "all"}] + [
                             {"label": stage_label(stage), "value": stage} for stage in STAGE_FILTERS])],
                        xs=12, md=4, className="mb-2"),
                dbc.Col([dbc.Label(t("my.submitted_from"), html_for="my-from"), dbc.Input(id="my-from", type="date"),
                         date_words("my-from")],
                        xs=6, md=2, className="mb-2"),
                dbc.Col([dbc.Label(t("my.submitted_to"), html_for="my-to"), dbc.Input(id="my-to", type="date"),
                         date_words("my-to")],
                        xs=6, md=2, className="mb-2"),
            ]),
        ], className="mb-2", open=folded_set, id="my-more-filters-fold"),
        # Under the filters, drawn by the list's first answer (callbacks/my.py): drawn above them by an answer of
        # their own, after the list's, they pushed the search and the status down under a finger about to tap one.
        html.Div(id="my-surveys"),
        html.Div(id="my-levels"),
        html.Div(id="my-count", className="small text-muted mb-2"),
        dcc.Loading(html.Div(id="my-list"), type="dot", color="#0b6e4f"),
        pager("my", phone=True),
    ])
