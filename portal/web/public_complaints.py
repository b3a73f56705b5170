"""The public complaint form and its tracking page: open without login, so they are guarded here.

Protection: a rate limit per address (storage shared by every worker when it is Redis), a hidden
trap field that people never fill, length limits in the service, CSRF, and Jinja's escaping so
nothing typed is ever run as HTML.
"""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from portal import i18n
from portal.extensions import database, settings
from portal.i18n import t
from portal.services import complaints
from portal.validation import InvalidInput, NotFound

TRAP_FIELD = "website"  # hidden from people by CSS; bots fill every field
SUBMIT_LIMIT = "3 per minute; 20 per hour"
FIELDS = ("reporter_name", "reporter_contact", "reporter_email", "category", "subject", "text")


def register(server, storage_url: str) -> Limiter:
    """Attach the public complaint routes with their own rate limiter to the Flask server."""
    limiter = Limiter(get_remote_address, app=server, storage_uri=storage_url, default_limits=[],
                      key_prefix="qcorner-complaints", strategy="fixed-window")
    blueprint = Blueprint("public_complaints", __name__)

    @blueprint.route("/pengaduan", methods=["GET"])
    def form():
        return _render_form({}, {})

    @blueprint.route("/pengaduan", methods=["POST"])
    @limiter.limit(SUBMIT_LIMIT, error_message=lambda: t("complaints.public.too_many"))
    def submit():
        values = {field: request.form.get(field, "") for field in FIELDS}
        if request.form.get(TRAP_FIELD):
            return _render_form(values, {}, t("complaints.public.trap"), status=400)
        try:
            with database().session() as session:
                created = complaints.create(session, None, values, source="public", settings=settings())
        except InvalidInput as error:
            return _render_form(values, error.messages(t), t("complaints.public.fix_errors"), status=400)
        return render_template("complaint_received.html", t=t, code=created["tracking_code"],
                               due=i18n.format_date(created["due_date"]), language=i18n.current_language())

    @blueprint.route("/pengaduan/lacak", methods=["GET"])
    @limiter.limit("30 per minute")
    def track():
        code = (request.args.get("kode") or "").strip()
        found, missing = None, False
        if code:
            try:
                with database().session() as session:
                    found = complaints.public_status(session, code)
            except NotFound:
                missing = True
        return render_template("complaint_track.html", t=t, code=code, found=found, missing=missing,
                               fmt=lambda value: i18n.format_datetime(value, settings().timezone),
                               fmt_date=i18n.format_date, language=i18n.current_language())

    server.register_blueprint(blueprint)
    server.register_error_handler(429, _too_many)
    server.extensions["qcorner_limiter"] = limiter
    return limiter


def _render_form(values: dict, errors: dict, message: str | None = None, status: int = 200):
    body = render_template("complaint_form.html", t=t, values=values, errors=errors, message=message,
                           categories=complaints.CATEGORIES, trap=TRAP_FIELD, limits=complaints.LIMITS,
                           language=i18n.current_language())
    return make_response(body, status)


def _too_many(error):
    return make_response(render_template("message.html", t=t, title=t("complaints.public.too_many_title"),
                                         message=t("complaints.public.too_many")), 429)
