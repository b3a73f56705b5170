"""Login throttling without lockout abuse (issue #16): failures counted per address and per (name, address), one
answer for every failure, a last-resort lock an admin lifts, and a forgot-password form that says nothing.

The portal here sits behind one trusted proxy (QCORNER_TRUSTED_PROXIES=1), so each request's X-Forwarded-For is
the visitor's address, as behind the production nginx."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import event, func, select, update

from models import AuditLog, LoginFailure, NotificationOutbox, User
from models.base import utcnow
from portal.services import users
from support.portal_helpers import SmtpSink
from support.web import PASSWORD

ATTACKER, VICTIM = "203.0.113.7", "198.51.100.20"
# Small enough for a test to reach: 3 addresses × 5 failures each (the per-name limit) lock a real account.
HARD_LOCK = {"trusted_proxies": 1, "login_hard_lock_failures": 15, "login_hard_lock_addresses": 3}


@pytest.fixture(scope="module")
def proxied_app(settings):
    from portal import create_app

    return create_app(settings.model_copy(update=HARD_LOCK))


@pytest.fixture
def web(proxied_app, database):
    """A browser-like client of the proxied portal; its failed-login counts start empty."""
    proxied_app.server.extensions["qcorner_limiter"].reset()
    yield proxied_app.server.test_client()
    proxied_app.server.extensions["qcorner_limiter"].reset()


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)


def attempt(client, username: str, password: str, address: str):
    """One login through the form, from `address` as the proxy reports it."""
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _token(client)},
                       headers={"X-Forwarded-For": address})


def shown_error(response) -> str:
    found = re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


def answer(response) -> tuple:
    """What a client can tell from a refusal: status, message, and whether it is told to wait."""
    return response.status_code, shown_error(response), "Retry-After" in response.headers


# --------------------------------------------------------------------------------------------- lockout abuse
def test_failures_from_one_address_for_a_name_do_not_stop_its_owner_logging_in_from_another(web, make_user,
                                                                                            session):
    make_user("korban", "operator")
    statuses = [attempt(web, "korban", f"tebakan-{n}", ATTACKER).status_code for n in range(30)]
    assert statuses == [401] * 5 + [429] * 25  # the attacker's address is throttled for that name…
    assert attempt(web, "korban", PASSWORD, VICTIM).status_code == 302  # …its owner, elsewhere, is not
    assert session.scalar(select(User.locked_until).where(User.username == "korban")) is None


def test_the_owner_is_throttled_at_an_address_only_by_failures_made_there(web, make_user):
    make_user("korban", "operator")
    for n in range(4):
        attempt(web, "korban", f"tebakan-{n}", ATTACKER)
    assert attempt(web, "korban", "salah-ketik", VICTIM).status_code == 401  # the owner's own typo: 1, not 5
    assert attempt(web, "korban", PASSWORD, VICTIM).status_code == 302


def test_many_failures_from_one_address_get_429_with_retry_after_and_an_indonesian_message(web, make_user):
    make_user("pegawai", "operator")
    # A different name each time: only the address's own limit (20 failures in 10 minutes) stops the spray.
    statuses = [attempt(web, f"nama{n:02d}", "apa-saja", ATTACKER).status_code for n in range(25)]
    assert statuses == [401] * 20 + [429] * 5
    refused = attempt(web, "pegawai", PASSWORD, ATTACKER)  # not even the right password is looked at now
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert shown_error(refused).startswith("Terlalu banyak percobaan masuk yang gagal dari alamat ini.")
    assert attempt(web, "pegawai", PASSWORD, VICTIM).status_code == 302


def test_the_wait_grows_with_each_round_of_failures(web, make_user):
    make_user("pegawai", "operator")
    with time_machine.travel(utcnow(), tick=False) as clock:
        for n in range(5):
            attempt(web, "pegawai", f"salah-{n}", ATTACKER)
        first = attempt(web, "pegawai", PASSWORD, ATTACKER)
        assert first.status_code == 429 and int(first.headers["Retry-After"]) <= 15 * 60
        clock.shift(timedelta(minutes=16))
        for n in range(5):  # the next round: 10 in the hour
            assert attempt(web, "pegawai", f"lagi-{n}", ATTACKER).status_code == 401
        second = attempt(web, "pegawai", PASSWORD, ATTACKER)
        assert second.status_code == 429 and int(second.headers["Retry-After"]) > 15 * 60
        clock.shift(timedelta(minutes=61))
        assert attempt(web, "pegawai", PASSWORD, ATTACKER).status_code == 302  # waited out: the owner gets in


# --------------------------------------------------------------------------------------------- enumeration
@pytest.mark.parametrize("failures", [0, 5, 20])
def test_known_and_unknown_names_get_the_same_answer_after_any_number_of_failures(web, make_user, failures):
    make_user("pegawai", "operator")
    answers = {}
    for number, name in enumerate(("pegawai", "tidak-ada-orangnya")):
        address = f"192.0.2.{number + 10 * failures}"
        for n in range(failures):
            attempt(web, name, f"tebakan-{n}", address)
        answers[name] = answer(attempt(web, name, "tebakan-lagi", address))
    assert answers["pegawai"] == answers["tidak-ada-orangnya"]
    assert answers["pegawai"][0] == (401 if failures < 5 else 429)


def test_a_locked_or_inactive_account_answers_like_an_unknown_name_even_to_the_right_password(web, make_user,
                                                                                            database):
    locked, inactive = make_user("terkunci", "operator"), make_user("nonaktif", "operator")
    with database.session() as s:
        s.execute(update(User).where(User.id == locked["id"]).values(locked_until=utcnow() + timedelta(hours=5)))
        users.update_user(s, None, inactive["id"], {"active": False})
    unknown = answer(attempt(web, "tidak-ada-orangnya", PASSWORD, "192.0.2.1"))
    assert answer(attempt(web, "terkunci", PASSWORD, "192.0.2.2")) == unknown
    assert answer(attempt(web, "nonaktif", PASSWORD, "192.0.2.3")) == unknown
    assert unknown == (401, "Nama pengguna atau kata sandi salah.", False)


def test_every_kind_of_failure_does_the_same_work(web, proxied_app, make_user, database, monkeypatch):
    """One password hash check and the same SQL statements, whatever made the login fail (the timing follows)."""
    from portal.services import accounts

    make_user("pegawai", "operator")
    locked, inactive = make_user("terkunci", "operator"), make_user("nonaktif", "operator")
    with database.session() as s:
        s.execute(update(User).where(User.id == locked["id"]).values(locked_until=utcnow() + timedelta(hours=5)))
        users.update_user(s, None, inactive["id"], {"active": False})
    hash_checks, statements = [], []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda *a: hash_checks.append(1) or real_check(*a))
    engine = proxied_app.server.extensions["qcorner_db"].engine
    listener = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    work = {}
    try:
        for number, (name, password) in enumerate([("tidak-ada-orangnya", "x"), ("pegawai", "salah"),
                                                   ("terkunci", PASSWORD), ("nonaktif", PASSWORD)]):
            hash_checks.clear(), statements.clear()
            assert attempt(web, name, password, f"192.0.2.{number}").status_code == 401
            work[name] = (len(hash_checks), tuple(statements))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(set(work.values())) == 1, work
    assert work["pegawai"][0] == 1


# --------------------------------------------------------------------------------------------- the last resort
def test_a_name_failing_from_many_addresses_is_locked_until_an_admin_lifts_it(web, make_user, database, session):
    created = make_user("sasaran", "operator")
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        for n in range(5):
            assert attempt(web, "sasaran", f"tebakan-{n}", address).status_code == 401
    assert session.scalar(select(User.locked_until).where(User.id == created["id"])) is not None
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "account_locked")) == 1
    # Locked: even the right password from a fresh address gets the one answer every failure gets.
    assert answer(attempt(web, "sasaran", PASSWORD, VICTIM)) == (401, "Nama pengguna atau kata sandi salah.", False)

    with database.session() as s:  # what the admin's "Buka kunci akun" button calls
        users.unlock(s, None, created["id"])
    assert session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.user_id == created["id"])) == 0  # forgotten, so the next typo does not relock
    assert attempt(web, "sasaran", PASSWORD, "192.0.2.99").status_code == 302
    assert session.scalar(select(AuditLog.id).where(AuditLog.action == "user_unlocked")) is not None


def test_a_spray_of_unknown_names_locks_nothing_and_stores_no_typed_name(web, make_user, session):
    make_user("pegawai", "operator")
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        for n in range(5):
            attempt(web, "rahasia-Sandi-99", f"x{n}", address)  # a password typed into the username field
    assert session.scalar(select(func.count()).select_from(User).where(User.locked_until.is_not(None))) == 0
    digests = session.scalars(select(LoginFailure.name_digest)).all()
    assert len(digests) == 3 and all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests)


def test_the_command_line_lifts_a_lock_and_the_audit_log_names_who(database_url, make_user, session):
    from portal.cli.main import main

    created = make_user("sasaran", "operator")
    session.execute(update(User).where(User.id == created["id"]).values(locked_until=utcnow() + timedelta(hours=5)))
    session.commit()
    result = CliRunner().invoke(main, ["users", "unlock", "sasaran", "--user", "admin-jaga"],
                                env={"QCORNER_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.scalar(select(User.locked_until).where(User.id == created["id"])) is None
    assert session.scalar(select(AuditLog.username).where(AuditLog.action == "user_unlocked")) == "admin-jaga"
    unknown = CliRunner().invoke(main, ["users", "unlock", "tidak-ada"], env={"QCORNER_DATABASE_URL": database_url})
    assert unknown.exit_code != 0 and "no account" in unknown.output


def test_failure_counts_older_than_the_window_are_forgotten_by_the_hourly_job(web, make_user, database, session,
                                                                             settings):
    from jobs.context import JobContext
    from jobs.portal_jobs import forget_old_login_failures

    make_user("pegawai", "operator")
    attempt(web, "pegawai", "salah", "192.0.2.1")
    attempt(web, "pegawai", "salah", "192.0.2.2")
    session.execute(update(LoginFailure).where(LoginFailure.address == "192.0.2.1")
                    .values(last_failed_at=utcnow() - timedelta(hours=25)))
    session.commit()
    forget_old_login_failures(JobContext(settings=settings, database=database, scheduler=None, name="test",
                                         interval=timedelta(minutes=5)))
    assert session.scalars(select(LoginFailure.address)).all() == ["192.0.2.2"]


# --------------------------------------------------------------------------------------------- forgot password
def test_forgot_password_answers_the_same_and_mails_through_the_outbox_after_the_response(
        web, proxied_app, make_user, settings, session, monkeypatch):
    make_user("pengguna_r", "service_user", email="r@contoh.invalid")
    smtp = SmtpSink().start()
    monkeypatch.setitem(proxied_app.server.extensions, "qcorner_settings",
                        settings.model_copy(update={**HARD_LOCK, "smtp_url": smtp.url}))
    try:
        pages, queued = {}, {}
        for identifier in ("r@contoh.invalid", "tidak-ada@contoh.invalid"):
            before, sent = session.scalar(select(func.count()).select_from(NotificationOutbox)), len(smtp.messages)
            response = web.post("/account/forgot", data={"identifier": identifier, "csrf_token": _token(web)})
            pages[identifier] = (response.status_code, re.sub(r'name="csrf_token" value="[^"]+"', "",
                                                              response.get_data(as_text=True)))
            # The answer is out, and nothing has been looked up, queued or sent for it yet…
            assert session.scalar(select(func.count()).select_from(NotificationOutbox)) == before
            assert len(smtp.messages) == sent
            response.close()  # …until the server closes the response, once its last byte is sent
            queued[identifier] = session.scalar(select(func.count()).select_from(NotificationOutbox)) - before
            session.rollback()  # a fresh snapshot for the next count
    finally:
        smtp.stop()
    assert pages["r@contoh.invalid"] == pages["tidak-ada@contoh.invalid"]
    assert pages["r@contoh.invalid"][0] == 200
    assert queued == {"r@contoh.invalid": 1, "tidak-ada@contoh.invalid": 0}
    row = session.scalar(select(NotificationOutbox))  # the known account's mail, delivered from the outbox
    assert (row.template, row.recipient_address, row.status) == ("reset", "r@contoh.invalid", "sent")
    assert "/account/reset/" not in str(row.params)  # the link was minted as it was sent, never stored
    assert len(smtp.messages) == 1 and "/account/reset/" in smtp.messages[0]["body"]
