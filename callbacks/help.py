"""Bantuan: show the chosen chapter of the manual (read from docs/manual, never the database)."""
from __future__ import annotations

from dash import Input, Output

from portal import manual
from portal.security.access import protected_callback, user
from portal.i18n import current_language, t


def register(app) -> None:
    @protected_callback(app, "help.view", Output("help-chapter", "children"), Input("help-role", "value"))
    def show(role):
        # The reader's own scope: the chooser lists only the chapters it reads, and the value comes from the browser.
        text = manual.chapter(role or "", current_language(), reader=user().scope)
        return text or t("help.missing")
