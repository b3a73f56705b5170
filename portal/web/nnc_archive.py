"""The NNC electronic archive: attachments served only to those who may see their NNC, every download audited.

A plain Flask route (not a Dash page): the guard has already required a login; the object-level check
(which NNC, whose company, which section) is the service's `attachment_for_download`.
"""
from __future__ import annotations

from flask import Blueprint

from portal.extensions import database
from portal.security.access import requires, user
from portal.web.downloads import file_response, missing, refused
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
        return refused(viewer, "nnc_attachment", attachment_id)
    except NotFound:
        return missing("nnc.attachment_missing")
    return file_response(found["content"], found["mime_type"], found["filename"])
