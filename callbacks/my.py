"""My applications callbacks: the paged list and the open surveys, through portal.services.my_applications."""
from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from callbacks.common import page_of, paged_callback
from layouts.my import application_card
from layouts.components.formatting import format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import my_applications
from portal.validation import Forbidden

PERMISSION = "my.view"


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def survey_alerts(surveys: list[dict], tz: str):
    """Open surveys, each with a big button: answering takes two minutes."""
    return [dbc.Alert([
        html.Div([html.I(className="bi bi-emoji-smile me-2"), html.Strong(t("my.survey_open_title"))]),
        html.Div(t("my.survey_open_text", number=s["number"], until=format_datetime(s["expires_at"], tz)),
                 className="small mb-2"),
        dbc.Button(t("my.survey_answer"), href=f"/my/survey/{s['application_id']}", external_link=True,
                   color="success", className="w-100 qc-tap", id={"type": "my-survey-link",
                                                                   "index": s["application_id"]}),
    ], color="success", className="mb-2 qc-survey-alert") for s in surveys]


def register(app) -> None:
    @paged_callback(
        app, PERMISSION, "my", blank_when_empty=True,
        output={"cards": Output("my-list", "children"), "companies": Output("my-company", "options"),
                "company_style": Output("my-company-col", "style")},
        inputs={"status": Input("my-status", "value"), "company": Input("my-company", "value"),
                "section": Input("my-section", "value"), "date_from": Input("my-from", "value"),
                "date_to": Input("my-to", "value")})
    def load_list(page, status, company, section, date_from, date_to):
        """The page of applications for the filters; a changed filter starts again at page one."""
        current = user()
        try:
            company_id = int(company) if company not in (None, "", "all") else None
        except ValueError:
            company_id = None
        with database().session() as db:
            companies = my_applications.companies(db, current)
            try:
                result = my_applications.list_applications(
                    db, current, service_user_id=company_id, date_from=_date(date_from), date_to=_date(date_to),
                    section=None if section in (None, "", "all") else section,
                    status=None if status in (None, "", "all") else status, tz=current.office_timezone, page=page)
            except Forbidden:  # a company not theirs (a crafted request): an empty list, as for no match
                result = {"total": 0, "page": 0, "page_size": my_applications.PAGE_SIZE, "rows": []}
        several = len(companies) > 1
        cards = [application_card(row, current.office_timezone, several) for row in result["rows"]]
        if not companies:
            cards = [dbc.Alert(t("my.no_company"), color="warning", id="my-empty")]
        elif not cards:
            cards = [dbc.Alert(t("my.no_applications"), color="light", id="my-empty")]
        options = [{"label": t("my.all_companies"), "value": "all"}] + [
            {"label": c["name"], "value": str(c["id"])} for c in companies]
        return {"cards": cards, "companies": options, "company_style": {} if several else {"display": "none"}}, \
            page_of(result, result["page"])

    @protected_callback(app, PERMISSION, Output("my-surveys", "children"), Input("my-page", "id"))
    def load_surveys(_):
        current = user()
        with database().session() as db:
            surveys = my_applications.open_surveys(db, current)
        return survey_alerts(surveys, current.office_timezone)
