"""Pengaduan: one register for complaints and information requests from every channel."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.pager import pager
from layouts.components.grid import PHONE_COLUMN, grid, stacked_column
from layouts.components.search_box import search_box
from layouts.components.url_filters import CHOICE, FLAG, UrlField, applied, location, page_field
from layouts.common import field, hidden_label, page_header
from models.complaint import CATEGORIES, CHANNELS, STATUSES
from portal.domain.periods import today_in
from portal.i18n import t

NEW_FIELDS = ("channel", "category", "received_date", "subject", "text", "reporter_name", "reporter_contact",
              "reporter_email", "application_number")
# The new-complaint form's starting values (a field not named starts empty): drawn with them, and emptied back to
# them once a complaint is saved (callbacks/complaints.py).
NEW_DEFAULTS = {"channel": "phone", "category": "service"}
# The fields that start filled: the defaults, and the day received, which starts at today (new_form_values).
STARTS_FILLED = (*NEW_DEFAULTS, "received_date")


def new_form_values(tz: str) -> dict[str, str | None]:
    """The new-complaint form's values at its start, by field: its defaults, and the day received at today in the
    office's zone `tz` — shown, so the officer sees the day that will be stored and changes it for a letter that came
    earlier (left empty, it used to become "now" unseen; emptied, it is now refused beside the field)."""
    return {name: NEW_DEFAULTS.get(name) for name in NEW_FIELDS} | {"received_date": today_in(tz).isoformat()}


def options(kind: str, values, with_all: bool = False):
    items = [{"label": t(f"complaints.{kind}.{value}"), "value": value} for value in values]
    # "Semua status", "Semua kanal", … : three bare "Semua" side by side did not say which list each one filters.
    return ([{"label": t(f"complaints.filter.all_{kind}"), "value": "all"}] if with_all else []) + items


def _page(user):
    can_edit = user.can("complaints.edit")
    return html.Div([
        page_header(t("page.complaints"), t("complaints.subtitle"),
                    [dbc.Button([html.I(className="bi bi-plus-lg me-1"), t("complaints.new")],
                                id="complaints-new", color="primary", className="me-2") if can_edit else None,
                     html.A([html.I(className="bi bi-box-arrow-up-right me-1"), t("complaints.public_form")],
                            href="/pengaduan", target="_blank", className="btn btn-outline-secondary")]),
        html.Div(id="complaints-counts", className="mb-2"),
        dbc.Row([
            dbc.Col(search_box("complaints-text", t("complaints.filter.text")), md=3, className="mb-2"),
            # Each "Semua" says which list it filters (a screen reader hears "Status, Semua").
            dbc.Col([hidden_label(t("complaints.field.status"), "complaints-status"),
                     dbc.Select(id="complaints-status", options=options("status", STATUSES, True), value="all")],
                    md=2, className="mb-2"),
            dbc.Col([hidden_label(t("complaints.field.channel"), "complaints-channel"),
                     dbc.Select(id="complaints-channel", options=options("channel", CHANNELS, True), value="all")],
                    md=2, className="mb-2"),
            dbc.Col([hidden_label(t("complaints.field.category"), "complaints-category"),
                     dbc.Select(id="complaints-category", options=options("category", CATEGORIES, True),
                                value="all")], md=3, className="mb-2"),
            dbc.Col(dbc.Switch(id="complaints-overdue", label=t("complaints.filter.overdue"), value=False),
                    md=2, className="mb-2 pt-2"),
        ]),
        dbc.Alert(id="complaints-alert", is_open=False, dismissable=True, duration=10000),
        grid(
            "complaints-grid", height="58vh", min_height=None, default_col={"suppressMovable": False},
            columns=[
                # Set widths (a column with only a minimum takes AG Grid's 200 px): the subject takes the rest
                # and "Batas jawab" stays on the page at 1440 px.
                {"field": "tracking_code", "headerName": t("complaints.field.tracking_code"), "width": 168,
                 "pinned": "left"},
                {"field": "received", "headerName": t("complaints.field.received_at"), "width": 192},
                {"field": "channel", "headerName": t("complaints.field.channel"), "width": 172},
                {"field": "category", "headerName": t("complaints.field.category"), "width": 172},
                {"field": "subject", "headerName": t("complaints.field.subject"), "flex": 2, "minWidth": 185,
                 "tooltipField": "subject"},
                {"field": "status", "headerName": t("complaints.field.status"), "width": 110,
                 "cellClassRules": {"qc-overdue": "params.data.first_response_late"}, "tooltipField": "status_tip"},
                {"field": "due", "headerName": t("complaints.field.due_date"), "width": 140, "minWidth": 140,
                 "cellClassRules": {"qc-overdue": "params.data.overdue"}, "tooltipField": "due_tip"},
                phone_column(),
            ],
            options={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}},
            phone_column=PHONE_COLUMN,
        ),
        pager("complaints"),
        dcc.Store(id="complaints-refresh", data=0),
        dcc.Location(id="complaints-go", refresh="callback-nav"),
        *([_new_form(new_form_values(user.office_timezone)),
           # Moved when the dialog's untouched start moves (opened on a new day, emptied, saved): the leave question
           # then takes the form as it stands for its start. Apart from the list's refresh, which reloads the list.
           dcc.Store(id="complaints-new-start", data=0)] if can_edit else []),
    ])


def phone_column() -> dict:
    """A phone's one column: the seven side by side need ~1,100 px, and a 390 px phone showed the code and the
    received time only. The code; the subject; status and due date (red when late); received, channel, category."""
    return stacked_column(
        " · ".join(t(f"complaints.field.{name}") for name in ("tracking_code", "subject", "status")), "tracking_code",
        [["tracking_code"], ["subject"], ["status", "due"], ["received", "channel", "category"]],
        ["qc-link-cell", "", "small", "small text-muted"], labels={"due": t("complaints.field.due_date")},
        field_classes={"status": "{status_class}", "due": "{due_class}"})


def _new_form(start: dict[str, str | None]):
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(t("complaints.new"))),
        dbc.ModalBody([
            dbc.Alert(id="complaints-form-alert", is_open=False, color="danger"),
            dbc.Row([
                field(t("complaints.field.channel"), dbc.Select(id="complaints-new-channel",
                                                               options=options("channel", CHANNELS),
                                                               value=start["channel"]),
                      "complaints-new-channel-feedback", width=4),
                field(t("complaints.field.category"), dbc.Select(id="complaints-new-category",
                                                                options=options("category", CATEGORIES),
                                                                value=start["category"]),
                      "complaints-new-category-feedback", width=4),
                field(t("complaints.field.received_date"), dbc.Input(id="complaints-new-received_date", type="date",
                                                                     value=start["received_date"]),
                      "complaints-new-received_date-feedback", width=4),
                field(t("complaints.field.subject"), dbc.Input(id="complaints-new-subject", maxLength=200),
                      "complaints-new-subject-feedback"),
                field(t("complaints.field.text"), dbc.Textarea(id="complaints-new-text", rows=5),
                      "complaints-new-text-feedback"),
                field(t("complaints.field.reporter_name"), dbc.Input(id="complaints-new-reporter_name"),
                      "complaints-new-reporter_name-feedback", width=4),
                field(t("complaints.field.reporter_contact"), dbc.Input(id="complaints-new-reporter_contact"),
                      "complaints-new-reporter_contact-feedback", width=4),
                field(t("complaints.field.reporter_email"), dbc.Input(id="complaints-new-reporter_email",
                                                                     type="email"),
                      "complaints-new-reporter_email-feedback", width=4),
                field(t("complaints.field.application_number"), dbc.Input(id="complaints-new-application_number"),
                      "complaints-new-application_number-feedback", t("complaints.application_help"), 6),
                dbc.Col([dbc.Label(t("complaints.field.attachments")),
                         dcc.Upload(id="complaints-new-upload", multiple=True, max_size=10 * 1024 * 1024,
                                    children=html.Div([html.I(className="bi bi-paperclip me-1"),
                                                       t("complaints.upload_hint")]),
                                    className="border rounded p-2 text-center text-muted"),
                         html.Div(id="complaints-new-files", className="small mt-1"),
                         html.Div(id="complaints-new-attachments-feedback", className="invalid-feedback d-block")],
                        md=6, className="mb-3"),
            ]),
        ]),
        dbc.ModalFooter([dbc.Button(t("action.cancel"), id="complaints-new-cancel", color="secondary", outline=True),
                         dbc.Button(t("action.save"), id="complaints-new-save", color="primary")]),
    ], id="complaints-modal", is_open=False, size="lg", backdrop="static")


# The filters a link carries (layouts/components/url_filters.py): parameter, component, kind, default.
URL_FIELDS = (
    UrlField("q", "complaints-text"), UrlField("status", "complaints-status", CHOICE, "all", STATUSES),
    UrlField("channel", "complaints-channel", CHOICE, "all", CHANNELS),
    UrlField("category", "complaints-category", CHOICE, "all", CATEGORIES),
    UrlField("overdue", "complaints-overdue", FLAG, False),
    page_field("complaints-page"),
)


def layout(user, query: str = "", **_):
    """The page with its filters set from the address: a reload or a shared link opens the same view."""
    return applied(html.Div([_page(user), location("complaints")]), URL_FIELDS, query)
