"""The request guard: anonymous requests, public routes, Dash endpoints, security headers."""
from __future__ import annotations

from sqlalchemy import func, select

from support.web import dash_callback, logout
from models import AuditLog
from portal.audit import REFUSED_CHARS, denied_targets


def test_anonymous_post_to_dash_callback_is_401(client):
    assert client.post("/_dash-update-component", json={"output": "shell-content.children"}).status_code == 401


def test_anonymous_callback_with_dash4_query_string_is_401(client):
    response = client.post("/_dash-update-component?cacheKey=1", json={"output": "shell-content.children"})
    assert response.status_code == 401


def test_anonymous_page_redirects_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.location == "/login?next=/admin/users"


def test_anonymous_dash_layout_is_401(client):
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401


def test_public_routes_answer_without_login(client):
    assert client.get("/login").status_code == 200
    assert client.get("/assets/qcorner.css").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["database"] == "ok"


def test_healthz_reveals_no_secrets(client, settings):
    body = client.get("/healthz").get_data(as_text=True)
    assert settings.secret_key not in body and "password" not in body.lower()
    assert settings.database_url not in body


def test_unknown_route_is_closed_to_anonymous_users(client):
    assert client.get("/some/new/route").status_code == 302


def test_a_callback_request_naming_no_callback_is_answered_400_without_an_audit_row(logged_in, session):
    """Malformed, not a denial: junk must not bury real probing in the audit log."""
    client = logged_in("admin")
    assert dash_callback(client, "made-up-output.children").status_code == 400
    for body in ([], {"output": 7}, {"outputs": {}}, "x"):
        assert client.post("/_dash-update-component", json=body).status_code == 400
    assert client.post("/_dash-update-component", data=b"{not json", content_type="application/json").status_code == 400
    assert session.scalar(select(func.count()).select_from(AuditLog)
                          .where(AuditLog.action == "access_denied")) == 0


def _admin_users_grid(app) -> str:
    """The account list's callback key: the grid with its pager's outputs (a paged list)."""
    return next(key for key in app.callback_map if "admin-users-grid.rowData" in key)


def test_denials_are_counted_in_one_row_per_session_and_minute(app, logged_in, session):
    """80 refused callbacks from one session in a minute: one row with a count, listing what was refused."""
    client = logged_in("service_user", username="pengguna2")
    grid = _admin_users_grid(app)
    for n in range(80):
        output = grid if n % 2 else "handler-body.children"
        assert dash_callback(client, output).status_code == 403
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "access_denied")).all()
    assert sum(row.occurrences for row in rows) == 80
    assert len(rows) <= 2  # one, unless the minute turned during the burst
    assert {f"callback {grid}"[:REFUSED_CHARS], "callback handler-body.children"} <= {
        target for row in rows for target in denied_targets(row)}
    assert all(row.username == "pengguna2" and row.session_key for row in rows)


def test_each_session_and_minute_gets_its_own_denial_row(database, make_user):
    from datetime import datetime, timedelta, timezone

    from portal import audit

    user = make_user("pengguna3", "service_user")
    at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=timezone.utc)
    with database.session() as db:
        for session_id, when in (("a", at), ("a", at + timedelta(seconds=30)), ("b", at),
                                 ("a", at + timedelta(minutes=1))):
            audit.record_denied(db, user["id"], "pengguna3", session_id, "route", "/admin/users", now=when)
            db.flush()
    with database.session() as db:
        counts = sorted(row.occurrences for row in db.scalars(
            select(AuditLog).where(AuditLog.action == "access_denied")))
    assert counts == [1, 1, 2]


def test_service_user_calling_an_admin_callback_is_refused_and_logged(app, logged_in, session):
    client = logged_in("service_user", username="pengguna1")
    grid = _admin_users_grid(app)
    response = dash_callback(client, grid,
                             inputs=[{"id": "admin-users-search", "property": "value", "value": ""},
                                     {"id": "admin-users-role-filter", "property": "value", "value": "all"},
                                     {"id": "admin-users-refresh", "property": "data", "value": 0}])
    assert response.status_code == 403
    assert "admin" not in response.get_data(as_text=True).lower() or "forbidden" in response.get_data(as_text=True)
    denied = session.scalar(select(AuditLog).where(AuditLog.action == "access_denied"))
    assert denied.username == "pengguna1" and grid.startswith(denied.object_id)  # kept as long as its column allows


def test_callback_must_be_sent_as_json(logged_in):
    client = logged_in("admin")
    response = client.post("/_dash-update-component", data="output=admin-users-grid.rowData",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_security_headers_are_set(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_root_sends_each_role_home(logged_in):
    assert logged_in("coordinator").get("/").location == "/rankings"


REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def test_healthz_tells_an_anonymous_remote_caller_only_whether_it_is_up(client):
    assert client.get("/healthz", environ_base=REMOTE).json == {"status": "ok"}
    # Through a proxy that is not trusted, the address seen is the proxy's loopback: still not local.
    forwarded = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.json == {"status": "ok"}


def test_healthz_gives_its_detail_to_the_host_itself_and_to_admins(client, logged_in):
    assert client.get("/healthz").json["database_backend"] in ("postgresql", "sqlite")  # from 127.0.0.1
    operator = logged_in("operator")
    assert "database_backend" not in operator.get("/healthz", environ_base=REMOTE).json
    logout(operator)
    admin = logged_in("admin")
    detail = admin.get("/healthz", environ_base=REMOTE).json
    assert detail["database"] == "ok" and "sync_stale" in detail


def test_an_address_no_page_has_answers_404_with_the_shell_saying_so(logged_in):
    """The shell draws "not found" (a signed-in reader keeps the menu); the status says it to a bookmark checker, a
    crawler or a probe, which read no page."""
    client = logged_in("operator")
    assert client.get("/m").status_code == 404
    assert client.get("/applications/extra/parts").status_code == 404
    assert client.get("/admin/users").status_code == 403
    opened = client.get("/applications")
    assert opened.status_code == 200 and b"_dash-config" in opened.data
    assert client.get("/").status_code == 302  # the role's home
    assert client.get("/offline").status_code == 200  # the app's own routes are not pages


def test_a_page_the_role_may_not_open_is_refused_403_inside_the_shell_with_the_readers_menu(app, logged_in, session):
    """A link to an admin page shared with an operator opened a bare "Akses ditolak" page with no menu: the shell is
    served (the same empty frame as every address: no data), its router draws the refusal, the status is 403, the
    title names no page and the attempt is audited as before."""
    client = logged_in("operator", username="petugas_tautan")
    refused = client.get("/admin/users")
    assert refused.status_code == 403 and b"_dash-config" in refused.data
    assert b"<title>Q-Corner</title>" in refused.data
    drawn = dash_callback(client, "shell-content.children",
                          inputs=[{"id": "shell-url", "property": "pathname", "value": "/admin/users"}])
    assert "Akses ditolak" in drawn.get_data(as_text=True)
    denied = session.scalar(select(AuditLog).where(AuditLog.action == "access_denied",
                                                   AuditLog.username == "petugas_tautan"))
    assert denied is not None and denied.object_id == "/admin/users"
    assert client.get("/applications").status_code == 200  # the next page is the reader's own again
