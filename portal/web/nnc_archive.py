"""The NNC electronic archive: attachments served only to those who may see their NNC, every download audited.

A plain Flask route (not a Dash page): the guard has already required a login; the object-level check
(which NNC, whose company, which section) is the service's `attachment_for_download`.
"""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template

from portal import audit
from portal.security.access import requires, user
from portal.web.downloads import file_response
from portal.extensions import database
from portal.i18n import t
from portal.services.nnc import detail as nnc_detail
from portal.validation import Forbidden, NotFound

bp = Blueprint("nnc_archive", __name__)


@bp.route("/nnc/attachments/<int:attachment_id>")
@requires("nnc.view", "my.view")
def download(attachment_id: int):
    """Send one attachment inline (PDF and images open in the browser), if the viewer may see its NNC."""
    viewer = user()
    try:
        with database().session() as db:
            found = nnc_detail.attachment_for_download(db, viewer, attachment_id)
    except Forbidden:
        current_app.logger.warning("denied attachment %s to %s (%s)", attachment_id, viewer.username, viewer.role)
        with database().session() as db:
            audit.record_denied(db, viewer.id, viewer.username, viewer.session_id, "nnc_attachment", attachment_id)
        return make_response(render_template("forbidden.html", t=t), 403)
    except NotFound:
        return make_response(render_template("message.html", t=t, title=t("error.not_found_title"),
                                             message=t("nnc.attachment_missing")), 404)
    return file_response(found["content"], found["mime_type"], found["filename"])
