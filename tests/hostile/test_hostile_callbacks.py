"""Every Dash callback, called the way a hostile client can: any JSON for every input and state.

Properties, for each of the portal's callbacks (discovered from the app, so a new one is covered without an edit):
- never a 500: a payload the callback cannot use is refused (4xx) or handled (200/204);
- a refused request (anything but 200) writes nothing.
The forms themselves — browser-shaped values, whole-or-nothing writes, text shown back — are in
test_hostile_forms_{officers,admin,service_users}.py.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, strategies as st

from support.factories import gen_application, gen_certificate, gen_service_user
from support.hostile import (callback_body, changes, fast_user, fuzz, hostile_text, json_values, login_as, now, prop_id,
                     ran, row_counts, uploads)
from portal.security.access import callback_permissions
from portal.security.permissions import ROLE_PERMISSIONS
from support.portal_helpers import link_account

# The admin holds every permission but the service user's own; the service user holds that one.
ADMIN_ID, SERVICE_USER_ID = 9_000_001, 9_000_002


@pytest.fixture
def world(database, client):
    """One of everything a callback may be pointed at, and an admin and a linked service user to call them."""
    from portal.services import complaints, corrections
    from portal.services.nnc import register as nnc
    from support.nnc_helpers import valid_nnc
    from portal.services.accounts import current_user_from
    from models import User

    admin = fast_user(database, "admin", user_id=ADMIN_ID)
    service_user = fast_user(database, "service_user", user_id=SERVICE_USER_ID)
    with database.session() as s:
        company = gen_service_user(s, name="PT Uji Masukan")
        link_account(s, service_user["username"], company, now() - timedelta(days=2))
        application = gen_application(s, company, submitted_at=now() - timedelta(hours=5),
                                      stages=("submitted", "verified", "inspected", "draft_certificate"))
        gen_certificate(s, application, issued_at=now() - timedelta(hours=2))
        actor = current_user_from(s.get(User, ADMIN_ID), "test")
        su_actor = current_user_from(s.get(User, SERVICE_USER_ID), "test", (company.id,))
        found = nnc.create_nnc(s, actor, valid_nnc(s, service_user=company))
        complaint = complaints.create(s, actor, {"channel": "phone", "category": "service", "subject": "S",
                                                 "text": "T"})
        correction = corrections.create_request(s, su_actor, application.id, "commodity", "salah", "benar")
        ids = sorted({company.id, application.id, found["id"], complaint["id"], correction["id"], 1, 2})
    return {"admin": admin, "service_user": service_user, "ids": ids, "application_id": application.id}


def _role_for(permission: str) -> str:
    return "admin" if permission in ROLE_PERMISSIONS["admin"] else "service_user"


def _value(prop: str, ids: list[int]):
    known = st.sampled_from(ids)
    anything = json_values()
    if prop in ("n_clicks", "n_intervals"):
        return st.one_of(st.none(), st.integers(0, 3), anything)
    if prop == "contents":
        return st.one_of(uploads(), st.lists(uploads(), max_size=3), anything)
    if prop == "filename":
        return st.one_of(hostile_text(surrogates=True), st.lists(hostile_text(surrogates=True), max_size=3), anything)
    if prop == "cellClicked":
        return st.one_of(st.fixed_dictionaries({"rowId": st.one_of(known, known.map(str), anything),
                                                "colId": st.text(max_size=10), "value": anything}), anything)
    if prop in ("data", "value"):
        return st.one_of(known, known.map(str), st.just({"semester": [2026, 1], "from": "2026-01-01",
                                                         "to": "2026-06-30"}), anything)
    return anything


@st.composite
def _payload(draw, cb: dict, ids: list[int]):
    values, triggers = {}, []
    for spec in cb["inputs"] + cb.get("state", []):
        strategy = _value(spec["property"], ids)
        key = (spec["id"], spec["property"])
        if spec["id"].startswith("{"):
            pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(ids), json_values()), strategy), max_size=3))
            values[key] = pairs
            if spec in cb["inputs"]:
                triggers += [prop_id(spec, index) for index, _ in pairs if isinstance(index, (int, str))]
        else:
            values[key] = draw(strategy)
            if spec in cb["inputs"]:
                triggers.append(prop_id(spec))
    changed = draw(st.lists(st.sampled_from(triggers), max_size=2, unique=True)) if triggers else []
    return values, changed


def _counters_are_numbers(cb: dict, values: dict) -> bool:
    """Whether the page's reload counters (…-refresh / …-version stores) hold what a browser keeps there.

    A save callback commits first and then bumps such a counter to redraw the page; a crafted non-number there
    fails after the whole record was written (a 400 for a complete write, not a partial one).
    """
    return all(isinstance(values.get((s["id"], s["property"])), (int, type(None)))
               for s in cb["inputs"] + cb.get("state", [])
               if s["property"] == "data" and s["id"].endswith(("-refresh", "-version")))


def _name(cb: dict) -> str:
    """A callback by its function, e.g. callbacks.nnc_form.save (the output keys run to hundreds of characters)."""
    function = cb["callback"]
    return f"{function.__module__}.{function.__name__}"


def _callbacks(app, role: str):
    permissions = callback_permissions(app)
    # A clientside callback (the tab's title) runs in the browser only: the server has no function to answer it.
    return sorted((key, cb) for key, cb in app.callback_map.items()
                  if _role_for(permissions[key]) == role and permissions[key] in ROLE_PERMISSIONS[role]
                  and "callback" in cb)


@pytest.mark.parametrize("role", ["admin", "service_user"])
def test_no_callback_answers_a_hostile_payload_with_a_500_or_a_partial_write(app, client, database, world, role):
    login_as(client, world[role]["username"])
    callbacks = _callbacks(app, role)
    assert callbacks, role

    @fuzz(0.1)  # every example calls every callback of the role once: ~100 requests
    @given(data=st.data())
    def every_callback_once(data):
        # Every payload drawn first: what the server answers must not change what hypothesis draws on a replay.
        payloads = [(key, cb, *data.draw(_payload(cb, world["ids"]), label=key)) for key, cb in callbacks]
        for key, cb, values, changed in payloads:
            body = callback_body(key, cb, values, changed)
            before = row_counts(database)
            response = client.post("/_dash-update-component", data=json.dumps(body),
                                   content_type="application/json")
            if response.status_code == 401:  # the fuzz ended our own session (a password reset): log in again
                login_as(client, world[role]["username"])
                continue
            after = row_counts(database)
            assert response.status_code < 500, (key, body, response.get_data(as_text=True)[:2000])
            if response.status_code not in (200, 204) and _counters_are_numbers(cb, values):
                assert changes(before, after) == {}, (key, response.status_code, body)
            ran(f"callback {_name(cb)}")

    every_callback_once()


ENVELOPE_KEYS = ("output", "outputs", "inputs", "state", "changedPropIds")


@st.composite
def _envelopes(draw, keys: list[str]):
    """A callback request broken anywhere: not an object, keys missing, of the wrong type, or too few inputs."""
    kind = draw(st.sampled_from(("any", "object", "object", "shape")))
    if kind == "any":
        return draw(json_values())
    if kind == "object":
        body = {key: draw(json_values()) for key in draw(st.sets(st.sampled_from(ENVELOPE_KEYS)))}
        body["output"] = draw(st.one_of(st.sampled_from(keys), json_values()))
        return body
    key = draw(st.sampled_from(keys))
    spec = {"id": draw(st.one_of(st.text(max_size=10), json_values())), "property": draw(json_values()),
            "value": draw(json_values())}
    return {"output": key, "outputs": draw(st.one_of(st.just({"id": "x", "property": "y"}), json_values())),
            "inputs": draw(st.lists(st.one_of(st.just(spec), st.lists(st.just(spec), max_size=2)), max_size=3)),
            "state": draw(st.one_of(st.just([]), json_values())), "changedPropIds": draw(json_values())}


def test_a_broken_callback_request_is_refused_not_a_500(app, client, database, world):
    login_as(client, world["admin"]["username"])
    keys = [key for key, _cb in _callbacks(app, "admin")]

    @fuzz(3)
    @given(body=_envelopes(keys), deep=st.integers(0, 3))
    def broken(body, deep):
        if deep == 3:  # thousands of nested lists: the JSON parser itself gives up
            raw = "[" * 100_000 + "]" * 100_000
        else:
            raw = json.dumps(body)
        before = row_counts(database)
        response = client.post("/_dash-update-component", data=raw, content_type="application/json")
        assert response.status_code < 500, (body, response.get_data(as_text=True)[:1000])
        if response.status_code != 200:  # nothing written; a refusal of an unknown callback is audited
            assert changes(before, row_counts(database)) in ({}, {"audit_log": 1} if response.status_code == 403
                                                             else {}), response.status_code
        ran("callback request envelope")

    broken()
