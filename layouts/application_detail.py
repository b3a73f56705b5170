"""One application's page: header, stage timeline, commodities, consignment, documents, bill, 3P actions.

The layout only draws the frame (it never reads the database); callbacks/application_detail.py loads the
application through portal.services.applications.application_detail and draws `SECTIONS` in order.

Extending the page (later issues: NNCs, notifications, correction requests): append a function to
`SECTIONS` (or insert it where it belongs). Each takes the detail dict and the user and returns a
component, or None to draw nothing (e.g. when the application has none of that record). A section that
needs data of its own can return a `html.Div(id="application-detail-<name>")` and fill it from its own
callback, triggered by the `application-detail-id` store.
"""
from __future__ import annotations

from typing import Callable

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.applications import stage_tone
from layouts.components.back_link import back_target
from layouts.components.empty import sections_named
from layouts.components.formatting import (breakable_number, format_datetime, format_idr, format_number,
                                           format_quantity, format_tax_id)
from layouts.targeting_decision import decision_card
from portal.i18n import action_outcome, country_name, current_language, t


def layout(user, page=None, application_id: int | None = None, query: str = "", **_):
    # Back to the page it was opened from (the inspection queue, a profile) or to the list.
    back_href, back_text = back_target(user, query, "/applications", t("application_detail.back"))
    return html.Div([
        # qc-list-link: back to the list as the reader left it in this tab, filters, page and scroll (assets/qc-url.js)
        dcc.Link([html.I(className="bi bi-arrow-left me-1"), back_text], href=back_href,
                 id="application-detail-back", className="d-inline-block mb-2 qc-list-link"),
        dcc.Store(id="application-detail-id", data=application_id),
        dcc.Loading(html.Div(id="application-detail-body", className="qca-application"), type="default",
                    delay_show=300),
    ])


# --------------------------------------------------------------------------------------------- pieces
def _when(value, user) -> str:
    return format_datetime(value, user.office_timezone) if value else "–"


def _when_cell(value, user):
    """A time in a table cell: kept on one line on wide screens."""
    return html.Span(_when(value, user), className="qca-nowrap") if value else "–"


def _dash(value) -> str:
    return "–" if value in (None, "") else str(value)


def stage_badge(stage: str | None, **kwargs):
    label = t(f"stage.{stage}") if stage else t("application_detail.no_stage")
    return dbc.Badge(label, color=stage_tone(stage), className="qca-stage-badge", **kwargs)


def deleted_badge():
    return dbc.Badge([html.I(className="bi bi-trash3 me-1"), t("applications.deleted_at_source")], color="dark",
                     className="qca-deleted-badge")


def facts(items: list[tuple[str, object]], id: str | None = None):
    """Label → value pairs as a definition list that stacks on phones."""
    rows = []
    for label, value in items:
        rows += [html.Dt(label, className="col-sm-4 col-lg-3"), html.Dd(value, className="col-sm-8 col-lg-9")]
    return html.Dl(rows, className="row qca-facts mb-0", **({"id": id} if id else {}))


def card(title: str, icon: str, body, id: str, count: int | None = None):
    heading = [html.I(className=f"bi {icon} me-2"), title]
    if count is not None:
        heading.append(dbc.Badge(format_number(count), color="light", text_color="dark", pill=True, className="ms-2"))
    return dbc.Card([dbc.CardHeader(html.H2(heading, className="h6 mb-0")), dbc.CardBody(body)],
                    className="mb-3 shadow-sm", id=id)


def stack_table(columns: list[str], rows: list[list], id: str, row_classes: list[str] | None = None):
    """A table that turns each row into a small card on phones (labels from `data-label`)."""
    body = []
    for index, cells in enumerate(rows):
        body.append(html.Tr([html.Td(html.Div(cell), **{"data-label": label})
                             for label, cell in zip(columns, cells)],
                            className=(row_classes or [""] * len(rows))[index] or None))
    return dbc.Table([html.Thead(html.Tr([html.Th(label, scope="col") for label in columns])), html.Tbody(body)],
                     className="qca-stack-table align-middle mb-0", hover=True, size="sm", id=id)


def _deleted_class(record) -> str:
    return "qca-row-deleted" if record.get("deleted") else ""


def _empty(text_key: str):
    return html.P(t(text_key), className="text-muted mb-0")


# ------------------------------------------------------------------------------------------- sections
def header(detail, user):
    service_user, handler = detail["service_user"], detail["handler"]
    section_name = detail["section"]["name_id" if current_language() == "id" else "name_en"]
    badges = [stage_badge(detail["current_stage"], id="application-detail-stage")]
    if detail["deleted"]:
        badges.append(deleted_badge())
    return dbc.Card(dbc.CardBody([
        html.Div([html.Span(t("application_detail.kicker"), className="text-muted small d-block"),
                  html.H1(breakable_number(detail["number"]), className="qca-number mb-2",
                          id="application-detail-number", **{"data-qc-record-title": "1"}),
                  html.Div(badges, className="d-flex flex-wrap gap-2 mb-3")]),
        dbc.Row([
            dbc.Col(facts([
                (t("applications.field.service_user"),
                 [html.Strong(service_user["name"]), html.Br(),
                  html.Span([t("application_detail.tax_id"), " ", format_tax_id(service_user["tax_id"])],
                            className="text-muted small")]),
                (t("applications.field.handler"),
                 [handler["name"]] + ([html.Br(), html.Span(
                     [t("application_detail.tax_id"), " ", format_tax_id(handler["tax_id"])], className="text-muted small")]
                                      if handler["tax_id"] else [])
                 if handler else t("application_detail.no_handler")),
                (t("applications.field.section"), section_name),
            ], id="application-detail-facts"), lg=6),
            dbc.Col(facts([
                (t("applications.field.direction"), t(f"direction.{detail['direction']}")),
                (t("applications.field.submitted"), _when(detail["submitted_at"], user)),
                (t("applications.field.completed"),
                 [_when(detail["completed_at"], user)] + ([" · ", t(f"stage.{detail['completion_stage']}")]
                                                          if detail["completion_stage"] else [])
                 if detail["completed_at"] else t("application_detail.not_completed")),
            ]), lg=6),
        ]),
    ]), className="mb-3 shadow-sm qca-header", id="application-detail-header")


PROGRESS_COLOUR = {"completed": "success", "in_progress": "primary", "detained": "warning", "refused": "danger",
                   "destroyed": "danger"}


def timeline(detail, user):
    progress = detail["progress"]
    steps = html.Ol([
        html.Li([html.I(className="bi bi-check-circle-fill" if step["reached"] else "bi bi-circle"),
                 html.Span(t(f"stage.{step['stage']}"))],
                className="qca-step " + ("qca-step-done" if step["reached"] else "qca-step-todo"),
                title=_when(step["at"], user) if step["at"] else None)
        for step in progress["steps"]], className="qca-steps", id="application-detail-steps")
    bar = html.Div([
        html.Div([html.Span(t(f"application_detail.progress.{progress['state']}"), className="fw-semibold"),
                  html.Span(t("application_detail.progress.count", reached=progress["reached"],
                              total=progress["total"]), className="text-muted small")],
                 className="d-flex justify-content-between flex-wrap gap-2 mb-1"),
        # Bootstrap's bar drawn by hand: dbc.Progress cannot carry the accessible name a progress bar needs.
        html.Div(html.Div(className=f"progress-bar bg-{PROGRESS_COLOUR[progress['state']]}", role="progressbar",
                          style={"width": f"{progress['percent']}%"},
                          **{"aria-valuenow": progress["percent"], "aria-valuemin": 0, "aria-valuemax": 100,
                             "aria-label": t("application_detail.progress.count", reached=progress["reached"],
                                             total=progress["total"])}),
                 className="progress mb-2", style={"height": "0.9rem"}, id="application-detail-progress"),
        steps,
    ], className="mb-3")
    events = []
    for event in detail["events"]:
        officer = event["officer_name"] or t("application_detail.unknown_officer")
        if event["officer_nip"]:
            officer = f"{officer} (NIP {event['officer_nip']})"
        events.append(html.Li([
            html.Span(className=f"qca-timeline-dot bg-{stage_tone(event['stage'])}"),
            html.Div([html.Strong(t(f"stage.{event['stage']}")), " ", deleted_badge() if event["deleted"] else None],
                     className="qca-timeline-stage"),
            html.Div([html.I(className="bi bi-clock me-1"), _when(event["occurred_at"], user)],
                     className="qca-timeline-time"),
            html.Div([html.I(className="bi bi-person me-1"), officer], className="qca-timeline-officer text-muted"),
            html.Div(event["note"], className="qca-timeline-note small fst-italic") if event["note"] else None,
        ], className="qca-timeline-item" + (" qca-row-deleted" if event["deleted"] else "")))
    body = [bar, html.Ol(events, className="qca-timeline mb-0", id="application-detail-timeline")
            if events else _empty("application_detail.no_events")]
    return card(t("application_detail.timeline"), "bi-clock-history", body, "application-detail-timeline-card",
                len(detail["events"]))


def commodities(detail, user):
    lines = detail["commodities"]
    columns = [t("application_detail.line_no"), t("applications.field.commodity"),
               t("application_detail.scientific_name"), t("application_detail.hs_code"),
               t("application_detail.quantity"), t("application_detail.net_weight")]
    rows = [[str(line["line_no"]), line["name"], html.I(line["scientific_name"]) if line["scientific_name"] else "–",
             _dash(line["hs_code"]), format_quantity(line["quantity"], line["unit"]),
             format_quantity(line["net_weight_kg"], "kg")] for line in lines]
    body = stack_table(columns, rows, "application-detail-commodity-table", [_deleted_class(c) for c in lines]) \
        if lines else _empty("application_detail.no_commodities")
    return card(t("application_detail.commodities"), "bi-basket", body, "application-detail-commodities",
                len(lines))


def _party(name, address):
    if not name:
        return "–"
    return [html.Strong(name)] + ([html.Br(), html.Span(address, className="small text-muted")] if address else [])


def _place(country, place, port):
    parts = [part for part in (place, country_name(country)) if part]
    text = ", ".join(parts) or "–"
    return [text] + ([html.Br(), html.Span(port, className="small text-muted")] if port else [])


def consignment(detail, user):
    c = detail["consignment"]
    conveyance = " · ".join(part for part in (c["conveyance"], c["conveyance_name"], c["voyage_number"]) if part)
    packaging = " ".join(part for part in (format_number(c["package_count"]) if c["package_count"] else "",
                                           c["packaging"] or "") if part)
    items = [
        (t("application_detail.consignor"), _party(c["consignor_name"], c["consignor_address"])),
        (t("application_detail.consignee"), _party(c["consignee_name"], c["consignee_address"])),
        (t("application_detail.origin"), _place(c["origin_country"], c["origin_place"], c["origin_port"])),
        (t("application_detail.destination"), _place(c["destination_country"], c["destination_place"],
                                                     c["destination_port"])),
        (t("application_detail.conveyance"), conveyance or "–"),
        (t("application_detail.transport_document"), _dash(c["transport_document"])),
        (t("application_detail.packaging"), packaging or "–"),
        (t("application_detail.marks"), _dash(c["marks"])),
    ]
    if c["purpose"]:
        items.append((t("application_detail.purpose"), c["purpose"]))
    if c["declarations"]:
        items.append((t("application_detail.declarations"), c["declarations"]))
    return card(t("application_detail.consignment"), "bi-truck", facts(items, "application-detail-consignment-facts"),
                "application-detail-consignment")


def documents(detail, user):
    certificates = detail["certificates"]
    language = current_language()
    columns = [t("application_detail.document"), t("application_detail.form"), t("application_detail.cert_number"),
               t("application_detail.issued"), t("application_detail.treatment"), t("application_detail.signer")]
    rows = []
    for c in certificates:
        kind = dbc.Badge(t("application_detail.draft" if c["is_draft"] else "application_detail.final"),
                         color="warning" if c["is_draft"] else "success",
                         text_color="dark" if c["is_draft"] else None)
        form = [html.Strong(c["form_code"])] + ([html.Br(), html.Span(c["form_name"][language],
                                                                      className="small text-muted")]
                                                 if c["form_name"] else [])
        treatment = " · ".join(part for part in (c["treatment_method"], c["treatment_dose"],
                                                 c["treatment_date"].strftime("%d-%m-%Y") if c["treatment_date"]
                                                 else None) if part) or "–"
        rows.append([kind, form, _dash(c["number"]), _when_cell(c["issued_at"], user), treatment,
                     _dash(c["signer_name"])])
    body = stack_table(columns, rows, "application-detail-document-table", [_deleted_class(c) for c in certificates]) \
        if certificates else _empty("application_detail.no_documents")
    return card(t("application_detail.documents"), "bi-file-earmark-check", body, "application-detail-documents",
                len(certificates))


def bill(detail, user):
    bills = detail["bills"]
    if not bills:
        body = _empty("application_detail.no_bill")
    else:
        blocks = []
        for b in bills:
            paid = dbc.Badge(t("application_detail.paid" if b["paid"] else "application_detail.unpaid"),
                             color="success" if b["paid"] else "warning", text_color=None if b["paid"] else "dark")
            blocks.append(html.Div([
                html.Div([html.Span(format_idr(b["amount"]), className="qca-amount me-2"), paid]
                         + ([deleted_badge()] if b["deleted"] else []),
                         className="d-flex flex-wrap align-items-center gap-2 mb-2"),
                facts([(t("application_detail.billing_code"), _dash(b["billing_code"])),
                       (t("application_detail.receipt_number"), _dash(b["receipt_number"])),
                       (t("application_detail.issued"), _when(b["issued_at"], user)),
                       (t("application_detail.paid_at"), _when(b["paid_at"], user)),
                       (t("application_detail.ntpn"), _dash(b["payment_ref"]))]),
            ], className="qca-bill" + (" qca-row-deleted" if b["deleted"] else "")))
        body = html.Div(blocks, id="application-detail-bill-body")
    return card(t("application_detail.bill"), "bi-receipt", body, "application-detail-bill")


ACTION_COLOUR = {"detention": "warning", "refusal": "danger", "destruction": "danger"}


def actions(detail, user):
    records = detail["actions"]
    columns = [t("application_detail.action_kind"), t("application_detail.action_number"), t("field.time"),
               t("application_detail.reason"), t("application_detail.outcome"), t("application_detail.officer")]
    rows = [[dbc.Badge(t(f"action_kind.{a['kind']}"), color=ACTION_COLOUR.get(a["kind"], "secondary"),
                       text_color="dark" if a["kind"] == "detention" else None),
             _dash(a["number"]), _when_cell(a["action_at"], user), _dash(a["reason"]),
             " · ".join(part for part in (action_outcome(a["outcome"]), a["follow_up"], a["method"]) if part) or "–",
             _dash(a["officer_name"])] for a in records]
    body = stack_table(columns, rows, "application-detail-action-table", [_deleted_class(a) for a in records]) \
        if records else _empty("application_detail.no_actions")
    return card(t("application_detail.actions"), "bi-exclamation-octagon", body, "application-detail-actions",
                len(records))


# The page's sections, in order: functions (detail, user) -> component or None. Later issues add theirs here
# (NNCs, notifications, correction requests). Sections in HALF_WIDTH that follow each other share a row on
# wide screens; every other section spans the page.
def targeting(detail, user):
    """The inspection decision and its working (staff page only: the service user's pages never show it)."""
    if "targeting" not in detail:
        return None
    return decision_card(detail["targeting"], user, card, detail["completed_at"])


SECTIONS: list[Callable] = [header, targeting, timeline, commodities, consignment, bill, documents, actions]
HALF_WIDTH: set[Callable] = {consignment, bill}


def render(detail: dict, user) -> list:
    """The application page's body: every section that has something to show."""
    body, pair = [], []
    for section in SECTIONS:
        component = section(detail, user)
        if component is None:
            continue
        if section in HALF_WIDTH:
            pair.append(dbc.Col(component, lg=6, className="d-flex flex-column"))
            if len(pair) == 2:
                body.append(dbc.Row(pair))
                pair = []
            continue
        if pair:
            body.append(dbc.Row(pair))
            pair = []
        body.append(component)
    if pair:
        body.append(dbc.Row(pair))
    return body


def refused(kind: str):
    """The answer when the application is out of the caller's reach or does not exist: another section's says whose
    it is and the reader's (`kind` a Refusal naming them, layouts/components/empty.py)."""
    if kind == "forbidden":
        named = sections_named(kind)
        text = t("application_detail.outside_section", **named) if named else t("application_detail.forbidden")
        return dbc.Alert([html.H2([html.I(className="bi bi-shield-lock me-2"), t("application_detail.forbidden_title")],
                                  className="h5"), text], color="danger", id="application-detail-refused")
    return dbc.Alert([html.H2([html.I(className="bi bi-search me-2"), t("application_detail.not_found_title")],
                              className="h5"), t("application_detail.not_found")], color="warning",
                     id="application-detail-refused")
