"""Admin › Users callbacks: thin wrappers around portal.services.users."""
from __future__ import annotations

from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import page_of, paged_callback, register_timed_alerts, register_unsaved_guard, stale_message
from layouts.admin_users import FORM_FIELDS
from layouts.components.formatting import format_datetime, office_label
from portal import i18n
from portal.security.access import protected_callback, user
from portal.security.permissions import DEFAULT_NEW_ROLE
from portal.extensions import database
from portal.i18n import t
from portal.services import edit_versions, users
from portal.validation import InvalidInput, StaleEdit

PERMISSION = "admin.users"


def _grid_row(row: dict, tz: str) -> dict:
    locked = users.is_locked(row)
    status = "locked" if locked else ("active" if row["active"] else "inactive")
    return {
        "id": row["id"], "username": row["username"], "full_name": row["full_name"],
        "role_label": t(f"role.{row['role']}"),
        "section_label": t(f"section.{row['section_code']}") if row["section_code"] else "",
        # The office's code, and its name on hover (an administrator of several offices knows them by name).
        "office_code": row["office_code"], "office_title": office_label(row["office_code"], row["office_name"]),
        "status_label": t(f"status.user.{status}"),
        "last_login": format_datetime(row["last_login_at"], tz) if row["last_login_at"] else "",
    }


def _field_outputs(allow_duplicate: bool = False):
    outputs = []
    for name in FORM_FIELDS:
        outputs.append(Output(f"admin-users-{name}", "invalid", allow_duplicate=allow_duplicate))
        outputs.append(Output(f"admin-users-{name}-feedback", "children", allow_duplicate=allow_duplicate))
    return outputs


def _field_feedback(messages: dict[str, str]) -> list:
    values = []
    for name in FORM_FIELDS:
        values.extend([name in messages, messages.get(name, "")])
    return values


def _field_label(name: str) -> str:
    return t(f"field.{name.removesuffix('_id')}")


def _field_value(name: str, value):
    if name == "role" and value:
        return t(f"role.{value}")
    if name == "section_id" and isinstance(value, str):  # the stale message names the section by its code
        return t(f"section.{value}")
    return value


def _to_int(value):
    return int(value) if value not in (None, "") else None


def register(app) -> None:
    register_timed_alerts(app, PERMISSION, "admin-users-alert")
    # A reload or a closed tab with the account's dialog changed asks first (the dialog covers the menu). The user
    # name and password are compared on a new account only: an existing one's are not in its form.
    register_unsaved_guard(app, PERMISSION, "admin-users", "admin-users-opened",
                           {**{name: f"admin-users-{name}" for name in FORM_FIELDS}, "active": "admin-users-active"},
                           open_while="admin-users-modal")

    @paged_callback(app, PERMISSION, "admin-users", output={"rows": Output("admin-users-grid", "rowData")},
                    inputs={"search": Input("admin-users-search", "value"),
                            "role": Input("admin-users-role-filter", "value"),
                            "_refresh": Input("admin-users-refresh", "data")})
    def load_rows(page, search, role, _refresh):
        """A page of the accounts (every company's staff have theirs: paged in the database); a changed search or
        role starts again at page one."""
        current = user()
        with database().session() as db:
            result = users.list_users(db, search=search, role=None if role in (None, "", "all") else role, page=page)
        return {"rows": [_grid_row(row, current.office_timezone) for row in result["rows"]]}, page_of(result, page)

    @protected_callback(app, PERMISSION, Output("admin-users-section_id", "options"),
                        Output("admin-users-office_id", "options"), Input("admin-users-refresh", "data"))
    def load_options(_refresh):
        with database().session() as db:
            sections, offices = users.sections(db), users.offices(db)
        language = i18n.current_language()
        section_options = [{"label": t("admin_users.no_section"), "value": ""}] + [
            {"label": s["name_id"] if language == "id" else s["name_en"], "value": str(s["id"])} for s in sections]
        office_options = [{"label": office_label(o["code"], o["name"]), "value": str(o["id"])} for o in offices]
        return section_options, office_options

    @protected_callback(
        app, PERMISSION,
        [Output("admin-users-modal", "is_open"), Output("admin-users-modal-title", "children"),
         Output("admin-users-selected", "data"), Output("admin-users-username", "disabled"),
         Output("admin-users-existing-tools", "hidden"), Output("admin-users-password", "disabled"),
         Output("admin-users-lock-status", "children"), Output("admin-users-modal-alert", "is_open"),
         Output("admin-users-active", "value"), Output("admin-users-opened", "data")]
        + [Output(f"admin-users-{name}", "value") for name in FORM_FIELDS] + _field_outputs()
        # An existing account's form: no first password, and "unlock" only for a locked account.
        + [Output("admin-users-password-field", "style"), Output("admin-users-unlock", "disabled")],
        Input("admin-users-new", "n_clicks"), Input("admin-users-grid", "cellClicked"),
        Input("admin-users-cancel", "n_clicks"), State("admin-users-office_id", "options"),
        prevent_initial_call=True)
    def open_editor(_new, cell, _cancel, office_options):
        """Open an empty form for a new account, or the clicked account's form."""
        cleared = _field_feedback({})
        if ctx.triggered_id == "admin-users-cancel":
            return [False] + [no_update] * (9 + len(FORM_FIELDS)) + cleared + [no_update, no_update]
        if ctx.triggered_id == "admin-users-new":
            default_office = office_options[0]["value"] if office_options else ""
            values = ["", "", "", DEFAULT_NEW_ROLE, "", default_office, ""]
            return [True, t("admin_users.new"), None, False, True, False, "", False, True, None] + values + cleared \
                + [{}, True]
        with database().session() as db:
            row = users.get_user(db, int(cell["rowId"]))
        lock_text = t("admin_users.locked_until", until=format_datetime(row["locked_until"],
                                                                             user().office_timezone)) \
            if users.is_locked(row) else t("admin_users.not_locked")
        values = [row["username"], row["full_name"], row["email"] or "", row["role"],
                  str(row["section_id"] or ""), str(row["office_id"]), ""]
        kept = edit_versions.opened(row["version"], {name: row[name] for name in users.EDIT_FIELDS})
        return [True, t("admin_users.edit", username=row["username"]), row["id"], True, False, True, lock_text,
                False, row["active"], kept] + values + cleared + [{"display": "none"}, not users.is_locked(row)]

    @protected_callback(
        app, PERMISSION,
        [Output("admin-users-modal", "is_open", allow_duplicate=True),
         Output("admin-users-refresh", "data", allow_duplicate=True),
         Output("admin-users-alert", "children"), Output("admin-users-alert", "is_open"),
         Output("admin-users-alert", "color"),
         Output("admin-users-modal-alert", "children"),
         Output("admin-users-modal-alert", "is_open", allow_duplicate=True)] + _field_outputs(True)
        + [Output("admin-users-role-filter", "value", allow_duplicate=True)],
        Input("admin-users-save", "n_clicks"),
        [State(f"admin-users-{name}", "value") for name in FORM_FIELDS]
        + [State("admin-users-active", "value"), State("admin-users-selected", "data"),
           State("admin-users-refresh", "data"), State("admin-users-opened", "data"),
           State("admin-users-role-filter", "value")],
        prevent_initial_call=True)
    def save(_clicks, username, full_name, email, role, section_id, office_id, password, active, selected, refresh,
             kept, role_filter=None):
        """Create or update; on any error keep the form open with every message beside its field. A saved account
        whose role the list's filter leaves out switches the filter to one that shows it (a service user's account
        made here was not in the officers' list the page opens on)."""
        data = {"username": username, "full_name": full_name, "email": email, "role": role,
                "section_id": _to_int(section_id), "office_id": _to_int(office_id), "password": password,
                "active": bool(active)}
        try:
            with database().session() as db:
                if selected:
                    version, opened = edit_versions.from_form(kept)
                    saved = users.update_user(db, user(), int(selected), data, expected_version=version,
                                              opened=opened)
                else:
                    saved = users.create_user(db, user(), data)
        except StaleEdit as error:  # the modal stays open with what was typed
            return [True, no_update, no_update, False, no_update,
                    [html.Div(t("edit.stale_title"), className="fw-semibold"),
                     stale_message(error, _field_label, _field_value)], True] + _field_feedback({}) + [no_update]
        except InvalidInput as error:
            messages = error.messages(t)
            return [True, no_update, no_update, False, no_update, t("form.has_errors"), True] + \
                _field_feedback(messages) + [no_update]
        message = t("admin_users.saved", username=saved["username"])
        showing = users.role_filter_showing(role_filter if isinstance(role_filter, str) else None, saved["role"])
        return [False, (refresh or 0) + 1, message, True, "success", "", False] + _field_feedback({}) + [
            no_update if showing == role_filter else showing]

    @protected_callback(
        app, PERMISSION,
        [Output("admin-users-new_password", "invalid"), Output("admin-users-new_password-feedback", "children"),
         Output("admin-users-new_password", "value"), Output("admin-users-lock-status", "children",
                                                             allow_duplicate=True),
         Output("admin-users-refresh", "data", allow_duplicate=True),
         Output("admin-users-unlock", "disabled", allow_duplicate=True)],
        Input("admin-users-reset", "n_clicks"), Input("admin-users-unlock", "n_clicks"),
        State("admin-users-new_password", "value"), State("admin-users-selected", "data"),
        State("admin-users-refresh", "data"), prevent_initial_call=True)
    def security_action(_reset, _unlock, new_password, selected, refresh):
        """Reset a password (ends every session of the account) or lift a lockout."""
        if not selected:
            return no_update, no_update, no_update, no_update, no_update, no_update
        try:
            with database().session() as db:
                if ctx.triggered_id == "admin-users-reset":
                    users.reset_password(db, user(), int(selected), new_password or "")
                    done = t("admin_users.password_was_reset")
                else:
                    users.unlock(db, user(), int(selected))
                    done = t("admin_users.was_unlocked")
        except InvalidInput as error:
            return True, error.messages(t).get("new_password", ""), no_update, no_update, no_update, no_update
        return False, "", "", done, (refresh or 0) + 1, True if ctx.triggered_id == "admin-users-unlock" else no_update
