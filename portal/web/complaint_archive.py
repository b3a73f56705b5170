"""Complaint evidence: served only to officers who may see the complaint, every download audited."""
from __future__ import annotations

from flask import Blueprint, make_response, render_template

from portal.security.access import requires, user
from portal.extensions import database
from portal.i18n import t
from portal.web.downloads import file_response
from portal.services import complaints
from portal.validation import Forbidden, NotFound

bp = Blueprint("complaint_archive", __name__)


@bp.route("/complaints/attachments/<int:attachment_id>")
@requires("complaints.view")
def download(attachment_id: int):
    """One piece of evidence, if the officer may see its complaint (the service checks the office)."""
    viewer = user()
    try:
        with database().session() as session:
            filename, blob = complaints.attachment_for(session, viewer, attachment_id)
    except Forbidden:
        return make_response(render_template("forbidden.html", t=t), 403)
    except NotFound:
        return make_response(render_template("message.html", t=t, title=t("error.not_found_title"),
                                             message=t("error.not_found")), 404)
    return file_response(blob.content, blob.mime_type, filename)
