"""Bantuan: each reader gets the manual's chapters meant for them — a service user their own (the officers' speak of
NNC records, rankings, targeting and settings they can neither see nor use), an officer every chapter."""
from __future__ import annotations

import json

from support.web import components, dash_callback
from portal.manual import MANUAL_DIR
from portal.security.permissions import MANUAL_CHAPTERS


def _chooser(client) -> dict:
    """The Help page's chapter chooser as drawn for this reader: its value and the chapters it offers."""
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/help"}])
    assert response.status_code == 200, response.get_data(as_text=True)
    found = next(props for _type, props in components(response.json) if props.get("id") == "help-role")
    return {"value": found["value"], "chapters": [option["value"] for option in found["options"]]}


def _chapter(client, chapter: str) -> str:
    """The chapter the page shows when `chapter` is chosen (or asked for by a crafted request)."""
    response = dash_callback(client, "help-chapter.children",
                             inputs=[{"id": "help-role", "property": "value", "value": chapter}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.json["response"]["help-chapter"]["children"], ensure_ascii=False)


def _title(chapter: str) -> str:
    return (MANUAL_DIR / "id" / f"{chapter}.md").read_text(encoding="utf-8").splitlines()[0]


def test_a_service_users_help_page_offers_and_shows_no_officers_chapter(logged_in):
    client = logged_in("service_user")
    assert _chooser(client) == {"value": "service_user", "chapters": ["service_user"]}
    assert json.dumps(_title("service_user"), ensure_ascii=False)[1:-1] in _chapter(client, "service_user")
    for officers in ("operator", "coordinator", "head", "admin"):
        shown = _chapter(client, officers)  # asked for by hand: the chooser does not offer it
        assert json.dumps(_title(officers), ensure_ascii=False)[1:-1] not in shown, officers
        assert "Bab ini belum ditulis." in shown


def test_an_officers_help_page_still_offers_every_chapter_their_own_first(logged_in):
    client = logged_in("operator")
    assert _chooser(client) == {"value": "operator", "chapters": list(MANUAL_CHAPTERS)}
    for chapter in ("operator", "service_user", "head"):
        assert json.dumps(_title(chapter), ensure_ascii=False)[1:-1] in _chapter(client, chapter), chapter
