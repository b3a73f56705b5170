"""The request guard: one `before_request` check on every route, so a route added later is closed by default.

Only the routes in PUBLIC_PATHS / PUBLIC_PREFIXES are open without a login — the one list of exceptions.
Behind the login, a Dash page needs its page's permission, a Dash callback the permission it was registered with
(access.protected_callback), and a plain Flask route the permission it declares with access.requires; a Flask
route of ours that declares none is refused, so a route added later is closed until it says who may use it.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import current_app, g, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from portal import audit, pages
from portal.security import bodies
from portal.security.access import callback_permissions, declared_permissions
from portal.extensions import database
from portal.i18n import t
from portal.web.outage import UNAVAILABLE

# Pages open to the public: plain Flask routes with server-rendered forms and CSRF.
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/favicon.ico",
                          "/pengaduan", "/pengaduan/lacak",  # the public complaint form and its tracking page
                          # The installable app (portal/web/pwa.py): static, no data. Browsers fetch the manifest
                          # without cookies, and the worker shows /offline when there is no login to check.
                          "/manifest.webmanifest", "/sw.js", "/offline"})
PUBLIC_PREFIXES = ("/assets/", "/lang/",
                   "/account/", "/survey/")  # emailed links: invitation, password reset, registration, survey

# Files that may be cached: the same for everyone, except the manual's screenshots (behind the login, each one only
# for a reader of a chapter that shows it), which only the reader's own browser keeps (portal/manual.py).
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/favicon.ico", "/help/screenshots/")
DASH_PREFIX = "/_"  # Dash's own endpoints: /_dash-update-component, /_dash-layout, /_dash-component-suites/…
CALLBACK_PATH = "/_dash-update-component"
FRAMEWORK_PACKAGES = ("dash", "flask")

csrf = CSRFProtect()


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def install(server) -> None:
    """Attach the guard, CSRF and the security headers to the Flask server."""
    # CSRF is checked by hand below: Dash's JSON callbacks must not be held to a form token.
    server.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A form's token lasts as long as its session (ended by logout, idle time or the server): with Flask-WTF's default
    # hour, the menu's language switch and logout, drawn with the page, answered "form expired" in a tab left open.
    server.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(server)
    server.before_request(_guard)
    server.after_request(_security_headers)
    server.after_request(_refused_page_status)
    server.register_error_handler(CSRFError, _csrf_error)


def _guard():
    path = request.path
    if request.method == "POST" and not path.startswith(DASH_PREFIX):
        csrf.protect()
    if is_public(path):
        return None
    if not current_user.is_authenticated:
        if path.startswith(DASH_PREFIX):
            return jsonify(error="login required"), 401
        return redirect(f"/login?next={quote(path, safe='/')}")  # quoted: a %0A in the path is not a header
    if path.startswith(CALLBACK_PATH):
        return _check_callback()
    refused = _check_route()
    if refused is not None:
        return refused
    if request.method == "GET" and not path.startswith(DASH_PREFIX):
        found = pages.match(path)
        if found is not None and not current_user.can(found[0].permission):
            _log_denied("page", path)
            # Refused inside the portal's own frame: Dash's page is the same empty shell for every address, and its
            # router draws "not allowed" in place of the page (callbacks/shell.py), with the reader's own menu to go
            # on from; the status says so (a bare page without the menu left an officer with a shared link stuck).
            g.refused_page = True
        if found is not None:
            # A page's first request stores the CSRF secret in the session cookie, so the requests that follow
            # in parallel (layout, callbacks) all carry it; otherwise a form a callback draws (the export upload)
            # could get a token whose secret a concurrent response's older cookie has just overwritten.
            generate_csrf()
    return None


def _check_callback():
    """Refuse a callback the role may not call, or one that declared no permission at all.

    The body is bounded before it is parsed (portal.security.bodies). A request that names no callback is
    malformed, not a denial: 400 and no audit row, so junk cannot bury real probing in the log."""
    if not request.is_json:
        return jsonify(error="JSON expected"), 415
    permissions = callback_permissions()
    raw = bodies.read_callback_body(may_upload=any(
        current_user.can(permissions[key]) for key in bodies.upload_callbacks() if key in permissions))
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str) or output not in permissions:
        current_app.logger.warning("refused a callback request naming no callback: %r",
                                   output[:100] if isinstance(output, str) else type(output).__name__)
        return jsonify(error="malformed request"), 400
    if not current_user.can(permissions[output]):
        _log_denied("callback", output)
        return jsonify(error="forbidden"), 403
    bodies.check_size(output, raw)
    return None


def is_framework_route(view) -> bool:
    """Routes Dash and Flask add themselves (Dash's page shell and endpoints, Flask's static files): Dash pages
    and callbacks are checked by their own permissions, so these declare none."""
    return (getattr(view, "__module__", None) or "").split(".")[0] in FRAMEWORK_PACKAGES


def _check_route():
    """Refuse a plain Flask route the user may not use, or one of ours that declared no permission at all."""
    rule = request.url_rule
    if rule is None:  # no such route: the 404 says so
        return None
    view = current_app.view_functions.get(rule.endpoint)
    declared = declared_permissions(view)
    if declared is None and is_framework_route(view):
        return None
    if declared is not None and any(current_user.can(permission) for permission in declared):
        return None
    _log_denied("route", request.path)
    return make_response(render_template("forbidden.html", t=t), 403)


def _log_denied(kind: str, target: str) -> None:
    current_app.logger.warning("denied %s %s to %s (%s)", kind, target, current_user.username, current_user.role)
    with database().session() as db:
        audit.record_denied(db, current_user.id, current_user.username, current_user.session_id, kind, target)


def _refused_page_status(response):
    """403 for a Dash page the reader may not open (the guard let its empty shell through, above)."""
    if g.get("refused_page") and response.status_code == 200:
        response.status_code = 403
    return response


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # No page or answer is kept by a browser or proxy cache: a page whose address carries a token (invitation,
    # password reset, survey) nor anything a signed-in person was sent (a download too). Only the static files
    # (the same for everyone) may be cached.
    if not request.path.startswith(STATIC_PREFIXES) and (
            response.mimetype in ("text/html", "application/json") or _maybe_signed_in()):
        if "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
    return response


def _maybe_signed_in() -> bool:
    """Whether someone is logged in; when the database cannot say (it is down), assume so rather than fail."""
    try:
        return current_user.is_authenticated
    except UNAVAILABLE:
        return True


def _csrf_error(error):
    return make_response(render_template("message.html", t=t, title=t("error.csrf_title"),
                                         message=t("error.csrf")), 400)


