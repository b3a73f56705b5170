"""Targeting effectiveness callbacks: read the months and section, ask portal.services.targeting.effectiveness
(through the view cache), draw cards, chart, grid and the flags table."""
from __future__ import annotations

from dash import Input, Output, no_update

from callbacks.common import register_month_words, register_url_filters
from callbacks.shell import known_section
from layouts import targeting_effect as effect_layout
from layouts.targeting_effect import cards, chart, flags_table, grid_rows
from portal.domain.periods import today_in
from portal.extensions import database
from portal.i18n import t
from portal.security.access import protected_callback, user
from portal.services.targeting import effectiveness
from portal.validation import InvalidInput
from portal.view_cache import cached

PERMISSION = effectiveness.PERMISSION


def register(app) -> None:
    register_url_filters(app, PERMISSION, "effect", effect_layout.URL_FIELDS)
    register_month_words(app, PERMISSION, "effect-from", "effect-to")

    @protected_callback(
        app, PERMISSION,
        [Output("effect-cards", "children"), Output("effect-chart", "figure"), Output("effect-grid", "rowData"),
         Output("effect-flags", "children"), Output("effect-from", "invalid"),
         Output("effect-from-feedback", "children"), Output("effect-to", "invalid"),
         Output("effect-to-feedback", "children")],
        Input("effect-from", "value"), Input("effect-to", "value"), Input("effect-section", "value"))
    def load(month_from, month_to, section):
        """The period's figures; a wrong month keeps the last figures and says which field is wrong."""
        current = user()
        tz = current.office_timezone
        try:
            first, last = effectiveness.clean_months(month_from, month_to, today_in(tz))
        except InvalidInput as error:
            messages = error.messages(t)
            return (no_update, no_update, no_update, no_update, "from" in messages, messages.get("from", ""),
                    "to" in messages, messages.get("to", ""))
        with database().session() as session:
            result = cached(session, effectiveness.effectiveness, current.scope, first, last, tz=tz,
                            section=known_section(section))
        return (cards(result["total"]), chart(result["monthly"]), grid_rows(result["rows"]),
                flags_table(result["flags"]), False, "", False, "")
