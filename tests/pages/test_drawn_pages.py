"""A person's drawn pages are kept for their next visit (callbacks/shell.py): only pages whose drawing
depends on nothing but the reader, the address, the language and the day may be, and a changed reader draws afresh."""
from __future__ import annotations

import pickle
import re

import pytest
from flask_login import login_user

from callbacks.common import plain
from callbacks.shell import drawn
from portal.pages import PAGES
from portal.security.access import CurrentUser
from portal.security.permissions import ROLE_PERMISSIONS
from support.web import dash_callback, drawing_user, login

ROLES = tuple(ROLE_PERMISSIONS)


def _user(role: str, section: str = "plant", session_id: str = "one") -> CurrentUser:
    return drawing_user(role, session_id, section)


def _reader(page) -> CurrentUser:
    return _user(next(role for role in ROLES if _user(role).can(page.permission)))


def _drawing(app, page, session_id: str):
    """The page drawn in a request of its own (its own Flask session, as two visits would have)."""
    user = _user(_reader(page).role, session_id=session_id)
    arguments = {name: 1 for name in re.findall(r"<int:(\w+)>", page.path)}
    with app.server.test_request_context("/"):
        login_user(user)
        return plain(page.render(user, query="", **arguments))


@pytest.mark.parametrize("page", PAGES, ids=[page.key for page in PAGES])
def test_a_page_kept_for_the_next_visit_draws_the_same_in_every_session(app, page):
    """What the cache's key does not hold must not change the drawing; a page that does change (a CSRF token of
    the session) is marked drawn_fresh, and that mark is needed."""
    same = _drawing(app, page, "one") == _drawing(app, page, "two")
    assert same is not page.drawn_fresh, f"{page.key}: drawn_fresh={page.drawn_fresh} but same drawing={same}"


def test_the_second_visit_is_the_kept_drawing_and_another_section_draws_afresh(app):
    rankings = next(page for page in PAGES if page.key == "rankings")
    draws = []

    def draw(user, query=""):
        draws.append(user.section_code)
        return rankings.render(user, query=query)

    with app.server.test_request_context("/"):
        plant, animal = _user("coordinator", "plant"), _user("coordinator", "animal")
        first = drawn(plant, rankings, "", {}, lambda: draw(plant))
        again = drawn(_user("coordinator", "plant", session_id="another"), rankings, "", {}, lambda: draw(plant))
        other = drawn(animal, rankings, "", {}, lambda: draw(animal))
        filtered = drawn(plant, rankings, "?tier=D", {}, lambda: draw(plant, "?tier=D"))
    assert draws == ["plant", "animal", "plant"]  # the same person's second visit drew nothing; new filters did
    assert again == first and other != first and filtered != first


def test_the_router_answers_a_repeated_visit_with_the_same_page(client, make_user):
    make_user("koordinator_ulang", "coordinator", "plant")
    login(client, "koordinator_ulang")
    answers = [dash_callback(client, "shell-content.children",
                             [{"id": "shell-url", "property": "pathname", "value": "/rankings"}]) for _ in range(2)]
    assert all(answer.status_code == 200 for answer in answers)
    assert answers[0].json == answers[1].json
    assert "rankings-grid" in answers[1].get_data(as_text=True)


def test_a_long_address_keeps_no_more_than_a_short_one(app):
    """The query string is the browser's to choose (up to the callback body limit, megabytes): the kept drawings
    hold a fixed-size trace of it, so 512 hostile addresses cannot pin gigabytes in a worker."""
    applications = next(page for page in PAGES if page.key == "applications")
    reader = _reader(applications)
    query = "?q=" + "x" * 1_000_000
    with app.server.test_request_context("/"):
        login_user(reader)
        # What earlier tests in this worker left kept is not this visit's (the store is made at the first drawing).
        before = len(pickle.dumps(dict(app.server.extensions.get("qcorner_drawn_pages", {}))))
        drawn(reader, applications, query, {}, lambda: applications.render(reader, query=query))
        kept = app.server.extensions["qcorner_drawn_pages"]
        size = len(pickle.dumps(dict(kept))) - before
        assert size < 100_000, f"one visit keeps {size:,} bytes"
        # the same address again is still the kept drawing, a different one is not
        assert drawn(reader, applications, query, {}, lambda: pytest.fail("drawn again")) is not None
        assert drawn(reader, applications, query + "y", {}, lambda: {"other": 1}) == {"other": 1}
        # a lone surrogate (JSON may carry "\ud800") is an address like any other
        assert drawn(reader, applications, "?q=\ud800", {}, lambda: {"odd": 1}) == {"odd": 1}
