"""An honest page for what is not built yet: it says so, and says what will be here."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.common import page_header
from portal.i18n import t


def layout(user, page, **_):
    return html.Div([
        page_header(t(page.title_key)),
        dbc.Alert([html.H2([html.I(className="bi bi-cone-striped me-2"), t("placeholder.title")], className="h5"),
                   html.P(t(f"placeholder.{page.key}"), className="mb-0")],
                  color="secondary", id=f"{page.key}-placeholder"),
    ])
