"""What a request gets while the database cannot be reached (a restart, a failover, a full disk).

Without this, a lost connection surfaced as Flask's bare English "500 Internal Server Error" (and /healthz itself
answered 500 for a logged-in browser, since loading the user failed after the route had answered). Now it is a
quick 503 with Retry-After: a short page in the reader's language, or JSON for Dash's callbacks. The engine's
pool_pre_ping (portal/db.py) reconnects on the first request after the database is back, so no worker restarts.
"""
from __future__ import annotations

from flask import current_app, jsonify, make_response, request, session
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from portal.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

RETRY_AFTER_SECONDS = 5


# Connection-level failures (server gone, refused, cut, timed out, out of space); an integrity error or the
# like is a bug of ours and stays a 500 with its traceback in the log.
UNAVAILABLE = (OperationalError, InterfaceError)


def install(server) -> None:
    for error_class in UNAVAILABLE:
        server.register_error_handler(error_class, _database_error)


def _database_error(error: DBAPIError):
    current_app.logger.warning("database unavailable for %s %s: %s", request.method, request.path,
                               str(error.orig or error).splitlines()[0][:200])
    # The user cannot be loaded now (that needs the database): take the language from the cookie only.
    language = session.get("lang") if session.get("lang") in LANGUAGES else DEFAULT_LANGUAGE
    if request.path.startswith("/_") or request.accept_mimetypes.best == "application/json":
        response = jsonify(error="database unavailable", message=t("error.unavailable", language))
    else:
        # Straight from the Jinja environment: render_template's context processors would load the user again.
        page = current_app.jinja_env.get_template("message.html").render(
            t=lambda key, **p: t(key, language, **p), title=t("error.unavailable_title", language),
            message=t("error.unavailable", language), language=language)
        response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
