"""Service users' NNC pages: only the NNCs naming their company (portal.services.nnc.register scopes and checks it)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from callbacks.common import Page, load_record, paged_callback
from callbacks.nnc_detail import viewed_nnc
from layouts.my import not_yours
from layouts.my_nnc import nnc_card
from layouts.nnc_common import attachment_list, detail_cards, status_table
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import my_applications
from portal.services.nnc import search as nnc_search

PERMISSION = "my.view"
PAGE_SIZE = 10


LOOKUP_BADGES = ("nnc.lookup.found", "nnc.lookup.not_found")


def _without_lookup_badges(component):
    """The detail cards without the officers' "ditemukan" / "tidak ditemukan" badges: they say whether a number matched
    the certification system's data, which tells a service user nothing (their own application is linked instead)."""
    words = {t(key) for key in LOOKUP_BADGES}
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        component.children = [_without_lookup_badges(child) for child in children
                               if not (isinstance(child, dbc.Badge) and child.children in words)]
    elif children is not None and hasattr(children, "to_plotly_json"):
        _without_lookup_badges(children)
    return component


def _viewed(db, nnc_id, viewer):
    """The NNC as the viewer may see it, and whether its application is the viewer's own (then it is linked)."""
    found, files, past = viewed_nnc(db, nnc_id, viewer)
    return found, files, past, my_applications.owns_application(db, viewer, found.get("application_id"))


def register(app) -> None:
    @paged_callback(app, PERMISSION, "my-nnc", output={"items": Output("my-nnc-list", "children")}, inputs={},
                    count_id="my-nnc-pager-text")
    def load_page(page):
        """A page of the NNCs naming the user's companies, newest first."""
        with database().session() as db:
            result = nnc_search.search_nncs(db, user(), {}, None, page, PAGE_SIZE)
        if not result["rows"]:
            return {"items": dbc.Alert(t("my_nnc.none"), color="success", id="my-nnc-none")}, \
                Page(page, PAGE_SIZE, 0, 0)
        return {"items": [nnc_card(row) for row in result["rows"]]}, Page(page, PAGE_SIZE, len(result["rows"]),
                                                                          result["total"])

    @protected_callback(app, PERMISSION, Output("my-nnc-detail-title", "children"),
                        Output("my-nnc-detail-content", "children"), Input("my-nnc-detail-id", "data"))
    def show(nnc_id):
        """One NNC of the user's company: no internal notes, no officers' names; anything else is refused."""
        current = user()
        viewed, refusal = load_record(nnc_id, lambda db, found_id: _viewed(db, found_id, current))
        if refusal:  # another company's NNC, a voided one or none: the same answer, so ids tell nothing
            return t("page.my_nnc_detail"), not_yours("nnc")
        found, files, past, own_application = viewed
        tz = current.office_timezone
        href = f"/my/applications/{found['application_id']}" if own_application else None
        return t("nnc.detail_title", number=found["number"]), [
            html.P(t("my_nnc.detail_help"), className="text-muted"),
            *[_without_lookup_badges(card) for card in detail_cards(found, "my-nnc-detail", internal=False,
                                                                    application_href=href)],
            dbc.Card([dbc.CardHeader([html.I(className="bi bi-paperclip me-2"), t("nnc.card.attachments")],
                                     className="fw-semibold"),
                      dbc.CardBody(attachment_list(files, "my-nnc-detail", tz, show_uploader=False))],
                     className="mb-3"),
            dbc.Card([dbc.CardHeader([html.I(className="bi bi-signpost-split me-2"), t("nnc.history.statuses")],
                                     className="fw-semibold"),
                      dbc.CardBody(status_table(past["statuses"], tz, "my-nnc-detail", officer=False))],
                     className="mb-3"),
        ]
