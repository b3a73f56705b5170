"""Hasil survei (IKM): the satisfaction index, its working, trends, respondents, comments and the follow-up plan."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.formatting import MONTH_CHART
from layouts.components.pager import pager
from layouts.components.search_box import search_box
from layouts.components.url_filters import CHOICE, CODE, DAY, UrlField, applied, location
from layouts.common import filled_form, page_header
from layouts.kpi import period_controls
from portal.i18n import t

SURVEY_PRESETS = ("this_semester", "last_semester", "this_year", "last_year", "this_month", "last_month",
                  "this_quarter", "last_quarter", "custom")
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _page(user, sections):
    can_edit = user.can("admin.settings")
    return html.Div([
        page_header(t("page.survey"), t("survey.subtitle"), [
            dbc.Button([html.I(className="bi bi-file-earmark-spreadsheet me-1"), t("survey.export.xlsx")],
                       id="survey-export-xlsx", color="secondary", outline=True, className="me-2"),
            dbc.Button([html.I(className="bi bi-file-earmark-pdf me-1"), t("survey.export.pdf")],
                       id="survey-export-pdf", color="secondary", outline=True),
        ]),
        period_controls("survey", SURVEY_PRESETS, "this_semester", user, sections),
        html.Div(id="survey-period-label", className="qc-kpi-period mb-3"),
        dcc.Loading(html.Div(id="survey-summary", className="mb-3"), type="dot", delay_show=400),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("survey.elements.title"), className="h5"),
                dcc.Graph(id="survey-elements-chart", config=GRAPH_CONFIG, style={"height": "380px"}),
            ])), lg=7, className="mb-3"),
            dbc.Col(dbc.Card(dbc.CardBody([
                dbc.Row([dbc.Col(html.H2(t("survey.trend.title"), className="h5"), width="auto"),
                         dbc.Col(dbc.RadioItems(id="survey-trend-unit", inline=True, value="month",
                                                options=[{"label": t("survey.trend.month"), "value": "month"},
                                                         {"label": t("survey.trend.semester"),
                                                          "value": "semester"}]),
                                 className="text-end")], className="g-2"),
                dcc.Graph(id="survey-trend-chart", config=GRAPH_CONFIG, style={"height": "340px"},
                          className=MONTH_CHART),
            ])), lg=5, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("survey.sections.title"), className="h5"),
                html.Div(id="survey-sections"),
                html.P(t("survey.direction_note"), className="small text-muted mb-0"),
            ])), lg=6, className="mb-3"),
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(t("survey.profile.title"), className="h5"),
                html.Div(id="survey-profile"),
            ])), lg=6, className="mb-3"),
        ]),
        dbc.Card(dbc.CardBody([
            html.H2(t("survey.plan.title"), className="h5"),
            html.Div(id="survey-plan-info", className="small text-muted"),
            html.Div(id="survey-plan-updated", className="small text-muted mb-2"),
            html.Div(id="survey-plan-note"),  # a draft kept for, or given back to, a semester (callbacks/survey.py)
            dbc.Alert(id="survey-plan-alert", is_open=False, duration=8000, dismissable=True),
            # Disabled until the plan of the semester shown has arrived with its version: nothing typed before it is
            # overwritten, and no save goes out without the version the form opened (edit_versions).
            filled_form("survey-plan-form", [
                dbc.Textarea(id="survey-plan-text", rows=5 if can_edit else 3, readonly=not can_edit,
                             placeholder=t("survey.plan.placeholder") if can_edit else t("survey.plan.empty"),
                             className=None if can_edit else "qc-plan-readonly"),
                dbc.FormFeedback(id="survey-plan-feedback", type="invalid"),
                html.Div([
                    dbc.Button(t("action.save"), id="survey-plan-save", color="primary", className="me-2"),
                    dbc.Button([html.I(className="bi bi-arrow-clockwise me-1"), t("survey.plan.reload")],
                               id="survey-plan-reload", color="secondary", outline=True),
                ], className="mt-2") if can_edit else None,
            ]),
            dcc.Store(id="survey-plan-key"),  # (year, semester) of the plan shown: written only when it changes
            dcc.Store(id="survey-plan-opened"),  # the version, text and semester the form opened (edit_versions)
            dcc.Store(id="survey-plan-drafts", data={}),  # unsaved text per semester, in this page only
        ]), className="mb-3", id="survey-plan-card"),
        dbc.Card(dbc.CardBody([
            dbc.Row([dbc.Col(html.H2(t("survey.comments.title"), className="h5"), md=6),
                     dbc.Col(search_box("survey-comment-text", t("survey.comments.search")), md=6)], className="mb-2"),
            html.Div(id="survey-comments"),
            pager("survey", count_id="survey-comments-count", store_id="survey-comments-page"),
        ]), className="mb-3"),
        dcc.Store(id="survey-period"),
        dcc.Download(id="survey-download"),
    ], className="qc-survey")


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default. The KPI panel's
# IKM card links here with its period and section, so the page shows the card's IKM. A coordinator's section select
# is locked (the address cannot change it), and the server answers their own section whatever is asked.
URL_FIELDS = (
    UrlField("period", "survey-preset", CHOICE, "this_semester", SURVEY_PRESETS),
    UrlField("from", "survey-from", DAY), UrlField("to", "survey-to", DAY),
    UrlField("section", "survey-section", CODE, "all"),
)


def layout(user, query: str = "", sections=(), **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user, sections), location("survey")]), URL_FIELDS, query)
