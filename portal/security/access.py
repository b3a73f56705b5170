"""Who is asking and what they may do: the logged-in user, and permission checks for callbacks and routes.

Every Dash callback is registered through `protected_callback`, which records the permission it
needs under the callback's output key; the request guard (portal/security/guard.py) refuses a callback whose
permission the caller lacks before Dash runs it, and refuses any callback with no permission at all.
Every plain Flask route that is not public declares its permission with `@requires(...)`; the guard reads
the table `route_permissions(server)` and refuses the route to anyone else (and a route that declares none).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, jsonify
from flask_login import current_user

from portal.security import bodies
from portal.security.permissions import AUTHENTICATED, PERMISSIONS, ROLE_PERMISSIONS, is_section_scoped, role_can
from portal.security.scope import Scope, scope_of

CALLBACK_PERMISSIONS_KEY = "qcorner_callback_permissions"
ROUTE_PERMISSION_ATTRIBUTE = "qcorner_permissions"


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user as plain values, loaded once per request."""

    id: int
    username: str
    full_name: str
    role: str
    office_id: int
    office_code: str
    office_name: str
    office_timezone: str
    section_id: int | None
    section_code: str | None
    language: str
    session_id: str
    service_user_ids: tuple[int, ...] = field(default=())

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS.get(self.role, frozenset())

    @property
    def section_scope(self) -> str | None:
        """The one section a coordinator may see; None means every section."""
        return self.section_code if is_section_scoped(self.role) else None

    @property
    def scope(self) -> Scope:
        """What this user may see and do, as a plain value for services (portal.security.scope)."""
        return scope_of(self)


def callback_permissions(app=None) -> dict[str, str]:
    """Output key (as in `app.callback_map`) → permission, for one Dash app."""
    server = app.server if app is not None else current_app
    return server.extensions.setdefault(CALLBACK_PERMISSIONS_KEY, {})


def protected_callback(app, permission: str, *args, **kwargs):
    """Register a Dash callback that only users holding `permission` may call."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(function):
        before = set(app.callback_map)
        registered = app.callback(*args, **kwargs)(function)
        added = set(app.callback_map) - before
        for key in added:
            callback_permissions(app)[key] = permission
        bodies.record_uploads(app.server, app.callback_map, added)  # a callback taking a file may carry more
        return registered

    return decorator


def protected_clientside_callback(app, permission: str, function, *args, **kwargs) -> None:
    """Register a clientside callback (it runs in the browser and never reaches the server) under `permission`
    too, so the list of callbacks and their permissions stays whole and the suite can check every entry."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    before = set(app.callback_map)
    app.clientside_callback(function, *args, **kwargs)
    for key in set(app.callback_map) - before:
        callback_permissions(app)[key] = permission


def callbacks_for(app, current) -> list[dict]:
    """Dash's list of callbacks (what `/_dash-dependencies` sends the browser), cut to those `current` may call:
    a role learns nothing of the callbacks of pages it cannot open, and its browser never asks for them."""
    permissions = callback_permissions(app)
    return [spec for spec in app._callback_list
            if spec["output"] in permissions and current.can(permissions[spec["output"]])]


def serve_dependencies_by_role(app) -> None:
    """Answer `/_dash-dependencies` with the caller's own callbacks (call after every callback is registered)."""
    endpoint = app.server.url_map.bind("localhost").match(f"{app.config.routes_pathname_prefix}_dash-dependencies")[0]

    @requires(AUTHENTICATED)
    def dependencies():
        return jsonify(callbacks_for(app, current_user))

    app.server.view_functions[endpoint] = dependencies


def requires(*permissions: str):
    """Declare the permissions a Flask route needs (any one of them is enough), for the guard to enforce.

    Put it under `@bp.route(...)`; the object-level check (which record, whose company) stays in the service.
    """
    unknown = [permission for permission in permissions if permission not in PERMISSIONS]
    if not permissions or unknown:
        raise KeyError(f"unknown permission {unknown or permissions!r}")

    def decorator(view):
        setattr(view, ROUTE_PERMISSION_ATTRIBUTE, frozenset(permissions))
        return view

    return decorator


def declared_permissions(view) -> frozenset[str] | None:
    """What a view function declared with `@requires`, or None when it declared nothing."""
    return getattr(view, ROUTE_PERMISSION_ATTRIBUTE, None)


def route_permissions(server) -> dict[str, frozenset[str]]:
    """Endpoint → the permissions its route declared, for every route of a Flask server that declared some."""
    found = {}
    for endpoint, view in server.view_functions.items():
        declared = declared_permissions(view)
        if declared is not None:
            found[endpoint] = declared
    return found


def user() -> CurrentUser:
    """The current user; only call where the guard has already required a login."""
    return current_user._get_current_object()
