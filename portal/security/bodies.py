"""How much a Dash callback request may carry, decided before anything reads or parses it.

A callback's body is JSON that Dash parses whole, and a 30 MB body cost a worker 10–21 s and ~80 MB (issue #16).
So the body is bounded on the raw request: a Content-Length over the caller's limit is refused (413) before a byte
is read, and a body without one is read only up to the limit. The limit is small (`callback_body_max_mb`) except
for the callbacks that take a file — those whose inputs or state carry a dcc.Upload's `contents`, recorded by
`protected_callback` as they are registered — and only a role that may call one of those gets the larger
`upload_callback_body_max_mb` at all; once the body is read, a large one must name an upload callback.
"""
from __future__ import annotations

import re

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

UPLOAD_PROPERTY = "contents"  # what a dcc.Upload hands its callback: the file, base64 in the JSON body
UPLOAD_CALLBACKS_KEY = "qcorner_upload_callbacks"
MB = 1024 * 1024
# A NUL in a JSON string is written \u0000 (JSON allows no raw control character); an escaped backslash before it
# ("\\u0000", the six characters a person may type) is not one, hence the even run of backslashes before it.
_JSON_NUL = re.compile(rb'(?<!\\)(?:\\\\)*\\u0000|\x00')


def record_uploads(server, callback_map: dict, keys) -> None:
    """Note which of the newly registered callbacks take a file (an input or state is an upload's contents)."""
    uploads = upload_callbacks(server)
    for key in keys:
        spec = callback_map[key]
        if any(item.get("property") == UPLOAD_PROPERTY for item in [*spec.get("inputs", []), *spec.get("state", [])]):
            uploads.add(key)


def upload_callbacks(server=None) -> set[str]:
    """Output keys of the callbacks that take a file."""
    return (server or current_app).extensions.setdefault(UPLOAD_CALLBACKS_KEY, set())


def read_callback_body(may_upload: bool) -> bytes:
    """The raw body of this callback request, read no further than the caller's limit (RequestEntityTooLarge past
    it, before reading when the Content-Length says so)."""
    limit = _limit(upload=may_upload)
    # Werkzeug refuses a larger Content-Length before reading; a stream without one it stops at the maximum and
    # hands over what it read, so one byte more than the limit is asked for and its arrival means "too large".
    request.max_content_length = limit + 1
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    return raw


def check_size(output: str, raw: bytes) -> None:
    """A body past the ordinary limit is refused unless it names a callback that takes a file."""
    if len(raw) > _limit(upload=False) and output not in upload_callbacks():
        raise RequestEntityTooLarge()


def has_nul(raw: bytes) -> bool:
    """Whether a JSON body carries a NUL character anywhere (a key or a string), read off the raw bytes."""
    return _JSON_NUL.search(raw) is not None


def _limit(upload: bool) -> int:
    settings = current_app.extensions["qcorner_settings"]
    return int((settings.upload_callback_body_max_mb if upload else settings.callback_body_max_mb) * MB)
