"""Every search box's placeholder fits its box whole, in Indonesian and in English (layouts.components.search_box):
a cut-off hint ("Media pembawa, nama ilmiah atau…", "Cari nomor, komoditas, pihak, …") hides the very fields it
lists.

The rooms below were measured in Chromium (the text's room: the input's width less its padding, beside the
magnifier) at 1366×768 and at 390×844, the narrower of the two kept. The portal's 16 px sans draws these hints at
7.6–9.3 px a character (measured), so a hint of at most room / 9.2 characters fits.
"""
from __future__ import annotations

import pytest

from support.web import components, dash_callback, switch_language

# The narrowest room a box's text has, in px: a quarter-width column on a laptop (xl=3 / md=3) is the tightest; a
# box alone on its row on a phone has 299 px. A box not listed is held to the narrowest.
ROOM_PX = {"applications-number": 251, "applications-service_user": 251, "applications-handler": 251,
           "applications-commodity": 251, "complaints-text": 251, "admin-audit-user": 251, "nnc-text": 263,
           "survey-comment-text": 265, "rankings-search": 299, "queue-search": 299, "admin-users-search": 299,
           "admin-service-users-search": 299, "admin-companies-search": 299, "my-search": 299}
NARROWEST_PX = min(ROOM_PX.values())
PX_PER_CHARACTER = 9.2
# path → (the role that opens it, the search boxes it draws)
PAGES = {"/applications": ("operator", {"applications-number", "applications-service_user", "applications-handler",
                                        "applications-commodity"}),
         "/complaints": ("operator", {"complaints-text"}),
         "/nnc": ("operator", {"nnc-text"}),
         "/targeting/queue": ("operator", {"queue-search"}),
         "/rankings": ("enforcement", {"rankings-search"}),
         "/survey-results": ("head", {"survey-comment-text"}),
         "/admin/users": ("admin", {"admin-users-search"}),
         "/admin/service-users": ("admin", {"admin-service-users-search"}),
         "/admin/audit": ("admin", {"admin-audit-user"}),
         "/admin/companies": ("admin", {"admin-companies-search"}),
         "/my/applications": ("service_user", {"my-search"})}


def limit(box_id: str) -> int:
    """The most characters box `box_id`'s placeholder may have."""
    return int(ROOM_PX.get(box_id, NARROWEST_PX) / PX_PER_CHARACTER)


def _search_boxes(client, path: str) -> dict[str, dict]:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": ""}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return {props["id"]: props for _type, props in components(response.json) if props.get("type") == "search"}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("path", sorted(PAGES))
def test_every_search_placeholder_fits_its_box(app, logged_in, path, language):
    role, expected = PAGES[path]
    client = logged_in(role)
    switch_language(client, language)
    boxes = _search_boxes(client, path)
    assert expected <= set(boxes)
    too_long = {box_id: props["placeholder"] for box_id, props in boxes.items()
                if len(props["placeholder"]) > limit(box_id)}
    assert too_long == {}


def test_a_shortened_search_box_keeps_its_full_description_for_screen_readers_and_the_mouse(app, logged_in):
    client = logged_in("admin")
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/admin/companies"}],
                             state=[{"id": "shell-url", "property": "search", "value": ""}])
    drawn = list(components(response.json))
    label = next(props for kind, props in drawn
                 if kind == "Label" and props.get("html_for") == "admin-companies-search")
    assert label["children"] == "Cari nama perusahaan atau NPWP (format apa pun)"
    assert any(props.get("title") == label["children"] for _kind, props in drawn)
    box = next(props for _kind, props in drawn if props.get("id") == "admin-companies-search")
    assert box["placeholder"] == "Cari nama perusahaan atau NPWP"
