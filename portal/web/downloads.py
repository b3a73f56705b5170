"""Sending stored files (NNC letters, complaint evidence, dossiers, application PDFs) back to the browser, and the
one way every download route refuses: what the viewer may not have is logged and audited as a denial (someone
trying ids is worth seeing, whichever download they try), what does not exist is a plain 404 page."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, make_response, render_template

from portal import audit
from portal.extensions import database
from portal.i18n import t
from portal.services import attachments


def refused(viewer, kind: str, record_id, page=None) -> Response:
    """403 for a record the viewer may not download, logged and counted in the audit log; `page`: the answer to
    show instead of the portal's "your role may not open this page" (a service user's own words)."""
    current_app.logger.warning("denied %s %s to %s (%s)", kind, record_id, viewer.username, viewer.role)
    with database().session() as db:
        audit.record_denied(db, viewer.id, viewer.username, viewer.session_id, kind, record_id)
    return make_response(page or (render_template("forbidden.html", t=t), 403))


def missing(message_key: str = "error.not_found") -> Response:
    """404 with the portal's message page."""
    return make_response(render_template("message.html", t=t, title=t("error.not_found_title"),
                                         message=t(message_key)), 404)


def file_response(content: bytes, mime_type: str, filename: str) -> Response:
    """An attachment sent inline under its own (cleaned) name, never cached by a shared cache."""
    name = attachments.clean_filename(filename)
    if not name.lower().endswith(tuple(attachments.EXTENSIONS.values()) + (".jpeg",)):
        name += attachments.EXTENSIONS.get(mime_type, "")
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    response = Response(content, mimetype=mime_type)
    response.headers["Content-Disposition"] = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["Content-Length"] = str(len(content))
    # Private records: never kept by a shared cache; the content type was checked when the file was stored.
    response.headers["Cache-Control"] = "private, no-store"
    return response
