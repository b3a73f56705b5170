"""The app factory: the Dash app on its Flask server, with login, the guard and every page."""
from __future__ import annotations

import logging
import pkgutil
import re
from datetime import timedelta
from importlib import import_module

import dash
from flask import Flask, current_app, g, jsonify, redirect, request
from flask_login import current_user, login_user
from markupsafe import escape
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

import callbacks
from callbacks.common import on_error as callback_error
from layouts import shell
from portal import pages, view_cache
from portal.db import Database
from portal.extensions import database as server_database
from portal.i18n import current_language
from portal.manual import bp as manual_bp
from portal.pages import PAGES
from portal.security import guard
from portal.security import headers as content_security
from portal.security.access import CurrentUser, serve_dependencies_by_role, user
from portal.security.permissions import ROLES, home_page, needs_section
from portal.security.scope import scope_of
from portal.services.sync import status as sync_status
from portal.settings import PROJECT_ROOT, Settings, load_settings
from portal.validation import Forbidden, InvalidInput, NotFound
from portal.web import bad_requests, identity, login_throttle, outage, public_complaints, session_cookie, pwa
from portal.web.auth import bp as auth_bp
from portal.web.auth import login_manager
from portal.web.complaint_archive import bp as complaint_archive_bp
from portal.web.dossier import bp as dossier_bp
from portal.web.nnc_archive import bp as nnc_archive_bp
from portal.web.push import bp as push_bp
from portal.web.service_portal import bp as service_portal_bp
from portal.web.sync_upload import bp as sync_upload_bp


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the portal for the given settings (the environment's when none are given)."""
    settings = settings or load_settings()
    settings.check_safe_for_production()
    server = Flask("portal", template_folder=str(PROJECT_ROOT / "portal" / "templates"),
                   instance_path=str(PROJECT_ROOT / "instance"))
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="qcorner_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_idle_hours),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
    if settings.trusted_proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.trusted_proxies,
                                   x_proto=settings.trusted_proxies)
    server.extensions["qcorner_settings"] = settings
    # No JIT for the web's statements (issue #17): PostgreSQL compiles a statement whose estimated cost passes
    # jit_above_cost, and the estimate of a page's aggregate with correlated EXISTS (the KPI panel's targeting
    # figures: 1.2 million) is far above its real work: 0.8 s of compiling for 0.3 s of running, on every cache
    # miss. The scheduler keeps JIT: its set-based statements over a year of a station's rows are what it is for.
    server.extensions["qcorner_db"] = Database(settings.effective_database_url, jit=False)
    logging.basicConfig(level=logging.INFO)

    # Every server-rendered page says its language (<html lang>), whichever route drew it.
    server.context_processor(lambda: {"language": current_language()})
    session_cookie.install(server)  # the cookie signed again when due, not on every response (issue #17)
    login_manager.init_app(server)
    login_manager.session_protection = None  # our server-side sessions do this job, and survive IP changes
    server.register_blueprint(auth_bp)
    server.register_blueprint(service_portal_bp)  # documents, survey and account links (issue 6)
    server.register_blueprint(push_bp)  # a device's Web Push subscription (issue 20)
    server.register_blueprint(sync_upload_bp)
    server.register_blueprint(nnc_archive_bp)
    server.register_blueprint(pwa.bp)  # the service users' installable app: manifest, service worker (issue 20)
    limiter = public_complaints.register(server, settings.ratelimit_storage_url)  # the public form (issue 8)
    login_throttle.install(server, limiter, settings)  # failed logins per address and per name (issue 16)
    view_cache.install(server, settings.ratelimit_storage_url, settings.view_cache_dir)  # views computed once per data change (issue #17)
    server.register_blueprint(complaint_archive_bp)
    server.register_blueprint(dossier_bp)  # the traceability dossier's PDF, audited (issue 19)
    server.register_blueprint(manual_bp)  # the manual's screenshots on the Help page  # NNC attachments, checked per NNC and audited (issue 4)
    identity.install(server)  # the agency's and the station's name and the emblem on the public pages
    guard.install(server)
    bad_requests.install(server)  # a callback request the portal cannot use: 4xx, never a 500
    outage.install(server)  # a quick, clear 503 while the database is unreachable
    _add_routes(server)

    app = dash.Dash(
        "portal", server=server, assets_folder=str(PROJECT_ROOT / "assets"), title="Q-Corner",
        update_title=None, suppress_callback_exceptions=True, serve_locally=True,
        # Served when asked for, never loaded by every page: plotly's basic bundle (assets/qc-plotly.js), and the
        # scripts of the server-rendered pages (assets/forms/, linked by their templates).
        assets_path_ignore=["^vendor$", "^forms$"],
        on_error=callback_error,  # a service's refusal becomes the shell's translated alert (callbacks/common.py)
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    _name_each_document(app)
    _page_status(app)
    app.validation_layout = _every_page(server, shell)
    app.layout = shell.layout
    for module in _callback_modules():
        module.register(app)
    serve_dependencies_by_role(app)  # each role's browser learns only the callbacks it may call
    # After the callbacks: the policy allows Dash's inline scripts by their hashes.
    content_security.install(app, https=settings.cookie_secure)
    _set_up_before_serving(app)
    return app


def _set_up_before_serving(app: dash.Dash) -> None:
    """Dash's set-up at a process's first request (the component libraries' scripts registered, the layout checked)
    done now, before any request. Dash marks it done before doing it, so in a threaded worker (gunicorn gthread) the
    concurrent first requests of a fresh worker — a browser asks for a page's twenty scripts at once, and its page
    came from another worker — found no library registered: AG Grid's script answered 500 and no grid drew until a
    reload (seen after each `make run`)."""
    with app.server.test_request_context("/"):
        app._setup_server()


def _name_each_document(app: dash.Dash) -> None:
    """Dash's one index page carries the reader's language (<html lang>, for screen readers' pronunciation and
    the browser's translation offer) and the page's own title, on the first load; the shell's router keeps the
    title in step as the reader moves between pages (WCAG 3.1.1 and 2.4.2)."""
    interpolate = app.interpolate_index

    def named(**parts):
        # A refused page is not named (the guard let its empty shell through: portal/security/guard.py).
        path = None if g.get("refused_page") else request.path
        document = interpolate(**{**parts, "title": str(escape(shell.document_title(path)))})
        # The service users' pages are an installable app: its manifest and theme colour (portal/web/pwa.py).
        document = document.replace("</head>", pwa.head_tags() + "</head>", 1)
        return document.replace("<html>", f'<html lang="{current_language()}">', 1)

    app.interpolate_index = named


def _page_status(app: dash.Dash) -> None:
    """Dash answers every address with its one page, and the shell's router draws "not found" in it for an address
    no page has: the status says so too (404), so a mistyped or stale bookmark, a crawler and a monitoring probe are
    not told that /m is a page. (A page the reader may not open is refused 403 by the guard before Dash draws.)

    A record page whose record is not there or not in the reader's reach (/applications/999999999) answers 404 the
    same way (403 where its page says "access refused": an officer's record of another section, another office's
    NNC or complaint), while its callback
    draws its own "not found" or refusal in the page: the status comes from the page's own service check
    (Page.record), so the two never disagree. Another company's record answers as a missing one does, so a service
    user learns from the status nothing the page does not tell them. Where that check also takes a filter of the
    address (a profile's `?section=`: one no station has draws "not found"), it is given the value the page draws
    (Page.record_filters): a coordinator's section select stays locked on their own section whatever the address
    names, and their profile is drawn, so the status is 200 there too."""
    every_path = app.config.routes_pathname_prefix + "<path:path>"

    @app.server.before_request
    def check_record():
        # Before the answer rather than after it: a database lost here gets the outage's 503 (portal/web/outage.py),
        # where an error in an after_request handler would be a bare 500. The guard has run (a login, the page's
        # permission); a page it refused keeps its 403, unasked. Only a record page's document costs a query.
        # HEAD too: a monitoring probe's HEAD is told what a GET would be.
        if request.method not in ("GET", "HEAD") or request.endpoint != every_path or g.get("refused_page"):
            return None
        found = pages.match(request.path)
        if found is None or found[0].record is None:
            return None
        page, arguments = found
        if any(bad_requests.impossible_id(value) for value in arguments.values()):
            g.record_status = 404
            return None
        viewer = user()
        # The address's filters the page's callback checks with its record (the profile's section), as drawn.
        filters = page.record_filters(viewer, request.query_string.decode("utf-8", "replace"))
        try:
            with server_database().session() as session:
                page.check_record(session, viewer, **arguments, **filters)
        except (NotFound, InvalidInput):  # what the page's callback draws as "not found"
            g.record_status = 404
        except Forbidden:
            # An officer's page says "Akses ditolak" (a record of another section): the status agrees. A company's
            # reader is told "not found or not your company's" of a missing and another company's record alike,
            # and so is the status.
            g.record_status = 404 if scope_of(viewer).company_scoped else 403
        return None

    @app.server.after_request
    def not_found_status(response):
        if request.endpoint == every_path and response.status_code == 200:
            if g.get("record_status"):
                response.status_code = g.record_status
            elif pages.match(request.path) is None:
                response.status_code = 404
        return response


# Dash asks `if self.validation_layout` while writing every full page's config, and a component's truth is its
# len(): a walk of this whole tree (every page for every role), ≈ 10 ms of CPU per page load. It is always there,
# so its truth is answered at once. Made in the module "builtins" so Dash's registry does not take it for a
# component package of its own (it is never sent to a browser).
_EveryPage = type("EveryPage", (dash.html.Div,), {"__module__": "builtins", "__bool__": lambda self: True})


def _every_page(server: Flask, shell) -> "dash.html.Div":
    """The shell and every page, drawn for each role that may open it: every id a callback may use, in one tree
    (`app.validation_layout`; tests/pages/test_callback_ids.py checks each callback against it). Dash 4 reads it
    only in the browser's dev tools and only with suppress_callback_exceptions off, which would send every page to
    every browser, so the portal keeps that switch on and the suite does the checking. Layouts read no database."""
    drawn = []
    for number, role in enumerate(ROLES, start=1):
        # Any section and company: a layout only shows their names; a callback fills in the rows.
        user = CurrentUser(id=number, username=role, full_name=role, role=role, office_id=1, office_code="0000",
                           office_name="", office_timezone="UTC", section_id=1 if needs_section(role) else None,
                           section_code="plant" if needs_section(role) else None, language="id",
                           session_id="", service_user_ids=(1,))
        with server.test_request_context("/"):
            login_user(user)
            drawn.append(shell.layout())
            for page in PAGES:
                if user.can(page.permission):
                    drawn += [page.render(user, **{name: 1 for name in re.findall(r"<int:(\w+)>", page.path)}),
                              page.drawn_later(user)]
    return _EveryPage(drawn)


def _callback_modules():
    """Every module in callbacks/ registers its page's callbacks; a new page needs no edit here."""
    for info in sorted(pkgutil.iter_modules(callbacks.__path__), key=lambda i: i.name):
        yield import_module(f"callbacks.{info.name}")


def _sync_health(database: Database, db_ok: bool) -> dict:
    """Seconds since the last successful IQFast sync (null if never) and whether that is stale."""
    if not db_ok:  # freshness unknown: count it as stale
        return {"last_sync_age_seconds": None, "sync_stale": True}
    interval = current_app.extensions["qcorner_settings"].sync_interval_minutes
    try:
        with database.session() as session:
            fresh = sync_status.freshness(session, interval)
    except Exception:  # noqa: BLE001 - e.g. a database not migrated yet: health must still answer
        current_app.logger.exception("sync freshness unavailable")
        return {"last_sync_age_seconds": None, "sync_stale": True}
    return {"last_sync_age_seconds": fresh["age_seconds"], "sync_stale": fresh["stale"]}


LOOPBACK = ("127.0.0.1", "::1")


def _may_see_health_detail() -> bool:
    """The database backend and sync age are for monitoring on the host itself and for admins; anyone else learns
    only whether the portal is up. A request that came through a proxy (it says whom it forwards) is not local,
    even when the proxy is not trusted and so the address seen is the proxy's own loopback."""
    local = request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers
    if local:
        return True
    try:
        return current_user.is_authenticated and current_user.can("admin.settings")
    except outage.UNAVAILABLE:  # the database is down: no one can be known to be an admin
        return False


def _add_routes(server: Flask) -> None:
    @server.route("/healthz")
    def healthz():
        """Liveness for monitoring: database reachable; no secrets."""
        database = server.extensions["qcorner_db"]
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            db_ok = True
        except Exception:  # noqa: BLE001 - any failure means "not reachable" here
            db_ok = False
        body = {"status": "ok" if db_ok else "degraded"}
        if _may_see_health_detail():
            body |= {"database": "ok" if db_ok else "unreachable", "database_backend": database.engine.dialect.name,
                     **_sync_health(database, db_ok)}
        return jsonify(body), 200 if db_ok else 503

    @server.before_request
    def _home():
        """`/` sends each role to its own home page."""
        if request.path == "/" and current_user.is_authenticated:
            return redirect(home_page(current_user.role))
        return None
