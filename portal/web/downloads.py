"""Sending stored attachments (NNC letters, complaint evidence) back to the browser."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from portal.services import attachments


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
