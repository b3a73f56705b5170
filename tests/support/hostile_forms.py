"""Shared by the hostile Dash form tests (tests/hostile/test_hostile_forms_*.py): how a form's save callback is
called as the browser calls it, what a fair answer is, and the world the forms are filled in.

Each property starts from a valid form and replaces some fields with hostile values of the type the component
sends (text of any content and length, numbers at every edge, impossible dates, unknown choices, stale ids):
- the answer is 200 with the problems beside their fields — or 400 when the text cannot be stored at all
  (a NUL character, a lone surrogate), never a 500;
- the record is written whole or not at all (row counts of every table, and the edited row, before and after);
- what was saved is the text typed, markup included, exactly (stripped of surrounding spaces).
Dash renders strings as text by construction; test_hostile_input.py checks no component renders raw HTML.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import event, strategies as st
from sqlalchemy import inspect as sa_inspect

from models import User
from portal.services.accounts import current_user_from
from portal.services.nnc import register as nnc_service
from portal.services.nnc import rules as nnc_rules
from support.factories import gen_application, gen_certificate, gen_handler, gen_service_user, section_id
from support.hostile import (callback_body, changes, date_texts, fast_user, hostile_text, now, row_counts, script_text,
                             uploads)
from support.nnc_helpers import valid_nnc
from support.portal_helpers import link_account

TEXT = st.one_of(hostile_text(surrogates=True), script_text())


def opened_versions(current: int):
    """What a form's kept version may hold when it comes back: mostly the record's current version (so saves are
    tried), else an older one, or anything a crafted request can put there (issue #16). Draws (kept, is_current)."""
    junk = st.one_of(st.none(), TEXT, st.integers(), st.booleans(), st.lists(st.integers(), max_size=3),
                     st.fixed_dictionaries({"version": st.one_of(st.none(), TEXT, st.floats(), st.booleans(),
                                                                 st.integers(-2**63, 2**63)),
                                            "values": st.one_of(st.none(), TEXT, st.dictionaries(TEXT, TEXT,
                                                                                                 max_size=3))}))
    return st.one_of(
        st.just(({"version": current, "values": {}}, True)),
        st.just(({"version": current, "values": {}}, True)),
        st.just(({"version": current - 1, "values": {"description": "lama"}}, False)),
        junk.map(lambda kept: (kept, isinstance(kept, dict) and kept.get("version") == current
                               and type(kept.get("version")) is int)))


def storable(value: Any) -> bool:
    """Whether a value's text can be stored at all: no NUL, no lone surrogate (anywhere in it)."""
    if isinstance(value, dict):  # json.dumps would write a NUL as the six characters \u0000: look inside
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(storable(v) for v in value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def call(app, client, fragment: str, values: dict[str, Any], trigger: str):
    """Post the callback whose output key contains `fragment`, every input and state from `values` ("id.prop")."""
    keys = [k for k in app.callback_map if fragment in k]
    assert len(keys) == 1, (fragment, keys)
    cb = app.callback_map[keys[0]]
    filled = {(s["id"], s["property"]): values.get(f"{s['id']}.{s['property']}") for s in cb["inputs"] + cb["state"]}
    body = callback_body(keys[0], cb, filled, [trigger])
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    return response, (response.json or {}).get("response", {}) if response.status_code == 200 else {}


def plausible_id(value: Any) -> bool:
    """A value a select of records can hold in the browser: nothing, or one of the ids it was given."""
    if value in (None, "", "none"):
        return True
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) < 2**31


def plausible_upload(content: Any) -> bool:
    """What dcc.Upload sends: a data URL with valid base64."""
    try:
        header, encoded = content.split(",", 1)
        base64.b64decode(encoded, validate=True)
    except (AttributeError, ValueError, binascii.Error):
        return False
    return header.startswith("data:")


def check_answer(response, typed: list, selects: list = (), files: list = ()) -> None:
    """200, or 400 only when some typed text cannot be stored, a select held what no browser sends (an id that is
    not a number), or an upload is not what dcc.Upload sends; never a 500."""
    if response.status_code == 400:
        assert not all(storable(v) for v in typed) or not all(plausible_id(v) for v in selects) or \
            not all(plausible_upload(c) for c in files), ("400 for input a browser can send", typed, selects)
    else:
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])


def strings(tree) -> list[str]:
    """Every string in a callback's JSON answer: text children come back as strings, never as markup."""
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, dict):
        return [s for v in tree.values() for s in strings(v)]
    if isinstance(tree, list):
        return [s for v in tree for s in strings(v)]
    return []


def snapshot(database, model, record_id) -> dict | None:
    with database.session() as s:
        row = s.get(model, record_id)
        return None if row is None else {c.key: getattr(row, c.key) for c in sa_inspect(model).column_attrs}


def whole_or_nothing(delta: dict, saved: bool, anchor: str | None, context) -> None:
    """Saved: the anchor table gained exactly one row (creates). Not saved: nothing changed anywhere."""
    if not saved:
        assert delta == {}, ("refused, yet written", delta, context)
    elif anchor:
        assert delta.get(anchor) == 1, ("saved without its record", delta, context)


def create_whole_or_nothing(app, client, database, fragment: str, values: dict[str, Any], trigger: str, *,
                            typed: list, saved_when: str, anchor: str, context, selects: list = (),
                            files: list = ()) -> tuple[bool, dict]:
    """Send a create form's callback and judge it: a sane answer for what was typed (``check_answer``), then either
    one new ``anchor`` row — saved, the answer carries ``saved_when`` — or nothing written anywhere.
    Returns (saved, the answer's body)."""
    before = row_counts(database)
    response, body = call(app, client, fragment, values, trigger)
    check_answer(response, typed, selects, files)
    saved = saved_when in body
    event("saved" if saved else "refused")
    whole_or_nothing(changes(before, row_counts(database)), saved, anchor, context)
    return saved, body


def clean(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else value


@pytest.fixture
def world(database):
    """An admin (every officer form), a linked service user with an application and a draft, an NNC."""
    admin = fast_user(database, "admin")
    member = fast_user(database, "service_user", email="anggota@contoh.invalid")
    with database.session() as s:
        company = gen_service_user(s, name="PT Bentuk Uji")
        handler = gen_handler(s)
        link_account(s, member["username"], company, now() - timedelta(days=3))
        # at the draft: a correction request is refused once the certificate is issued
        application = gen_application(s, company, submitted_at=now() - timedelta(hours=6),
                                      stages=("submitted", "verified", "inspected", "draft_certificate"))
        draft = gen_certificate(s, application, issued_at=now() - timedelta(hours=3))
        newer = gen_certificate(s, application, issued_at=now() - timedelta(hours=1))
        actor = current_user_from(s.get(User, admin["id"]), "test")
        existing = nnc_service.create_nnc(s, actor, valid_nnc(s, number="ADA/1", service_user=company))
        base = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                for k, v in valid_nnc(s, number="BARU/1", service_user=company).items()}
        plant = section_id(s, "plant")
    return {"admin": admin, "member": member, "company_id": company.id, "handler_id": handler.id,
            "application_id": application.id, "application_number": application.number, "draft_id": draft.id,
            "newer_id": newer.id, "nnc_id": existing["id"], "nnc_base": base, "plant": plant, "actor": actor}


def ids(world) -> st.SearchStrategy:
    """Ids a form may be pointed at: real ones, unknown ones, and ones past every integer column."""
    real = [world["company_id"], world["handler_id"], world["application_id"], world["nnc_id"], world["plant"]]
    return st.one_of(st.sampled_from(real), st.integers(-5, 10**6), st.sampled_from((2**31, 2**63, -(2**31) - 1)),
                     st.sampled_from(real).map(str), st.sampled_from(("", "abc", "1.5", " 1 ")))


def nnc_field(name: str, world) -> st.SearchStrategy:
    if name in ("notice_date", "received_date"):
        return date_texts()
    if name in ("service_user_id", "handler_id"):
        return st.one_of(st.none(), ids(world))
    if name == "section_id":
        return st.one_of(st.none(), ids(world), st.sampled_from(("1", "2", "3")))
    choices = {"flow": nnc_rules.FLOWS, "category": nnc_rules.CATEGORIES,
               "subcategory": nnc_rules.DOCUMENT_PROBLEMS, "action_taken": nnc_rules.ACTIONS}
    if name in choices:
        return st.one_of(st.sampled_from(choices[name]), TEXT, st.none())
    return st.one_of(TEXT, st.just(""), st.none())


# Files kept in the page by the upload callback; a crafted request can put anything there.
STAGED = st.lists(st.builds(lambda name, content: {"name": name, "size": len(content or ""), "content": content},
                            st.one_of(TEXT, st.just("surat.pdf")), uploads()), max_size=2)

