"""Targeting effectiveness callbacks: read the period, section and direction, ask
portal.services.targeting.effectiveness (through the view cache), draw cards, chart, grid and the flags table."""
from __future__ import annotations

from dash import Input, Output, no_update

from callbacks.common import register_date_words, register_month_words, register_url_filters
from callbacks.kpi import HIDDEN, SHOWN, period_feedback
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
    register_date_words(app, PERMISSION, "effect-start", "effect-end")

    @protected_callback(
        app, PERMISSION,
        [Output("effect-cards", "children"), Output("effect-chart", "figure"), Output("effect-grid", "rowData"),
         Output("effect-flags", "children"), Output("effect-from", "invalid"),
         Output("effect-from-feedback", "children"), Output("effect-to", "invalid"),
         Output("effect-to-feedback", "children"), Output("effect-start", "invalid"),
         Output("effect-start-feedback", "children"), Output("effect-end", "invalid"),
         Output("effect-end-feedback", "children"), Output("effect-from-col", "style"),
         Output("effect-to-col", "style"), Output("effect-start-col", "style"), Output("effect-end-col", "style"),
         Output("effect-direction", "invalid"), Output("effect-direction-feedback", "children")],
        Input("effect-period", "value"), Input("effect-from", "value"), Input("effect-to", "value"),
        Input("effect-start", "value"), Input("effect-end", "value"), Input("effect-section", "value"),
        Input("effect-direction", "value"))
    def load(period, month_from, month_to, day_from, day_to, section, direction):
        """The period's figures, of whole months or of days (a custom period), for a direction or all; a wrong value
        keeps the last figures and says which field is wrong."""
        current = user()
        tz = current.office_timezone
        custom = period == effect_layout.CUSTOM
        fields = [HIDDEN, HIDDEN, SHOWN, SHOWN] if custom else [SHOWN, SHOWN, HIDDEN, HIDDEN]
        # A direction the select never offers (sent by hand): refused in its field, as a wrong month is.
        try:
            direction = effectiveness.clean_direction(None if direction == effect_layout.ALL else direction)
            direction_feedback = [False, ""]
        except InvalidInput as error:
            direction_feedback = [True, error.messages(t)["direction"]]
        try:
            if custom:
                days = effectiveness.clean_days(day_from, day_to)
                first, last = days
            else:
                days = None
                first, last = effectiveness.clean_months(month_from, month_to, today_in(tz))
        except InvalidInput as error:
            if custom:  # two empty dates: just chosen, nothing typed yet (no field red)
                return [no_update] * 4 + [False, "", False, ""] + list(period_feedback(error, day_from, day_to)) \
                    + fields + direction_feedback
            messages = error.messages(t)
            return [no_update] * 4 + ["from" in messages, messages.get("from", ""), "to" in messages,
                                      messages.get("to", ""), False, "", False, ""] + fields + direction_feedback
        if direction_feedback[0]:
            return [no_update] * 4 + [False, "", False, "", False, "", False, ""] + fields + direction_feedback
        with database().session() as session:
            result = cached(session, effectiveness.effectiveness, current.scope, first, last, tz=tz,
                            section=known_section(section), days=days, direction=direction)
        return [cards(result["total"]), chart(result["monthly"]), grid_rows(result["rows"]),
                flags_table(result["flags"]), False, "", False, "", False, "", False, ""] + fields + [False, ""]
