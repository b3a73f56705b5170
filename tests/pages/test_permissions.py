"""Every page and every callback declares who may use it, and each role gets exactly what DOMAIN.md says."""
from __future__ import annotations

import pytest

from support.web import dash_callback
from portal.security.access import callback_permissions
from portal.pages import PAGES, match
from portal.security.permissions import PERMISSIONS, ROLES

# Written by hand from DOMAIN.md's "Users and what each comes for": page → roles that may open it.
EXPECTED_PAGE_ACCESS = {
    "/kpi": {"admin", "head"},
    "/rankings": {"admin", "coordinator", "enforcement", "head"},
    "/profile/1": {"admin", "coordinator", "enforcement", "head"},  # the guard checks before 404
    "/handlers/1": {"admin", "coordinator", "enforcement", "head"},
    "/priority": {"admin", "coordinator", "enforcement", "head"},
    "/guidance": {"admin", "coordinator", "enforcement", "head"},
    "/applications": {"admin", "operator", "coordinator", "enforcement", "head"},
    "/applications/1": {"admin", "operator", "coordinator", "enforcement", "head"},  # the guard checks before 404
    "/nnc": {"admin", "operator", "coordinator", "enforcement", "head"},
    "/nnc/1": {"admin", "operator", "coordinator", "enforcement", "head"},  # the NNC itself is checked per viewer
    "/nnc/new": {"admin", "operator"},
    "/nnc/1/edit": {"admin", "operator"},
    "/nnc/import": {"admin", "operator"},
    "/my/nnc": {"service_user"},
    "/my/nnc/1": {"service_user"},  # only the NNCs naming their company: checked by the service
    "/complaints": {"admin", "operator", "enforcement", "head"},
    "/complaints/1": {"admin", "operator", "enforcement", "head"},  # the complaint itself is checked per viewer
    "/my/complaints": {"service_user"},
    "/survey-results": {"admin", "coordinator", "enforcement", "head"},
    "/my/applications": {"service_user"},
    "/my/applications/1": {"service_user"},  # the page opens; the application itself is checked per company
    "/my/notifications": {"service_user"},
    "/corrections": {"admin", "operator"},
    "/admin/service-users": {"admin"},
    "/admin/users": {"admin"},
    "/admin/audit": {"admin"},
    "/admin/sync": {"admin"},
    "/admin/compliance": {"admin"},
    "/help": set(ROLES),
}


def test_every_registered_page_has_an_expected_access_row():
    """Pages with path arguments are listed by a concrete path (e.g. /applications/1)."""
    assert all(match(path) is not None for path in EXPECTED_PAGE_ACCESS), "a listed path is no page"
    assert {page.path for page in PAGES} == {match(path)[0].path for path in EXPECTED_PAGE_ACCESS}


def test_every_dash_callback_declares_a_permission(app):
    declared = callback_permissions(app)
    missing = [key for key in app.callback_map if key not in declared]
    assert not missing, f"callbacks without a declared permission: {missing}"
    assert set(declared.values()) <= set(PERMISSIONS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages(role, logged_in):
    client = logged_in(role)
    for path, allowed in EXPECTED_PAGE_ACCESS.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_calls_exactly_its_callbacks(role, app, logged_in):
    """Every callback in the map, called as this role: allowed ones pass the guard, others get 403."""
    from portal.security.permissions import role_can

    client = logged_in(role)
    for output, permission in callback_permissions(app).items():
        response = dash_callback(client, output)
        if role_can(role, permission):
            assert response.status_code != 403, (role, output)
        else:
            assert response.status_code == 403, (role, output)


def test_router_refuses_a_page_the_role_may_not_open(logged_in):
    client = logged_in("operator")
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/admin/users"}])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Akses ditolak" in body and "admin-users-grid" not in body

