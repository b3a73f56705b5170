"""One of my applications (service users): stage progress, timeline, documents, the bill, corrections, survey."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field
from layouts.components.back_link import back_target
from portal.i18n import t
from portal.services.corrections import FIELDS


def layout(user, page, application_id: int | None = None, query: str = "", **_):
    # Back to the list, or to the notifications it was opened from (?back=, back_target).
    back_href, back_text = back_target(user, query, "/my/applications", t("my.back_to_list"))
    return html.Div([
        # data-qc-list: the link takes the list's filters as the reader left them in this tab (assets/qc-url.js).
        html.A([html.I(className="bi bi-arrow-left me-1"), back_text], href=back_href,
               className="btn btn-link px-0 mb-2 qc-tap", id="my-application-back", **{"data-qc-list": "1"}),
        dcc.Loading(html.Div(id="my-application-body"), type="dot", color="#0b6e4f"),
        dbc.Card([
            dbc.CardHeader(html.H2([html.I(className="bi bi-pencil-square me-2"), t("my.correction.title")],
                                   className="h6 mb-0")),
            dbc.CardBody([
                html.P(t("my.correction.intro"), className="small text-muted"),
                dbc.Alert(id="my-application-correction-alert", is_open=False),
                field(t("my.correction.field"), dbc.Select(
                    # dbc.Select draws its placeholder as a hidden first option of value "": a value of "" selects that
                    # one, so it must carry the words, or the box opens blank.
                    id="my-application-correction-field", size="lg", value="", placeholder=t("my.correction.choose"),
                    # The prompt is no choice: listed (disabled) at the top of the open list, not picked as one.
                    options=[{"label": t("my.correction.choose"), "value": "", "disabled": True}] + [
                        {"label": t(f"my.correction.field.{f}"), "value": f} for f in FIELDS]),
                    "my-application-correction-field-feedback"),
                field(t("my.correction.problem"), dbc.Textarea(id="my-application-correction-problem", rows=3,
                                                               maxLength=1000),
                      "my-application-correction-problem-feedback"),
                field(t("my.correction.expected"), dbc.Textarea(id="my-application-correction-expected", rows=3,
                                                                maxLength=1000),
                      "my-application-correction-expected-feedback"),
                dbc.Button([html.I(className="bi bi-send me-1"), t("my.correction.submit")],
                           id="my-application-correction-submit", color="primary", size="lg", className="w-100"),
            ]),
        ], id="my-application-correction-card", className="mb-3 shadow-sm", style={"display": "none"}),
        html.Div(id="my-application-corrections"),
        dcc.Store(id="my-application-id", data=application_id),
        dcc.Store(id="my-application-refresh", data=0),
    ])
