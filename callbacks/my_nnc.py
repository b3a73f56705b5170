"""Service users' NNC pages: only the NNCs naming their company (portal.services.nnc.register scopes and checks it)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html

from layouts.common import forbidden
from layouts.my_nnc import nnc_card
from layouts.nnc_common import attachment_list, detail_cards, status_table
from portal import i18n
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.nnc import register as nnc
from portal.validation import Forbidden, NotFound

PERMISSION = "my.view"
PAGE_SIZE = 10


def register(app) -> None:
    @protected_callback(
        app, PERMISSION,
        [Output("my-nnc-list", "children"), Output("my-nnc-pager-text", "children"), Output("my-nnc-page", "data"),
         Output("my-nnc-prev", "disabled"), Output("my-nnc-next", "disabled")],
        Input("my-nnc-prev", "n_clicks"), Input("my-nnc-next", "n_clicks"), State("my-nnc-page", "data"))
    def load_page(_prev, _next, page):
        """A page of the NNCs naming the user's companies, newest first."""
        page = page or 0
        if ctx.triggered_id == "my-nnc-next":
            page += 1
        elif ctx.triggered_id == "my-nnc-prev":
            page = max(page - 1, 0)
        with database().session() as db:
            result = nnc.search_nncs(db, user(), {}, None, page, PAGE_SIZE)
        if not result["rows"]:
            return (dbc.Alert(t("my_nnc.none"), color="success", id="my-nnc-none"), "", page, True, True)
        first = page * PAGE_SIZE + 1
        last = page * PAGE_SIZE + len(result["rows"])
        text = t("pager.showing", first=i18n.format_number(first), last=i18n.format_number(last),
                 total=i18n.format_number(result["total"]))
        return [nnc_card(row) for row in result["rows"]], text, page, page == 0, last >= result["total"]

    @protected_callback(app, PERMISSION, Output("my-nnc-detail-title", "children"),
                        Output("my-nnc-detail-content", "children"), Input("my-nnc-detail-id", "data"))
    def show(nnc_id):
        """One NNC of the user's company: no internal notes, no officers' names; anything else is refused."""
        current = user()
        try:
            with database().session() as db:
                found = nnc.nnc_for_viewer(db, int(nnc_id), current)
                files = nnc.attachments_of(db, int(nnc_id), current)
                past = nnc.history(db, int(nnc_id), current)
        except (Forbidden, NotFound):
            return t("page.my_nnc_detail"), forbidden()
        tz = current.office_timezone
        return t("nnc.detail_title", number=found["number"]), [
            html.P(t("my_nnc.detail_help"), className="text-muted"),
            *detail_cards(found, "my-nnc-detail", internal=False),
            dbc.Card([dbc.CardHeader([html.I(className="bi bi-paperclip me-2"), t("nnc.card.attachments")],
                                     className="fw-semibold"),
                      dbc.CardBody(attachment_list(files, "my-nnc-detail", tz, show_uploader=False))],
                     className="mb-3"),
            dbc.Card([dbc.CardHeader([html.I(className="bi bi-signpost-split me-2"), t("nnc.history.statuses")],
                                     className="fw-semibold"),
                      dbc.CardBody(status_table(past["statuses"], tz, "my-nnc-detail", officer=False))],
                     className="mb-3"),
        ]
