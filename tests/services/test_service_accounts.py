"""Service users' accounts: admin invitations, self-registration against the registry, password reset by link."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from support.web import csrf_token, dash_callback, login
from support.factories import gen_service_user
from models import ServiceUserLink, User, UserSession
from models.service_portal import AccessToken, NotificationOutbox
from portal.services import service_accounts
from support.portal_helpers import SmtpSink

UTC = timezone.utc
NEW_PASSWORD = "kata-sandi-baru-123"


def _post(client, path, data):
    """Post a form and close the response, as a browser's connection does: work queued after the response runs."""
    with client.post(path, data={**data, "csrf_token": csrf_token(client, "/login")}) as response:
        response.get_data()
    return response


def test_admin_invites_by_email_and_the_link_sets_a_password_once(client, session):
    company = gen_service_user(session, name="PT Undangan")
    session.commit()
    result = service_accounts.invite(session, None, service_user_id=company.id, email="Budi@Contoh.invalid",
                                     full_name="Budi")
    session.commit()
    assert result["username"] == "budi" and result["token"]
    stored = session.scalar(select(AccessToken).where(AccessToken.purpose == "invite"))
    assert stored.token_hash != result["token"] and len(stored.token_hash) == 64
    assert login(client, "budi", NEW_PASSWORD).status_code == 401  # no usable password yet
    path = f"/account/invite/{result['token']}"
    page = client.get(path)
    assert page.status_code == 200 and "budi" in page.get_data(as_text=True)
    mismatch = _post(client, path, {"password": NEW_PASSWORD, "password_confirm": "lain-lagi-12345"})
    assert mismatch.status_code == 400
    assert _post(client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 200
    assert _post(client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 410
    assert login(client, "budi", NEW_PASSWORD).status_code == 302
    user = session.scalar(select(User).where(User.username == "budi"))
    assert session.get(ServiceUserLink, (user.id, company.id)) is not None


def test_inviting_a_known_email_links_that_account_to_another_company(session):
    first, second = gen_service_user(session), gen_service_user(session)
    made = service_accounts.invite(session, None, service_user_id=first.id, email="ppjk@contoh.invalid",
                                   full_name="PPJK")
    again = service_accounts.invite(session, None, service_user_id=second.id, email="ppjk@contoh.invalid",
                                    full_name="PPJK")
    assert again["linked_existing"] and again["user_id"] == made["user_id"] and again["token"] is None
    assert session.scalar(select(func.count()).select_from(ServiceUserLink).where(
        ServiceUserLink.user_id == made["user_id"])) == 2


def test_admin_page_invites_and_shows_the_link_when_email_is_not_configured(logged_in, session):
    company = gen_service_user(session, name="PT Halaman Admin")
    session.commit()
    client = logged_in("admin")
    response = dash_callback(
        client, "..admin-service-users-alert.children...admin-service-users-alert.is_open..."
                "admin-service-users-alert.color...admin-service-users-refresh.data..."
                + "...".join(f"admin-service-users-{f}.invalid...admin-service-users-{f}-feedback.children"
                             for f in ("email", "full_name", "username", "link_username")) + "..",
        inputs=[{"id": "admin-service-users-invite", "property": "n_clicks", "value": 1},
                {"id": "admin-service-users-link", "property": "n_clicks", "value": None}],
        state=[{"id": "admin-service-users-selected", "property": "data", "value": company.id},
               {"id": "admin-service-users-email", "property": "value", "value": "sari@contoh.invalid"},
               {"id": "admin-service-users-full_name", "property": "value", "value": "Sari"},
               {"id": "admin-service-users-username", "property": "value", "value": ""},
               {"id": "admin-service-users-link_username", "property": "value", "value": ""},
               {"id": "admin-service-users-refresh", "property": "data", "value": 0}],
        changed=["admin-service-users-invite.n_clicks"])
    import json

    assert response.status_code == 200
    body = json.dumps(response.json, ensure_ascii=False).replace("\\u002f", "/")
    assert "/account/invite/" in body and "outbox" in body
    row = session.scalar(select(NotificationOutbox).where(NotificationOutbox.template == "invite"))
    assert row.status == "skipped" and "/account/invite/" not in str(row.params)


def test_password_reset_by_email_link_ends_every_session(client, make_user, session, app, monkeypatch, settings):
    make_user("pengguna_r", "service_user", email="r@contoh.invalid")
    login(client, "pengguna_r")
    smtp = SmtpSink().start()
    monkeypatch.setitem(app.server.extensions, "qcorner_settings", settings.model_copy(update={"smtp_url": smtp.url}))
    try:
        other = app.server.test_client()
        answer = _post(other, "/account/forgot", {"identifier": "r@contoh.invalid"})
        assert answer.status_code == 200
        _post(other, "/account/forgot", {"identifier": "r@contoh.invalid"})  # within the cooldown: no second link
        _post(other, "/account/forgot", {"identifier": "nobody@contoh.invalid"})  # same answer, nothing sent
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1 and smtp.messages[0]["to"] == ["r@contoh.invalid"]
    link = smtp.messages[0]["body"].split("/account/reset/")[1].split()[0]
    assert _post(other, f"/account/reset/{link}", {"password": NEW_PASSWORD,
                                                   "password_confirm": NEW_PASSWORD}).status_code == 200
    assert client.get("/my/applications").status_code == 302  # the old session is over
    assert session.scalar(select(func.count()).select_from(UserSession).where(UserSession.revoked_at.is_(None))) == 0
    assert login(other, "pengguna_r", NEW_PASSWORD).status_code == 302
    assert _post(app.server.test_client(), f"/account/reset/{link}",
                 {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 410


def test_registration_needs_matching_npwp_and_email_and_a_verified_link(client, session):
    company = gen_service_user(session, tax_id="01.234.567.8-901.000", email="ekspor@alpha.invalid")
    session.commit()
    assert service_accounts.request_registration(session, "01.234.567.8-901.000", "lain@alpha.invalid") is None
    assert service_accounts.request_registration(session, "99.999.999.9-999.000", "ekspor@alpha.invalid") is None
    session.commit()
    # The wrong tries count for the cooldown of that email, so a correct request right after waits too.
    later = datetime.now(UTC) + timedelta(minutes=10)
    found = service_accounts.request_registration(session, "012345678901000", "EKSPOR@alpha.invalid", now=later)
    session.commit()
    assert found is not None
    email, token = found
    path = f"/account/register/{token}"
    bad = _post(client, path, {"username": "X", "full_name": "", "password": "pendek", "password_confirm": "x"})
    assert bad.status_code == 400
    ok = _post(client, path, {"username": "alpha.ekspor", "full_name": "Rina", "password": NEW_PASSWORD,
                              "password_confirm": NEW_PASSWORD})
    assert ok.status_code == 200
    user = session.scalar(select(User).where(User.username == "alpha.ekspor"))
    assert user.role == "service_user" and user.email == "ekspor@alpha.invalid"
    assert session.get(ServiceUserLink, (user.id, company.id)) is not None
    assert client.get(path).status_code == 410


def test_registration_form_answers_the_same_whether_or_not_it_matched(client, session):
    gen_service_user(session, tax_id="01.234.567.8-901.000", email="ekspor@alpha.invalid")
    session.commit()
    first = _post(client, "/account/register", {"tax_id": "01.234.567.8-901.000", "email": "ekspor@alpha.invalid"})
    second = _post(client, "/account/register", {"tax_id": "11.111.111.1-111.000", "email": "siapa@x.invalid"})
    assert first.status_code == second.status_code == 200
    assert first.get_data(as_text=True).count("Periksa email") == second.get_data(as_text=True).count("Periksa email")


def test_account_links_are_public_but_documents_are_not(client):
    assert client.get("/account/forgot").status_code == 200
    assert client.get("/account/register").status_code == 200
    assert client.get("/account/invite/nothing").status_code == 410
    assert client.get("/my/survey/1").status_code == 302


def test_a_sessions_user_carries_every_linked_company_and_an_unlink_counts_on_the_next_request(session, make_user):
    """The linked companies are read with the session on every request: a company unlinked by an admin is gone
    from the very next request, and an officer carries none."""
    from portal.services import accounts

    account_id = make_user("pj_dua_perusahaan", "service_user")["id"]
    officer_id = make_user("petugas_tanpa_perusahaan", "operator")["id"]
    first, second = gen_service_user(session, name="PT Satu"), gen_service_user(session, name="PT Dua")
    session.add_all([ServiceUserLink(user_id=account_id, service_user_id=second.id),
                     ServiceUserLink(user_id=account_id, service_user_id=first.id)])
    session.commit()
    sid, officer_sid = accounts.start_session(session, account_id), accounts.start_session(session, officer_id)
    session.commit()
    idle = timedelta(hours=8)
    assert accounts.load_session(session, sid, idle).service_user_ids == tuple(sorted((first.id, second.id)))
    assert accounts.load_session(session, officer_sid, idle).service_user_ids == ()
    service_accounts.unlink(session, None, account_id, first.id)
    session.commit()
    assert accounts.load_session(session, sid, idle).service_user_ids == (second.id,)
    service_accounts.unlink(session, None, account_id, second.id)
    session.commit()
    assert accounts.load_session(session, sid, idle).service_user_ids == ()
