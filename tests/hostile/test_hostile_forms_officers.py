"""The officers' Dash forms under hostile input: NNC, complaints and guidance records.

Each form is called as the browser calls its save callback; the properties every form keeps are listed in
support/hostile_forms.py.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from hypothesis import event, given, strategies as st
from sqlalchemy import select

from layouts.complaints import NEW_FIELDS
from layouts.nnc_form import FORM_FIELDS
from models import Complaint, GuidanceRecord, Nnc
from models.compliance import GUIDANCE_KINDS
from portal.services import complaints as complaint_service
from portal.services.nnc import rules as nnc_rules
from portal.settings import DEFAULT_TIMEZONE
from support.factories import section_id
from support.hostile import PDF, changes, data_url, date_texts, emails, fuzz, login_as, now, ran, row_counts, uploads
from support.hostile_forms import (STAGED, TEXT, call, check_answer, clean, create_whole_or_nothing, ids, nnc_field,
                                   opened_versions, snapshot, strings, whole_or_nothing,
                                   world)  # noqa: F401 - world is a fixture


# ------------------------------------------------------------------------------------------------ NNC
@fuzz(1.5)
@given(data=st.data(), edit=st.booleans())
def test_nnc_form_saves_whole_or_nothing(app, client, database, world, data, edit):
    login_as(client, world["admin"]["username"])
    mutated = data.draw(st.dictionaries(st.sampled_from(FORM_FIELDS), st.none(), max_size=6), label="fields")
    form = dict(world["nnc_base"], number=f"N/{now().timestamp()}")
    for name in mutated:
        form[name] = data.draw(nnc_field(name, world), label=name)
    files = data.draw(st.one_of(st.just([]), st.just([{"name": "surat.pdf", "size": len(PDF),
                                                       "content": data_url(PDF)}]), STAGED), label="files")
    nnc_id = world["nnc_id"] if edit else None
    record = snapshot(database, Nnc, world["nnc_id"])
    kept, current = data.draw(opened_versions(record["version"]), label="opened")
    values = {f"nnc-form-{name}.value": form.get(name) for name in FORM_FIELDS}
    values.update({"nnc-form-save.n_clicks": 1, "nnc-form-files.data": files, "nnc-form-id.data": nnc_id,
                   "nnc-form-opened.data": kept})
    before = row_counts(database)
    response, body = call(app, client, "nnc-form-go.href", values, "nnc-form-save.n_clicks")
    check_answer(response, list(form.values()) + [f["name"] for f in files] + [kept],
                 [form.get(n) for n in ("service_user_id", "handler_id", "section_id")], [f["content"] for f in files])
    saved = "nnc-form-go" in body
    event("saved" if saved else "refused")
    delta = changes(before, row_counts(database))
    after = snapshot(database, Nnc, world["nnc_id"])
    if edit:
        if not saved or not current:  # a save from a stale (or forged) version never writes (issue #16)
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
@given(status=st.one_of(st.sampled_from(nnc_rules.STATUSES + ("keep", "")), TEXT, st.none()),
       note=st.one_of(TEXT, st.just("")), texts=st.lists(st.one_of(TEXT, st.just("")), min_size=3, max_size=3),
       data=st.data())
def test_nnc_follow_up_saves_whole_or_nothing(app, client, database, world, status, note, texts, data):
    login_as(client, world["admin"]["username"])
    before, record = row_counts(database), snapshot(database, Nnc, world["nnc_id"])
    kept, current = data.draw(opened_versions(record["version"]), label="opened")
    values = {"nnc-detail-fu-save.n_clicks": 1, "nnc-detail-fu-id.data": world["nnc_id"],
              "nnc-detail-fu-status.value": status, "nnc-detail-fu-note.value": note,
              "nnc-detail-fu-investigation_findings.value": texts[0], "nnc-detail-fu-corrective_action.value": texts[1],
              "nnc-detail-fu-guidance_given.value": texts[2], "nnc-detail-refresh.data": 0,
              "nnc-detail-fu-opened.data": kept}
    response, body = call(app, client, "..nnc-detail-refresh.data...nnc-detail-fu-alert", values,
                          "nnc-detail-fu-save.n_clicks")
    check_answer(response, [status, note, *texts, kept])
    saved = "nnc-detail-refresh" in body
    event("saved" if saved else "refused")
    after = snapshot(database, Nnc, world["nnc_id"])
    if not saved or not current:
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
    # The day received starts at today, as the form draws it (left empty, a form is refused on that field).
    form = {"channel": "phone", "category": "service",
            "received_date": complaint_service.office_today(DEFAULT_TIMEZONE).isoformat(), "subject": "Antrean",
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
    saved, _ = create_whole_or_nothing(
        app, client, database, "..complaints-modal.is_open...complaints-form-alert", values,
        "complaints-new-save.n_clicks", typed=list(form.values()) + names, files=contents or [],
        saved_when="complaints-refresh", anchor="complaints", context=form)
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
       answer=st.one_of(TEXT, st.just("")), data=st.data())
def test_complaint_answer_saves_whole_or_nothing(app, client, database, world, status, category, assignee, answer,
                                                 data):
    login_as(client, world["admin"]["username"])
    with database.session() as s:
        created = complaint_service.create(s, world["actor"], {"channel": "phone", "category": "service",
                                                               "subject": "S", "text": "T"})
    before, record = row_counts(database), snapshot(database, Complaint, created["id"])
    kept, current = data.draw(opened_versions(record["version"]), label="opened")
    values = {"complaint-save.n_clicks": 1, "complaint-status.value": status, "complaint-category.value": category,
              "complaint-assignee_id.value": assignee, "complaint-answer.value": answer,
              "complaint-id.data": created["id"], "complaint-refresh.data": 0, "complaint-opened.data": kept}
    response, body = call(app, client, "..complaint-refresh.data...complaint-alert", values, "complaint-save.n_clicks")
    check_answer(response, [status, category, assignee, answer, kept], [assignee])
    after = snapshot(database, Complaint, created["id"])
    if "complaint-refresh" not in body or not current:
        assert changes(before, row_counts(database)) == {} and after == record
    else:
        assert after["answer"] == clean(answer) and after["status"] == (status or record["status"])
    ran("dash complaint answer")


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
    saved, _ = create_whole_or_nothing(
        app, client, database, "..guidance-service_user_id.className", values, "guidance-save.n_clicks",
        typed=list(form.values()) + [section], selects=[form["service_user_id"]], saved_when="guidance-version",
        anchor="guidance_records", context=form)
    if saved:
        with database.session() as s:
            stored = s.scalars(select(GuidanceRecord).order_by(GuidanceRecord.id.desc())).first()
            assert stored.notes == form["notes"].strip()
    ran("dash guidance record")
