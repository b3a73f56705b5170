"""Guidance callbacks: the tier-D list with the effect of the last guidance, and recording new guidance."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from callbacks.common import register_open_row, register_section_loader, shown_in
from callbacks.rankings import compliance_sections
from layouts.compliance_common import grid_row, window_text
from layouts.guidance import FORM_FIELDS
from layouts.components.formatting import format_count, format_date, format_number
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import guidance
from portal.validation import Forbidden, InvalidInput

PERMISSION = "rankings.view"


def effect_text(effect: dict | None) -> str:
    """'3,00 → 0,00 per 100 consignments (improved)', with the before / after periods' consignments."""
    if effect is None:
        return t("guidance.effect.none")

    def rate(side):
        return "–" if side["rate_per_100"] is None else format_number(side["rate_per_100"], decimals=2)

    text = t("guidance.effect.text", before=rate(effect["before"]), after=rate(effect["after"]),
             n_before=format_count(effect["before"]["n"]), n_after=format_count(effect["after"]["n"]),
             verdict=t(f"guidance.verdict.{effect['verdict']}"))
    return text if effect["after_complete"] else f"{text} · {t('guidance.effect.incomplete')}"


def register(app) -> None:
    register_section_loader(app, PERMISSION, "guidance-section", Input("guidance-version", "id"), compliance_sections)
    outputs = {"rows": Output("guidance-grid", "rowData"), "recent": Output("guidance-recent", "children"),
               "window": Output("guidance-window", "children"), "error": Output("guidance-error", "children"),
               "error_open": Output("guidance-error", "is_open")}

    @protected_callback(app, PERMISSION, output=outputs,
                        inputs={"section": Input("guidance-section", "value"),
                                "_version": Input("guidance-version", "data")},
                        on_error=shown_in(outputs, forbidden_key="compliance.forbidden", rows=[], recent="",
                                          window=""))
    def load(section, _version):
        """The tier-D list with each company's last guidance and its effect, and the guidance recorded lately."""
        with database().session() as db:
            scope = compliance_filters.reach(user().scope)
            result = guidance.guidance_list(db, **scope, filters={"section": section})
            recent = guidance.recent_records(db, **scope)
        tz = result["timezone"]
        rows = []
        for row in result["rows"]:
            last = row["last_guidance"]
            rows.append({**grid_row(row, tz),
                         "last_guidance": "–" if last is None else
                         f"{format_date(last['given_on'])} · {t('guidance.kind.' + last['kind'])}",
                         "effect": effect_text(None if last is None else last["effect"])})
        return {"rows": rows, "recent": recent_table(recent), "window": window_text(result), "error": "",
                "error_open": False}

    register_open_row(app, PERMISSION, "guidance-grid", "guidance-go", "/profile/")

    @protected_callback(app, "guidance.edit", Output("guidance-service_user_id", "options"),
                        Input("guidance-grid", "rowData"))
    def form_choices(rows):
        """The service users to record guidance for: those on the list (tier D)."""
        return [{"label": f"{row['name']} · {row['tax_id']}", "value": str(row["id"])} for row in rows or []]

    @protected_callback(
        app, "guidance.edit",
        [Output(f"guidance-{name}", "invalid") for name in FORM_FIELDS]
        + [Output(f"guidance-{name}-error", "children") for name in FORM_FIELDS]
        + [Output("guidance-saved", "children"), Output("guidance-saved", "is_open"),
           Output("guidance-version", "data"), Output("guidance-notes", "value")],
        Input("guidance-save", "n_clicks"),
        [State(f"guidance-{name}", "value") for name in FORM_FIELDS]
        + [State("guidance-section", "value"), State("guidance-version", "data")],
        prevent_initial_call=True)
    def save(_clicks, service_user_id, given_on, kind, officer_name, notes, section, version):
        """Validate and record; every field's problem shown under it; what was typed stays on an error."""
        current = user()
        values = {"service_user_id": service_user_id, "given_on": given_on, "kind": kind,
                  "officer_name": officer_name, "notes": notes, "section": section}
        try:
            with database().session() as db:
                guidance.record_guidance(db, current.id, current.username, **compliance_filters.reach(current.scope),
                                         values=values)
        except InvalidInput as error:
            messages = error.messages(t)
            return ([name in messages for name in FORM_FIELDS] + [messages.get(name, "") for name in FORM_FIELDS]
                    + ["", False, no_update, no_update])
        except Forbidden:
            return ([True] + [False] * 4 + [t("compliance.forbidden")] + [""] * 4 + ["", False, no_update,
                                                                                   no_update])
        return [False] * 5 + [""] * 5 + [t("guidance.saved"), True, (version or 0) + 1, ""]


def recent_table(records: list[dict]):
    if not records:
        return html.P(t("guidance.no_records"), className="text-muted mb-0")
    headers = [t("profile.col.date"), t("compliance.col.name"), t("guidance.field.kind"), t("guidance.field.officer"),
               t("guidance.field.notes"), t("guidance.col.effect")]
    body = [html.Tr([html.Td(cell, **{"data-label": h}) for h, cell in zip(headers, [
        format_date(r["given_on"]), dcc.Link(r["name"], href=f"/profile/{r['service_user_id']}"),
        t(f"guidance.kind.{r['kind']}"), r["officer_name"], r["notes"], effect_text(r["effect"])])])
        for r in records]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body)], size="sm", hover=True,
                     responsive=True, className="mb-0 qc-stack-table", id="guidance-recent-table")
