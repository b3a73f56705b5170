"""Logging in and out over HTTP: throttled failures, revocation of copied cookies, idle expiry."""
from __future__ import annotations

import time
from datetime import timedelta

from itsdangerous import TimestampSigner
from sqlalchemy import select, update

from support.web import PASSWORD, csrf_token, login, logout, switch_language, token_in
from models import User, UserSession
from models.base import utcnow
from portal.services import accounts


def test_login_with_the_right_password_goes_to_the_role_home_page(client, make_user):
    make_user("kepala", "head")
    response = login(client, "kepala")
    assert response.status_code == 302
    assert response.location == "/kpi"


def test_wrong_password_is_refused_with_an_indonesian_message(client, make_user):
    make_user("petugas", "operator")
    response = login(client, "petugas", "bukan-ini")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_unknown_username_gets_the_same_message_as_a_wrong_password(client):
    response = login(client, "tidak-ada", "apa-saja")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_five_failures_for_a_name_throttle_it_from_that_address_with_the_same_answer_for_any_name(client, make_user):
    make_user("petugas", "operator")
    for name in ("petugas", "tidak-ada"):
        assert [login(client, name, "keliru").status_code for _ in range(6)] == [401] * 5 + [429]
    # Throttled before the password is looked at: the right one waits too (more in test_login_throttling.py).
    refused = login(client, "petugas")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_a_lock_past_its_time_no_longer_refuses(client, make_user, database):
    make_user("petugas", "operator")
    with database.session() as s:
        s.execute(update(User).where(User.username == "petugas").values(locked_until=utcnow() - timedelta(seconds=1)))
    assert login(client, "petugas").status_code == 302


def test_a_cookie_captured_before_logout_is_refused_after_it(app, make_user):
    make_user("petugas", "operator")
    client = app.server.test_client()
    login(client, "petugas")
    stolen = client.get_cookie("qcorner_session").value
    assert client.get("/nnc").status_code == 200
    logout(client)
    thief = app.server.test_client()
    thief.set_cookie("qcorner_session", stolen)
    response = thief.get("/nnc")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert thief.post("/_dash-update-component", json={"output": "shell-content.children"}).status_code == 401


def test_password_reset_ends_every_session_of_the_account(app, make_user, database):
    from portal.services import users

    created = make_user("petugas", "operator")
    phone, laptop = app.server.test_client(), app.server.test_client()
    login(phone, "petugas")
    login(laptop, "petugas")
    with database.session() as s:
        users.reset_password(s, None, created["id"], "kata-sandi-baru-1")
    assert phone.get("/nnc").status_code == 302
    assert laptop.get("/nnc").status_code == 302


def test_deactivation_ends_sessions_and_blocks_login(app, make_user, database):
    from portal.services import users

    created = make_user("petugas", "operator")
    client = app.server.test_client()
    login(client, "petugas")
    with database.session() as s:
        users.update_user(s, None, created["id"], {"active": False})
    assert client.get("/nnc").status_code == 302
    response = login(app.server.test_client(), "petugas")
    assert response.status_code == 401


def test_idle_session_expires(app, make_user, database):
    make_user("petugas", "operator")
    client = app.server.test_client()
    login(client, "petugas")
    with database.session() as s:
        s.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=9)))
    assert client.get("/nnc").status_code == 302


def test_login_refuses_a_post_without_csrf_token(client, make_user):
    make_user("petugas", "operator")
    response = client.post("/login", data={"username": "petugas", "password": PASSWORD})
    assert response.status_code == 400


def test_login_does_not_redirect_to_another_site(client, make_user):
    make_user("petugas", "operator")
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={"username": "petugas", "password": PASSWORD,
                                                                 "csrf_token": token})
    assert response.location == "/nnc"


def test_passwords_are_stored_hashed_with_full_cost_scrypt(make_user, session, monkeypatch):
    # The suite makes its accounts with a cheaper scrypt (tests/conftest.py); here, what production uses.
    monkeypatch.setattr(accounts, "HASH_METHOD", accounts.PASSWORD_HASH_METHOD)
    make_user("petugas", "operator")
    stored = session.scalar(select(User.password_hash).where(User.username == "petugas"))
    assert PASSWORD not in stored and stored.startswith("scrypt:32768:8:1$")
    assert accounts.PASSWORD_HASH_METHOD == "scrypt:32768:8:1"


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    make_user("petugas", "operator")
    response = login(client, "petugas")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_get_logout_only_asks_and_a_post_without_the_token_ends_nothing(app, make_user):
    """A link or an image on another site (GET /logout, or a POST without the token) cannot log anyone out."""
    make_user("petugas", "operator")
    client = app.server.test_client()
    login(client, "petugas")
    asked = client.get("/logout")
    assert asked.status_code == 200 and 'id="logout-submit"' in asked.get_data(as_text=True)
    assert client.post("/logout").status_code == 400
    assert client.get("/nnc").status_code == 200  # still logged in
    assert logout(client).status_code == 302
    assert client.get("/nnc").status_code == 302


def test_the_menus_logout_is_a_form_posting_the_csrf_token(logged_in):
    client = logged_in("operator")
    def components(node):
        if isinstance(node, dict):
            if "props" in node:
                yield node
            for value in node.values():
                yield from components(value)
        elif isinstance(node, list):
            for value in node:
                yield from components(value)

    found = {c["props"].get("id"): c for c in components(client.get("/_dash-layout").json)}
    form, token = found["shell-logout-form"]["props"], found["shell-logout-token"]["props"]
    assert (form["action"], form["method"]) == ("/logout", "POST")
    assert token["name"] == "csrf_token" and token["type"] == "hidden"
    assert client.post("/logout", data={"csrf_token": token["value"]}).status_code == 302
    assert client.get("/nnc").status_code == 302


def test_english_chosen_on_the_login_page_is_the_portal_language_after_logging_in(client, make_user, session):
    """The account's own language (Indonesian) used to win: "English" chosen a moment before gave Indonesian pages."""
    make_user("kepala_en", "head")
    switch_language(client, "en")
    assert login(client, "kepala_en").status_code == 302
    assert session.scalar(select(User.language).where(User.username == "kepala_en")) == "en"
    assert '<html lang="en"' in client.get("/kpi").get_data(as_text=True)


def test_the_language_is_switched_by_a_post_with_the_token_and_never_by_a_link(client, make_user, session):
    """As a GET link, any site could switch a signed-in officer's account to the other language (an <img> would do)."""
    make_user("kepala_tautan", "head")
    assert login(client, "kepala_tautan").status_code == 302
    client.get("/lang/en")  # a link (or an <img> on another site): no language route answers a GET
    assert client.post("/lang/en").status_code == 400  # no CSRF token
    assert session.scalar(select(User.language).where(User.username == "kepala_tautan")) == "id"
    assert switch_language(client, "en").status_code == 302
    session.expire_all()
    assert session.scalar(select(User.language).where(User.username == "kepala_tautan")) == "en"
    assert '<html lang="en"' in client.get("/kpi").get_data(as_text=True)


def test_a_language_switch_comes_back_where_the_reader_was_even_in_a_tab_left_open_for_hours(client, make_user,
                                                                                               monkeypatch):
    """The menu's form carries the token the page was drawn with: with Flask-WTF's one-hour default, a tab left open
    over lunch answered "form expired". Back on the same list with its filters; the login page keeps the page it was
    asked for."""
    make_user("kepala_lama", "head")
    assert login(client, "kepala_lama").status_code == 302
    token = token_in(client.get("/logout").get_data(as_text=True))  # drawn now, as the menu's forms are
    later = int(time.time()) + 3 * 3600  # the clock the token's age is read by, three hours on
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _signer: later)
    answer = client.post("/lang/en", data={"csrf_token": token},
                         headers={"Referer": "http://localhost/nnc?status=new&country=Tiongkok"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/nnc?status=new&country=Tiongkok"
    monkeypatch.undo()
    logout(client)
    page = client.get("/login?next=/nnc%3Fstatus%3Dnew").get_data(as_text=True)
    assert 'name="next" value="/login?next=/nnc%3Fstatus%3Dnew"' in page
    answer = switch_language(client, "id", "/login?next=/nnc%3Fstatus%3Dnew")
    assert answer.headers["Location"] == "/login?next=/nnc%3Fstatus%3Dnew"


def test_a_refused_login_leaves_the_accounts_language_alone(client, make_user, session):
    make_user("kepala_salah", "head")
    switch_language(client, "en")
    assert login(client, "kepala_salah", "bukan-ini").status_code == 401
    assert session.scalar(select(User.language).where(User.username == "kepala_salah")) == "id"


def test_the_language_a_logout_leaves_on_the_login_page_is_not_the_next_persons_choice(client, make_user, session):
    """A shared computer: the first person's English stays on the login page, but the next person, who chose
    nothing, keeps the language of their own account."""
    make_user("petugas_en", "operator")
    make_user("petugas_id", "operator")
    login(client, "petugas_en")
    switch_language(client, "en")  # switched while logged in
    logout(client)
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)
    assert login(client, "petugas_id").status_code == 302
    assert session.scalar(select(User.language).where(User.username == "petugas_id")) == "id"
