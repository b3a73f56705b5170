"""The NNC form's callbacks: look-ups while typing, staged uploads, and save through portal.services.nnc.register."""
from __future__ import annotations

import base64
import binascii

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from sqlalchemy.exc import DataError, DBAPIError, ProgrammingError

from callbacks.common import register_date_words, register_picker_search, register_unsaved_guard, stale_message
from layouts.components.company_picker import company_option
from layouts.nnc_common import attachment_list, nnc_field_label, nnc_value_label
from layouts.nnc_form import FORM_FIELDS, INVALID_CAPABLE, NEW_DEFAULTS
from portal import i18n
from portal.security.access import protected_callback, protected_clientside_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import attachments, edit_versions, users
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import lookups as nnc_lookups
from portal.services.nnc import register as nnc
from portal.services.nnc import rules as nnc_rules
from portal.services.nnc import validation as nnc_validation
from portal.validation import Forbidden, InvalidInput, NotFound, StaleEdit

PERMISSION = "nnc.edit"


def _fid(name: str) -> str:
    return f"nnc-form-{name}"


def feedback_outputs(allow_duplicate: bool = False) -> list[Output]:
    outputs = []
    for name in FORM_FIELDS:
        if name in INVALID_CAPABLE:
            outputs.append(Output(_fid(name), "invalid", allow_duplicate=allow_duplicate))
        outputs.append(Output(f"{_fid(name)}-feedback", "children", allow_duplicate=allow_duplicate))
    return outputs


def feedback_values(messages: dict[str, str]) -> list:
    values = []
    for name in FORM_FIELDS:
        if name in INVALID_CAPABLE:
            values.append(name in messages)
        values.append(messages.get(name, ""))
    return values


# What an NNC that cannot be changed (closed, void, not the viewer's) locks: the fields, both Simpan buttons — the
# page header's and the bottom bar's — and the upload area (a drop on it would only stage files no save can keep).
# The service refuses such a save whatever the page sends; locked controls only keep the officer from trying.
LOCKED_CONTROLS = (("nnc-form-fields", "disabled"), ("nnc-form-save", "disabled"), ("nnc-form-save-top", "disabled"),
                   ("nnc-form-upload", "disabled"))


def locking_outputs() -> list[Output]:
    return [Output(component, prop) for component, prop in LOCKED_CONTROLS]


def locking_values(locked: bool) -> list[bool]:
    return [locked] * len(LOCKED_CONTROLS)


def decode_upload(content: str) -> bytes | None:
    """The bytes of a dcc.Upload data URL (data:<type>;base64,<data>); None when it is not one."""
    try:
        _header, encoded = content.split(",", 1)
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error, AttributeError):
        return None


def staged_files(files: list[dict] | None) -> list[tuple[str, bytes]]:
    """The files kept in the page, as (name, bytes) for the service."""
    result = []
    for f in files or []:
        data = decode_upload(f.get("content") or "")
        result.append((f.get("name") or "lampiran", data or b""))
    return result


def _section_options(db) -> list[dict]:
    language = i18n.current_language()
    return [{"label": s["name_id"] if language == "id" else s["name_en"], "value": str(s["id"])}
            for s in users.sections(db)]


def _form_values(found: dict) -> list:
    values = []
    for name in FORM_FIELDS:
        value = found.get(name)
        if name in ("notice_date", "received_date"):
            value = value.isoformat() if value else ""
        elif name == "section_id":
            value = str(value) if value else ""
        elif name in ("service_user_id", "handler_id"):
            value = value or None
        else:
            value = value if value is not None else ""
        values.append(value)
    return values


def register(app) -> None:
    register_date_words(app, PERMISSION, _fid("notice_date"), _fid("received_date"))
    # Leaving an edited NNC, or a new one filled in, asks first; the save leaves the page for the NNC's own, so only
    # a refused save stays here, changed.
    register_unsaved_guard(app, PERMISSION, "nnc-form", "nnc-form-opened", {name: _fid(name) for name in FORM_FIELDS},
                           blank=[("nnc-form-files", "data")])

    @protected_callback(
        app, PERMISSION,
        [Output(_fid("section_id"), "options"), Output(_fid("service_user_id"), "options"),
         Output(_fid("handler_id"), "options"), Output("nnc-form-existing-files", "children"),
         Output("nnc-form-alert", "children"), Output("nnc-form-alert", "is_open"),
         Output("nnc-form-opened", "data")] + locking_outputs()
        + [Output(_fid(name), "value") for name in FORM_FIELDS],
        Input("nnc-form-id", "data"))
    def load(nnc_id):
        """A new form gets the section list; an edit form gets the NNC's values and its archived files."""
        current = user()
        keep = [no_update] * len(FORM_FIELDS)
        with database().session() as db:
            sections = _section_options(db)
            if nnc_id is None:
                # Nothing opened, and the store left as drawn: written, it would tell the page the form had opened
                # again, and what was typed before this answer came would pass for the blank form (no question).
                return [sections, [], [], None, "", False, no_update] + locking_values(False) + keep
            try:
                found = nnc_detail.nnc_for_viewer(db, int(nnc_id), current)
                files = nnc_detail.attachments_of(db, int(nnc_id), current)
                company = nnc_lookups.service_user_choice(db, found["service_user_id"])
                handler = nnc_lookups.handler_choice(db, found["handler_id"])
            except (Forbidden, NotFound):
                return [sections, [], [], None, t("nnc.not_available"), True, None] + locking_values(True) + keep
        permissions = nnc_rules.permissions_for(current, found)
        alert, locked = "", False
        if not permissions["edit"]:
            alert, locked = t("nnc.form.locked", status=t(f"nnc.status.{found['status']}")), True
        company_options = [company_option(company)] if company else []
        handler_options = [company_option(handler)] if handler else []
        existing = html.Div([html.Div(t("nnc.form.archived_files"), className="small text-muted mb-1"),
                             attachment_list(files, "nnc-form", current.office_timezone)],
                            className="mb-3") if files else None
        kept = edit_versions.opened(found["version"], {name: found.get(name) for name in FORM_FIELDS})
        return [sections, company_options, handler_options, existing, alert, bool(alert), kept] + \
            locking_values(locked) + _form_values(found)

    register_picker_search(app, PERMISSION, _fid("service_user_id"), nnc_lookups.search_service_users,
                           allow_duplicate=True)
    register_picker_search(app, PERMISSION, _fid("handler_id"), nnc_lookups.search_handlers, allow_duplicate=True)

    @protected_callback(
        app, PERMISSION,
        [Output("nnc-form-application-status", "children"), Output("nnc-form-application", "data"),
         Output("nnc-form-use-application", "style")],
        Input(_fid("application_number"), "value"), Input(_fid("flow"), "value"), Input(_fid("notice_date"), "value"),
        State("nnc-form-opened", "data"), State("nnc-form-id", "data"))
    def look_up_application(number, flow, notice_date, opened=None, nnc_id=None):
        """Say whether the application number is in the synced data ("ditemukan" / "tidak ditemukan"), and when it
        cannot be this NNC's consignment (another direction, submitted after the notice) why, before the save says it:
        its data is then not offered to copy. A number no synced application has is refused by the save when it is no
        PTK number at all, and only warned of when it is one (a PTK not synced yet); an older NNC's own number, kept
        as it was stored, is not refused by the save, nor here. Looked up at the office the save files the NNC
        under, as the save looks it up."""
        if not (number or "").strip():
            return "", None, {"display": "none"}
        current = user()
        with database().session() as db:
            office_id = nnc_lookups.filing_office(db, current, nnc_id)
            found = nnc_lookups.lookup_application(db, current, number, office_id)
            misfit = found and nnc_validation.application_fit(db, office_id, flow, notice_date, number)
        if found is None:
            typed = nnc_validation.clean_text(number)
            kept = edit_versions.from_form(opened)[1].get("application_number")
            malformed = nnc_validation.ptk_shape_problem(typed) if typed != kept else None
            if malformed:
                return html.Span([html.I(className="bi bi-x-circle-fill me-1"), t(malformed[0], **malformed[1])],
                                 className="text-danger", id="nnc-form-application-shape"), None, {"display": "none"}
            return html.Span([html.I(className="bi bi-exclamation-triangle-fill me-1"),
                              t("nnc.lookup.application_missing")],
                             className="text-warning-emphasis", id="nnc-form-application-missing"), None, \
                {"display": "none"}
        if misfit:
            key, params = misfit
            return html.Span([html.I(className="bi bi-exclamation-triangle-fill me-1"), t(key, **params)],
                             className="text-danger", id="nnc-form-application-misfit"), None, {"display": "none"}
        summary = " · ".join(p for p in (found["service_user_name"], found["commodity"],
                                         t(f"section.{found['section_code']}") if found["section_code"] else None)
                             if p)
        return html.Span([html.I(className="bi bi-check-circle-fill me-1"), t("nnc.lookup.application_found"),
                          html.Span(f" — {summary}", className="text-muted")], className="text-success",
                         id="nnc-form-application-found"), \
            {k: v for k, v in found.items() if k != "submitted_at"}, {"display": "inline-block"}

    @protected_callback(
        app, PERMISSION,
        [Output(_fid("service_user_id"), "value", allow_duplicate=True),
         Output(_fid("service_user_id"), "options", allow_duplicate=True),
         Output(_fid("handler_id"), "value", allow_duplicate=True),
         Output(_fid("handler_id"), "options", allow_duplicate=True),
         Output(_fid("section_id"), "value", allow_duplicate=True),
         Output(_fid("commodity"), "value", allow_duplicate=True),
         Output(_fid("scientific_name"), "value", allow_duplicate=True),
         Output(_fid("hs_code"), "value", allow_duplicate=True)],
        Input("nnc-form-use-application", "n_clicks"), State("nnc-form-application", "data"),
        [State(_fid(name), "value") for name in ("handler_id", "commodity", "scientific_name", "hs_code")],
        prevent_initial_call=True)
    def use_application(_clicks, found, handler_id, commodity, scientific_name, hs_code):
        """Fill the company, handler, section and commodity from the linked application (typed values stay)."""
        if not found:
            raise PreventUpdate
        with database().session() as db:
            company = nnc_lookups.service_user_choice(db, found["service_user_id"])
            handler = nnc_lookups.handler_choice(db, found["handler_id"]) if not handler_id else None
        return [found["service_user_id"], [company_option(company)]
                if company else [],
                handler["id"] if handler else no_update,
                [company_option(handler)] if handler else no_update,
                str(found["section_id"]), commodity or found["commodity"] or "",
                scientific_name or found["scientific_name"] or "", hs_code or found["hs_code"] or ""]

    @protected_callback(app, PERMISSION, Output("nnc-form-certificate-status", "children"),
                        Input(_fid("certificate_number"), "value"))
    def look_up_certificate(number):
        """Say whether a synced certificate carries this number."""
        if not (number or "").strip():
            return ""
        with database().session() as db:
            found = nnc_lookups.lookup_certificate(db, number)
        if found:
            return html.Span([html.I(className="bi bi-check-circle-fill me-1"), t("nnc.lookup.certificate_found")],
                             className="text-success")
        return html.Span([html.I(className="bi bi-question-circle me-1"), t("nnc.lookup.certificate_missing")],
                         className="text-muted")

    @protected_callback(app, PERMISSION, Output("nnc-form-subcategory-group", "style"),
                        Output("nnc-form-organism-group", "style"), Input(_fid("category"), "value"))
    def show_category_details(category):
        """Documents need their problem; infected or infested goods need the organism named."""
        shown, hidden = {}, {"display": "none"}
        return (shown if category == "documentation" else hidden), (shown if category == "pest" else hidden)

    @protected_callback(
        app, PERMISSION,
        [Output(_fid(name), "value", allow_duplicate=True) for name in
         ("notifying_authority", "notifying_country", "notified_authority", "notified_country")],
        Input(_fid("flow"), "value"),
        [State(_fid(name), "value") for name in
         ("notifying_authority", "notifying_country", "notified_authority", "notified_country")],
        prevent_initial_call=True)
    def swap_home_side(flow, notifying, notifying_country, notified, notified_country):
        """Our own authority sits on the side the flow gives it; only untouched defaults move."""
        home = (NEW_DEFAULTS["notified_authority"], NEW_DEFAULTS["notified_country"])
        if flow == "issued" and (notified, notified_country) == home and not notifying and not notifying_country:
            return home[0], home[1], "", ""
        if flow == "received" and (notifying, notifying_country) == home and not notified and not notified_country:
            return "", "", home[0], home[1]
        raise PreventUpdate

    @protected_callback(
        app, PERMISSION,
        [Output("nnc-form-files", "data"), Output("nnc-form-attachments-feedback", "children"),
         Output("nnc-form-upload", "contents")],
        Input("nnc-form-upload", "contents"), State("nnc-form-upload", "filename"), State("nnc-form-files", "data"),
        prevent_initial_call=True)
    def stage_upload(contents, filenames, files):
        """Keep each acceptable file in the page until the form is saved; say why any other is refused."""
        if not contents:
            raise PreventUpdate
        if isinstance(contents, str):
            contents, filenames = [contents], [filenames]
        files = list(files or [])
        problems = []
        for content, name in zip(contents, filenames or []):
            data = decode_upload(content)
            found = attachments.problem(name, data)
            if found is not None:
                problems.append(html.Div(t(found[0], **found[1])))
                continue
            if any(f["name"] == name and f["size"] == len(data) for f in files):
                continue
            files.append({"name": attachments.clean_filename(name), "size": len(data), "content": content})
        return files, problems, None

    @protected_callback(app, PERMISSION, Output("nnc-form-file-list", "children"), Input("nnc-form-files", "data"))
    def show_staged(files):
        """The files waiting to be saved with the form, each with a button to drop it."""
        if not files:
            return None
        items = [dbc.ListGroupItem([
            html.I(className="bi bi-file-earmark-arrow-up me-2"),
            html.Span(f["name"], className="qc-nnc-staged-name"),
            html.Small(f" · {attachments.size_label(f['size'])}", className="text-muted"),
            dbc.Button(html.I(className="bi bi-x-lg"), id={"type": "nnc-form-file-remove", "index": index},
                       color="link", size="sm", className="float-end p-0 text-danger",
                       title=t("nnc.form.remove_file")),
        ]) for index, f in enumerate(files)]
        return html.Div([html.Div(t("nnc.form.staged_files"), className="small text-muted mb-1"),
                         dbc.ListGroup(items, id="nnc-form-staged")])

    @protected_callback(app, PERMISSION, Output("nnc-form-files", "data", allow_duplicate=True),
                        Input({"type": "nnc-form-file-remove", "index": ALL}, "n_clicks"),
                        State("nnc-form-files", "data"), prevent_initial_call=True)
    def drop_staged(clicks, files):
        """Take one waiting file off the form."""
        if not ctx.triggered_id or not any(clicks or []):
            raise PreventUpdate
        index = ctx.triggered_id["index"]
        return [f for i, f in enumerate(files or []) if i != index]

    for name in FORM_FIELDS:
        register_clear_message(app, name)

    @protected_callback(
        app, PERMISSION,
        [Output("nnc-form-alert", "children", allow_duplicate=True),
         Output("nnc-form-alert", "is_open", allow_duplicate=True),
         Output("nnc-form-attachments-feedback", "children", allow_duplicate=True),
         Output("nnc-form-go", "href"), Output("nnc-form-refused", "data")] + feedback_outputs(True),
        Input("nnc-form-save", "n_clicks"), Input("nnc-form-save-top", "n_clicks"),
        [State(_fid(name), "value") for name in FORM_FIELDS]
        + [State("nnc-form-files", "data"), State("nnc-form-id", "data"), State("nnc-form-opened", "data")],
        prevent_initial_call=True)
    def save(clicks, clicks_top, *values):
        """Create or update; on any error keep everything typed and attached, with each message by its field."""
        fields, files, nnc_id, kept = values[:len(FORM_FIELDS)], values[-3], values[-2], values[-1]
        data = dict(zip(FORM_FIELDS, fields))
        # A new number for each refused save (the presses so far), so the page takes the reader to the message even
        # when the same save is refused twice (refusal below; assets/qc-nnc.js).
        refused = (clicks or 0) + (clicks_top or 0)
        current = user()
        try:
            with database().session() as db:
                if nnc_id is None:
                    saved = nnc.create_nnc(db, current, data, staged_files(files))
                else:
                    version, opened = edit_versions.from_form(kept)
                    saved = nnc.update_nnc(db, current, int(nnc_id), data, staged_files(files),
                                           expected_version=version, opened=opened)
        except StaleEdit as error:
            # Nothing written; the typed values and staged files are not outputs here and stay in the form.
            alert = [html.Div(t("edit.stale_title"), className="fw-semibold"),
                     stale_message(error, nnc_field_label, nnc_value_label)]
            return [alert, True, no_update, no_update, refused] + feedback_values({})
        except InvalidInput as error:
            messages = error.messages(t)
            in_form_order = sorted(messages, key=lambda n: FORM_FIELDS.index(n) if n in FORM_FIELDS else -1)
            listed = [html.Li([html.Strong(t(f"nnc.field.{name}") + ": "), messages[name]])
                      for name in in_form_order if name != "attachments"]
            if "attachments" in messages:
                listed.append(html.Li([html.Strong(t("nnc.card.attachments") + ": "), messages["attachments"]]))
            alert = [html.Div(t("form.has_errors"), className="fw-semibold"), html.Ul(listed, className="mb-0")]
            return [alert, True, messages.get("attachments", no_update), no_update, refused] + \
                feedback_values(messages)
        except (Forbidden, NotFound):
            return [t("nnc.not_available"), True, no_update, no_update, refused] + feedback_values({})
        except DBAPIError as error:
            if isinstance(error, (DataError, ProgrammingError)):
                raise  # a value no database can store (a NUL character): portal/bad_requests.py answers 400
            # The database refused the write (read-only, full, a timeout, gone): the transaction rolled back whole,
            # so say so plainly; the typed values and staged files are not outputs here and stay in the form.
            current_app.logger.exception("NNC not saved: the database refused the write")
            return [t("nnc.error.database"), True, no_update, no_update, refused] + feedback_values({})
        return [no_update, False, "", f"/nnc/{saved['id']}", no_update] + feedback_values({})

    # A refused save is said at the top of a long form, often 1,500 px above the bottom Simpan the officer pressed:
    # the page goes to the message and gives it focus, so the eye sees it and a screen reader reads it out.
    protected_clientside_callback(app, PERMISSION, ClientsideFunction("qcNnc", "showRefusal"),
                                  Output("nnc-form-refused", "id"), Input("nnc-form-refused", "data"),
                                  prevent_initial_call=True)


def register_clear_message(app, name: str) -> None:
    """A field's message ("Wajib diisi.") and red border go as soon as its value changes: the reader sees which
    fields still need them, instead of every message of the last save staying red over corrected fields. The
    save checks everything again. Nothing is sent back while the field has no message."""
    outputs = [Output(f"{_fid(name)}-feedback", "children", allow_duplicate=True)]
    if name in INVALID_CAPABLE:
        outputs.append(Output(_fid(name), "invalid", allow_duplicate=True))

    @protected_callback(app, PERMISSION, outputs, Input(_fid(name), "value"),
                        State(f"{_fid(name)}-feedback", "children"), prevent_initial_call=True)
    def clear_message(_value, message):
        if not message:
            raise PreventUpdate
        return ["", False] if name in INVALID_CAPABLE else [""]
