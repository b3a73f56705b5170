"""My applications callbacks: the paged list and the open surveys, through portal.services.my_applications."""
from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from callbacks.common import page_of, paged_callback, register_date_words, register_url_filters
from layouts import my as my_layout
from layouts.my import application_card, level_panel
from layouts.components.formatting import format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import format_number, t
from portal.services import my_applications
from portal.services.targeting.levels import my_levels
from portal.validation import Forbidden, InvalidInput

PERMISSION = "my.view"


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _survey_link(survey: dict, tz: str):
    return html.Li(html.A([html.Span(survey["number"], className="fw-semibold qc-number"),
                           html.Span(t("my.survey_until", until=format_datetime(survey["expires_at"], tz)),
                                     className="small text-muted d-block")],
                          href=f"/my/survey/{survey['application_id']}", className="qc-survey-link",
                          id={"type": "my-survey-link", "index": survey["application_id"]}))


def survey_alerts(surveys: dict, tz: str):
    """One compact banner however many surveys wait: "N survei menunggu", the list folded under it (answering
    one takes two minutes). Five full banners used to fill a phone's first screen."""
    total, rows = surveys["total"], surveys["rows"]
    if not total:
        return None
    return dbc.Alert(html.Details([
        html.Summary([html.I(className="bi bi-emoji-smile me-2", **{"aria-hidden": "true"}),
                      # "1 survey waiting", not "1 surveys" (the translation layer has no plural rules: two texts)
                      html.Strong(t("my.surveys_waiting_one" if total == 1 else "my.surveys_waiting",
                                    count=format_number(total))),
                      # "Lihat" folded, "Tutup" unfolded (assets/my_portal.css): it said "Lihat" over the open list
                      html.Span(t("my.surveys_show"), className="ms-auto small text-decoration-underline qc-folded"),
                      html.Span(t("my.surveys_hide"), className="ms-auto small text-decoration-underline qc-unfolded")],
                     className="qc-survey-summary", id="my-surveys-summary"),
        html.P(t("my.surveys_why"), className="small mb-1"),
        html.Ul([_survey_link(s, tz) for s in rows], className="list-unstyled mb-0 qc-survey-list"),
        html.P(t("my.surveys_more", shown=format_number(len(rows)), total=format_number(total)),
               className="small text-muted mb-0 mt-1") if total > len(rows) else None,
    ]), color="success", className="mb-2 py-1 qc-survey-alert", id="my-surveys-banner")


def _surveys_and_levels(db, current) -> tuple:
    """The surveys waiting for an answer, and the inspection level per section with the clean consignments to the
    next (never a selection); each [] when there is nothing to show."""
    rows = my_levels(db, current)
    return (survey_alerts(my_applications.open_surveys(db, current), current.office_timezone) or [],
            level_panel(rows, len({row["company_id"] for row in rows}) > 1) or [])


def register(app) -> None:
    register_date_words(app, PERMISSION, "my-from", "my-to")
    register_url_filters(app, PERMISSION, "my", my_layout.URL_FIELDS)

    @paged_callback(
        app, PERMISSION, "my",
        output={"cards": Output("my-list", "children"), "companies": Output("my-company", "options"),
                "company_style": Output("my-company-col", "style"), "company_value": Output("my-company", "value"),
                "surveys": Output("my-surveys", "children"), "levels": Output("my-levels", "children")},
        inputs={"search": Input("my-search", "value"), "status": Input("my-status", "value"),
                "stage": Input("my-stage", "value"), "company": Input("my-company", "value"),
                "section": Input("my-section", "value"), "date_from": Input("my-from", "value"),
                "date_to": Input("my-to", "value")},
        state={"surveys_drawn": State("my-surveys", "children")})
    def load_list(page, search, status, stage, company, section, date_from, date_to, surveys_drawn=None):
        """The page of applications for the filters; a changed filter starts again at page one. The first answer
        also draws the surveys waiting and the inspection levels (neither changes while the page is open): with
        the list, in one request, so nothing is drawn above the filters after the reader has seen them."""
        current = user()
        try:
            company_id = int(company) if company not in (None, "", "all") else None
        except ValueError:
            company_id = None
        with database().session() as db:
            # [] once drawn, even with nothing to show: the next answers leave them as they are.
            surveys, levels = (no_update, no_update) if surveys_drawn is not None else _surveys_and_levels(db, current)
            companies = my_applications.companies(db, current)
            if company_id not in {c["id"] for c in companies}:
                company_id = None  # not one of theirs (an old or another account's link): all of theirs
            try:
                result = my_applications.list_applications(
                    db, current, service_user_id=company_id, date_from=_date(date_from), date_to=_date(date_to),
                    section=None if section in (None, "", "all") else section,
                    status=None if status in (None, "", "all") else status,
                    stage=None if stage in (None, "", "all") else stage, search=search,
                    tz=current.office_timezone, page=page)
            except Forbidden:  # a company not theirs (a crafted request): an empty list, as for no match
                result = {"total": 0, "page": 0, "page_size": my_applications.PAGE_SIZE, "rows": []}
            except InvalidInput as error:  # the dates the wrong way round: say so, not "nothing matches"
                result = {"total": 0, "page": 0, "page_size": my_applications.PAGE_SIZE, "rows": [],
                          "problem": " ".join(error.messages(t).values())}
        several = len(companies) > 1
        cards = [application_card(row, current.office_timezone, several) for row in result["rows"]]
        if not companies:
            cards = [dbc.Alert(t("my.no_company"), color="warning", id="my-empty")]
        elif result.get("problem"):
            cards = [dbc.Alert(result["problem"], color="warning", id="my-empty")]
        elif not cards:
            empty = t("my.no_match", text=search.strip()) if (search or "").strip() else t("my.no_applications")
            cards = [dbc.Alert(empty, color="light", id="my-empty")]
        options = [{"label": t("my.all_companies"), "value": "all"}] + [
            {"label": c["name"], "value": str(c["id"])} for c in companies]
        # A company the address names that is not one of the reader's falls back to "all" in the picker and the
        # address too: the list said "nothing matches" under filters that all read "Semua", and a reader of one
        # company has no company picker to undo it with. Set here, by the list's own answer: a second callback
        # (the picker's options in, its value out) closed a loop with this one through the picker, and Dash then
        # now and then ran neither this list nor the address's writer again (a search or a status tapped changed
        # nothing, no request sent, nothing loading).
        fallback = "all" if company not in (None, "", "all") and company_id is None else no_update
        return {"cards": cards, "companies": options, "company_style": {} if several else {"display": "none"},
                "company_value": fallback, "surveys": surveys, "levels": levels}, page_of(result, result["page"])
