"""Admin › Compliance settings callbacks: load the current version, save a new one (validated, audited)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import register_unsaved_guard, stale_message
from layouts.admin_compliance import SETTING_NAMES
from layouts.components.changes import change_lines
from layouts.components.formatting import actor_name, format_date, format_datetime, form_number
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.domain.compliance import ScoringSettings
from portal.i18n import t
from portal.services import edit_versions
from portal.services.compliance import ranking as compliance
from portal.services.compliance import scoring_settings as compliance_settings
from portal.validation import InvalidInput, StaleEdit

PERMISSION = "admin.settings"


def history_table(history: list[dict], tz: str):
    """Each saved version (newest first) with what it changed from the one before, in the form's words; every value
    of a version a click away. The oldest version shown has no earlier one to differ from: all its values."""
    headers = [t("admin_compliance.col.version"), t("admin_compliance.col.when"), t("admin_compliance.col.who"),
               t("admin_compliance.col.note"), t("admin_compliance.col.changes")]
    rows = []
    effective = [_effective(h["values"]) for h in history]
    for index, h in enumerate(history):
        earlier = effective[index + 1] if index + 1 < len(history) else None
        rows.append(html.Tr([html.Td(str(h["version"])), html.Td(format_datetime(h["created_at"], tz)),
                             html.Td(actor_name(h["created_by"])), html.Td(h["note"] or "–"),
                             html.Td(_version_changes(effective[index], earlier), className="small")]))
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)], size="sm",
                     responsive=True, className="mb-0", id="admin-compliance-history-table")


def _version_changes(values: dict, earlier: dict | None):
    names = [name for name in SETTING_NAMES if name in values]
    every = html.Details([html.Summary(t("admin_compliance.all_values", count=len(names))),
                          *change_lines({}, values, names, _label, _shown)], className="mt-1 mb-0")
    if earlier is None:
        return every
    moved = [name for name in names if name in earlier and earlier[name] != values[name]]
    lines = change_lines(earlier, values, moved, _label, _shown) if moved else [
        html.Div(t("admin_compliance.no_change"), className="text-muted")]
    return [*lines, every]


def _effective(values: dict) -> dict:
    """The values a version scored with: a version saved before a setting existed used its default."""
    try:
        return ScoringSettings.from_dict({k: v for k, v in values.items() if k in SETTING_NAMES}).to_dict()
    except (TypeError, ValueError):  # a stored version the model no longer reads: shown as stored
        return values


def _label(name: str) -> str:
    return t(f"admin_compliance.field.{name}")


def _shown(_name: str, value) -> str:
    return "–" if value is None else form_number(value)


def register(app) -> None:
    # Leaving the page with a setting changed and not saved asks first. The note is not compared: it stays in its
    # box after a save, and alone it changes nothing.
    register_unsaved_guard(app, PERMISSION, "admin-compliance", "admin-compliance-opened",
                           {name: f"admin-compliance-{name}" for name in SETTING_NAMES})

    @protected_callback(
        app, PERMISSION,
        [Output(f"admin-compliance-{name}", "value") for name in SETTING_NAMES]
        + [Output(f"admin-compliance-{name}", "invalid") for name in SETTING_NAMES]
        + [Output(f"admin-compliance-{name}-error", "children") for name in SETTING_NAMES]
        + [Output("admin-compliance-current", "children"), Output("admin-compliance-history", "children"),
           Output("admin-compliance-result", "children"), Output("admin-compliance-result", "is_open"),
           Output("admin-compliance-result", "color"), Output("admin-compliance-opened", "data"),
           Output("admin-compliance-form", "disabled")],
        Input("admin-compliance-save", "n_clicks"),
        [State(f"admin-compliance-{name}", "value") for name in SETTING_NAMES]
        + [State("admin-compliance-note", "value"), State("admin-compliance-opened", "data")])
    def load_or_save(_clicks, *values):
        """On load: the current version; on save: a new version (and scores recomputed with it)."""
        current = user()
        *settings_values, note, kept = values
        message, colour, errors, stale = "", "success", {}, False
        submitted = dict(zip(SETTING_NAMES, settings_values))
        if ctx.triggered_id == "admin-compliance-save":
            try:
                version, opened = edit_versions.from_form(kept)
                with database().session() as db:
                    saved = compliance_settings.save_settings(db, current.id, current.username, submitted, note,
                                                              expected_version=version, opened=opened)
                    if saved["changed"]:
                        compliance.refresh_scores(db)
                message = (t("admin_compliance.saved", version=saved["version"]) if saved["changed"]
                           else t("admin_compliance.unchanged"))
            except StaleEdit as error:  # what the admin typed stays; the form keeps the version it opened
                stale, colour = True, "warning"
                message = [html.Div(t("edit.stale_title"), className="fw-semibold"),
                           stale_message(error, lambda name: t(f"admin_compliance.field.{name}"))]
            except InvalidInput as error:
                errors = error.messages(t)
                message, colour = t("admin_compliance.not_saved"), "danger"
        with database().session() as db:
            version, settings = compliance_settings.current_settings(db)
            history = compliance_settings.settings_history(db)
        shown = settings.to_dict()
        form_values = [submitted[name] if errors or stale else form_number(shown[name]) for name in SETTING_NAMES]
        return (form_values + [name in errors for name in SETTING_NAMES]
                + [errors.get(name, "") for name in SETTING_NAMES]
                + [t("admin_compliance.current", version=version,
                     date=format_date(history[0]["created_at"], tz=current.office_timezone) if history else "–"),
                   history_table(history, current.office_timezone), message, bool(message), colour,
                   no_update if stale else edit_versions.opened(version, shown), False])
