"""One NNC's page: draw it for the viewer (portal.services.nnc.register checks their reach) and record follow-up."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from callbacks.common import load_record, register_unsaved_guard, stale_message
from layouts.components.empty import refused
from layouts.nnc_common import (attachment_list, changes_table, detail_cards, nnc_field_label, nnc_value_label,
                                status_badge, status_table)
from layouts.components.formatting import format_date
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import edit_versions
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.nnc import rules as nnc_rules
from portal.validation import Forbidden, InvalidInput, NotFound, StaleEdit

FOLLOW_UP_TEXTS = ("investigation_findings", "corrective_action", "guidance_given")
KEEP = "keep"  # the status select's "no change" choice


def viewed_nnc(db, nnc_id: int, viewer) -> tuple[dict, list[dict], dict]:
    """One NNC as `viewer` may see it, with its files and history (Forbidden / NotFound otherwise)."""
    return (nnc_detail.nnc_for_viewer(db, nnc_id, viewer), nnc_detail.attachments_of(db, nnc_id, viewer),
            nnc_detail.history(db, nnc_id, viewer))


# What `show` draws: the record, its files and history (a refused follow-up draws them again too).
PAGE = [("nnc-detail-title", "children"), ("nnc-detail-subtitle", "children"), ("nnc-detail-actions", "children"),
        ("nnc-detail-content", "children"), ("nnc-detail-attachments", "children"),
        ("nnc-detail-statuses", "children"), ("nnc-detail-changes", "children"), ("nnc-detail-notice", "children"),
        ("nnc-detail-notice", "is_open")]


def _drawn(nnc_id) -> list:
    """The NNC with its files and history, if the viewer may see it (the service checks their reach)."""
    current = user()
    viewed, refusal = load_record(nnc_id, lambda db, found_id: viewed_nnc(db, found_id, current))
    if refusal:
        return [t("page.nnc_detail"), "", None, refused(refusal), None, None, None, "", False]
    found, files, past = viewed
    tz = current.office_timezone
    allowed = nnc_rules.permissions_for(current, found)
    actions = []
    if allowed["edit"]:
        actions.append(dbc.Button([html.I(className="bi bi-pencil me-1"), t("nnc.edit")],
                                  href=f"/nnc/{found['id']}/edit", color="primary", id="nnc-detail-edit"))
    flow = t("nnc.flow." + found["flow"])
    summary = " · ".join([flow, format_date(found["notice_date"]), found["party"] or "–"])
    subtitle = html.Span([status_badge(found["status"]), html.Span(summary, className="ms-2")])
    notice = t("nnc.void_notice", reason=found.get("void_reason") or "–") if found["status"] == "void" else ""
    application_href = f"/applications/{found['application_id']}" if found.get("application_id") and \
        current.can("applications.view") else None
    return [t("nnc.detail_title", number=found["number"]), subtitle, actions,
            detail_cards(found, "nnc-detail", internal=allowed["internal"], application_href=application_href),
            attachment_list(files, "nnc-detail", tz), status_table(past["statuses"], tz, "nnc-detail"),
            changes_table(past["changes"], tz, "nnc-detail"), notice, bool(notice)]


def register(app) -> None:
    # Unsaved changes (layouts/components/unsaved.py): leaving the page with the follow-up changed asks first; its
    # status choice starts at "keep" and its note empty at every opening.
    register_unsaved_guard(app, "nnc.follow_up", "nnc-detail-fu", "nnc-detail-fu-opened",
                           {name: f"nnc-detail-fu-{name}" for name in FOLLOW_UP_TEXTS},
                           blank=["nnc-detail-fu-status", "nnc-detail-fu-note"], empty={"nnc-detail-fu-status": KEEP})

    @protected_callback(
        app, "nnc.view", [Output(*part) for part in PAGE],
        Input("nnc-detail-id", "data"), Input("nnc-detail-refresh", "data"))
    def show(nnc_id, _refresh):
        """The NNC with its files and history, if the viewer may see it."""
        return _drawn(nnc_id)

    @protected_callback(
        app, "nnc.follow_up",
        [Output("nnc-detail-fu-card", "style"), Output("nnc-detail-fu-status", "options"),
         Output("nnc-detail-fu-status", "value"), Output("nnc-detail-fu-note", "value"),
         Output("nnc-detail-fu-opened", "data")]
        + [Output(f"nnc-detail-fu-{name}", "value") for name in FOLLOW_UP_TEXTS]
        + [Output(f"nnc-detail-fu-{name}", "disabled") for name in FOLLOW_UP_TEXTS],
        Input("nnc-detail-fu-id", "data"), Input("nnc-detail-refresh", "data"))
    def fill_follow_up(nnc_id, _refresh):
        """Show the panel only when the viewer may follow this NNC up (coordinators: their own section)."""
        current = user()
        hidden = [{"display": "none"}, [], KEEP, "", None] + [no_update] * 3 + [True] * 3
        try:
            with database().session() as db:
                found = nnc_detail.nnc_for_viewer(db, int(nnc_id), current)
        except (Forbidden, NotFound):
            return hidden
        allowed = nnc_rules.permissions_for(current, found)
        if not allowed["follow_up"]:
            return hidden
        options = [{"label": t("nnc.follow_up.keep_status", status=t(f"nnc.status.{found['status']}")),
                    "value": KEEP}] + [{"label": t(f"nnc.follow_up.to.{status}"), "value": status}
                                     for status in allowed["transitions"]]
        locked = found["status"] not in nnc_rules.OPEN_STATUSES
        kept = edit_versions.opened(found["version"], {name: found.get(name) for name in FOLLOW_UP_TEXTS + ("status",)})
        return [{}, options, KEEP, "", kept] + [found.get(name) or "" for name in FOLLOW_UP_TEXTS] + [locked] * 3

    @protected_callback(
        app, "nnc.follow_up",
        [Output("nnc-detail-refresh", "data"), Output("nnc-detail-fu-alert", "children"),
         Output("nnc-detail-fu-alert", "is_open"), Output("nnc-detail-fu-alert", "color"),
         Output("nnc-detail-fu-status", "invalid"), Output("nnc-detail-fu-status-feedback", "children"),
         Output("nnc-detail-fu-note", "invalid"), Output("nnc-detail-fu-note-feedback", "children")]
        + [Output(f"nnc-detail-fu-{name}", "invalid") for name in FOLLOW_UP_TEXTS]
        + [Output(f"nnc-detail-fu-{name}-feedback", "children") for name in FOLLOW_UP_TEXTS]
        + [Output(*part, allow_duplicate=True) for part in PAGE],
        Input("nnc-detail-fu-save", "n_clicks"),
        [State("nnc-detail-fu-id", "data"), State("nnc-detail-fu-status", "value"), State("nnc-detail-fu-note", "value")]
        + [State(f"nnc-detail-fu-{name}", "value") for name in FOLLOW_UP_TEXTS]
        + [State("nnc-detail-refresh", "data"), State("nnc-detail-fu-opened", "data")],
        prevent_initial_call=True)
    def save_follow_up(_clicks, nnc_id, to_status, note, findings, corrective, guidance, refresh, kept):
        """Record the follow-up and/or the status change; a refused one keeps what was typed."""
        data = dict(zip(FOLLOW_UP_TEXTS, (findings, corrective, guidance)))
        unchanged = [no_update] * len(PAGE)  # the page is drawn by `show` (after a save: the refresh)
        version, opened = edit_versions.from_form(kept)
        try:
            with database().session() as db:
                saved = nnc.record_follow_up(db, user(), int(nnc_id), data,
                                             None if to_status in (None, "", KEEP) else to_status, note,
                                             expected_version=version, opened=opened)
        except StaleEdit as error:
            # The record beside the panel is drawn again as it now stands; the panel keeps what was typed and the
            # version it opened (a `refresh` would fill it again from the record).
            alert = [html.Div(t("edit.stale_title"), className="fw-semibold"),
                     stale_message(error, nnc_field_label, nnc_value_label)]
            return [no_update, alert, True, "warning", False, "", False, ""] + [False] * 3 + [""] * 3 + _drawn(nnc_id)
        except InvalidInput as error:
            messages = error.messages(t)
            return [no_update, t("form.has_errors"), True, "danger", "status" in messages, messages.get("status", ""),
                    "note" in messages, messages.get("note", "")] + \
                [name in messages for name in FOLLOW_UP_TEXTS] + [messages.get(name, "") for name in FOLLOW_UP_TEXTS] \
                + unchanged
        except (Forbidden, NotFound):
            return [no_update, t("nnc.not_available"), True, "danger", False, "", False, ""] + [False] * 3 + \
                [""] * 3 + unchanged
        done = t("nnc.follow_up.saved", status=t(f"nnc.status.{saved['status']}"))
        return [(refresh or 0) + 1, done, True, "success", False, "", False, ""] + [False] * 3 + [""] * 3 + \
            unchanged
