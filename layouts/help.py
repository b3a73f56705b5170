"""Bantuan: the user manual chapter for the reader's role, and the others on request."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import hidden_label, page_header
from portal import manual
from portal.i18n import current_language, t


def layout(user, **_):
    roles = manual.chapters(current_language(), reader=user.scope)
    return html.Div([
        page_header(t("help.title"), t("help.subtitle")),
        dbc.Row([
            dbc.Col([hidden_label(t("help.chapter"), "help-role"),
                     dbc.Select(id="help-role", value=user.role if user.role in roles else (roles[0] if roles else ""),
                                options=[{"label": t(f"role.{role}"), "value": role} for role in roles])],
                    md=4, className="mb-3"),
            dbc.Col(html.Small(t("help.print"), className="text-muted"), md=8, className="text-md-end pt-2"),
        ]),
        dbc.Card(dbc.CardBody(dcc.Markdown(id="help-chapter", className="qc-manual", link_target="_self")),
                 className="shadow-sm"),
    ])
