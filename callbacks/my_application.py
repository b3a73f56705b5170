"""One of my applications: drawn from portal.services.my_applications after the company-access check;
correction requests through portal.services.corrections."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, html, no_update

from callbacks.common import register_unsaved_guard
from layouts.my import not_yours, progress, stage_badge, stage_label
from layouts.components.formatting import breakable_number, format_date, format_datetime, format_idr, format_quantity
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.extensions import database
from portal.i18n import country_name, t
from portal.services import corrections, my_applications
from portal.validation import Forbidden, InvalidInput, NotFound

PERMISSION = "my.view"
HIDDEN, SHOWN = {"display": "none"}, {}
CORRECTION_FIELDS = ("field", "problem", "expected")


def _row(label, value):
    return html.Div([html.Dt(label, className="small text-muted fw-normal"),
                     html.Dd(value if value not in (None, "") else "–", className="mb-2")])


def _place(place: str | None, country: str | None) -> str | None:
    """"Narita, Japan": the city as IQFast wrote it, the country in the reader's language."""
    return ", ".join(part for part in (place, country_name(country)) if part) or None


# (kind, icon, colour) of each document button, in the order they are shown.
DOCUMENTS = (("draft", "bi-file-earmark-text", "primary"), ("bill", "bi-receipt", "secondary"),
             ("certificate", "bi-patch-check", "success"))


def _document_order(detail: dict) -> list[tuple[str, str, str]]:
    """The draft first while it is the document to check; once the certificate is issued, the certificate (the
    draft is history then, and last)."""
    if not detail["documents"]["certificate"]:
        return list(DOCUMENTS)
    return [DOCUMENTS[2], DOCUMENTS[1], DOCUMENTS[0]]


def _no_documents(detail: dict):
    """What the empty documents card says: the outcome of a stopped application (no certificate will come, and
    whom to ask), a detention's wait, or the draft still to come."""
    if detail["ended"]:
        return html.Div([
            html.P(t("my.document.none_ended", stage=stage_label(detail["current_stage"]).lower()), className="mb-1"),
            html.A([html.I(className="bi bi-chat-left-text me-1"), t("my.document.ask")], href="/my/complaints",
                   className="small fw-semibold", id="my-application-ask")], id="my-application-documents-none")
    key = "my.document.none_detained" if detail["current_stage"] == "detained" else "my.document.none_yet"
    return html.P(t(key), className="text-muted small mb-0", id="my-application-documents-none")


def _documents(detail: dict):
    buttons = []
    main = _document_order(detail)[0][0]
    for kind, icon, color in _document_order(detail):
        if detail["documents"][kind]:
            buttons.append(dbc.Button([html.I(className=f"bi {icon} me-2"), t(f"my.document.{kind}")],
                                      href=f"/my/documents/{kind}/{detail['id']}.pdf", external_link=True,
                                      target="_blank", color=color, outline=kind != main, size="lg",
                                      className="w-100 mb-2 text-start", id=f"my-application-doc-{kind}"))
    if not buttons or detail["ended"]:
        buttons.append(_no_documents(detail))
    bill = detail["bill"]
    bill_box = None
    if bill:
        bill_box = dbc.Alert([
            html.Div(t("my.bill.amount"), className="small"),
            html.Div(format_idr(bill["amount"]), className="fs-4 fw-bold", id="my-application-bill-amount"),
            html.Div([t("my.bill.code"), " ", html.Strong(bill["billing_code"] or "–", className="user-select-all")],
                     className="small"),
            html.Div(t("my.bill.paid") if bill["paid"] else t("my.bill.how_to_pay"), className="small mt-1"),
        ], color="success" if bill["paid"] else "warning", className="mb-2")
    return dbc.Card([dbc.CardHeader(html.H2(t("my.documents"), className="h6 mb-0")),
                     dbc.CardBody([bill_box] + buttons + [
                         html.P(t("my.document.note"), className="small text-muted mb-0 mt-1")
                         if any(detail["documents"].values()) else None])],  # about documents: only when there are
                    className="mb-3 shadow-sm")


def _timeline(detail: dict, tz: str):
    items = [html.Li([html.Div(stage_label(e["stage"]), className="fw-semibold"),
                      html.Div(format_datetime(e["at"], tz), className="small text-muted"),
                      html.Div(e["note"], className="small") if e["note"] else None],
                     className="qc-timeline-item" + (" qc-timeline-problem" if e["stage"] in (
                         "detained", "refused", "destroyed") else ""))
             for e in reversed(detail["timeline"])]
    return dbc.Card([dbc.CardHeader(html.H2(t("my.timeline"), className="h6 mb-0")),
                     dbc.CardBody(html.Ol(items, className="qc-timeline list-unstyled mb-0",
                                          id="my-application-timeline") if items else
                                  html.P(t("my.timeline_empty"), className="text-muted mb-0"))],
                    className="mb-3 shadow-sm")


def _actions(detail: dict, tz: str):
    if not detail["actions"]:
        return None
    return dbc.Alert([html.H2([html.I(className="bi bi-exclamation-octagon me-2"), t("my.actions_title")],
                              className="h6"),
                      html.Ul([html.Li([html.Strong(t(f"my.action.{a['kind']}")), " · ",
                                        format_datetime(a["at"], tz), html.Br(), a["reason"] or ""])
                               for a in detail["actions"]], className="mb-1 ps-3"),
                      html.Div(t("my.actions_help"), className="small")], color="danger", id="my-application-3p")


def _details(detail: dict, tz: str):
    lines = [html.Li([html.Span(c["name"]), " ", html.I(c["scientific_name"] or "", className="text-muted"),
                      html.Span(f" · {format_quantity(c['quantity'], c['unit'])}"
                                if c["quantity"] is not None else "")]) for c in detail["commodities"]]
    return dbc.Card([dbc.CardHeader(html.H2(t("my.details"), className="h6 mb-0")), dbc.CardBody(html.Dl([
        _row(t("my.company"), detail["company"]),
        _row(t("my.handler"), detail["handler"]),
        _row(t("field.section"), t(f"section.{detail['section']}")),
        _row(t("my.direction"), t(f"my.direction.{detail['direction']}")),
        _row(t("my.submitted_at"), format_datetime(detail["submitted_at"], tz)),
        _row(t("my.consignor"), detail["consignor"]), _row(t("my.consignee"), detail["consignee"]),
        _row(t("my.origin"), _place(detail["origin_place"], detail["origin_country"])),
        _row(t("my.destination"), _place(detail["destination_place"], detail["destination_country"])),
        _row(t("my.conveyance"), detail["conveyance"]),
        _row(t("my.commodities"), html.Ul(lines, className="ps-3 mb-0") if lines else None),
    ], className="mb-0"))], className="mb-3 shadow-sm")


def _survey(detail: dict, tz: str):
    survey = detail["survey"]
    if survey is None:
        return None
    if survey["state"] == "answered":
        return dbc.Alert([html.I(className="bi bi-check2-circle me-2"), t("my.survey_done")], color="light")
    if survey["state"] == "expired":
        return dbc.Alert([html.I(className="bi bi-clock-history me-2"),
                          t("my.survey_expired", date=format_date(survey["expires_at"], tz=tz))],
                         color="light", id="my-application-survey-expired")
    return dbc.Alert([html.Strong(t("my.survey_open_title")), html.Div(t("my.survey_open_here"), className="small mb-2"),
                      dbc.Button(t("my.survey_answer"), href=f"/my/survey/{detail['id']}", external_link=True,
                                 color="success", size="lg", className="w-100", id="my-application-survey")],
                     color="success")


def render_corrections(items: list[dict], tz: str):
    if not items:
        return None
    cards = []
    for c in items:
        if c["status"] == "open":
            answer = html.Div(t("my.correction.waiting"), className="small text-muted")
        elif c["resolution"] == "new_draft":
            answer = html.Div([html.I(className="bi bi-check-circle-fill text-success me-1"),
                               t("my.correction.answer_new_draft")], className="small")
        else:
            answer = html.Div([html.Strong(t("my.correction.answer") + ": "), c["resolution_note"]],
                              className="small")
        cards.append(dbc.ListGroupItem([
            html.Div([html.Strong(t(f"my.correction.field.{c['field']}")),
                      dbc.Badge(t(f"my.correction.status.{c['status']}"),
                                color="warning" if c["status"] == "open" else "success", className="ms-2")]),
            html.Div(format_datetime(c["created_at"], tz), className="small text-muted"),
            html.Div([t("my.correction.problem"), ": ", c["problem"]], className="small"),
            html.Div([t("my.correction.expected"), ": ", c["expected"]], className="small mb-1"),
            answer]))
    return dbc.Card([dbc.CardHeader(html.H2(t("my.correction.list_title"), className="h6 mb-0")),
                     dbc.ListGroup(cards, flush=True, id="my-application-correction-list")],
                    className="mb-3 shadow-sm")


def register(app) -> None:
    # The tab named by the application's number once it is drawn (assets/qc-shell.js: recordTitle).
    protected_clientside_callback(app, PERMISSION, ClientsideFunction("qcShell", "recordTitle"),
                                  Output("my-application-body", "id"), Input("my-application-body", "children"),
                                  prevent_initial_call=True)

    @protected_callback(
        app, PERMISSION,
        [Output("my-application-body", "children"), Output("my-application-correction-card", "style"),
         Output("my-application-corrections", "children")],
        Input("my-application-id", "data"), Input("my-application-refresh", "data"))
    def load(application_id, _refresh):
        """The application's page, only if it belongs to one of the viewer's companies."""
        current = user()
        tz = current.office_timezone
        try:
            with database().session() as db:
                detail = my_applications.application_detail(db, current, int(application_id))
        except (Forbidden, NotFound, TypeError, ValueError):
            return not_yours("application"), HIDDEN, None
        header = html.Div([
            html.H1(breakable_number(detail["number"]), className="qc-number mb-1", id="my-application-number",
                    **{"data-qc-record-title": "1"}),
            html.Div(stage_badge(detail["current_stage"]), className="mb-2"),
            progress(detail["steps"], compact=False, id_prefix="my-application"),
        ], className="mb-3")
        body = [header, _actions(detail, tz), _survey(detail, tz), _documents(detail), _timeline(detail, tz),
                _details(detail, tz)]
        # A draft can be corrected until the certificate is issued; after that the form would promise a change that
        # cannot come (corrections.create_request refuses it too).
        correctable = detail["documents"]["draft"] and not detail["certificate_issued"] and not detail["ended"]
        return body, SHOWN if correctable else HIDDEN, render_corrections(detail["corrections"], tz)

    # Unsaved changes (layouts/components/unsaved.py): a correction request typed and not sent asks before it is left
    # (a phone's Back, a tap on the menu); it starts empty, and a sent one empties it.
    register_unsaved_guard(app, PERMISSION, "my-application-correction", "my-application-refresh", {},
                           blank=[f"my-application-correction-{f}" for f in CORRECTION_FIELDS])

    @protected_callback(
        app, PERMISSION,
        [Output("my-application-correction-alert", "children"), Output("my-application-correction-alert", "is_open"),
         Output("my-application-correction-alert", "color"), Output("my-application-refresh", "data")]
        + [Output(f"my-application-correction-{f}", "value") for f in CORRECTION_FIELDS]
        + [o for f in CORRECTION_FIELDS for o in (Output(f"my-application-correction-{f}", "invalid"),
                                                   Output(f"my-application-correction-{f}-feedback", "children"))],
        Input("my-application-correction-submit", "n_clicks"),
        State("my-application-id", "data"), State("my-application-refresh", "data"),
        [State(f"my-application-correction-{f}", "value") for f in CORRECTION_FIELDS],
        prevent_initial_call=True)
    def submit_correction(_clicks, application_id, refresh, field, problem, expected):
        """Record the request; on an error keep what was typed and say what is missing beside each field."""
        try:
            with database().session() as db:
                corrections.create_request(db, user(), int(application_id), field, problem, expected)
        except Forbidden:
            return [t("error.forbidden"), True, "danger", no_update] + [no_update] * 3 + [False, ""] * 3
        except InvalidInput as error:
            messages = error.messages(t)
            feedback = [v for f in CORRECTION_FIELDS for v in (f in messages, messages.get(f, ""))]
            # A refusal of the request as a whole (the certificate is issued) is said in the alert, not by a field.
            whole = [text for name, text in messages.items() if name not in CORRECTION_FIELDS]
            alert = " ".join(whole) if whole else t("form.has_errors")
            return [alert, True, "danger", no_update] + [no_update] * 3 + feedback
        return [t("my.correction.sent"), True, "success", (refresh or 0) + 1, "", "", ""] + [False, ""] * 3
