"""The Dash forms under hostile input, called as the browser calls their save callbacks.

Each property starts from a valid form and replaces some fields with hostile values of the type the component
sends (text of any content and length, numbers at every edge, impossible dates, unknown choices, stale ids):
- the answer is 200 with the problems beside their fields — or 400 when the text cannot be stored at all
  (a NUL character, a lone surrogate), never a 500;
- the record is written whole or not at all (row counts of every table, and the edited row, before and after);
- what was saved is the text typed, markup included, exactly (stripped of surrounding spaces).
Dash renders strings as text by construction; test_hostile_input.py checks no component renders raw HTML.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, given, strategies as st
from sqlalchemy import inspect as sa_inspect, select

from support.factories import gen_application, gen_certificate, gen_handler, gen_service_user, section_id
from support.hostile import (PDF, callback_body, changes, data_url, date_texts, emails, fast_user, fuzz, hostile_text,
                     login_as, now, numbers, ran, row_counts, script_text, uploads)
from layouts.admin_compliance import SETTING_NAMES
from layouts.complaints import NEW_FIELDS
from layouts.kpi import SLA_KEYS
from layouts.nnc_form import FORM_FIELDS
from models import (Complaint, CorrectionRequest, GuidanceRecord, Nnc, NotificationPreference, User)
from models.compliance import GUIDANCE_KINDS
from support.nnc_helpers import valid_nnc
from portal.services import complaints as complaint_service, corrections
from portal.services.nnc import register as nnc_service
from portal.services.accounts import current_user_from
from support.portal_helpers import link_account

TEXT = st.one_of(hostile_text(surrogates=True), script_text())


def storable(value: Any) -> bool:
    """Whether a value's text can be stored at all: no NUL, no lone surrogate (anywhere in it)."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
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
    import base64
    import binascii

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


def clean(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else value


# ------------------------------------------------------------------------------------------------ arrangement
@pytest.fixture
def world(database):
    """An admin (every officer form), a linked service user with an application and a draft, an NNC."""
    admin = fast_user(database, "admin")
    member = fast_user(database, "service_user", email="anggota@contoh.invalid")
    with database.session() as s:
        company = gen_service_user(s, name="PT Bentuk Uji")
        handler = gen_handler(s)
        link_account(s, member["username"], company, now() - timedelta(days=3))
        application = gen_application(s, company, submitted_at=now() - timedelta(hours=6))
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


def _field(name: str, world) -> st.SearchStrategy:
    if name in ("notice_date", "received_date"):
        return date_texts()
    if name in ("service_user_id", "handler_id"):
        return st.one_of(st.none(), ids(world))
    if name == "section_id":
        return st.one_of(st.none(), ids(world), st.sampled_from(("1", "2", "3")))
    choices = {"flow": nnc_service.FLOWS, "category": nnc_service.CATEGORIES,
               "subcategory": nnc_service.DOCUMENT_PROBLEMS, "action_taken": nnc_service.ACTIONS}
    if name in choices:
        return st.one_of(st.sampled_from(choices[name]), TEXT, st.none())
    return st.one_of(TEXT, st.just(""), st.none())


# Files kept in the page by the upload callback; a crafted request can put anything there.
STAGED = st.lists(st.builds(lambda name, content: {"name": name, "size": len(content or ""), "content": content},
                            st.one_of(TEXT, st.just("surat.pdf")), uploads()), max_size=2)


# ------------------------------------------------------------------------------------------------ NNC
@fuzz(1.5)
@given(data=st.data(), edit=st.booleans())
def test_nnc_form_saves_whole_or_nothing(app, client, database, world, data, edit):
    login_as(client, world["admin"]["username"])
    mutated = data.draw(st.dictionaries(st.sampled_from(FORM_FIELDS), st.none(), max_size=6), label="fields")
    form = dict(world["nnc_base"], number=f"N/{now().timestamp()}")
    for name in mutated:
        form[name] = data.draw(_field(name, world), label=name)
    files = data.draw(st.one_of(st.just([]), st.just([{"name": "surat.pdf", "size": len(PDF),
                                                       "content": data_url(PDF)}]), STAGED), label="files")
    nnc_id = world["nnc_id"] if edit else None
    values = {f"nnc-form-{name}.value": form.get(name) for name in FORM_FIELDS}
    values.update({"nnc-form-save.n_clicks": 1, "nnc-form-files.data": files, "nnc-form-id.data": nnc_id})
    before, record = row_counts(database), snapshot(database, Nnc, world["nnc_id"])
    response, body = call(app, client, "nnc-form-go.href", values, "nnc-form-save.n_clicks")
    check_answer(response, list(form.values()) + [f["name"] for f in files],
                 [form.get(n) for n in ("service_user_id", "handler_id", "section_id")], [f["content"] for f in files])
    saved = "nnc-form-go" in body
    event("saved" if saved else "refused")
    delta = changes(before, row_counts(database))
    after = snapshot(database, Nnc, world["nnc_id"])
    if edit:
        if not saved:
            assert delta == {} and after == record, (form, delta)
    else:
        whole_or_nothing(delta, saved, "nncs", form)
        assert after == record
    if saved:
        with database.session() as s:
            stored = s.get(Nnc, int(body["nnc-form-go"]["href"].rsplit("/", 1)[1]))
            for name in ("number", "commodity", "description", "organism", "notifying_authority", "internal_notes"):
                if isinstance(form.get(name), str) and name in mutated:
                    typed = clean(form[name])  # an NNC number's inner spaces are one space (nnc._clean)
                    assert getattr(stored, name) == (re.sub(r"\s+", " ", typed) if name == "number" else typed), name
    ran("dash NNC form " + ("edit" if edit else "create"))


@fuzz()
@given(status=st.one_of(st.sampled_from(nnc_service.STATUSES + ("keep", "")), TEXT, st.none()),
       note=st.one_of(TEXT, st.just("")), texts=st.lists(st.one_of(TEXT, st.just("")), min_size=3, max_size=3))
def test_nnc_follow_up_saves_whole_or_nothing(app, client, database, world, status, note, texts):
    login_as(client, world["admin"]["username"])
    values = {"nnc-detail-fu-save.n_clicks": 1, "nnc-detail-fu-id.data": world["nnc_id"],
              "nnc-detail-fu-status.value": status, "nnc-detail-fu-note.value": note,
              "nnc-detail-fu-investigation_findings.value": texts[0], "nnc-detail-fu-corrective_action.value": texts[1],
              "nnc-detail-fu-guidance_given.value": texts[2], "nnc-detail-refresh.data": 0}
    before, record = row_counts(database), snapshot(database, Nnc, world["nnc_id"])
    response, body = call(app, client, "..nnc-detail-refresh.data...nnc-detail-fu-alert", values,
                          "nnc-detail-fu-save.n_clicks")
    check_answer(response, [status, note, *texts])
    saved = "nnc-detail-refresh" in body
    event("saved" if saved else "refused")
    after = snapshot(database, Nnc, world["nnc_id"])
    if not saved:
        assert changes(before, row_counts(database)) == {} and after == record
    else:
        for name, typed in zip(("investigation_findings", "corrective_action", "guidance_given"), texts):
            assert after[name] == clean(typed), name
    ran("dash NNC follow-up")


# ------------------------------------------------------------------------------------------------ complaints
CHANNELS = ("phone", "whatsapp", "email", "walk_in", "letter", "web", "portal")


@fuzz(1.5)
@given(data=st.data())
def test_complaint_record_saves_whole_or_nothing(app, client, database, world, data):
    login_as(client, world["admin"]["username"])
    form = {"channel": "phone", "category": "service", "received_date": None, "subject": "Antrean",
            "text": "Lama sekali", "reporter_name": "", "reporter_contact": "", "reporter_email": "",
            "application_number": ""}
    strategies = {"channel": st.one_of(st.sampled_from(CHANNELS), TEXT), "category": st.one_of(
        st.sampled_from(complaint_service.CATEGORIES), TEXT), "received_date": st.one_of(st.none(), date_texts()),
        "reporter_email": emails(), "application_number": st.one_of(TEXT, st.just(world["application_number"]))}
    for name in data.draw(st.sets(st.sampled_from(NEW_FIELDS), max_size=5), label="fields"):
        form[name] = data.draw(strategies.get(name, TEXT), label=name)
    contents = data.draw(st.one_of(st.none(), st.lists(uploads(), max_size=2)), label="contents")
    names = data.draw(st.lists(TEXT, min_size=len(contents or []), max_size=len(contents or [])), label="names")
    values = {f"complaints-new-{name}.value": form[name] for name in NEW_FIELDS}
    values.update({"complaints-new-save.n_clicks": 1, "complaints-new-upload.contents": contents,
                   "complaints-new-upload.filename": names, "complaints-refresh.data": 0})
    before = row_counts(database)
    response, body = call(app, client, "..complaints-modal.is_open...complaints-form-alert", values,
                          "complaints-new-save.n_clicks")
    check_answer(response, list(form.values()) + names, files=contents or [])
    saved = "complaints-refresh" in body
    event("saved" if saved else "refused")
    whole_or_nothing(changes(before, row_counts(database)), saved, "complaints", form)
    if saved:
        with database.session() as s:
            stored = s.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
            assert (stored.subject, stored.text) == (form["subject"].strip(), form["text"].strip())
        shown = call(app, client, "..complaint-header.children", {"complaint-id.data": stored.id},
                     "complaint-id.data")[0]
        assert shown.status_code == 200 and form["subject"].strip() in strings(shown.json)
    ran("dash complaint record")


@fuzz()
@given(status=st.one_of(st.sampled_from(("new", "in_progress", "answered", "closed")), TEXT),
       category=st.one_of(st.sampled_from(complaint_service.CATEGORIES), TEXT),
       assignee=st.one_of(st.sampled_from(("none", "", "1")), st.integers(-5, 10**6).map(str), TEXT),
       answer=st.one_of(TEXT, st.just("")))
def test_complaint_answer_saves_whole_or_nothing(app, client, database, world, status, category, assignee, answer):
    login_as(client, world["admin"]["username"])
    with database.session() as s:
        created = complaint_service.create(s, world["actor"], {"channel": "phone", "category": "service",
                                                               "subject": "S", "text": "T"})
    values = {"complaint-save.n_clicks": 1, "complaint-status.value": status, "complaint-category.value": category,
              "complaint-assignee_id.value": assignee, "complaint-answer.value": answer,
              "complaint-id.data": created["id"], "complaint-refresh.data": 0}
    before, record = row_counts(database), snapshot(database, Complaint, created["id"])
    response, body = call(app, client, "..complaint-refresh.data...complaint-alert", values, "complaint-save.n_clicks")
    check_answer(response, [status, category, assignee, answer], [assignee])
    after = snapshot(database, Complaint, created["id"])
    if "complaint-refresh" not in body:
        assert changes(before, row_counts(database)) == {} and after == record
    else:
        assert after["answer"] == clean(answer) and after["status"] == (status or record["status"])
    ran("dash complaint answer")


# ------------------------------------------------------------------------------------------------ admin
ROLES = ("admin", "operator", "coordinator", "enforcement", "head", "service_user")


@fuzz(1.5)
@given(data=st.data(), edit=st.booleans())
def test_admin_user_form_saves_whole_or_nothing(app, client, database, world, data, edit):
    login_as(client, world["admin"]["username"])
    form = {"username": f"akun{now().microsecond}x", "full_name": "Nama", "email": "", "role": "operator",
            "section_id": "", "office_id": "1", "password": "kata-sandi-panjang"}
    strategies = {"email": emails(), "role": st.one_of(st.sampled_from(ROLES), TEXT),
                  "section_id": st.one_of(st.sampled_from(("", "1", "2", "3")), ids(world)),
                  "office_id": st.one_of(st.sampled_from(("1", "2")), ids(world)),
                  "username": st.one_of(TEXT, st.from_regex(r"[a-z0-9][a-z0-9_.-]{2,70}", fullmatch=True))}
    for name in data.draw(st.sets(st.sampled_from(tuple(form)), max_size=4), label="fields"):
        form[name] = data.draw(strategies.get(name, TEXT), label=name)
    active = data.draw(st.one_of(st.booleans(), st.none(), TEXT), label="active")
    target = fast_user(database, "operator") if edit else None
    values = {f"admin-users-{name}.value": v for name, v in form.items()}
    values.update({"admin-users-save.n_clicks": 1, "admin-users-active.value": active,
                   "admin-users-selected.data": target["id"] if target else None, "admin-users-refresh.data": 0})
    before = row_counts(database)
    record = snapshot(database, User, target["id"]) if target else None
    response, body = _admin_users_save(app, client, values)
    check_answer(response, list(form.values()) + [active], [form["section_id"], form["office_id"]])
    saved = "admin-users-refresh" in body
    event("saved" if saved else "refused")
    delta = changes(before, row_counts(database))
    if edit:
        if not saved:
            assert delta == {} and snapshot(database, User, target["id"]) == record
        else:
            assert snapshot(database, User, target["id"])["full_name"] == (form["full_name"] or "").strip()
    else:
        whole_or_nothing(delta, saved, "users", form)
    ran("dash admin user " + ("edit" if edit else "create"))


def _admin_users_save(app, client, values):
    key = next(k for k in app.callback_map if "admin-users-refresh.data" in k and "admin-users-modal-alert" in k)
    return call(app, client, key, values, "admin-users-save.n_clicks")


@fuzz()
@given(password=st.one_of(TEXT, st.just("kata-sandi-baru-123")))
def test_admin_password_reset_saves_whole_or_nothing(app, client, database, world, password):
    login_as(client, world["admin"]["username"])
    target = fast_user(database, "operator")
    values = {"admin-users-reset.n_clicks": 1, "admin-users-new_password.value": password,
              "admin-users-selected.data": target["id"], "admin-users-refresh.data": 0}
    before, record = row_counts(database), snapshot(database, User, target["id"])
    response, body = call(app, client, "..admin-users-new_password.invalid", values, "admin-users-reset.n_clicks")
    check_answer(response, [password])
    if "admin-users-refresh" not in body:
        assert changes(before, row_counts(database)) == {} and snapshot(database, User, target["id"]) == record
    ran("dash admin password reset")


@fuzz()
@given(email=st.one_of(emails(), st.integers(0, 10**9).map(lambda n: f"orang{n}@contoh.invalid")),
       full_name=st.one_of(TEXT, st.sampled_from(("", "Budi Santoso"))),
       username=st.one_of(TEXT, st.just(""), st.just(""), st.from_regex(r"[a-z0-9][a-z0-9_.-]{2,70}", fullmatch=True)),
       link_username=st.one_of(TEXT, st.just("")), link=st.booleans())
def test_admin_invites_service_users_whole_or_nothing(app, client, database, world, email, full_name, username,
                                                      link_username, link):
    login_as(client, world["admin"]["username"])
    values = {"admin-service-users-invite.n_clicks": None if link else 1,
              "admin-service-users-link.n_clicks": 1 if link else None,
              "admin-service-users-selected.data": world["company_id"], "admin-service-users-email.value": email,
              "admin-service-users-full_name.value": full_name, "admin-service-users-username.value": username,
              "admin-service-users-link_username.value": link_username, "admin-service-users-refresh.data": 0}
    before = row_counts(database)
    response, body = call(app, client, "..admin-service-users-alert.children", values,
                          "admin-service-users-link.n_clicks" if link else "admin-service-users-invite.n_clicks")
    check_answer(response, [email, full_name, username, link_username])
    saved = "admin-service-users-refresh" in body
    event("saved" if saved else "refused")
    delta = changes(before, row_counts(database))
    if not saved:
        assert delta == {}, delta
    elif not link and "users" in delta:  # a new account: with its link, invitation, audit and outbox record
        assert {k: delta.get(k) for k in ("users", "service_user_links", "access_tokens")} == \
            {"users": 1, "service_user_links": 1, "access_tokens": 1}, delta
    ran("dash admin invite/link service user")


@fuzz()
@given(settings=st.fixed_dictionaries({name: st.one_of(numbers(), st.none()) for name in SETTING_NAMES}),
       note=st.one_of(TEXT, st.none()))
def test_admin_compliance_settings_save_whole_or_nothing(app, client, database, world, settings, note):
    login_as(client, world["admin"]["username"])
    values = {f"admin-compliance-{name}.value": v for name, v in settings.items()}
    values.update({"admin-compliance-save.n_clicks": 1, "admin-compliance-note.value": note})
    before = row_counts(database)
    key = next(k for k in app.callback_map if "admin-compliance-history.children" in k)
    response, body = call(app, client, key, values, "admin-compliance-save.n_clicks")
    check_answer(response, [note])
    delta = changes(before, row_counts(database))
    if "compliance_settings_versions" not in delta:
        assert delta == {}, delta
    else:
        assert delta["compliance_settings_versions"] == 1
    ran("dash admin compliance settings")


@fuzz()
@given(hours=st.fixed_dictionaries({key: st.one_of(numbers(), st.none()) for key in SLA_KEYS}))
def test_kpi_sla_hours_save_whole_or_nothing(app, client, database, world, hours):
    login_as(client, world["admin"]["username"])
    values = {f"kpi-sla-{key}.value": v for key, v in hours.items()}
    values.update({"kpi-sla-save.n_clicks": 1, "kpi-refresh.data": 0})
    before = row_counts(database)
    response, body = call(app, client, "..kpi-sla-alert.children", values, "kpi-sla-save.n_clicks")
    check_answer(response, list(hours.values()))
    if "kpi-refresh" not in body:
        assert changes(before, row_counts(database)) == {}
    ran("dash KPI SLA hours")


@fuzz()
@given(text=st.one_of(TEXT, st.just("")), semester=st.one_of(
    st.just([2026, 1]), st.tuples(st.integers(-10, 10**5), st.integers(-3, 5)).map(list), st.none()))
def test_survey_follow_up_plan_saves_whole_or_nothing(app, client, database, world, text, semester):
    login_as(client, world["admin"]["username"])
    values = {"survey-plan-save.n_clicks": 1, "survey-plan-text.value": text,
              "survey-period.data": {"semester": semester, "from": "2026-01-01", "to": "2026-06-30"}}
    before = row_counts(database)
    response, body = call(app, client, "..survey-plan-alert.children", values, "survey-plan-save.n_clicks")
    check_answer(response, [text])
    if response.status_code != 200 or body.get("survey-plan-alert", {}).get("color") != "success":
        assert changes(before, row_counts(database)) == {}
    ran("dash survey follow-up plan")


# ------------------------------------------------------------------------------------------------ compliance
@fuzz()
@given(data=st.data())
def test_guidance_record_saves_whole_or_nothing(app, client, database, world, data):
    login_as(client, world["admin"]["username"])
    form = {"service_user_id": str(world["company_id"]), "given_on": (date.today() - timedelta(days=3)).isoformat(),
            "kind": "visit", "officer_name": "Petugas", "notes": "Pembinaan"}
    strategies = {"service_user_id": st.one_of(st.none(), ids(world)), "given_on": date_texts(),
                  "kind": st.one_of(st.sampled_from(GUIDANCE_KINDS), TEXT)}
    for name in data.draw(st.sets(st.sampled_from(tuple(form)), max_size=3), label="fields"):
        form[name] = data.draw(strategies.get(name, TEXT), label=name)
    section = data.draw(st.one_of(st.sampled_from((None, "all", "plant", "animal")), TEXT), label="section")
    values = {f"guidance-{name}.value": v for name, v in form.items()}
    values.update({"guidance-save.n_clicks": 1, "guidance-section.value": section, "guidance-version.data": 0})
    before = row_counts(database)
    response, body = call(app, client, "..guidance-service_user_id.invalid", values, "guidance-save.n_clicks")
    check_answer(response, list(form.values()) + [section], [form["service_user_id"]])
    saved = "guidance-version" in body
    event("saved" if saved else "refused")
    whole_or_nothing(changes(before, row_counts(database)), saved, "guidance_records", form)
    if saved:
        with database.session() as s:
            stored = s.scalars(select(GuidanceRecord).order_by(GuidanceRecord.id.desc())).first()
            assert stored.notes == form["notes"].strip()
    ran("dash guidance record")


# ------------------------------------------------------------------------------------------------ corrections
@fuzz()
@given(field=st.one_of(st.sampled_from(corrections.FIELDS), TEXT), problem=st.one_of(TEXT, st.just("")),
       expected=st.one_of(TEXT, st.just("")))
def test_correction_request_saves_whole_or_nothing(app, client, database, world, field, problem, expected):
    login_as(client, world["member"]["username"])
    values = {"my-application-correction-submit.n_clicks": 1, "my-application-id.data": world["application_id"],
              "my-application-refresh.data": 0, "my-application-correction-field.value": field,
              "my-application-correction-problem.value": problem,
              "my-application-correction-expected.value": expected}
    before = row_counts(database)
    response, body = call(app, client, "..my-application-correction-alert.children", values,
                          "my-application-correction-submit.n_clicks")
    check_answer(response, [field, problem, expected])
    saved = "my-application-refresh" in body
    event("saved" if saved else "refused")
    whole_or_nothing(changes(before, row_counts(database)), saved, "correction_requests", (field, problem))
    if saved:
        with database.session() as s:
            stored = s.scalars(select(CorrectionRequest).order_by(CorrectionRequest.id.desc())).first()
            assert (stored.problem, stored.expected) == (problem.strip(), expected.strip())
    ran("dash correction request")


@fuzz()
@given(certificate=st.one_of(st.none(), st.just(""), st.sampled_from(("newer", "draft")), TEXT),
       reason=st.one_of(TEXT, st.just(""), st.none()))
def test_correction_answer_saves_whole_or_nothing(app, client, database, world, certificate, reason):
    login_as(client, world["admin"]["username"])
    with database.session() as s:
        member = current_user_from(s.get(User, world["member"]["id"]), "test", (world["company_id"],))
        request = corrections.create_request(s, member, world["application_id"], "commodity", "salah", "benar")
    certificate = {"newer": str(world["newer_id"]), "draft": str(world["draft_id"])}.get(certificate, certificate)
    values = {"corrections-save.n_clicks": 1, "corrections-selected.data": request["id"],
              "corrections-certificate_id.value": certificate, "corrections-reason.value": reason,
              "corrections-refresh.data": 0}
    before, record = row_counts(database), snapshot(database, CorrectionRequest, request["id"])
    response, body = _corrections_save(app, client, values)
    check_answer(response, [certificate, reason], [certificate])
    if "corrections-refresh" not in body:
        assert changes(before, row_counts(database)) == {}
        assert snapshot(database, CorrectionRequest, request["id"]) == record
    ran("dash correction answer")


def _corrections_save(app, client, values):
    key = next(k for k in app.callback_map if "corrections-refresh.data" in k and "corrections-reason.invalid" in k)
    return call(app, client, key, values, "corrections-save.n_clicks")


# ------------------------------------------------------------------------------------------------ service user
@fuzz()
@given(category=st.one_of(st.sampled_from(complaint_service.CATEGORIES), TEXT), subject=TEXT, text=TEXT,
       number=st.one_of(st.just(""), TEXT, st.just("own")))
def test_service_user_complaint_saves_whole_or_nothing(app, client, database, world, category, subject, text,
                                                       number):
    login_as(client, world["member"]["username"])
    number = world["application_number"] if number == "own" else number
    values = {"my-complaints-submit.n_clicks": 1, "my-complaints-category.value": category,
              "my-complaints-subject.value": subject, "my-complaints-text.value": text,
              "my-complaints-application_number.value": number, "my-complaints-refresh.data": 0}
    before = row_counts(database)
    response, body = call(app, client, "..my-complaints-alert.children", values, "my-complaints-submit.n_clicks")
    check_answer(response, [category, subject, text, number])
    saved = "my-complaints-refresh" in body
    event("saved" if saved else "refused")
    whole_or_nothing(changes(before, row_counts(database)), saved, "complaints", (subject, text))
    ran("dash service user complaint")


@fuzz()
@given(email=st.one_of(st.booleans(), st.none()), whatsapp=st.one_of(st.booleans(), st.none()),
       phone=st.one_of(TEXT, st.just("+62 812 3456 7890"), st.just("")))
def test_notification_preferences_save_whole_or_nothing(app, client, database, world, email, whatsapp, phone):
    login_as(client, world["member"]["username"])
    values = {"my-notifications-save.n_clicks": 1, "my-notifications-email.value": email,
              "my-notifications-whatsapp.value": whatsapp, "my-notifications-phone.value": phone}
    before = row_counts(database)
    record = snapshot(database, NotificationPreference, world["member"]["id"])
    response, body = call(app, client, "..my-notifications-alert.children", values, "my-notifications-save.n_clicks")
    check_answer(response, [phone])
    if response.status_code != 200 or body["my-notifications-alert"]["color"] != "success":
        assert changes(before, row_counts(database)) == {}
        assert snapshot(database, NotificationPreference, world["member"]["id"]) == record
    else:
        assert snapshot(database, NotificationPreference, world["member"]["id"])["phone"] == clean(phone)
    ran("dash notification preferences")
