"""Admin › Compliance settings: weights, window, prior, tier and intervention thresholds; versioned and audited."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import admin_targeting
from layouts.common import field, filled_form, page_header
from portal.i18n import t

# Form groups: (title key, [setting names]); each input is `admin-compliance-<name>`.
GROUPS = (
    ("admin_compliance.group.weights", ("weight_detention", "weight_refusal", "weight_destruction", "weight_nnc")),
    ("admin_compliance.group.window", ("window_months", "prior_m", "p0_min_consignments", "p0_fallback")),
    ("admin_compliance.group.tier_a", ("tier_a_min_clean_streak", "tier_a_clean_months", "tier_a_min_n")),
    ("admin_compliance.group.tiers", ("tier_d_min_violation_records", "tier_d_score_below", "tier_b_min_score",
                                       "handler_flag_tier_d")),
    ("admin_compliance.group.intervention", ("tightened_percent", "normal_percent", "reduced_percent",
                                             "normal_after_clean", "reduced_after_more_clean")),
)
SETTING_NAMES = tuple(name for _title, names in GROUPS for name in names)


def layout(user, **_):
    groups = []
    for title, names in GROUPS:
        groups.append(html.Fieldset([
            html.Legend(t(title), className="h6"),
            dbc.Row([field(t(f"admin_compliance.field.{name}"),
                           dbc.Input(id=f"admin-compliance-{name}", type="text", inputMode="decimal"),
                           f"admin-compliance-{name}-error", help_text=t(f"admin_compliance.help.{name}"), width=3)
                     for name in names]),
        ], className="mb-2"))
    return html.Div([
        page_header(t("page.admin_compliance"), t("admin_compliance.subtitle")),
        html.P(id="admin-compliance-current", className="small text-muted"),
        dbc.Card(dbc.CardBody([
            filled_form("admin-compliance-form", [
                *groups,
                dbc.Row([field(t("admin_compliance.field.note"), dbc.Input(id="admin-compliance-note", maxLength=300),
                               help_text=t("admin_compliance.help.note"), width=9)]),
                dbc.Button([html.I(className="bi bi-save me-1"), t("admin_compliance.save")],
                           id="admin-compliance-save", color="primary"),
            ]),
            dbc.Alert(id="admin-compliance-result", is_open=False, className="mt-3 mb-0"),
            dcc.Store(id="admin-compliance-opened"),  # the settings version the form opened (edit_versions)
        ]), className="mb-3 shadow-sm"),
        admin_targeting.card(),  # inspection targeting's flags and key (issue #18): callbacks/admin_targeting.py
        dbc.Card([dbc.CardHeader(html.H2(t("admin_compliance.history_title"), className="h6 mb-0")),
                  dbc.CardBody(html.Div(id="admin-compliance-history"))], className="shadow-sm"),
    ])
