"""A service user's complaints: thin callbacks over portal.services.complaints (source 'portal')."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import page_of, paged_callback, register_unsaved_guard
from callbacks.complaints import STATUS_COLOURS
from layouts.my_complaints import FIELDS
from layouts.components.formatting import format_date, format_datetime
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.services import complaints
from portal.validation import Forbidden, InvalidInput, NotFound


# Characters of a complaint's text (and of its answer) shown on its card before "Baca selengkapnya": about three
# lines of a 390 px phone. The list reads only these (complaints.own_page); the whole complaint is read when opened.
PREVIEW = 120


def _shortened(text: str, more: bool) -> str:
    """The first lines of a text, cut at a word and marked "…" when there is more."""
    text = (text or "").strip()
    return text[:PREVIEW].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…" if more else text


def _answer(answer: str, answered_at, tz: str):
    """The answer under its own date: the card's "Diterima" date sat under it and read as the answer's."""
    when = t("my_complaints.answered_at", at=format_datetime(answered_at, tz)) if answered_at else None
    return html.Div([html.Hr(className="my-2"), html.Strong(t("complaints.field.answer")),
                     html.Small([" · ", when], className="text-muted") if when else None,
                     html.P(answer, className="mb-0 qc-prewrap")])


def _body(row: dict, tz: str, full: bool = False):
    """What the person wrote and, once answered, the answer: shortened on the list, whole once opened."""
    text = row["text"] if full else _shortened(row["text"], row.get("text_more", False))
    answered = row["answer"] and row["status"] in ("answered", "closed")
    answer = row["answer"] if full else _shortened(row["answer"] or "", row.get("answer_more", False))
    return [html.P(text, className="small mb-1 qc-prewrap"),
            _answer(answer, row.get("answered_at"), tz) if answered else None]


def _card(row: dict, tz: str):
    facts = [t(f"complaints.category.{row['category']}")]
    if row.get("application_number"):
        named = t("my_complaints.for_application", number=row["application_number"])
        # Its application one tap away (that page checks it is the reader's company's)
        facts.append(html.A(named, href=f"/my/applications/{row['application_id']}")
                     if row.get("application_id") else named)
    answered = row["answer"] and row["status"] in ("answered", "closed")
    more = row["text_more"] or (answered and row["answer_more"])
    index = row["id"]
    return dbc.Card(dbc.CardBody([
        html.Div([dbc.Badge(t(f"complaints.status.{row['status']}"), color=STATUS_COLOURS[row["status"]],
                            className="me-2"), html.Code(row["tracking_code"], className="small")]),
        html.H3(row["subject"], className="h6 mt-2 mb-1"),
        html.Div([part for index_, fact in enumerate(facts) for part in ((" · ", fact) if index_ else (fact,))],
                 className="small text-muted qc-number"),
        # When it was sent, with what it is about, above what was written and answered
        html.Small(f"{t('complaints.field.received_at')}: {format_datetime(row['received_at'], tz)}",
                   className="text-muted d-block mb-1"),
        html.Div(_body(row, tz), id={"type": "my-complaints-short", "index": index}),
        # Filled from the complaint's detail the first time it is opened, then only shown and hidden.
        html.Div(id={"type": "my-complaints-full", "index": index}, hidden=True),
        dbc.Button(t("my_complaints.read_more"), id={"type": "my-complaints-more", "index": index}, color="link",
                   className="p-0 qc-tap qc-complaint-more") if more else None,
        None if answered else
        html.Small(t("my_complaints.waiting", due=format_date(row["due_date"])), className="text-muted d-block"),
    ]), className="mb-2 shadow-sm", id=f"my-complaints-card-{index}")


def register(app) -> None:
    @paged_callback(app, "my.view", "my-complaints", output={"items": Output("my-complaints-list", "children")},
                    inputs={"_refresh": Input("my-complaints-refresh", "data")}, count_id="my-complaints-count")
    def show(page, _refresh):
        """A page of what the person sent, newest first (a sent one starts again at page one, where it is)."""
        current = user()
        with database().session() as session:
            result = complaints.own_page(session, current, page=page, preview=PREVIEW, tz=current.office_timezone)
        if not result["rows"]:
            return {"items": html.P(t("my_complaints.none"), className="text-muted")}, page_of(result, page)
        return {"items": [_card(row, current.office_timezone) for row in result["rows"]]}, page_of(result, page)

    @protected_callback(app, "my.view",
                        [Output({"type": "my-complaints-full", "index": MATCH}, "children"),
                         Output({"type": "my-complaints-full", "index": MATCH}, "hidden"),
                         Output({"type": "my-complaints-short", "index": MATCH}, "hidden"),
                         Output({"type": "my-complaints-more", "index": MATCH}, "children")],
                        Input({"type": "my-complaints-more", "index": MATCH}, "n_clicks"),
                        State({"type": "my-complaints-full", "index": MATCH}, "children"), prevent_initial_call=True)
    def open_one(clicks, shown):
        """The whole complaint and answer on a tap, read for this one complaint only; a second tap folds it."""
        if not clicks:
            raise PreventUpdate
        if clicks % 2 == 0:
            return no_update, True, False, t("my_complaints.read_more")
        if shown:
            return no_update, False, True, t("my_complaints.read_less")
        current = user()
        try:
            with database().session() as session:
                found = complaints.detail(session, current, ctx.triggered_id["index"], tz=current.office_timezone)
        except (Forbidden, NotFound):  # not theirs (a crafted id): nothing to open
            raise PreventUpdate
        return _body(found, current.office_timezone, full=True), False, True, t("my_complaints.read_less")

    # Unsaved changes (layouts/components/unsaved.py): a complaint typed and not sent asks before it is left (a phone's
    # Back, a tap on the menu). The category starts at its default and is kept after a send, which empties the rest
    # and counts up the refresh store: the browser takes the form as it then stands for its start.
    register_unsaved_guard(app, "my.view", "my-complaints", "my-complaints-refresh",
                           {"category": "my-complaints-category"},
                           blank=[f"my-complaints-{name}" for name in FIELDS if name != "category"])

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
