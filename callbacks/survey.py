"""Hasil survei callbacks: the IKM and its working for the chosen period and section, comments, plan, exports.

The section a coordinator may see is enforced by portal.services.ikm_results (section_scope), not here.
"""
from __future__ import annotations

import base64
from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from dash.exceptions import PreventUpdate

from callbacks.common import (export_failed, page_of, paged_callback, register_date_words, register_timed_alerts,
                              register_unsaved_guard, register_url_filters, show_alert, stale_message)
from callbacks.kpi import GRADE_COLOURS, HIDDEN, SHOWN, number, parse_date, period_feedback, unusable_period
from callbacks.shell import known_section
from layouts import survey as survey_layout
from portal.domain.periods import today_in
from layouts.components.formatting import (chart_separators, format_date, format_datetime, format_number, month_axis,
                                           month_name)
from portal.reports import ikm_report
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import edit_versions, ikm_results
from portal.services.kpi import panel as kpi
from portal.validation import Forbidden, InvalidInput, StaleEdit
from portal.view_cache import cached

# The 2017 grade thresholds on the 1–4 scale of an element average, and on the IKM.
BANDS = ((1.0, 2.60, "D"), (2.60, 3.0644, "C"), (3.0644, 3.5324, "B"), (3.5324, 4.0, "A"))
IKM_THRESHOLDS = ((65.00, "C"), (76.61, "B"), (88.31, "A"))
BAND_FILL = {"A": "rgba(11,110,79,.16)", "B": "rgba(47,158,68,.10)", "C": "rgba(232,163,23,.13)",
             "D": "rgba(201,42,42,.10)"}


def _band(value: float | None) -> str | None:
    if value is None:
        return None
    for low, high, letter in BANDS:
        if value < high:
            return letter
    return "A"


def _hline(y: float) -> dict:
    return {"type": "line", "xref": "x domain", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y,
            "line": {"color": "#868e96", "dash": "dot", "width": 1}}


def _side_label(text: str, y: float, inside: bool, size: int | None = None) -> dict:
    label = {"text": text, "showarrow": False, "xref": "x domain", "yref": "y", "x": 1, "y": y,
             "xanchor": "right" if inside else "left", "yanchor": "middle"}
    if size:
        label["font"] = {"size": size}
    return label


def element_label(number: int) -> str:
    """'U3 Waktu': the element's number and its short name (the full name is in the hover and the report)."""
    return f"U{number} {t(f'skm.element.{number}.short')}"


def elements_figure(elements: list[dict], language: str | None = None) -> dict:
    """The nine elements' NRR against the grade bands, one named bar a row (U1 at the top).

    Horizontal, so each bar carries its element's name and stays readable on a phone (nine names under vertical
    bars would not fit 390 px). A plain figure dict, like the KPI panel's: plotly's graph objects (add_hrect,
    add_hline) cost ≈ 25 ms a shape on the server, more than the whole rest of the callback.
    """
    names = [element_label(e["element"]) for e in elements]
    hover = [t(f"skm.element.{e['element']}.name") for e in elements]
    values = [e["nrr"] for e in elements]
    shapes = [{"type": "rect", "xref": "x", "yref": "y domain", "x0": low, "x1": high, "y0": 0, "y1": 1,
               "fillcolor": BAND_FILL[letter], "line": {"width": 0}, "layer": "below"} for low, high, letter in BANDS]
    shapes += [{"type": "line", "xref": "x", "yref": "y domain", "x0": low, "x1": low, "y0": 0, "y1": 1,
                "line": {"color": "#868e96", "dash": "dot", "width": 1}} for low, _high, _letter in BANDS[1:]]
    grades = [{"text": f"<b>{letter}</b>", "showarrow": False, "xref": "x", "yref": "y domain", "x": (low + high) / 2,
               "y": 1, "yanchor": "bottom", "font": {"size": 13}} for low, high, letter in BANDS]
    return {"data": [{"type": "bar", "orientation": "h", "y": names, "x": values,
                      "text": [number(v, 2) if v is not None else "" for v in values], "textposition": "outside",
                      "marker": {"color": [GRADE_COLOURS.get(_band(v), "#adb5bd") for v in values]},
                      "hovertext": hover, "hovertemplate": "%{hovertext}<br>NRR %{x:.3f}<extra></extra>",
                      "cliponaxis": False}],
            "layout": {"shapes": shapes, "annotations": grades,
                       "margin": {"l": 10, "r": 30, "t": 26, "b": 40}, "font": {"size": 13}, "showlegend": False,
                       "separators": chart_separators(),
                       "plot_bgcolor": "white", "paper_bgcolor": "white", "bargap": 0.3,
                       # The grade limits under the axis's name, in the reader's decimals ("2,60" read Indonesian on
                       # an English page next to a bar's "3.42"): as ticks, 0.46 apart, a phone turned them on their
                       # side over the axis's name. The ticks are the scale's whole numbers, upright.
                       "xaxis": {"range": [1, 4.35], "gridcolor": "#f1f3f5", "tickvals": [1, 2, 3, 4],
                                 "tickangle": 0, "automargin": True,
                                 "title": {"text": t("survey.elements.axis") + "<br><span style='font-size:12px'>"
                                           + t("survey.elements.limits", **{
                                               letter.lower(): format_number(low, language, decimals=2)
                                               for low, _high, letter in BANDS[1:]}) + "</span>"}},
                       "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}}}}


def trend_figure(points: list[dict], unit: str) -> dict:
    """The IKM per month or semester with the grade thresholds (a plain figure dict, as above)."""
    periods = [p["period"] for p in points]
    # Months stand on their own keys with short ticks (layouts/components/formatting.py: month_axis): "Agu '26" tilted
    # did not fit a phone. There the value over each point is hidden too (assets/qcorner.css): twelve ran together.
    names = [month_name(period) for period in periods] if unit == "month" else periods
    # Semesters upright as "Sem 1" over their year ("2024-S1" tilted read sideways on a phone).
    axis = month_axis(periods) if unit == "month" else {
        "type": "category", "tickvals": periods, "tickangle": 0,
        "ticktext": [t("survey.trend.semester_tick", number=period[-1], year=period[:4]) for period in periods]}
    return {"data": [{"type": "scatter", "x": periods, "y": [p["ikm"] for p in points], "mode": "lines+markers+text",
                      "connectgaps": False,
                      "text": [number(p["ikm"], 1) if p["ikm"] is not None else "" for p in points],
                      "textposition": "top center",
                      "customdata": [[name, p["responses"]] for name, p in zip(names, points)],
                      "line": {"color": "#0b6e4f", "width": 3},
                      "hovertemplate": "%{customdata[0]}: IKM %{y:.2f}<br>n = %{customdata[1]}<extra></extra>",
                      "cliponaxis": False}],
            "layout": {"shapes": [_hline(value) for value, _letter in IKM_THRESHOLDS],
                       "annotations": [_side_label(letter, value, False) for value, letter in IKM_THRESHOLDS],
                       "margin": {"l": 40, "r": 30, "t": 20, "b": 40}, "font": {"size": 13}, "showlegend": False,
                       "separators": chart_separators(),
                       "plot_bgcolor": "white", "paper_bgcolor": "white",
                       "yaxis": {"range": [55, 102], "gridcolor": "#f1f3f5"}, "xaxis": {**axis, "automargin": True}}}


def summary_cards(summary: dict):
    if summary["ikm"] is None:
        headline = html.Div(t("survey.no_answers"), className="qc-kpi-empty", id="survey-ikm")
    else:
        headline = html.Div([html.Span(number(summary["ikm"], 2), id="survey-ikm"), " ",
                             html.Span(summary["grade"], className="qc-grade",
                                       style={"backgroundColor": GRADE_COLOURS[summary["grade"]]})],
                            className="qc-kpi-value")
    enough = dbc.Badge(t("kpi.sufficient") if summary["sufficient"] else t("kpi.insufficient"),
                       color="success" if summary["sufficient"] else "warning",
                       text_color=None if summary["sufficient"] else "dark", className="fs-6", id="survey-enough")
    # Without handovers there is no minimum to meet: "0 · belum cukup — minimum untuk 0 penyerahan dokumen: 0"
    # contradicted itself. An empty period says it is empty; answers without handovers say there is no minimum.
    if not summary["population"]:
        enough = None
        minimum = t("survey.no_handovers") if summary["responses"] else t("survey.empty_period")
    else:
        minimum = t("survey.minimum", population=number(summary["population"]),
                    minimum=number(summary["minimum_sample"]))
    return html.Div([
        dbc.Card(dbc.CardBody([
            html.Div(t("survey.ikm"), className="qc-kpi-label"), headline,
            html.Div([t(f"ikm.grade.{summary['grade']}") if summary["grade"] else "", " · ",
                      t("survey.index", value=number(summary["index"], 4))], className="qc-kpi-sub")
            if summary["grade"] else None,
        ]), className="qc-kpi-card"),
        dbc.Card(dbc.CardBody([
            html.Div(t("survey.responses"), className="qc-kpi-label"),
            html.Div([html.Span(number(summary["responses"]), id="survey-responses"), " ", enough],
                     className="qc-kpi-value"),
            html.Div(minimum, className="qc-kpi-sub", id="survey-minimum"),
        ]), className="qc-kpi-card"),
    ], className="qc-kpi-grid")


def sections_table(rows: list[dict]):
    if not rows:
        return html.P(t("survey.no_answers"), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t("kpi.filter.section")), html.Th(t("survey.responses"), className="text-end"),
                               html.Th(t("survey.ikm"), className="text-end"), html.Th("")]))
    body = html.Tbody([html.Tr([
        html.Td(t("survey.sections.none") if row["section"] == ikm_results.NO_SECTION else t(f"section.{row['section']}")),
        html.Td(number(row["responses"]), className="text-end"),
        html.Td(number(row["ikm"], 2), className="text-end fw-semibold"),
        html.Td(html.Span(row["grade"], className="qc-grade qc-grade-sm",
                          style={"backgroundColor": GRADE_COLOURS[row["grade"]]}) if row["grade"] else ""),
    ]) for row in rows])
    return dbc.Table([head, body], size="sm", className="mb-2", id="survey-sections-table")


def profile_block(profile: dict):
    """The respondent profile as four small tables (the regulation's questionnaire fields)."""
    columns = []
    for field, counts in profile.items():
        rows = [html.Tr([html.Td(t(f"skm.profile.{field}.{choice}") if choice != "no_answer"
                                 else t("survey.profile.no_answer")),
                         html.Td(number(count), className="text-end fw-semibold")])
                for choice, count in counts.items() if count or choice != "no_answer"]
        columns.append(dbc.Col([html.H3(t(f"skm.profile.{field}"), className="h6 mb-1"),
                                dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="small mb-3")],
                               xs=12, sm=6))
    return dbc.Row(columns, id="survey-profile-tables")


def _scope_and_period(preset, date_from, date_to, section):
    current = user()
    current.scope.require_section()  # a section-scoped account without a section sees nothing (Forbidden)
    preset = preset if preset in kpi.PRESETS else "this_semester"
    span = kpi.period(preset, today_in(current.office_timezone), parse_date(date_from), parse_date(date_to))
    section = ikm_results.effective_section(known_section(section), current.section_scope)
    return current, span, section


def _plan_key(value) -> tuple[int, int] | None:
    """(year, semester) from what the page keeps, or None for anything else (a period that is not a semester)."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    year, semester = value
    if any(isinstance(v, bool) or not isinstance(v, int) for v in value) or semester not in (1, 2):
        return None
    return year, semester


def _draft_name(key: tuple[int, int]) -> str:
    return f"{key[0]}-S{key[1]}"


def _opened_plan(key: tuple[int, int], version: int, plan: dict | None) -> dict:
    """What the plan form keeps: the version and text it opened (edit_versions), and which semester's plan it is."""
    return {**edit_versions.opened(version, {"text": plan["text"] if plan else None}), "key": list(key)}


def _unsaved(typed, kept) -> bool:
    """Whether the box holds text other than the plan it opened (spaces around it aside: the save strips them)."""
    opened = ((kept or {}).get("values") or {}).get("text") if isinstance(kept, dict) else None
    return (typed or "").strip() != (opened or "").strip()


def _plan_updated(plan: dict | None, zone: str):
    if not plan:
        return None
    return t("survey.plan.updated", user=plan["updated_by"] or "–", when=format_datetime(plan["updated_at"], zone))


def register(app) -> None:
    register_timed_alerts(app, "admin.settings", "survey-plan-alert")
    register_date_words(app, "survey_results.view", "survey-from", "survey-to")
    register_url_filters(app, "survey_results.view", "survey", survey_layout.URL_FIELDS)
    # Leaving the page asks first while the plan differs from the one opened, or a draft of another semester waits.
    register_unsaved_guard(app, "admin.settings", "survey-plan", "survey-plan-opened", {"text": "survey-plan-text"},
                           blank=[("survey-plan-drafts", "data")])

    # The page's filters draw the figures; the plan's form is written only by load_plan below, when the plan's own
    # key (the semester: the office is the reader's) changes. Switching the trend chart to semesters or choosing a
    # section used to rerun a loader that wrote the stored plan over what the officer had typed.
    @protected_callback(
        app, "survey_results.view", Output("survey-plan-key", "data"),
        Input("survey-preset", "value"), Input("survey-from", "value"), Input("survey-to", "value"),
        State("survey-plan-key", "data"))
    def plan_key(preset, date_from, date_to, shown_key):
        """The semester whose plan the form shows, from the period alone (not the section or the chart's unit), apart
        from the figures so the form opens without waiting for them. Written only when it changes: Dash runs
        load_plan whenever the store is written, even with the same value."""
        current = user()
        preset = preset if preset in kpi.PRESETS else "this_semester"
        try:
            span = kpi.period(preset, today_in(current.office_timezone), parse_date(date_from), parse_date(date_to))
        except InvalidInput:
            return no_update  # the period's own fields say what is wrong; the form stays on its semester
        semester = ikm_results.semester_of(span.start, span.end)
        key = list(semester) if semester else None
        return no_update if key == shown_key else key

    @protected_callback(
        app, "survey_results.view",
        [Output("survey-summary", "children"), Output("survey-elements-chart", "figure"),
         Output("survey-trend-chart", "figure"), Output("survey-sections", "children"),
         Output("survey-profile", "children"), Output("survey-period", "data"),
         Output("survey-period-label", "children"), Output("survey-plan-info", "children"),
         Output("survey-from-col", "style"), Output("survey-to-col", "style"), Output("survey-from", "invalid"),
         Output("survey-from-feedback", "children"), Output("survey-to", "invalid"),
         Output("survey-to-feedback", "children")],
        Input("survey-preset", "value"), Input("survey-from", "value"), Input("survey-to", "value"),
        Input("survey-section", "value"), Input("survey-trend-unit", "value"))
    def load(preset, date_from, date_to, section, unit):
        custom = SHOWN if preset == "custom" else HIDDEN
        try:
            current, span, section = _scope_and_period(preset, date_from, date_to, section)
        except InvalidInput as error:
            feedback = [custom, custom, *period_feedback(error, date_from, date_to)]
            if ctx.triggered_id is not None:  # the last figures stay, under the label of their own period
                return [no_update] * 8 + feedback
            figure, _said, label = unusable_period()  # opened on it: the reason, not empty charts
            return [None, figure, figure, None, None, no_update, label, None] + feedback
        except Forbidden:
            return [html.Div(t("error.forbidden"), className="alert alert-danger")] + [no_update] * 7 + \
                [custom, custom, False, "", False, ""]
        with database().session() as session:
            office, scope = current.office_id, current.section_scope
            found = cached(session, ikm_results.results, office, span.start, span.end, section, scope)
            summary, trends, sections, profile = found["summary"], found["trend"], found["sections"], found["profile"]
        semester = ikm_results.semester_of(span.start, span.end)
        weakest = ", ".join(f"{element_label(e['element'])} ({number(e['nrr'], 2)})"
                            for e in ikm_results.weakest_elements(summary["elements"])) or "–"
        if semester:
            info = t("survey.plan.for", semester=semester[1], year=semester[0], weakest=weakest)
        else:
            info = t("survey.plan.choose_semester")
        label = f"{format_date(span.start)} – {format_date(span.end)}"
        return [summary_cards(summary), elements_figure(summary["elements"]),
                trend_figure(trends["semesters" if unit == "semester" else "months"], unit),
                sections_table(sections), profile_block(profile),
                {"from": span.start.isoformat(), "to": span.end.isoformat(), "section": section,
                 "semester": list(semester) if semester else None},
                label, info, custom, custom, False, "", False, ""]

    @protected_callback(
        app, "survey_results.view",
        [Output("survey-plan-text", "value"), Output("survey-plan-opened", "data"),
         Output("survey-plan-form", "disabled"), Output("survey-plan-updated", "children"),
         Output("survey-plan-note", "children"), Output("survey-plan-drafts", "data"),
         Output("survey-plan-text", "invalid"), Output("survey-plan-feedback", "children"),
         Output("survey-plan-alert", "is_open", allow_duplicate=True), Output("survey-plan-form", "hidden")],
        Input("survey-plan-key", "data"), State("survey-plan-text", "value"), State("survey-plan-opened", "data"),
        State("survey-plan-drafts", "data"), prevent_initial_call=True)
    def load_plan(key, typed, kept, drafts):
        """Open the plan of the semester now shown. Unsaved typing for the semester left is kept in the page (a draft
        per semester, in the browser's memory) and given back when that semester is chosen again: the text box
        shows one semester's plan at a time, and an officer comparing last semester's figures must not lose what
        they wrote for this one."""
        current = user()
        drafts = dict(drafts) if isinstance(drafts, dict) else {}
        notes = []
        left = _plan_key(kept.get("key")) if isinstance(kept, dict) else None
        if left is not None and left == _plan_key(key):
            # The semester already open, its key written again (plan_key writes only a change, but two of its runs
            # in flight together both see the old key): nothing to open. Opening it again would write the stored
            # plan over what the officer has typed since.
            raise PreventUpdate
        if left and left != _plan_key(key):
            if _unsaved(typed, kept):
                drafts[_draft_name(left)] = {"text": typed, "opened": kept}
                notes.append(dbc.Alert(t("survey.plan.draft_kept", semester=left[1], year=left[0]), color="warning",
                                       className="py-2 mb-2", id="survey-plan-draft-kept"))
            else:
                drafts.pop(_draft_name(left), None)
        shown = _plan_key(key)
        if shown is None:  # a period of no one semester: the box is not shown ("this semester's plan is not written"
            # under "choose one semester" read as a contradiction)
            return ["", None, True, None, notes or None, drafts, False, "", False, True]
        with database().session() as session:
            plan = ikm_results.follow_up_plan(session, current.office_id, *shown)
            version = ikm_results.plan_version(session, current.office_id, *shown)
        draft = drafts.pop(_draft_name(shown), None)
        if isinstance(draft, dict) and isinstance(draft.get("text"), str):
            # The draft goes back with the version it was opened on: a save after a colleague's is still refused.
            text, opened = draft["text"], draft.get("opened")
            notes.append(dbc.Alert(t("survey.plan.draft_restored", semester=shown[1], year=shown[0]), color="info",
                                   className="py-2 mb-2", id="survey-plan-draft-restored"))
        else:
            text, opened = (plan["text"] if plan else ""), _opened_plan(shown, version, plan)
        return [text, opened, False, _plan_updated(plan, current.office_timezone), notes or None, drafts, False, "",
                False, False]

    @paged_callback(
        app, "survey_results.view", "survey", count_id="survey-comments-count", store_id="survey-comments-page",
        output={"items": Output("survey-comments", "children")},
        inputs={"period": Input("survey-period", "data"), "text": Input("survey-comment-text", "value")})
    def load_comments(page, period, text):
        """A page of the respondents' comments for the period shown, searchable."""
        if not period:
            raise PreventUpdate
        current = user()
        with database().session() as session:
            result = ikm_results.comments(session, current.office_id, date.fromisoformat(period["from"]),
                                          date.fromisoformat(period["to"]), period.get("section"),
                                          current.section_scope, text=text, page=page)
        if not result["rows"]:
            items = html.P(t("survey.comments.none"), className="text-muted mb-0")
        else:
            items = html.Ul([html.Li([
                html.Div([format_date(row["submitted_on"]), " · ",
                          t("survey.sections.none") if row["section"] == ikm_results.NO_SECTION
                          else t(f"section.{row['section']}"), " · ",
                          t("survey.comments.average", value=number(row["average"], 2))],
                         className="small text-muted"),
                html.Div(row["comment"], className="qc-comment-text"),
            ], className="list-group-item") for row in result["rows"]], className="list-group list-group-flush",
                id="survey-comments-list")
        return {"items": items}, page_of(result, page)

    @protected_callback(
        app, "admin.settings",
        [Output("survey-plan-alert", "children"), Output("survey-plan-alert", "is_open"),
         Output("survey-plan-alert", "color"), Output("survey-plan-alert", "duration"),
         Output("survey-plan-text", "invalid", allow_duplicate=True),
         Output("survey-plan-feedback", "children", allow_duplicate=True),
         Output("survey-plan-opened", "data", allow_duplicate=True),
         Output("survey-plan-updated", "children", allow_duplicate=True),
         Output("survey-plan-text", "value", allow_duplicate=True),
         Output("survey-plan-note", "children", allow_duplicate=True)],
        Input("survey-plan-save", "n_clicks"), Input("survey-plan-reload", "n_clicks"),
        State("survey-plan-text", "value"), State("survey-plan-opened", "data"), prevent_initial_call=True)
    def save_plan(_save, _reload, text, kept):
        """Save the plan of the semester the form opened, against the version it opened (edit_versions); or load the
        stored plan again (after a refusal, or to drop a draft)."""
        current = user()
        key = _plan_key(kept.get("key")) if isinstance(kept, dict) else None
        try:
            with database().session() as session:
                if key is None:
                    raise InvalidInput({"plan": ("survey.error.plan_semester", {})})
                if ctx.triggered_id == "survey-plan-reload":
                    plan = ikm_results.follow_up_plan(session, current.office_id, *key)
                    version = ikm_results.plan_version(session, current.office_id, *key)
                    return ["", False, "info", 8000, False, "", _opened_plan(key, version, plan),
                            _plan_updated(plan, current.office_timezone), plan["text"] if plan else "", None]
                version, opened = edit_versions.from_form(kept)
                saved = ikm_results.save_follow_up_plan(session, current.id, current.username, current.office_id,
                                                        key[0], key[1], text, expected_version=version,
                                                        opened=opened)
        except StaleEdit as error:
            # Stays open until closed: the reader has the colleague's text to read; what they typed stays in the box.
            message = [html.Div(t("edit.stale_title"), className="fw-semibold"),
                       stale_message(error, lambda _field: t("survey.plan.title"), kept_key="survey.plan.stale_kept")]
            return [message, True, "warning", None, False, "", no_update, no_update, no_update, no_update]
        except InvalidInput as error:
            messages = error.messages(t)
            return [t("form.has_errors"), True, "danger", 8000, True, messages.get("plan", ""), no_update, no_update,
                    no_update, no_update]
        # The form now stands on the saved version; the text box keeps what was typed (the same text, unstripped).
        return [t("survey.plan.saved"), True, "success", 8000, False, "",
                _opened_plan(key, saved["version"], saved), _plan_updated(saved, current.office_timezone), no_update,
                None]

    @protected_callback(
        app, "survey_results.view",
        [Output("survey-download", "data"), Output("survey-from", "invalid", allow_duplicate=True),
         Output("survey-from-feedback", "children", allow_duplicate=True),
         Output("survey-to", "invalid", allow_duplicate=True),
         Output("survey-to-feedback", "children", allow_duplicate=True)],
        Input("survey-export-xlsx", "n_clicks"), Input("survey-export-pdf", "n_clicks"),
        State("survey-period", "data"), State("survey-preset", "value"), State("survey-from", "value"),
        State("survey-to", "value"), State("survey-section", "value"), prevent_initial_call=True,
        on_error=export_failed)
    def export(_xlsx, _pdf, period, preset, date_from, date_to, section):
        """The report of the period whose figures the page shows (survey-period), as the figures do: dates it cannot
        read (the end before the start) leave the last figures under their own label, and the export is of them.
        Opened on such dates there are no figures: the export says why beside the dates and in the page's alert (it
        did nothing at all), and writes no file."""
        if ctx.triggered_id not in ("survey-export-xlsx", "survey-export-pdf"):
            return no_update
        current = user()
        if period:
            start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
            section = period.get("section")
        else:
            try:
                current, span, section = _scope_and_period(preset, date_from, date_to, section)
            except InvalidInput as error:
                messages = error.messages(t)
                show_alert(t("error.export_title"), t("survey.export.period_unusable"))
                return [no_update, "from" in messages, messages.get("from", ""), "to" in messages,
                        messages.get("to", "")]
            start, end = span.start, span.end
        with database().session() as session:
            report = ikm_results.semester_report(session, current.office_id, start, end, section,
                                                 current.section_scope)
        if ctx.triggered_id == "survey-export-xlsx":
            content, extension, mime = ikm_report.report_xlsx(report, current.language), "xlsx", \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            content, extension, mime = ikm_report.report_pdf(report, current.language), "pdf", "application/pdf"
        return [{"content": base64.b64encode(content).decode("ascii"), "base64": True,
                 "filename": ikm_report.report_filename(report, extension), "type": mime}] + [no_update] * 4
