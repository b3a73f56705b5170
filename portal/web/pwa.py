"""The service users' installable web app (issue 20): the manifest, the service worker, the offline page and the
read-only copies of the last-seen application list and detail that the service worker keeps for offline use.

Dash draws a page through callbacks (POST /_dash-update-component), which a cache cannot key by address, so the
service worker does not replay them: when a service user opens /my/applications or one application, the page asks
the worker to fetch the same data as a small server-rendered page (/my/offline/…) and keep it under the page's own
address. Without a network the worker answers that address with the copy, and any other page with /offline.

Public (guard.PUBLIC_PATHS): the manifest (browsers fetch it without cookies), the worker script and the offline
page — static, the same for everyone. The copies sit behind the login like the pages they copy (my.view, and the
service checks the company), and only the service users' own paths are ever kept (see service_worker.js).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, abort, jsonify, make_response, render_template
from flask_login import current_user

from portal import i18n
from portal.extensions import database
from portal.i18n import format_datetime, t
from portal.security.access import requires, user
from portal.services import my_applications
from portal.validation import Forbidden, NotFound

bp = Blueprint("pwa", __name__)

SERVICE_WORKER = Path(__file__).resolve().parent / "service_worker.js"
MANIFEST_PATH, WORKER_PATH, OFFLINE_PATH = "/manifest.webmanifest", "/sw.js", "/offline"
PUBLIC_PATHS = frozenset({MANIFEST_PATH, WORKER_PATH, OFFLINE_PATH})
START_URL = "/my/applications"
THEME_COLOR, BACKGROUND_COLOR = "#0b6e4f", "#f7faf8"
ICONS = (
    {"src": "/assets/icons/qc-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/assets/icons/qc-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/assets/icons/qc-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
)


def manifest() -> dict:
    """The web app manifest: the service users' pages as an app of their own (W3C Web App Manifest)."""
    return {
        "id": START_URL, "name": "Q-Corner Karantina", "short_name": "Q-Corner", "lang": "id", "dir": "ltr",
        "description": "Pantau permohonan karantina Anda di setiap tahap.",
        "start_url": START_URL, "scope": "/", "display": "standalone", "orientation": "portrait",
        "theme_color": THEME_COLOR, "background_color": BACKGROUND_COLOR, "icons": list(ICONS),
        "categories": ["business", "productivity"],
    }


def head_tags() -> str:
    """What the Dash index page's <head> gets for a reader who may install the app (the service users): the
    manifest link, the theme colour and the iOS icon. Officers' pages are no app (their data stays internal)."""
    if not (getattr(current_user, "is_authenticated", False) and current_user.can("my.view")):
        return ""
    return (f'<link rel="manifest" href="{MANIFEST_PATH}">'
            f'<meta name="theme-color" content="{THEME_COLOR}">'
            '<link rel="apple-touch-icon" href="/assets/icons/qc-apple-180.png">'
            '<meta name="apple-mobile-web-app-capable" content="yes">'
            '<meta name="apple-mobile-web-app-title" content="Q-Corner">')


@bp.route(MANIFEST_PATH)
def web_manifest():
    response = jsonify(manifest())
    response.mimetype = "application/manifest+json"
    return response


@bp.route(WORKER_PATH)
def service_worker():
    """The worker from the site's root, so its scope is the whole site (from /assets/ it could control only
    /assets/). Never kept by an HTTP cache: a new version must reach every phone on its next visit."""
    response = make_response(SERVICE_WORKER.read_text(encoding="utf-8"))
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route(OFFLINE_PATH)
def offline():
    """What the service worker shows for a page it has no copy of while there is no network."""
    return render_template("pwa_offline.html", t=t, language=i18n.current_language())


def _copy(template: str, **values):
    viewer = user()
    response = make_response(render_template(
        template, t=t, language=i18n.current_language(), tz=viewer.office_timezone, format_datetime=format_datetime,
        format_idr=i18n.format_idr, country_name=i18n.country_name, format_number=i18n.format_number,
        goods_and_route=i18n.goods_and_route, format_quantity=i18n.format_quantity,
        stage_tone=my_applications.stage_tone,
        saved_at=format_datetime(datetime.now(timezone.utc), viewer.office_timezone), **values))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/my/offline/applications")
@requires("my.view")
def application_list_copy():
    """The first page of the viewer's applications (newest first), read-only, for the service worker to keep."""
    viewer = user()
    with database().session() as db:
        result = my_applications.list_applications(db, viewer, tz=viewer.office_timezone)
        several = len(my_applications.companies(db, viewer)) > 1
    return _copy("pwa_list.html", result=result, several=several)


@bp.route("/my/offline/applications/<int:application_id>")
@requires("my.view")
def application_copy(application_id: int):
    """One of the viewer's applications, read-only (the service checks the company), for the worker to keep."""
    try:
        with database().session() as db:
            detail = my_applications.application_detail(db, user(), application_id)
    except Forbidden:  # not of their company (or no such application): said as the application's page says it
        return make_response(render_template(
            "portal_message.html", t=t, language=i18n.current_language(),
            title=t("my.not_yours_title.application"), message=t("my.not_yours.application"),
            link="/my/applications", link_text=t("my.back_to_list")), 403)
    except NotFound:
        abort(404)
    return _copy("pwa_detail.html", detail=detail)
