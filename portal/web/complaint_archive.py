"""Complaint evidence: served only to officers who may see the complaint, every download audited."""
from __future__ import annotations

from flask import Blueprint

from portal.extensions import database
from portal.security.access import requires, user
from portal.web.downloads import file_response, missing, refused
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
        return refused(viewer, "complaint_attachment", attachment_id)
    except NotFound:
        return missing()
    return file_response(blob.content, blob.mime_type, filename)
