"""What a request the portal cannot use gets: a 4xx, never a 500.

Dash's callback route takes whatever JSON the client posts, and a crafted request can put a list where the page
sends text, a word where it sends an id, leave out what Dash itself needs, or name a record that does not exist.
Such a value fails somewhere in Dash or in the callback — a TypeError, a ValueError, the database refusing its
type. That is the request's fault, so on the callback route it answers 400 (logged with its traceback, in case
it is ours after all). A record that does not exist or is someone else's answers 404 / 403 on every route, and
so does an id in a path past 64 bits (SQLite cannot even be asked about one).
Either way the unit of work has rolled back first (Database.session), so nothing is half-written.

Text with a NUL character cannot be stored at all (PostgreSQL refuses it; SQLite would keep it), and no person
types one: a request carrying one anywhere (path, query, form or JSON) is refused with 400 before it runs, the
same on both databases.
"""
from __future__ import annotations

from decimal import InvalidOperation

from dash.exceptions import CallbackException, InvalidCallbackReturnValue, PreventUpdate
from flask import current_app, jsonify, make_response, render_template, request
from sqlalchemy.exc import DataError, ProgrammingError, StatementError
from werkzeug.exceptions import Forbidden as ForbiddenPage, NotFound as NotFoundPage, RequestEntityTooLarge

from portal.i18n import t
from portal.security import bodies
from portal.validation import Forbidden, NotFound

CALLBACK_PATH = "/_dash-update-component"
# What a value of the wrong type or shape raises in Python code (RecursionError: JSON nested thousands deep).
MALFORMED = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, InvalidOperation,
             RecursionError)


def install(server) -> None:
    server.before_request(_refuse_nul)
    server.before_request(_refuse_impossible_ids)
    for error_class in (*MALFORMED, StatementError, CallbackException):
        server.register_error_handler(error_class, _malformed)
    server.register_error_handler(NotFound, _not_found)
    server.register_error_handler(RequestEntityTooLarge, _too_large)
    server.register_error_handler(Forbidden, _forbidden)


def _refuse_nul():
    callback = request.path.startswith(CALLBACK_PATH)  # the only route that reads JSON
    # The callback's JSON is searched as raw bytes (the guard has already bounded them): walking the parsed tree
    # of a large body took most of a worker's time.
    if not (_has_nul([request.path, request.args, request.form if request.method != "GET" else None])
            or callback and request.is_json and bodies.has_nul(request.get_data(cache=True))):
        return None
    current_app.logger.warning("refused a request with a NUL character: %s %s", request.method, request.path)
    if request.path.startswith("/_"):
        return jsonify(error="NUL character in the request"), 400
    return make_response(render_template("message.html", t=t, title=t("error.bad_request_title"),
                                         message=t("error.bad_request")), 400)


def impossible_id(value) -> bool:
    """An id past 64 bits: it names no record (and SQLite cannot even be asked about it)."""
    return isinstance(value, int) and not -(2**63) <= value < 2**63


def _refuse_impossible_ids():
    """An id in the path past 64 bits names no record: 404."""
    if any(impossible_id(v) for v in (request.view_args or {}).values()):
        return _not_found(None)
    return None


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict) or hasattr(value, "lists"):  # a dict, or a MultiDict with every value of a key
        items = value.lists() if hasattr(value, "lists") else value.items()
        return any(_has_nul(k) or _has_nul(v) for k, v in items)
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def _malformed(error: Exception):
    if isinstance(error, PreventUpdate):  # Dash's own "nothing to update" (it has its own handler; to be sure)
        return "", 204
    if not request.path.startswith(CALLBACK_PATH) or not _caused_by_the_request(error):
        raise error  # anywhere else it is a bug of ours: the usual 500 with its traceback
    current_app.logger.warning("refused a malformed callback request: %s: %s", type(error).__name__,
                               (str(error).splitlines() or [""])[0][:200], exc_info=error)
    return jsonify(error="malformed request"), 400


def _caused_by_the_request(error: Exception) -> bool:
    """A database error counts only when it is about a value: out of range, too long, or of a type it cannot take
    (connection failures have their own handler in portal.web.outage; an integrity error stays a 500). Dash's own
    check that a request matches its callback counts; a callback returning what Dash cannot send does not."""
    if isinstance(error, InvalidCallbackReturnValue):  # ours, unless the request asked for other outputs
        return not _outputs_as_declared()
    if isinstance(error, CallbackException):
        return True
    if isinstance(error, StatementError):
        return isinstance(error, (DataError, ProgrammingError)) or isinstance(error.orig, MALFORMED)
    return True


def _outputs_as_declared() -> bool:
    """Whether the request lists as many outputs as its callback's key names ("..a.b...c.d.." → two): Dash checks
    each listed output against the callback, but not that none is missing."""
    body = request.get_json(silent=True)
    key = body.get("output") if isinstance(body, dict) else None
    if not isinstance(key, str):
        return False
    declared = len(key.strip(".").split("...")) if key.startswith("..") else None
    outputs = body.get("outputs")
    return isinstance(outputs, dict) if declared is None else isinstance(outputs, list) and len(outputs) == declared


def _too_large(error: RequestEntityTooLarge):
    """A body past its limit (portal.security.bodies, MAX_CONTENT_LENGTH): 413, as JSON to Dash."""
    current_app.logger.warning("refused a request body past its limit: %s %s (%s bytes)", request.method,
                               request.path, request.content_length)
    if request.path.startswith("/_"):
        return jsonify(error="request too large"), 413
    return error


def _not_found(_error: NotFound):
    if request.path.startswith(CALLBACK_PATH):
        return jsonify(error="not found"), 404
    return NotFoundPage()


def _forbidden(_error: Forbidden):
    if request.path.startswith(CALLBACK_PATH):
        return jsonify(error="forbidden"), 403
    return ForbiddenPage()
