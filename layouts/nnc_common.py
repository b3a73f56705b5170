"""Pieces the NNC pages share: choice lists, status colours, dates, and the drawing of one NNC.

Pure functions of plain values (what portal.services.nnc.register returns); nothing here reads the database.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.admin_audit import field_label, value_text
from layouts.components.changes import change_lines
from layouts.components.formatting import format_date, format_datetime, format_tax_id
from portal.i18n import country_name, t
from portal.services.nnc.rules import ACTIONS, CATEGORIES, DOCUMENT_PROBLEMS, EDITABLE_FIELDS, FLOWS, STATUSES

# How a status reads at a glance: grey new, amber being looked into, blue explained, green done, dark void.
STATUS_COLOR = {"received": "secondary", "under_investigation": "warning", "clarified": "info",
                "closed": "success", "void": "dark"}
STATUS_ICON = {"received": "bi-inbox", "under_investigation": "bi-search", "clarified": "bi-chat-square-text",
               "closed": "bi-check2-circle", "void": "bi-slash-circle"}
# Countries NNCs usually come from or go to, offered while typing (any other may be typed).
COUNTRY_SUGGESTIONS = ("Indonesia", "Tiongkok", "Hong Kong", "Singapura", "Jepang", "Malaysia", "Korea Selatan",
                       "Taiwan", "Thailand", "Vietnam", "Uni Emirat Arab", "Arab Saudi", "Qatar", "Belanda", "Jerman",
                       "Amerika Serikat", "Australia", "Selandia Baru", "India", "Filipina", "Uni Eropa",
                       "Inggris", "Kanada", "Brasil", "Prancis", "Italia", "Spanyol", "Rusia", "Pakistan",
                       "Bangladesh", "Sri Lanka", "Mesir", "Turki")


def authority_text(authority: str | None, country: str | None) -> str:
    """An authority with its country in brackets, unless its name already says it ("Badan Karantina Indonesia
    (Barantin)" read "… (Barantin) (Indonesia)"). The country reads in the reader's language ("China"; IQFast and the
    form keep "Tiongkok"), also where the name ends in it after a comma ("…Protection Organisation, Tiongkok")."""
    authority, country = (authority or "").strip(), (country or "").strip()
    shown = country_name(country)
    head, comma, tail = authority.rpartition(",")
    if comma and country and tail.strip().casefold() == country.casefold():
        authority = f"{head}, {shown}"
    if not country or country.casefold() in authority.casefold() or shown.casefold() in authority.casefold():
        return authority or shown or "–"
    return f"{authority} ({shown})" if authority else shown


def options(prefix: str, codes, empty_label: str | None = None) -> list[dict]:
    """Select options for codes, labelled from the catalog (`prefix` + code)."""
    found = [{"label": t(prefix + code), "value": code} for code in codes]
    return ([{"label": empty_label, "value": ""}] if empty_label is not None else []) + found


def flow_options(empty_label=None):
    return options("nnc.flow.", FLOWS, empty_label)


def category_options(empty_label=None):
    return options("nnc.category.", CATEGORIES, empty_label)


def subcategory_options(empty_label=None):
    return options("nnc.subcategory.", DOCUMENT_PROBLEMS, empty_label)


def action_options(empty_label=None):
    return options("nnc.action.", ACTIONS, empty_label)


def status_options(empty_label=None, statuses=STATUSES):
    return options("nnc.status.", statuses, empty_label)


# Coded fields, worded as the form's choices word them (a stale save's message lists them old → new).
CODED = {"flow": "nnc.flow.", "category": "nnc.category.", "subcategory": "nnc.subcategory.",
         "action_taken": "nnc.action.", "status": "nnc.status."}


def nnc_field_label(name: str) -> str:
    """A field's name as the NNC form and the follow-up panel label it."""
    return t(f"nnc.field.{name}")


def nnc_value_label(name: str, value):
    """A field's value as the form shows it: a code by its label, anything else as it is."""
    if name == "section_id" and isinstance(value, str):  # the stale message names the section by its code
        return t(f"section.{value}")
    return t(CODED[name] + value) if name in CODED and value else value


def status_badge(status: str, **kwargs):
    return dbc.Badge([html.I(className=f"bi {STATUS_ICON.get(status, 'bi-circle')} me-1"), t(f"nnc.status.{status}")],
                     color=STATUS_COLOR.get(status, "secondary"), className="qc-nnc-status", **kwargs)


def nature_text(nnc: dict, short: bool = False) -> str:
    """The nature of the non-compliance in one line: category, its sub-category or organism."""
    text = t(f"nnc.category_short.{nnc['category']}") if short else t(f"nnc.category.{nnc['category']}")
    if nnc.get("subcategory"):
        text += " · " + t(f"nnc.subcategory.{nnc['subcategory']}")
    if nnc.get("organism"):
        text += " · " + nnc["organism"]
    return text


# ---------------------------------------------------------------------------------------------------------
# one NNC, drawn for reading (the officers' page and the service user's page)


def _row(label: str, value, value_id: str | None = None):
    shown = value if value not in (None, "") else html.Span("–", className="text-muted")
    return html.Div([html.Dt(label, className="col-sm-4 text-muted fw-normal"),
                     html.Dd(shown, className="col-sm-8 mb-2", id=value_id) if value_id else
                     html.Dd(shown, className="col-sm-8 mb-2")], className="row g-0")


def _card(title: str, icon: str, rows):
    body = html.Dl(rows, className="mb-0")
    return dbc.Card([dbc.CardHeader([html.I(className=f"bi {icon} me-2"), title], className="fw-semibold"),
                     dbc.CardBody(body)], className="mb-3 qc-nnc-card")


def _multiline(text: str | None):
    if not text:
        return None
    return html.Div(text, style={"whiteSpace": "pre-wrap"})


def detail_cards(nnc: dict, prefix: str, internal: bool, application_href: str | None = None) -> list:
    """The record in cards: notice, parties, consignment, non-compliance, follow-up (and internal notes)."""
    flow_label = t(f"nnc.flow.{nnc['flow']}")
    party = nnc.get("service_user_name")
    if party:
        tax_id = nnc.get("service_user_tax_id")  # the NPWP whole on a phone, not broken at its hyphen
        tax_id = format_tax_id(tax_id) if tax_id else None
        party_value = html.Span([party, *([" · ", html.Small(tax_id, className="text-muted text-nowrap")]
                                          if tax_id else [])])
    else:
        party_value = html.Span([nnc.get("party_name") or "–",
                                 html.Small(f" · {country_name(nnc['party_country'])}", className="text-muted")
                                 if nnc.get("party_country") else None,
                                 dbc.Badge(t("nnc.party_not_in_registry"), color="light", text_color="dark",
                                           className="ms-2 border")])
    application = nnc.get("application_number")
    if application and nnc.get("application_id") and application_href:
        application = html.A(application, href=application_href)
    application_value = html.Span([application, dbc.Badge(
        t("nnc.lookup.found") if nnc.get("application_id") else t("nnc.lookup.not_found"),
        color="success" if nnc.get("application_id") else "light", text_color=None if nnc.get("application_id")
        else "dark", className="ms-2 border")]) if nnc.get("application_number") else None
    certificate_value = html.Span([nnc["certificate_number"], dbc.Badge(
        t("nnc.lookup.found") if nnc.get("certificate_id") else t("nnc.lookup.not_found"),
        color="success" if nnc.get("certificate_id") else "light", text_color=None if nnc.get("certificate_id")
        else "dark", className="ms-2 border")]) if nnc.get("certificate_number") else None
    consignment = " · ".join(f"{t(key)} {value}" for key, value in (
        ("nnc.short.lot", nnc.get("lot_number")), ("nnc.short.container", nnc.get("container_number")),
        ("nnc.short.awb", nnc.get("air_waybill"))) if value) or None
    left = [
        _card(t("nnc.card.notice"), "bi-envelope-paper", [
            _row(t("nnc.field.number"), html.Strong(nnc["number"]), f"{prefix}-number"),
            _row(t("nnc.field.flow"), flow_label),
            _row(t("nnc.field.notice_date"), format_date(nnc["notice_date"])),
            _row(t("nnc.field.received_date"), format_date(nnc["received_date"])),
            _row(t("nnc.field.notifying"), authority_text(nnc["notifying_authority"], nnc["notifying_country"])),
            _row(t("nnc.field.notified"), authority_text(nnc["notified_authority"], nnc["notified_country"])),
            _row(t("nnc.field.section_id"), t(f"section.{nnc['section_code']}") if nnc.get("section_code") else None),
        ]),
        _card(t("nnc.card.parties"), "bi-building", [
            _row(t("nnc.field.party"), party_value, f"{prefix}-party"),
            _row(t("nnc.field.handler_id"), nnc.get("handler_name")),
            _row(t("nnc.field.application_number"), application_value),
            _row(t("nnc.field.certificate_number"), certificate_value),
        ]),
        _card(t("nnc.card.consignment"), "bi-box-seam", [
            _row(t("nnc.field.commodity"), nnc["commodity"]),
            _row(t("nnc.field.scientific_name"), html.I(nnc["scientific_name"]) if nnc.get("scientific_name")
                 else None),
            _row(t("nnc.field.hs_code"), nnc.get("hs_code")),
            _row(t("nnc.field.consignment"), consignment),
            _row(t("nnc.field.point_of_entry"), nnc.get("point_of_entry")),
        ]),
    ]
    right = [
        _card(t("nnc.card.non_compliance"), "bi-exclamation-octagon", [
            _row(t("nnc.field.category"), t(f"nnc.category.{nnc['category']}"), f"{prefix}-category"),
            _row(t("nnc.field.subcategory"), t(f"nnc.subcategory.{nnc['subcategory']}") if nnc.get("subcategory")
                 else None) if nnc["category"] == "documentation" else None,
            _row(t("nnc.field.organism"), html.I(nnc["organism"]) if nnc.get("organism") else None)
            if nnc["category"] == "pest" or nnc.get("organism") else None,
            _row(t("nnc.field.description"), _multiline(nnc.get("description"))),
            _row(t("nnc.field.action_taken"), t(f"nnc.action.{nnc['action_taken']}")),
        ]),
        # Not "Tindak lanjut" alone: the officers' page has the follow-up form beside it ("Catat tindak lanjut").
        _card(t("nnc.card.status_follow_up"), "bi-clipboard-check", [
            _row(t("nnc.field.status"), status_badge(nnc["status"]), f"{prefix}-status"),
            _row(t("nnc.field.void_reason"), _multiline(nnc.get("void_reason")))
            if internal and nnc["status"] == "void" else None,
            _row(t("nnc.field.investigation_findings"), _multiline(nnc.get("investigation_findings"))),
            _row(t("nnc.field.corrective_action"), _multiline(nnc.get("corrective_action"))),
            _row(t("nnc.field.guidance_given"), _multiline(nnc.get("guidance_given"))),
        ]),
    ]
    if internal:
        right.append(dbc.Card([
            dbc.CardHeader([html.I(className="bi bi-lock me-2"), t("nnc.field.internal_notes"),
                            html.Small(t("nnc.internal_hint"), className="text-muted fw-normal ms-2")],
                           className="fw-semibold"),
            dbc.CardBody(_multiline(nnc.get("internal_notes")) or html.Span("–", className="text-muted"),
                         id=f"{prefix}-internal-notes")], className="mb-3 qc-nnc-card qc-nnc-internal"))
    return [dbc.Row([dbc.Col(left, lg=6), dbc.Col(right, lg=6)])]


def attachment_list(files: list[dict], prefix: str, tz: str, show_uploader: bool = True):
    """Links to the archived files (opened through the authorised route)."""
    if not files:
        return html.P(t("nnc.no_attachments"), className="text-muted mb-0")
    items = []
    for f in files:
        icon = "bi-file-earmark-pdf text-danger" if f["mime_type"] == "application/pdf" else "bi-file-earmark-image"
        meta = [f["size_label"], format_datetime(f["uploaded_at"], tz)]
        if show_uploader and f.get("uploaded_by"):
            meta.append(f["uploaded_by"])
        items.append(dbc.ListGroupItem([
            html.I(className=f"bi {icon} me-2"),
            html.A(f["filename"], href=f"/nnc/attachments/{f['id']}", target="_blank", rel="noopener",
                   id=f"{prefix}-attachment-{f['id']}", className="qc-nnc-attachment"),
            html.Small(" · ".join(meta), className="text-muted ms-2 d-block d-sm-inline"),
        ]))
    return dbc.ListGroup(items, flush=True)


# Audited keys shown in the form's order; the technical ones stay in the audit log only.
AUDIT_ORDER = EDITABLE_FIELDS + ("status", "note", "void_reason", "filename", "size")
HIDDEN_AUDIT_KEYS = {"via", "sha256", "attachment_id"}


def _audit_order(key: str) -> int:
    return AUDIT_ORDER.index(key) if key in AUDIT_ORDER else len(AUDIT_ORDER)


def changes_table(changes: list[dict], tz: str, prefix: str):
    """Every audited change: when, who, what, the values before and after."""
    if not changes:
        return html.P(t("nnc.no_history"), className="text-muted mb-0")
    body = []
    for change in changes:
        before, after = change["before"] or {}, change["after"] or {}
        keys = sorted((set(after) | set(before)) - HIDDEN_AUDIT_KEYS, key=_audit_order)
        if change["action"] == "nnc_created":  # the whole record is shown above; say how it began
            keys = [k for k in ("number", "status") if k in after]
        # In the audit log's words (the drawer, and the complaint's history, say a value the same way).
        lines = change_lines(before, after, keys, lambda field: field_label("nnc", field),
                             lambda field, value: value_text(field, value, tz, "nnc"))
        if change["action"] == "nnc_created" and after.get("via") == "import":
            lines.append(html.Div(t("nnc.history.via_import"), className="text-muted"))
        if change["action"] == "nnc_linked":  # no account made it: say what did
            lines.append(html.Div(t("nnc.history.linked_by_sync"), className="text-muted"))
        body.append(html.Tr([
            html.Td(format_datetime(change["at"], tz), className="qc-nnc-time"),
            html.Td(change["username"] or "–"),
            html.Td(t(f"audit.action.{change['action']}")),
            html.Td(lines or "–", className="small qc-nnc-change"),
        ]))
    return dbc.Table([html.Thead(html.Tr([html.Th(t("field.time")), html.Th(t("field.username")),
                                          html.Th(t("field.action")), html.Th(t("nnc.history.what"))])),
                      html.Tbody(body)], size="sm", responsive=True, hover=True, className="mb-0 qc-history-table",
                     id=f"{prefix}-changes-table")  # its card body is {prefix}-changes; a block per entry on a phone


def status_table(statuses: list[dict], tz: str, prefix: str, officer: bool = True):
    """The status history: when, who (officers only), from → to, and why (officers only)."""
    if not statuses:
        return html.P(t("nnc.no_history"), className="text-muted mb-0")
    header = [html.Th(t("field.time"))] + ([html.Th(t("nnc.history.by"))] if officer else []) + [
        html.Th(t("nnc.history.change"))]
    rows = []
    for s in statuses:
        change = [html.Span(t(f"nnc.status.{s['from_status']}"), className="text-muted me-1")
                  if s["from_status"] else None,
                  html.I(className="bi bi-arrow-right me-1") if s["from_status"] else None,
                  status_badge(s["to_status"])]
        if officer and s.get("note"):
            change.append(html.Div(s["note"], className="small text-muted mt-1 w-100",
                                   style={"whiteSpace": "pre-wrap"}))
        # Read on a phone too (a service user's page, an officer in the field): there each entry is a block of its own
        # (qc-history-table, assets/qcorner.css), the change under the time across the whole width, rather than a
        # column that pushed the new status off the screen ("Dalam investig…").
        cells = [html.Td(format_datetime(s["at"], tz), className="qc-nnc-time")]
        if officer:
            cells.append(html.Td(s["username"] or "–"))
        cells.append(html.Td(html.Div(change, className="d-flex flex-wrap align-items-center")))
        rows.append(html.Tr(cells))
    return dbc.Table([html.Thead(html.Tr(header)), html.Tbody(rows)], size="sm", responsive=True,
                     className="mb-0 qc-history-table", id=f"{prefix}-statuses-table")  # its card body is {prefix}-statuses
