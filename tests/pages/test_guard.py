"""The request guard: anonymous requests, public routes, Dash endpoints, security headers."""
from __future__ import annotations

from sqlalchemy import select

from support.web import dash_callback
from models import AuditLog


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


def test_callback_without_a_declared_permission_is_refused(logged_in):
    client = logged_in("admin")
    assert dash_callback(client, "made-up-output.children").status_code == 403


def test_service_user_calling_an_admin_callback_is_refused_and_logged(logged_in, session):
    client = logged_in("service_user", username="pengguna1")
    response = dash_callback(client, "admin-users-grid.rowData",
                             inputs=[{"id": "admin-users-search", "property": "value", "value": ""},
                                     {"id": "admin-users-role-filter", "property": "value", "value": "all"},
                                     {"id": "admin-users-refresh", "property": "data", "value": 0}])
    assert response.status_code == 403
    assert "admin" not in response.get_data(as_text=True).lower() or "forbidden" in response.get_data(as_text=True)
    denied = session.scalar(select(AuditLog).where(AuditLog.action == "access_denied"))
    assert denied.username == "pengguna1" and denied.object_id == "admin-users-grid.rowData"


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
