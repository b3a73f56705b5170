"""A service user's complaints: thin callbacks over portal.services.complaints (source 'portal')."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from callbacks.complaints import STATUS_COLOURS
from layouts.my_complaints import FIELDS
from layouts.components.formatting import format_date, format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.services import complaints
from portal.validation import InvalidInput


# Characters of a complaint's text shown before "Baca selengkapnya": about three lines of a 390 px phone.
PREVIEW = 120


def _text(detail: dict, complaint_id: int):
    """What the person wrote, shortened to a few lines and opened in full on a tap (so they can re-read it)."""
    text = (detail.get("text") or "").strip()
    if len(text) <= PREVIEW:
        return html.P(text, className="small mb-1 qc-prewrap", id=f"my-complaints-text-{complaint_id}")
    short = text[:PREVIEW].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
    return html.Details([
        html.Summary([html.Span(short, className="qc-preview"), " ",
                      html.Span(t("my_complaints.read_more"), className="qc-more"),
                      html.Span(t("my_complaints.read_less"), className="qc-less")]),
        html.P(text, className="mb-1 qc-prewrap"),
    ], className="small mb-1 qc-complaint-text", id=f"my-complaints-text-{complaint_id}")


def _card(detail: dict, tz: str):
    facts = [t(f"complaints.category.{detail['category']}")]
    if detail.get("application_number"):
        facts.append(t("my_complaints.for_application", number=detail["application_number"]))
    return dbc.Card(dbc.CardBody([
        html.Div([dbc.Badge(t(f"complaints.status.{detail['status']}"), color=STATUS_COLOURS[detail["status"]],
                            className="me-2"), html.Code(detail["tracking_code"], className="small")]),
        html.H3(detail["subject"], className="h6 mt-2 mb-1"),
        html.Div(" · ".join(facts), className="small text-muted qc-number"),
        _text(detail, detail["id"]),
        html.Small(f"{t('complaints.field.received_at')}: {format_datetime(detail['received_at'], tz)}",
                   className="text-muted d-block"),
        html.Div([html.Hr(className="my-2"), html.Strong(t("complaints.field.answer")),
                  html.P(detail["answer"], style={"whiteSpace": "pre-wrap"}, className="mb-0")])
        if detail["answer"] and detail["status"] in ("answered", "closed") else
        html.Small(t("my_complaints.waiting", due=format_date(detail["due_date"])), className="text-muted"),
    ]), className="mb-2 shadow-sm")


def register(app) -> None:
    @protected_callback(app, "my.view", Output("my-complaints-list", "children"),
                        Input("my-complaints-refresh", "data"))
    def show(_refresh):
        current = user()
        with database().session() as session:
            result = complaints.search(session, current, page_size=100, tz=current.office_timezone)
            details = [complaints.detail(session, current, row["id"], tz=current.office_timezone)
                       for row in result["rows"]]
        if not details:
            return html.P(t("my_complaints.none"), className="text-muted")
        return [_card(detail, current.office_timezone) for detail in details]

    @protected_callback(
        app, "my.view",
        [Output("my-complaints-alert", "children"), Output("my-complaints-alert", "is_open"),
         Output("my-complaints-alert", "color"), Output("my-complaints-refresh", "data")]
        + [Output(f"my-complaints-{name}", "invalid") for name in FIELDS]
        + [Output(f"my-complaints-{name}-feedback", "children") for name in FIELDS]
        + [Output("my-complaints-subject", "value"), Output("my-complaints-text", "value"),
           Output("my-complaints-application_number", "value")],
        Input("my-complaints-submit", "n_clicks"),
        [State(f"my-complaints-{name}", "value") for name in FIELDS] + [State("my-complaints-refresh", "data")],
        prevent_initial_call=True)
    def submit(_clicks, category, subject, text, application_number, refresh):
        current = user()
        data = {"category": category, "subject": subject, "text": text, "application_number": application_number,
                "service_user_id": current.service_user_ids[0] if len(current.service_user_ids) == 1 else None}
        try:
            with database().session() as session:
                created = complaints.create(session, current, data, source="portal", settings=settings())
        except InvalidInput as error:
            messages = error.messages(t)
            return [t("form.has_errors"), True, "danger", no_update] + [name in messages for name in FIELDS] + \
                [messages.get(name, "") for name in FIELDS] + [no_update] * 3
        # A sent complaint empties the form, its application number too: the next one is about something else.
        return [t("my_complaints.sent", code=created["tracking_code"]), True, "success", (refresh or 0) + 1] + \
            [False] * len(FIELDS) + [""] * len(FIELDS) + ["", "", ""]
