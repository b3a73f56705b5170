"""Every callback's Input, Output and State names a component that exists: in a page drawn for an admin or a
service user, or in `app.validation_layout` (every page for every role, portal/app.py). With
suppress_callback_exceptions on, Dash itself stays silent when an id in layouts/X.py is renamed and callbacks/X.py
still uses the old one; this test is where that shows."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from dash.development.base_component import Component
from flask_login import login_user

from portal.pages import PAGES
from portal.security.access import CurrentUser
from support.web import drawing_user

ROOT = Path(__file__).resolve().parents[2]
WILDCARDS = {"ALL", "MATCH", "ALLSMALLER"}


def _user(role: str) -> CurrentUser:
    """The widest account of a role: a section for a section-scoped role, a company for a service user."""
    return drawing_user(role)


def _ids(tree) -> set[str]:
    """Every component id in a tree, in Dash's own spelling (a dict id as sorted JSON)."""
    if not isinstance(tree, Component):
        return set()
    found = set()
    for component in [tree, *tree._traverse()]:
        component_id = getattr(component, "id", None)
        if component_id is not None:
            found.add(_spelling(component_id))
    return found


def _spelling(component_id) -> str:
    return json.dumps(component_id, sort_keys=True, separators=(",", ":")) if isinstance(component_id, dict) \
        else str(component_id)


def _drawn_for(app, role: str) -> set[str]:
    """The shell and every page this role may open, drawn as the router draws them."""
    from layouts import shell

    user = _user(role)
    ids = set()
    with app.server.test_request_context("/"):
        login_user(user)
        ids |= _ids(shell.layout())
        for page in PAGES:
            if user.can(page.permission):
                arguments = {name: 1 for name in re.findall(r"<int:(\w+)>", page.path)}
                ids |= _ids(page.render(user, **arguments)) | _ids(page.drawn_later(user))
    return ids


def _dependencies(app) -> list[tuple[str, str, str]]:
    """(kind, id, property) of every Output, Input and State of every registered callback."""
    found = []
    for callback in app._callback_list:
        output = callback["output"]
        outputs = output[2:-2].split("...") if output.startswith("..") else [output]
        for item in outputs:
            component_id, prop = item.rsplit(".", 1)
            found.append(("Output", component_id.split("@")[0], prop))
        for kind in ("inputs", "state"):
            for dependency in callback.get(kind, []):
                found.append((kind.rstrip("s").title(), _spelling(dependency["id"]), dependency["property"]))
    return found


def _matches(dependency_id: str, ids: set[str]) -> bool:
    """An id as it is, or a pattern ({"type": "x", "index": ALL}) that some drawn dict id fits."""
    if dependency_id in ids:
        return True
    if not dependency_id.startswith("{"):
        return False
    pattern = json.loads(dependency_id)
    fixed = {key: value for key, value in pattern.items() if not isinstance(value, list)}
    for candidate in ids:
        if candidate.startswith("{"):
            drawn = json.loads(candidate)
            if drawn.keys() == pattern.keys() and all(drawn[key] == value for key, value in fixed.items()):
                return True
    return False


def _dict_ids_in_code() -> set[str]:
    """Dict ids that layouts/ and callbacks/ draw (`id={"type": "x", "index": row["id"]}`), with each value that is
    not a literal shown as a wildcard: rows a callback draws later (files, search hits, correction requests) are
    in no layout, yet a pattern that names a `type` nothing draws is as broken as a renamed id."""
    drawn = set()
    for folder in ("layouts", "callbacks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Dict) or not node.keys:
                    continue
                keys = [key.value if isinstance(key, ast.Constant) else None for key in node.keys]
                if "type" not in keys or None in keys:
                    continue
                if any(isinstance(value, ast.Name) and value.id in WILDCARDS for value in node.values):
                    continue  # a callback's pattern, not a drawn component
                shape = {key: value.value if isinstance(value, ast.Constant) else ["ALL"]
                         for key, value in zip(keys, node.values)}
                drawn.add(json.dumps(shape, sort_keys=True, separators=(",", ":")))
    return drawn


def _matches_drawn_later(dependency_id: str, drawn: set[str]) -> bool:
    """A wildcard pattern whose fixed values a dict id drawn somewhere in the code has."""
    if not dependency_id.startswith("{"):
        return False
    pattern = json.loads(dependency_id)
    if not any(isinstance(value, list) for value in pattern.values()):
        return False
    fixed = {key: value for key, value in pattern.items() if not isinstance(value, list)}
    return any(candidate.keys() == pattern.keys() and all(candidate[key] == value for key, value in fixed.items())
               for candidate in map(json.loads, drawn))


@pytest.fixture(scope="module")
def drawn_ids(app):
    return _drawn_for(app, "admin") | _drawn_for(app, "service_user")


def test_the_app_has_a_validation_layout_with_every_page(app, drawn_ids):
    assert app.validation_layout is not None
    missing = sorted(drawn_ids - _ids(app.validation_layout))
    assert not missing, f"ids drawn on a page but absent from app.validation_layout: {missing}"


def test_every_callback_id_exists_in_a_layout(app, drawn_ids):
    known = drawn_ids | _ids(app.validation_layout)
    drawn_later = _dict_ids_in_code()
    missing = sorted({f"{kind}({component_id!r}, {prop!r})" for kind, component_id, prop in _dependencies(app)
                      if not _matches(component_id, known) and not _matches_drawn_later(component_id, drawn_later)})
    assert not missing, "callbacks name components no layout draws:\n" + "\n".join(missing)


def test_every_callback_is_seen(app):
    """The parser above reads Dash's private callback list: if its shape changes, fail here, not pass on nothing."""
    dependencies = _dependencies(app)
    assert ("Output", "shell-content", "children") in dependencies
    assert ("Input", "shell-url", "pathname") in dependencies
    assert len(app._callback_list) > 50


def test_every_alert_that_closes_by_itself_restarts_its_timer_for_a_new_message(app):
    """A timed alert (a `duration`) kept the first message's timer for the next one: each has its restart
    (callbacks.common.register_timed_alerts), so a page adding one cannot forget it."""
    import dash_bootstrap_components as dbc

    timed, stack = set(), [app.validation_layout]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if isinstance(node, dbc.Alert) and getattr(node, "duration", None):
            timed.add(node.id)
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    assert len(timed) >= 7
    outputs = {key.split("@", 1)[0] for key in app.callback_map}
    restarted = {key.rsplit(".", 1)[0] for key in outputs if key.endswith(".duration")}
    assert timed <= restarted, sorted(timed - restarted)
