"""Admin › inspection targeting: load and save the flag settings (a new version, audited), rotate the office key."""
from __future__ import annotations

from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import register_unsaved_guard, stale_message
from layouts.admin_targeting import THRESHOLD_NAMES
from layouts.components.formatting import form_number, format_datetime
from portal.domain.targeting import FLAG_CODES
from portal.extensions import database
from portal.i18n import t
from portal.security.access import protected_callback, user
from portal.services import edit_versions
from portal.services.targeting import keys, settings as targeting_settings
from portal.validation import InvalidInput, StaleEdit

PERMISSION = "admin.settings"


def _key_line(office_id: int, tz: str) -> str:
    with database().session() as db:
        versions = keys.key_versions(db, office_id)
    if not versions:
        return t("admin_targeting.key_none")
    current = versions[0]
    return t("admin_targeting.key_current", version=current["version"], when=format_datetime(current["created_at"], tz))


def register(app) -> None:
    # Leaving the page with a flag or threshold changed and not saved asks first: the flags are one checklist, a
    # switch per flag (the note, as on the scoring settings, is not compared).
    register_unsaved_guard(app, PERMISSION, "admin-targeting", "admin-targeting-opened",
                           {**{code: "admin-targeting-flags" for code in FLAG_CODES},
                            **{name: f"admin-targeting-{name}" for name in THRESHOLD_NAMES}})

    @protected_callback(
        app, PERMISSION,
        [Output("admin-targeting-flags", "value")]
        + [Output(f"admin-targeting-{name}", "value") for name in THRESHOLD_NAMES]
        + [Output(f"admin-targeting-{name}", "invalid") for name in THRESHOLD_NAMES]
        + [Output(f"admin-targeting-{name}-error", "children") for name in THRESHOLD_NAMES]
        + [Output("admin-targeting-current", "children"), Output("admin-targeting-result", "children"),
           Output("admin-targeting-result", "is_open"), Output("admin-targeting-result", "color"),
           Output("admin-targeting-opened", "data"), Output("admin-targeting-form", "disabled")],
        Input("admin-targeting-save", "n_clicks"),
        [State("admin-targeting-flags", "value")] + [State(f"admin-targeting-{name}", "value") for name in THRESHOLD_NAMES]
        + [State("admin-targeting-note", "value"), State("admin-targeting-opened", "data")])
    def load_or_save(_clicks, flags, *values):
        """On load: the current version; on save: a new version (decisions made from now on name it)."""
        current = user()
        *threshold_values, note, kept = values
        message, colour, errors, stale = "", "success", {}, False
        on = set(flags or []) if isinstance(flags, list) else set()
        submitted = {**{code: code in on for code in FLAG_CODES}, **dict(zip(THRESHOLD_NAMES, threshold_values))}
        if ctx.triggered_id == "admin-targeting-save":
            try:
                version, opened = edit_versions.from_form(kept)
                with database().session() as db:
                    saved = targeting_settings.save_settings(db, current.id, current.username, submitted, note,
                                                             expected_version=version, opened=opened)
                message = (t("admin_targeting.saved", version=saved["version"]) if saved["changed"]
                           else t("admin_compliance.unchanged"))
            except StaleEdit as error:
                stale, colour = True, "warning"
                message = [html.Div(t("edit.stale_title"), className="fw-semibold"),
                           stale_message(error, lambda name: t(f"admin_targeting.field.{name}")
                                         if name in THRESHOLD_NAMES else t(f"admin_targeting.flag.{name}"))]
            except InvalidInput as error:
                errors = error.messages(t)
                message, colour = t("admin_compliance.not_saved"), "danger"
        with database().session() as db:
            version, settings = targeting_settings.current_settings(db)
        shown = settings.to_dict()
        keep_typed = bool(errors) or stale
        flag_values = sorted(on) if keep_typed else [code for code in FLAG_CODES if shown[code]]
        thresholds = [submitted[name] if keep_typed else form_number(shown[name]) for name in THRESHOLD_NAMES]
        return ([flag_values] + thresholds + [name in errors for name in THRESHOLD_NAMES]
                + [errors.get(name, "") for name in THRESHOLD_NAMES]
                # Version 0 is the built-in values, never saved: "versi 0" beside the compliance card's "versi 1" read
                # like a fault.
                + [t("admin_targeting.current", version=version) if version else t("admin_targeting.current_default"),
                   message, bool(message), colour,
                   no_update if stale else edit_versions.opened(version, shown), False])

    @protected_callback(app, PERMISSION, Output("admin-targeting-rotate-confirm", "displayed"),
                        Input("admin-targeting-rotate", "n_clicks"), prevent_initial_call=True)
    def ask(_clicks):
        """Ask before rotating: a rotation is for when the key may be known outside the office."""
        return True

    @protected_callback(app, PERMISSION,
                        [Output("admin-targeting-key", "children"), Output("admin-targeting-rotated", "children"),
                         Output("admin-targeting-rotated", "is_open")],
                        Input("admin-targeting-rotate-confirm", "submit_n_clicks"))
    def rotate(confirmed):
        """Show the key's version (never the key); after the confirmation, rotate it (audited)."""
        current = user()
        message = ""
        if confirmed and ctx.triggered_id == "admin-targeting-rotate-confirm":
            with database().session() as db:
                result = keys.rotate_key(db, current.office_id, current.id, current.username)
            message = t("admin_targeting.rotated", version=result["version"])
        return _key_line(current.office_id, current.office_timezone), message, bool(message)
