"""The NNC form (ISPM 13): record a new NNC or edit an open one — admin and operator.

Every field has an input `nnc-form-<field>` and a message `nnc-form-<field>-feedback` under it. The values
of an existing NNC are filled by a callback (a layout never reads the database). Files uploaded here stay
in the page (`nnc-form-files`) until the form is saved, so a refused form loses nothing.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import filled_form, page_header
from layouts.components.company_picker import company_picker
from layouts.components.date_words import date_words, is_date_input
from layouts.nnc_common import COUNTRY_SUGGESTIONS, action_options, category_options, flow_options, subcategory_options
from portal.i18n import t
from portal.services.attachments import MAX_BYTES
from portal.services.nnc.rules import EDITABLE_FIELDS, HOME_AUTHORITY, HOME_COUNTRY

# Every form field, in the order the service knows them: the service's list itself, so a field added there
# gets its input here and its value in callbacks/nnc_form.py without a second list to keep in step.
FORM_FIELDS = EDITABLE_FIELDS
# Controls that can show a red border (the others show only the message under them).
INVALID_CAPABLE = tuple(f for f in FORM_FIELDS if f not in ("flow", "service_user_id", "handler_id"))
REQUIRED = ("number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
            "notified_authority", "notified_country", "section_id", "commodity", "category", "action_taken")
# Defaults of a new NNC: most are received from an importing country about our export.
NEW_DEFAULTS = {"flow": "received", "notified_authority": HOME_AUTHORITY, "notified_country": HOME_COUNTRY}
MAX_LENGTH = {"number": 100, "notifying_authority": 200, "notifying_country": 100, "notified_authority": 200,
              "notified_country": 100, "party_name": 200, "party_country": 100, "application_number": 60,
              "certificate_number": 60, "commodity": 200, "scientific_name": 200, "hs_code": 16,
              "lot_number": 100, "container_number": 100, "air_waybill": 60, "point_of_entry": 200,
              "organism": 200, "description": 4000, "investigation_findings": 4000, "corrective_action": 4000,
              "guidance_given": 4000, "internal_notes": 4000}


def _id(name: str) -> str:
    return f"nnc-form-{name}"


def _label(name: str, text: str | None = None):
    children = [text or t(f"nnc.field.{name}")]
    if name in REQUIRED:
        children.append(html.Span(" *", className="text-danger", title=t("nnc.form.required")))
    return dbc.Label(children, html_for=_id(name), className="mb-1")


def _group(name: str, control, help_text: str | None = None, width: int = 12, label: str | None = None,
           group_id: str | None = None, style: dict | None = None):
    """A labelled control with its message (and help) under it; a date field with its date in words."""
    children = [_label(name, label), control, html.Div(id=f"{_id(name)}-feedback", className="invalid-feedback d-block")]
    if is_date_input(control):
        children.insert(2, date_words(control.id))
    if help_text:
        children.append(dbc.FormText(help_text, className="d-block"))
    extra = {"id": group_id} if group_id else {}
    return dbc.Col(html.Div(children, className="mb-3"), md=width, style=style or {}, **extra)


def _text(name: str, placeholder: str | None = None, **kwargs):
    return dbc.Input(id=_id(name), type="text", maxLength=MAX_LENGTH.get(name), placeholder=placeholder,
                     autoComplete="off", **kwargs)


def _area(name: str, rows: int = 3, placeholder: str | None = None):
    return dbc.Textarea(id=_id(name), rows=rows, maxLength=MAX_LENGTH.get(name), placeholder=placeholder)


def _card(title: str, icon: str, children, card_id: str):
    return dbc.Card([dbc.CardHeader([html.I(className=f"bi {icon} me-2"), title], className="fw-semibold"),
                     dbc.CardBody(dbc.Row(children, className="g-2"))], className="mb-3", id=card_id)


def layout(user, page, nnc_id: int | None = None, **_):
    editing = nnc_id is not None
    title = t("nnc.form.edit_title") if editing else t("nnc.form.new_title")
    back = f"/nnc/{nnc_id}" if editing else "/nnc"
    return html.Div([
        page_header(title, t("nnc.form.subtitle"), [
            dbc.Button([html.I(className="bi bi-arrow-left me-1"), t("nnc.back")], href=back, color="secondary",
                       outline=True, id="nnc-form-back", className="me-2"),
            # Both Simpan buttons open disabled on an edit, like its fields, and stay so on an NNC that cannot be
            # changed (callbacks/nnc_form.py: LOCKED_CONTROLS).
            dbc.Button([html.I(className="bi bi-check-lg me-1"), t("action.save")], id="nnc-form-save-top",
                       color="primary", disabled=editing),
        ]),
        dbc.Alert(id="nnc-form-alert", is_open=False, color="danger", className="qc-nnc-form-alert"),
        html.Datalist(id="nnc-form-countries", children=[html.Option(value=c) for c in COUNTRY_SUGGESTIONS]),
        # An edit opens disabled until the NNC's values have arrived (and stays so when the NNC is locked).
        filled_form("nnc-form-fields", [
            dbc.Row([
                dbc.Col([_notice_card(), _parties_card()], lg=6),
                dbc.Col([_consignment_card(), _nature_card()], lg=6),
            ]),
            dbc.Row([
                dbc.Col(_follow_up_card(), lg=6),
                dbc.Col([_internal_card(), _attachments_card(editing)], lg=6),
            ]),
        ], disabled=editing),
        html.Div([
            dbc.Button([html.I(className="bi bi-check-lg me-1"), t("action.save")], id="nnc-form-save",
                       color="primary", className="me-2", disabled=editing),
            dbc.Button(t("action.cancel"), href=back, color="secondary", outline=True, id="nnc-form-cancel"),
            html.Span(t("nnc.form.required_hint"), className="text-muted small ms-3 d-none d-md-inline"),
        ], className="qc-nnc-form-actions"),
        dcc.Store(id="nnc-form-id", data=nnc_id),
        # The version and values the form opened (an edit only): the save names them, so it cannot silently
        # overwrite a save someone made meanwhile (portal/services/edit_versions.py).
        dcc.Store(id="nnc-form-opened", data=None),
        dcc.Store(id="nnc-form-files", data=[]),
        # Set by each refused save: the page then goes to the alert and focuses it (assets/qc-nnc.js: showRefusal).
        dcc.Store(id="nnc-form-refused", data=None),
        dcc.Store(id="nnc-form-application", data=None),
        dcc.Location(id="nnc-form-go", refresh="callback-nav"),
    ], className="qc-nnc-form")


def _notice_card():
    return _card(t("nnc.card.notice"), "bi-envelope-paper", [
        _group("number", _text("number", t("nnc.form.number_placeholder")), t("nnc.form.number_help"), 12),
        _group("notice_date", dbc.Input(id=_id("notice_date"), type="date"), width=6),
        _group("received_date", dbc.Input(id=_id("received_date"), type="date"), width=6),
        _group("flow", dbc.RadioItems(id=_id("flow"), options=flow_options(), value=NEW_DEFAULTS["flow"],
                                      inline=True), t("nnc.form.flow_help"), 12),
        _group("notifying_authority", _text("notifying_authority", t("nnc.form.authority_placeholder")), width=7),
        _group("notifying_country", _text("notifying_country", list="nnc-form-countries"), width=5),
        _group("notified_authority", _text("notified_authority", value=NEW_DEFAULTS["notified_authority"]),
               width=7),
        _group("notified_country", _text("notified_country", list="nnc-form-countries",
                                         value=NEW_DEFAULTS["notified_country"]), width=5),
        _group("section_id", dbc.Select(id=_id("section_id"), options=[], placeholder=t("nnc.form.choose")),
               width=12),
    ], "nnc-form-card-notice")


def _parties_card():
    return _card(t("nnc.card.parties"), "bi-building", [
        _group("service_user_id", company_picker(_id("service_user_id"), t("nnc.form.service_user_placeholder")),
               t("nnc.form.service_user_help"), 12),
        dbc.Col(html.Div(t("nnc.form.or_party"), className="text-muted small mb-2 qc-nnc-or"), width=12),
        _group("party_name", _text("party_name", t("nnc.form.party_placeholder")), width=7),
        _group("party_country", _text("party_country", list="nnc-form-countries"), width=5),
        _group("handler_id", company_picker(_id("handler_id"), t("nnc.form.handler_placeholder")), width=12),
        _group("application_number", html.Div([
            _text("application_number", t("nnc.form.application_placeholder"), debounce=True),
            html.Div(id="nnc-form-application-status", className="small mt-1", role="status"),
            dbc.Button([html.I(className="bi bi-magic me-1"), t("nnc.form.use_application")],
                       id="nnc-form-use-application", color="link", size="sm", className="p-0",
                       style={"display": "none"}),
        ]), width=12),
        _group("certificate_number", html.Div([
            _text("certificate_number", debounce=True),
            html.Div(id="nnc-form-certificate-status", className="small mt-1", role="status"),
        ]), width=12),
    ], "nnc-form-card-parties")


def _consignment_card():
    return _card(t("nnc.card.consignment"), "bi-box-seam", [
        _group("commodity", _text("commodity", t("nnc.form.commodity_placeholder")), width=6),
        _group("scientific_name", _text("scientific_name"), width=6),
        _group("hs_code", _text("hs_code", "0804.50.30"), t("nnc.form.hs_help"), 4),
        _group("point_of_entry", _text("point_of_entry"), width=8),
        _group("lot_number", _text("lot_number"), width=4),
        _group("container_number", _text("container_number"), width=4),
        _group("air_waybill", _text("air_waybill", "126-12345675"), width=4),
    ], "nnc-form-card-consignment")


def _nature_card():
    return _card(t("nnc.card.non_compliance"), "bi-exclamation-octagon", [
        _group("category", dbc.Select(id=_id("category"), options=category_options(),
                                           placeholder=t("nnc.form.choose")),
               width=12),
        _group("subcategory", dbc.Select(id=_id("subcategory"), options=subcategory_options(),
                                              placeholder=t("nnc.form.choose")),
               t("nnc.form.subcategory_help"), 12, group_id="nnc-form-subcategory-group", style={"display": "none"}),
        _group("organism", _text("organism", t("nnc.form.organism_placeholder")), t("nnc.form.organism_help"), 12,
               group_id="nnc-form-organism-group", style={"display": "none"}),
        _group("description", _area("description", 3, t("nnc.form.description_placeholder")), width=12),
        _group("action_taken", dbc.Select(id=_id("action_taken"), options=action_options(),
                                               placeholder=t("nnc.form.choose")),
               width=12),
    ], "nnc-form-card-nature")


def _follow_up_card():
    return _card(t("nnc.card.follow_up"), "bi-clipboard-check", [
        _group("investigation_findings", _area("investigation_findings"), width=12),
        _group("corrective_action", _area("corrective_action"), width=12),
        _group("guidance_given", _area("guidance_given"), width=12),
        dbc.Col(html.Div(t("nnc.form.follow_up_help"), className="text-muted small"), width=12),
    ], "nnc-form-card-follow-up")


def _internal_card():
    return _card(t("nnc.field.internal_notes"), "bi-lock", [
        _group("internal_notes", _area("internal_notes", 3), t("nnc.internal_hint"), 12,
               label=t("nnc.form.internal_label")),
    ], "nnc-form-card-internal")


def _attachments_card(editing: bool = False):
    limit = MAX_BYTES // (1024 * 1024)
    return dbc.Card([
        dbc.CardHeader([html.I(className="bi bi-paperclip me-2"), t("nnc.card.attachments")],
                       className="fw-semibold"),
        dbc.CardBody([
            html.Div(id="nnc-form-existing-files"),
            # No `accept` filter: the browser dropped a file of another type without a word (and left the last
            # file's message standing); every file reaches the server's check, which names what it takes.
            dcc.Upload(id="nnc-form-upload", multiple=True,
                       className="qc-nnc-upload", className_disabled="qc-nnc-upload qc-nnc-upload-disabled",
                       disabled=editing, children=html.Div([
                           html.I(className="bi bi-cloud-arrow-up fs-4 d-block"),
                           html.Span(t("nnc.form.upload_prompt")),
                           html.Small(t("nnc.form.upload_help", max=limit), className="d-block text-muted"),
                       ])),
            html.Div(id="nnc-form-attachments-feedback", className="invalid-feedback d-block", role="alert"),
            html.Div(id="nnc-form-file-list", className="mt-2"),
        ]),
    ], className="mb-3", id="nnc-form-card-attachments")
