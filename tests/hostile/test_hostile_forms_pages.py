"""The server-rendered forms under hostile input: /login, the public complaint form and its tracking page, the
emailed account links (/account/…) and the survey (/survey/<token>, /my/survey/<id>); also the ?next= links back
after a login or a language switch, and every route with hostile path parts.

Properties, for each: never a 500; either the whole record is written or nothing (row counts of every table
before and after each example); whatever was typed comes back HTML-escaped, never as live markup; a redirect
never leaves the portal.
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import example, given, strategies as st
from sqlalchemy import select

from support.web import csrf_token, logout, switch_language
from support.factories import gen_application, gen_service_user
from support.hostile import (assert_whole_or_nothing, changes, emails, fast_user, fuzz, hostile_text, login_as, now, ran,
                     live_markup, row_counts, script_text, unescaped)
from models import Complaint, SurveyInvitation
from portal.services import complaints, notifications, service_accounts
from portal.services.surveys import PROFILE_CHOICES
from support.portal_helpers import link_account

FORM_TEXT = hostile_text(nul=True, surrogates=False)  # what a form post can carry: anything but lone surrogates


@pytest.fixture
def token(client):
    """A CSRF token for the client's session (valid for every form of that session)."""
    return csrf_token(client, "/login")


@pytest.fixture
def limiter(app):
    limiter = app.server.extensions["qcorner_limiter"]
    limiter.reset()
    yield limiter
    limiter.reset()


def _page(response) -> str:
    return response.get_data(as_text=True)


def _assert_escaped(page: str, *typed: str) -> None:
    assert live_markup(page) == [], typed
    for value in typed:
        assert not unescaped(page, value), f"{value!r} reached the page unescaped"


# ------------------------------------------------------------------------------------------------ /login
@fuzz()
@given(username=st.one_of(FORM_TEXT, script_text()), password=FORM_TEXT)
def test_login_form_refuses_anything_and_echoes_the_username_as_text(client, database, token, limiter, username,
                                                                     password):
    limiter.reset()  # each example reaches the password check, not the failed-login throttle
    before = row_counts(database)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code in (400, 401), response.status_code
    _assert_escaped(_page(response), username)
    delta = changes(before, row_counts(database))
    if response.status_code == 401:  # one failure counted (a new (name, address) row, or its count raised) and logged
        assert delta in ({"audit_log": 1, "login_failures": 1}, {"audit_log": 1}), delta
    else:
        assert delta == {}
    ran("page /login")


# ------------------------------------------------------------------------------------------------ /pengaduan
CATEGORIES = st.one_of(st.sampled_from(complaints.CATEGORIES), FORM_TEXT)


@fuzz(2)
@given(fields=st.fixed_dictionaries({
    "reporter_name": st.one_of(FORM_TEXT, script_text()), "reporter_contact": FORM_TEXT,
    "reporter_email": st.one_of(emails(), st.just("")), "category": CATEGORIES,
    "subject": st.one_of(script_text(), FORM_TEXT), "text": st.one_of(script_text(), FORM_TEXT)}),
    trap=st.one_of(st.just(""), st.just(""), FORM_TEXT))
def test_public_complaint_form_saves_whole_or_nothing_and_shows_text_back_escaped(client, database, token, limiter,
                                                                                  fields, trap):
    limiter.reset()
    before = row_counts(database)
    response = client.post("/pengaduan", data={**fields, "website": trap, "csrf_token": token})
    delta = changes(before, row_counts(database))
    page = _page(response)
    assert response.status_code in (200, 400), response.status_code
    _assert_escaped(page, *fields.values())
    if response.status_code == 400:
        assert delta == {}
    else:
        assert_whole_or_nothing(delta, {"complaints": 1, "complaint_events": 1, "audit_log": 1}, context=fields)
        code = re.search(r'id="complaint-code">([^<]+)<', page).group(1)
        with database.session() as s:
            stored = s.scalar(select(Complaint).where(Complaint.tracking_code == code))
            assert stored.subject == fields["subject"].strip() and stored.text == fields["text"].strip()
        track = client.get(f"/pengaduan/lacak?kode={code}")
        assert track.status_code == 200
        _assert_escaped(_page(track), fields["subject"])
        assert code in _page(track)
    ran("page /pengaduan")


@fuzz()
@given(code=st.one_of(FORM_TEXT, script_text(), st.just("pgd-")))
def test_tracking_page_answers_any_code_and_writes_nothing(client, database, limiter, code):
    limiter.reset()
    before = row_counts(database)
    response = client.get("/pengaduan/lacak", query_string={"kode": code})
    assert response.status_code in (200, 400), response.status_code
    _assert_escaped(_page(response), code)
    assert changes(before, row_counts(database)) == {}
    ran("page /pengaduan/lacak")


def test_tracking_page_shows_a_scripted_answer_as_text(client, database, limiter):
    """The answer an officer typed is shown to the public: markup in it stays text."""
    officer = fast_user(database, "operator")
    attack = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    with database.session() as s:
        from portal.services.accounts import current_user_from
        from models import User

        actor = current_user_from(s.get(User, officer["id"]), "test")
        created = complaints.create(s, actor, {"channel": "phone", "category": "service", "subject": attack,
                                               "text": attack})
        complaints.update(s, actor, created["id"], {"status": "answered", "answer": attack})
    page = _page(client.get("/pengaduan/lacak", query_string={"kode": created["tracking_code"]}))
    assert attack not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page


# ------------------------------------------------------------------------------------------------ /account/…
@pytest.fixture
def company(database):
    with database.session() as s:
        found = gen_service_user(s, name="PT Akun Uji", tax_id="01.234.567.8-901.000", email="akun@contoh.invalid")
        return {"id": found.id, "tax_id": found.tax_id, "email": found.email}


PASSWORDS = st.one_of(FORM_TEXT, st.just("kata-sandi-yang-panjang"))


@fuzz()
@given(path=st.one_of(FORM_TEXT, script_text()).filter(lambda p: "/" not in p and p.strip(".") != ""),
       kind=st.sampled_from(("invite", "reset", "register")), method=st.sampled_from(("GET", "POST")))
def test_account_links_with_any_token_answer_without_a_500(client, database, token, path, kind, method):
    before = row_counts(database)
    url = f"/account/{kind}/{quote(path, safe='')}"
    response = client.get(url) if method == "GET" else client.post(url, data={"password": "x" * 12,
                                                                              "password_confirm": "x" * 12,
                                                                              "csrf_token": token})
    assert response.status_code in (400, 404, 405, 410), response.status_code
    _assert_escaped(_page(response), path)
    assert changes(before, row_counts(database)) == {}
    ran("page /account/<kind>/<token>")


@fuzz()
@given(password=PASSWORDS, confirm=st.one_of(PASSWORDS, st.just(None)), full_name=FORM_TEXT)
def test_invitation_link_sets_a_password_whole_or_nothing(client, database, token, company, password, confirm,
                                                         full_name):
    with database.session() as s:
        invited = service_accounts.invite(s, None, service_user_id=company["id"],
                                          email=f"u{uuid.uuid4().hex[:12]}@contoh.invalid",
                                          full_name="Undangan")
    _set_password_whole_or_nothing(client, database, f"/account/invite/{invited['token']}", {
        "password": password, "password_confirm": password if confirm is None else confirm, "full_name": full_name,
        "csrf_token": token})
    ran("page /account/invite")


def _set_password_whole_or_nothing(client, database, path: str, form: dict) -> None:
    """Post a set-a-password form (invitation, reset link): 200 with one audit row, or 400 with nothing written."""
    before = row_counts(database)
    response = client.post(path, data=form)
    assert response.status_code in (200, 400), response.status_code
    delta = changes(before, row_counts(database))
    if response.status_code == 200:
        assert_whole_or_nothing(delta, {"audit_log": 1}, context=form["password"])
    else:
        assert delta == {}


@fuzz()
@given(identifier=st.one_of(FORM_TEXT, emails(), st.just("akun@contoh.invalid")))
def test_forgot_password_answers_the_same_to_anything(client, database, token, company, identifier):
    before = row_counts(database)
    with client.post("/account/forgot", data={"identifier": identifier, "csrf_token": token}) as response:
        assert response.status_code in (200, 400), response.status_code
        _assert_escaped(_page(response), identifier)
    delta = changes(before, row_counts(database))  # the mail is queued once the response is closed
    # an outbox row for a real account (no SMTP here: kept as skipped, so no link is minted), or nothing
    assert_whole_or_nothing(delta, {"notification_outbox": 1}, context=identifier)
    ran("page /account/forgot")


@fuzz()
@given(password=PASSWORDS, confirm=st.one_of(PASSWORDS, st.just(None)))
def test_reset_link_sets_a_password_whole_or_nothing(client, database, token, password, confirm):
    account = fast_user(database, "service_user", email=f"r{uuid.uuid4().hex[:12]}@contoh.invalid")
    with database.session() as s:
        link = notifications.mint_reset_token(s, account["id"])
    _set_password_whole_or_nothing(client, database, f"/account/reset/{link}", {
        "password": password, "password_confirm": password if confirm is None else confirm, "csrf_token": token})
    ran("page /account/reset")


@fuzz()
@given(tax_id=st.one_of(FORM_TEXT, st.just("01.234.567.8-901.000")),
       email=st.one_of(emails(), st.just("akun@contoh.invalid")))
def test_registration_request_answers_the_same_to_anything(client, database, token, company, tax_id, email):
    before = row_counts(database)
    response = client.post("/account/register", data={"tax_id": tax_id, "email": email, "csrf_token": token})
    assert response.status_code in (200, 400), response.status_code
    _assert_escaped(_page(response), tax_id, email)
    delta = changes(before, row_counts(database))
    assert_whole_or_nothing(delta, {"access_tokens": 1}, {"access_tokens": 1, "notification_outbox": 1},
                            context=(tax_id, email))
    ran("page /account/register")


@fuzz()
@given(username=st.one_of(FORM_TEXT, script_text(), st.from_regex(r"[a-z0-9][a-z0-9_.-]{2,20}", fullmatch=True)),
       full_name=st.one_of(FORM_TEXT, script_text()), password=PASSWORDS, confirm=st.one_of(PASSWORDS, st.none()))
def test_registration_link_creates_the_whole_account_or_nothing(client, database, token, company, username,
                                                                full_name, password, confirm):
    with database.session() as s:
        s.execute(service_accounts.AccessToken.__table__.delete().where(
            service_accounts.AccessToken.purpose == "register"))  # the cooldown would refuse a second link
        found = service_accounts.request_registration(s, company["tax_id"], company["email"])
    assert found is not None
    before = row_counts(database)
    response = client.post(f"/account/register/{found[1]}", data={
        "username": username, "full_name": full_name, "password": password,
        "password_confirm": password if confirm is None else confirm, "csrf_token": token})
    assert response.status_code in (200, 400), response.status_code
    _assert_escaped(_page(response), username, full_name)
    delta = changes(before, row_counts(database))
    if response.status_code == 200:
        assert_whole_or_nothing(delta, {"users": 1, "service_user_links": 1, "audit_log": 1}, context=username)
    else:
        assert delta == {}
    ran("page /account/register/<token>")


# ------------------------------------------------------------------------------------------------ the survey
@pytest.fixture
def surveyed(database):
    """A service user; each example links them to a new company (a company is surveyed once a month)."""
    return {"account": fast_user(database, "service_user")}


def _invite(database, username: str) -> tuple[int, str]:
    """A fresh company of the account with a handed-over application, its survey invitation and a link token."""
    from models import StageEvent

    with database.session() as s:
        company = gen_service_user(s, name="PT Survei Uji")
        link_account(s, username, company, now() - timedelta(days=2))
        application = gen_application(s, company, submitted_at=now() - timedelta(hours=3),
                                      step=timedelta(minutes=10))
        events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
                  for e in s.scalars(select(StageEvent).where(StageEvent.application_id == application.id,
                                                              StageEvent.stage == "handed_over"))]
        notifications.enqueue_for_synced_events(s, events, [])
        invitation = s.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application.id))
        return application.id, notifications.mint_survey_token(s, invitation)


ANSWER = st.one_of(st.sampled_from(("1", "2", "3", "4")), FORM_TEXT)
SURVEY_FORM = st.fixed_dictionaries(
    {f"element_{n}": ANSWER for n in range(1, 10)}
    | {field: st.one_of(st.sampled_from(("",) + choices), FORM_TEXT) for field, choices in PROFILE_CHOICES.items()}
    | {"comment": st.one_of(FORM_TEXT, script_text())})


@fuzz(1.5)
@given(form=SURVEY_FORM, logged_in=st.booleans())
def test_survey_saves_the_whole_answer_or_nothing_and_echoes_text_escaped(client, database, token, surveyed, form,
                                                                          logged_in):
    application_id, link = _invite(database, surveyed["account"]["username"])
    if logged_in:
        login_as(client, surveyed["account"]["username"])
        url = f"/my/survey/{application_id}"
        form_token = csrf_token(client, url)
    else:
        logout(client)
        url, form_token = f"/survey/{link}", csrf_token(client, f"/survey/{link}")
    before = row_counts(database)
    response = client.post(url, data={**form, "csrf_token": form_token})
    # 303: saved, and sent on to its thanks at the same address (a reload never sends it again); 400: refused.
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        _assert_escaped(_page(response), form["comment"])
    delta = changes(before, row_counts(database))
    if response.status_code == 303:
        assert_whole_or_nothing(delta, {"survey_responses": 1}, context=form)
    else:
        assert delta == {}
    ran("page /survey" + (" (logged in)" if logged_in else " (link)"))


# ------------------------------------------------------------------------------------------------ links and paths
def _same_site(location: str | None) -> bool:
    """A redirect that stays on the portal: a path, with nothing a browser would read as another host."""
    if location is None:
        return True
    location = location.removeprefix("http://localhost")  # in case the Location is made absolute
    return location.startswith("/") and not location.startswith("//") and "\\" not in location and \
        not any(ord(c) < 32 or ord(c) == 127 for c in location)


NEXT = st.one_of(st.sampled_from(("//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/x",
                                  "javascript:alert(1)", "/\t/evil.example", "/%2F%2Fevil.example", " //evil.example",
                                  "/\n/evil.example", "/nnc", "/lang/en?next=//evil.example", "///evil.example")),
                 FORM_TEXT.filter(lambda v: "\x00" not in v))


@fuzz()
@given(target=NEXT, code=st.sampled_from(("id", "en", "xx")))
@example(target="/\\evil.example", code="id")
@example(target="/\t/evil.example", code="en")
def test_language_switch_and_login_redirect_only_within_the_portal(client, database, token, target, code):
    response = switch_language(client, code, target)
    assert response.status_code == 302 and _same_site(response.headers.get("Location")), \
        (target, response.headers.get("Location"))
    account = fast_user(database, "operator")
    logout(client)
    response = client.post("/login", query_string={"next": target}, data={
        "username": account["username"], "password": "test-password-123", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and _same_site(response.headers.get("Location")), \
        (target, response.headers.get("Location"))
    ran("page /lang and /login ?next=")


PATHS = ("/my/documents/{kind}/{number}.pdf", "/nnc/attachments/{number}", "/complaints/attachments/{number}",
         "/my/survey/{number}", "/help/screenshots/{kind}", "/lang/{kind}", "/nnc/{number}", "/complaints/{number}",
         "/applications/{number}", "/profile/{number}", "/my/applications/{number}", "/{kind}")


@fuzz(2)
@given(path=st.sampled_from(PATHS), kind=FORM_TEXT.filter(lambda v: "\x00" not in v and "/" not in v and v.strip(".")),
       number=st.one_of(st.integers(0, 10**6), st.sampled_from((2**31, 2**63, 10**30))),
       role=st.sampled_from(("admin", "service_user", None)))
def test_routes_with_hostile_path_parts_never_answer_500(client, database, path, kind, number, role):
    if role:
        login_as(client, fast_user(database, role)["username"])
    else:
        logout(client)
    before = row_counts(database)
    response = client.get(path.format(kind=quote(kind, safe=""), number=number))
    assert response.status_code < 500, (path, kind, number, response.status_code)
    delta = changes(before, row_counts(database))
    assert set(delta) <= {"audit_log"}, delta  # a refusal is audited; nothing else is written by a GET
    ran("page routes with hostile path parts")
