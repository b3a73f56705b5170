"""POST /admin/sync/upload: an IQFast export (CSV or XLSX) uploaded by an admin, imported, and reported.

A plain Flask route with a server-rendered report, not a Dash upload: a year's export is far too large
to travel as base64 through a callback. Werkzeug spools a large upload to a temporary file on disk while
it parses the form (the guard's CSRF check reads the form first); the route copies it to a named
temporary file, hands that to the sync engine's importer and deletes it afterwards.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, make_response, render_template, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal import audit
from portal.extensions import database, settings
from portal.spreadsheets import limits_for
from portal.security.access import requires
from portal.services.sync.export_files import import_export_file
from portal.i18n import current_language, format_number, said, t

bp = Blueprint("sync_upload", __name__)

PERMISSION = "admin.settings"
UPLOAD_PATH = "/admin/sync/upload"
ALLOWED_SUFFIXES = (".csv", ".xlsx")
# The app-wide limit (MAX_CONTENT_LENGTH, 64 MB) stays for everyone else; an admin uploading here gets this.
UPLOAD_MAX_BYTES = 512 * 1024 * 1024
REPORT_MAX_ERRORS = 1000  # rows shown in the report; the rest are counted
COPY_CHUNK = 1024 * 1024


def _importer():
    """The sync engine's export importer: import_export_file(database, path, filename, triggered_by, limits=…,
    configured_url=…).

    A function (not the name itself) so a test can take the importer away and see the page say so.
    """
    return import_export_file


def _is_admin() -> bool:
    return bool(getattr(current_user, "is_authenticated", False)) and current_user.can(PERMISSION)


@bp.url_value_preprocessor
def _raise_the_size_limit(_endpoint, _values):
    """Allow a large export on this route only, and only to an admin.

    Flask runs URL value preprocessors before every before_request function, so the limit is raised
    before the guard's CSRF check parses the form; anyone else keeps the app-wide 64 MB, so an anonymous
    client cannot make the server spool half a gigabyte to disk.
    """
    if request.method == "POST" and _is_admin():
        request.max_content_length = UPLOAD_MAX_BYTES


def _page(template: str, status: int = 200, **context):
    return make_response(render_template(template, t=t, language=current_language(), format_number=format_number,
                                         **context), status)


def _refuse(message_key: str, status: int = 400, **params):
    return _page("sync_upload_report.html", status, report=None, error=t(message_key, **params), filename=None)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    limit = UPLOAD_MAX_BYTES if _is_admin() else current_app.config["MAX_CONTENT_LENGTH"]
    return _refuse("sync_upload.error.too_large", 413, limit=limit // (1024 * 1024))


@bp.route(UPLOAD_PATH, methods=["POST"])
@requires(PERMISSION)
def upload():
    """Import an uploaded export and show what was loaded and what was rejected, row by row."""
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _refuse("sync_upload.error.no_file")
    filename = Path(upload_file.filename).name
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return _refuse("sync_upload.error.type", filename=filename)

    import_export_file = _importer()
    if import_export_file is None:
        return _refuse("sync_upload.error.unavailable", 503)

    handle, path = tempfile.mkstemp(prefix="qcorner-export-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := upload_file.stream.read(COPY_CHUNK):
                target.write(chunk)
        if os.path.getsize(path) == 0:
            return _refuse("sync_upload.error.empty", filename=filename)
        current_app.logger.info("export upload %s (%d bytes) by %s", filename, os.path.getsize(path),
                                current_user.username)
        report = import_export_file(database(), path, filename, current_user.username,
                                    limits=limits_for("export_import", settings()),
                                    configured_url=settings().iqfast_url)
    except Exception as error:  # noqa: BLE001 - a broken file must end in a page the admin can act on
        current_app.logger.exception("export import of %s failed", filename)
        return _refuse("sync_upload.error.crashed", 500, filename=filename, error=str(error)[:300])
    finally:
        upload_file.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    errors = list(report.get("errors") or [])
    with database().session() as db:
        audit.record(db, current_user.id, current_user.username, "sync_export_uploaded", "sync_run",
                     report.get("run_id"), after={"filename": filename, "status": report.get("status"),
                                                  "rows_loaded": report.get("rows_loaded"),
                                                  "rows_rejected": report.get("rows_rejected")})
    refused = report.get("refused")
    if refused:
        # The file as a whole could not be used: said as the file's problem in the reader's language, not as a
        # rejected row numbered "–".
        message = t(refused["key"], **refused["params"]) if refused.get("key") else refused.get("reason")
        return _page("sync_upload_report.html", 200, report=report, filename=filename, error=message)
    return _page("sync_upload_report.html", 200, report=report, filename=filename, error=None,
                 errors=[_in_readers_language(entry) for entry in errors[:REPORT_MAX_ERRORS]],
                 hidden_errors=max(len(errors) - REPORT_MAX_ERRORS, 0),
                 show_tables=any(isinstance(e, dict) and e.get("table") for e in errors))


def _in_readers_language(entry: dict) -> dict:
    """A rejected row's reason said from its keys (export_files: ``parts``) in the reader's language; a reason that
    has none (the writer's missing parent or another station's row) is shown as the run recorded it."""
    if not isinstance(entry, dict) or not entry.get("parts"):
        return entry
    return {**entry, "reason": said([(part["key"], part["params"]) for part in entry["parts"]])}
