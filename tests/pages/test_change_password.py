"""A signed-in person changes their own password (/password, portal/web/auth.py): the current one first; every other
session of the account ends, this one stays; wrong input changes nothing and says which field; a session that keeps
guessing the current password is ended."""
from __future__ import annotations

from sqlalchemy import func, select

from models import AuditLog, User
from portal.services.service_accounts import WRONG_CURRENT_LIMIT
from support.web import PASSWORD, components, csrf_token, login

NEW = "kata-sandi-baru-2026"


def _change(client, current: str, password: str = NEW, confirm: str | None = None):
    return client.post("/password", data={"csrf_token": csrf_token(client, "/password"), "current_password": current,
                                          "password": password, "password_confirm": password if confirm is None
                                          else confirm})


def _signed_in(client) -> bool:
    """Whether the client's session still opens a page behind the login (not sent to /login)."""
    return client.get("/password").status_code == 200


def test_a_person_changes_their_password_and_their_other_sessions_end_but_this_one_stays(app, make_user, database):
    make_user("eksportir_sandi", "service_user")
    here, phone = app.server.test_client(), app.server.test_client()
    assert login(here, "eksportir_sandi").status_code == 302 and login(phone, "eksportir_sandi").status_code == 302
    changed = _change(here, PASSWORD)
    assert changed.status_code == 200 and "Kata sandi diubah" in changed.get_data(as_text=True)
    assert _signed_in(here) and not _signed_in(phone)  # the phone's copy of the old login is gone
    assert login(app.server.test_client(), "eksportir_sandi", PASSWORD).status_code != 302
    assert login(app.server.test_client(), "eksportir_sandi", NEW).status_code == 302
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "password_changed", AuditLog.username == "eksportir_sandi")) == 1


def test_a_wrong_current_password_changes_nothing_and_is_recorded(app, client, make_user, database):
    make_user("operator_sandi", "operator")
    assert login(client, "operator_sandi").status_code == 302
    with database.session() as s:
        before = s.scalar(select(User.password_hash).where(User.username == "operator_sandi"))
    refused = _change(client, "bukan-sandi-saya")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Kata sandi sekarang salah." in page and "is-invalid" in page
    assert "bukan-sandi-saya" not in page and NEW not in page  # nothing typed is sent back
    with database.session() as s:
        assert s.scalar(select(User.password_hash).where(User.username == "operator_sandi")) == before
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "password_change_refused", AuditLog.username == "operator_sandi")) == 1
    assert _signed_in(client)


def test_a_short_mismatched_or_unchanged_new_password_is_refused_beside_its_field(app, client, make_user, database):
    make_user("koordinator_sandi", "coordinator", "plant")
    assert login(client, "koordinator_sandi").status_code == 302
    for password, confirm, said in (("pendek", "pendek", "Minimal 10 karakter"),
                                    (NEW, NEW + "x", "Kedua kata sandi tidak sama."),
                                    (PASSWORD, PASSWORD, "Kata sandi baru sama dengan yang sekarang.")):
        refused = _change(client, PASSWORD, password, confirm)
        assert refused.status_code == 400 and said in refused.get_data(as_text=True), said
    assert login(app.server.test_client(), "koordinator_sandi", PASSWORD).status_code == 302  # still the old one


def test_a_session_guessing_the_current_password_is_ended(app, client, make_user):
    """Someone at a computer left signed in cannot try passwords on it: the session ends, the owner logs in again."""
    make_user("ppjk_sandi", "service_user")
    assert login(client, "ppjk_sandi").status_code == 302
    for attempt in range(1, WRONG_CURRENT_LIMIT):
        assert _change(client, f"tebakan-{attempt}").status_code == 400
    last = _change(client, "tebakan-terakhir")
    assert last.status_code == 302 and last.headers["Location"].endswith("/login")
    assert not _signed_in(client)
    assert login(app.server.test_client(), "ppjk_sandi", PASSWORD).status_code == 302  # the owner still can


def test_the_change_needs_the_forms_token_and_a_login(app, client, make_user):
    assert client.get("/password").status_code in (302, 401)  # not signed in: the login first
    make_user("kepala_sandi", "head")
    assert login(client, "kepala_sandi").status_code == 302
    refused = client.post("/password", data={"current_password": PASSWORD, "password": NEW,
                                             "password_confirm": NEW})
    assert refused.status_code in (400, 403)
    assert login(app.server.test_client(), "kepala_sandi", PASSWORD).status_code == 302


def test_every_role_finds_the_change_in_its_menu(app, make_user):
    for role in ("service_user", "operator"):
        make_user(f"menu_{role}", role)
        client = app.server.test_client()
        assert login(client, f"menu_{role}").status_code == 302
        page = client.get("/_dash-layout").get_json()
        found = next((props for _type, props in components(page) if props.get("id") == "shell-nav-password"), None)
        assert found is not None and found["href"] == "/password" and found["external_link"] is True, role

