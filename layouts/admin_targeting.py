"""Admin › Compliance settings › Inspection targeting: which risk flags are on and their thresholds (versioned and
audited like the scoring settings), and the office key's rotation. The key itself is never shown."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import field, filled_form
from portal.domain.targeting import FLAG_CODES
from portal.i18n import t

THRESHOLD_NAMES = ("new_company_below", "recent_nnc_days", "quantity_factor")


def card():
    switches = dbc.Checklist(id="admin-targeting-flags", switch=True,
                             options=[{"label": t(f"admin_targeting.flag.{code}"), "value": code}
                                      for code in FLAG_CODES], className="mb-3")
    thresholds = dbc.Row([field(t(f"admin_targeting.field.{name}"),
                                dbc.Input(id=f"admin-targeting-{name}", type="text", inputMode="decimal"),
                                f"admin-targeting-{name}-error", width=4) for name in THRESHOLD_NAMES])
    return dbc.Card([
        dbc.CardHeader(html.H2([html.I(className="bi bi-bullseye me-2"), t("admin_targeting.title")],
                               className="h6 mb-0")),
        dbc.CardBody([
            html.P(t("admin_targeting.why"), className="small text-muted"),
            html.P(id="admin-targeting-current", className="small text-muted"),
            filled_form("admin-targeting-form", [
                html.Fieldset([html.Legend(t("admin_targeting.flags"), className="h6"), switches]),
                thresholds,
                dbc.Row([field(t("admin_compliance.field.note"), dbc.Input(id="admin-targeting-note", maxLength=300),
                               width=8)]),
                dbc.Button([html.I(className="bi bi-save me-1"), t("admin_targeting.save")], id="admin-targeting-save",
                           color="primary"),
            ]),
            dbc.Alert(id="admin-targeting-result", is_open=False, className="mt-3 mb-0"),
            dcc.Store(id="admin-targeting-opened"),
            html.Hr(),
            html.H3(t("admin_targeting.key_title"), className="h6"),
            html.P(t("admin_targeting.key_why"), className="small text-muted"),
            html.P(id="admin-targeting-key", className="small"),
            dbc.Button([html.I(className="bi bi-arrow-repeat me-1"), t("admin_targeting.rotate")],
                       id="admin-targeting-rotate", color="outline-danger"),
            dcc.ConfirmDialog(id="admin-targeting-rotate-confirm", message=t("admin_targeting.rotate_confirm")),
            dbc.Alert(id="admin-targeting-rotated", is_open=False, className="mt-3 mb-0"),
        ]),
    ], className="mb-3 shadow-sm", id="admin-targeting")
