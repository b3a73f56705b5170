"""The correction and service-user Dash forms under hostile input.

Each form is called as the browser calls its save callback; the properties every form keeps are listed in
support/hostile_forms.py.
"""
from __future__ import annotations

from hypothesis import given, strategies as st
from sqlalchemy import select

from models import CorrectionRequest, NotificationPreference, User
from portal.services import complaints as complaint_service, corrections
from portal.services.accounts import current_user_from
from support.hostile import changes, fuzz, login_as, ran, row_counts
from support.hostile_forms import (TEXT, call, check_answer, clean, create_whole_or_nothing, opened_versions, snapshot,
                                   world)  # noqa: F401 - world is a fixture


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
    saved, _ = create_whole_or_nothing(
        app, client, database, "..my-application-correction-alert.children", values,
        "my-application-correction-submit.n_clicks", typed=[field, problem, expected],
        saved_when="my-application-refresh", anchor="correction_requests", context=(field, problem))
    if saved:
        with database.session() as s:
            stored = s.scalars(select(CorrectionRequest).order_by(CorrectionRequest.id.desc())).first()
            assert (stored.problem, stored.expected) == (problem.strip(), expected.strip())
    ran("dash correction request")


@fuzz()
@given(certificate=st.one_of(st.none(), st.just(""), st.sampled_from(("newer", "draft")), TEXT),
       reason=st.one_of(TEXT, st.just(""), st.none()), data=st.data())
def test_correction_answer_saves_whole_or_nothing(app, client, database, world, certificate, reason, data):
    login_as(client, world["admin"]["username"])
    with database.session() as s:
        member = current_user_from(s.get(User, world["member"]["id"]), "test", (world["company_id"],))
        request = corrections.create_request(s, member, world["application_id"], "commodity", "salah", "benar")
    certificate = {"newer": str(world["newer_id"]), "draft": str(world["draft_id"])}.get(certificate, certificate)
    before, record = row_counts(database), snapshot(database, CorrectionRequest, request["id"])
    kept, current = data.draw(opened_versions(record["version"]), label="opened")
    values = {"corrections-save.n_clicks": 1, "corrections-selected.data": request["id"],
              "corrections-certificate_id.value": certificate, "corrections-reason.value": reason,
              "corrections-refresh.data": 0, "corrections-opened.data": kept}
    response, body = _corrections_save(app, client, values)
    check_answer(response, [certificate, reason, kept], [certificate])
    if "corrections-refresh" not in body or not current:
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
    create_whole_or_nothing(app, client, database, "..my-complaints-alert.children", values,
                            "my-complaints-submit.n_clicks", typed=[category, subject, text, number],
                            saved_when="my-complaints-refresh", anchor="complaints", context=(subject, text))
    ran("dash service user complaint")


@fuzz()
@given(email=st.one_of(st.booleans(), st.none()), whatsapp=st.one_of(st.booleans(), st.none()),
       phone=st.one_of(TEXT, st.just("+62 812 3456 7890"), st.just("")), data=st.data())
def test_notification_preferences_save_whole_or_nothing(app, client, database, world, email, whatsapp, phone, data):
    login_as(client, world["member"]["username"])
    before = row_counts(database)
    record = snapshot(database, NotificationPreference, world["member"]["id"])
    # No stored choices yet: the form opens on the defaults at the version a first save writes (1).
    kept, current = data.draw(opened_versions(record["version"] if record else 1), label="opened")
    values = {"my-notifications-save.n_clicks": 1, "my-notifications-email.value": email,
              "my-notifications-whatsapp.value": whatsapp, "my-notifications-phone.value": phone,
              "my-notifications-opened.data": kept}
    response, body = call(app, client, "..my-notifications-alert.children", values, "my-notifications-save.n_clicks")
    check_answer(response, [phone, kept])
    if response.status_code != 200 or body["my-notifications-alert"]["color"] != "success" or not current:
        assert changes(before, row_counts(database)) == {}
        assert snapshot(database, NotificationPreference, world["member"]["id"]) == record
    else:
        assert snapshot(database, NotificationPreference, world["member"]["id"])["phone"] == clean(phone)
    ran("dash notification preferences")
