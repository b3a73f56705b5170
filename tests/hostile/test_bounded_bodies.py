"""Callback bodies are bounded on the raw request, before anything parses them (issue #16).

A body past the caller's limit is refused with 413 before it is read (the Content-Length says so) or as soon as the
reading passes the limit (a stream without one); only the callbacks that take a file, and only for the roles that
may call one, accept more than the ordinary limit. The NUL check reads the raw bytes.
"""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import func, select

from models import AuditLog
from portal.security.bodies import has_nul, upload_callbacks
from support.hostile import fuzz, json_values, ran

CALLBACK = "/_dash-update-component"
MB = 1024 * 1024
# my.view: a callback the service user may call, its one input the page's id (the body's padding goes there)
SERVICE_USER_CALLBACK = ("..my-notifications-email.value...my-notifications-whatsapp.value"
                         "...my-notifications-phone.value...my-notifications-email-address.children...my-notifications-email.disabled"
                         "...my-notifications-push.value...my-notifications-stages.value"
                         "...my-notifications-digest.value...my-notifications-opened.data"
                         "...my-notifications-save.disabled..")
SERVICE_USER_INPUT = "my-notifications-page"
OPERATOR_PLAIN_CALLBACK = "nnc-import-template-download.data"  # nnc.edit, takes no file
OPERATOR_UPLOAD_CALLBACK = "..nnc-import-result.children...nnc-import-upload.contents.."


class CountingStream:
    """A request body of `size` bytes made up as it is read, which counts how much the server read."""

    def __init__(self, prefix: bytes, size: int):
        self.prefix, self.size, self.position, self.read_bytes = prefix, size, 0, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.position
        n = left if n is None or n < 0 else min(n, left)
        start = self.position
        self.position += n
        self.read_bytes += n
        head = self.prefix[start:start + n]
        return head + b" " * (n - len(head))

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)

    def tell(self) -> int:  # the test client measures the body by seeking to its end and back
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size + offset if whence == 2 else offset
        return self.position


def _callback_json(output: str, padding: str = "", input_id: str = SERVICE_USER_INPUT) -> bytes:
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in output.strip(".").split("...")]
    return json.dumps({"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
                       "inputs": [{"id": input_id, "property": "id", "value": padding}], "state": [],
                       "changedPropIds": []}).encode()


def _post_stream(client, stream: CountingStream, chunked: bool = False):
    """POST the stream; `chunked`: without a Content-Length, as a server that ends the stream itself hands it on."""
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True} if chunked else {}
    return client.post(CALLBACK, input_stream=stream, content_type="application/json", environ_overrides=environ)


def test_a_30_mb_callback_body_from_a_service_user_is_refused_before_it_is_read(logged_in, session):
    client = logged_in("service_user")
    size = 30 * MB
    stream = CountingStream(_callback_json(SERVICE_USER_CALLBACK), size)
    cpu = time.process_time()
    response = _post_stream(client, stream)
    cpu = time.process_time() - cpu
    assert response.status_code == 413
    assert cpu < 1.0, f"{cpu:.2f} s of CPU time for a refused body"  # generous: it was 10–21 s (issue #16)
    assert stream.read_bytes == 0  # the worker never held the body
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "access_denied")) == 0


def test_a_body_without_a_content_length_is_read_only_up_to_the_limit(logged_in, settings):
    client = logged_in("service_user")
    stream = CountingStream(_callback_json(SERVICE_USER_CALLBACK), 30 * MB)
    response = _post_stream(client, stream, chunked=True)
    assert response.status_code == 413
    assert stream.read_bytes <= settings.callback_body_max_mb * MB + MB  # the limit and at most a read's chunk


def test_a_body_just_under_the_limit_reaches_the_callback(logged_in, settings):
    client = logged_in("service_user")
    body = _callback_json(SERVICE_USER_CALLBACK, padding="x" * int(settings.callback_body_max_mb * MB - 4000))
    assert len(body) < settings.callback_body_max_mb * MB
    response = client.post(CALLBACK, data=body, content_type="application/json")
    assert response.status_code == 200


def test_only_an_upload_callback_takes_a_body_past_the_ordinary_limit(logged_in, settings):
    """The operator may upload (the NNC import), so a 6 MB body is read; to a callback that takes no file it is
    refused, to the import it is not refused for its size."""
    client = logged_in("operator")
    big = "x" * int(settings.callback_body_max_mb * MB + MB)
    plain = json.dumps({"output": OPERATOR_PLAIN_CALLBACK,
                        "outputs": {"id": "nnc-import-template-download", "property": "data"},
                        "inputs": [{"id": "nnc-import-template", "property": "n_clicks", "value": 1}],
                        "state": [{"id": "padding", "property": "value", "value": big}], "changedPropIds": []})
    assert client.post(CALLBACK, data=plain, content_type="application/json").status_code == 413
    upload = json.dumps({"output": OPERATOR_UPLOAD_CALLBACK,
                         "outputs": [{"id": "nnc-import-result", "property": "children"},
                                     {"id": "nnc-import-upload", "property": "contents"}],
                         "inputs": [{"id": "nnc-import-upload", "property": "contents",
                                     "value": "data:text/csv;base64," + big}],
                         "state": [{"id": "nnc-import-upload", "property": "filename", "value": "besar.csv"}],
                         "changedPropIds": ["nnc-import-upload.contents"]})
    assert client.post(CALLBACK, data=upload, content_type="application/json").status_code != 413


def test_the_upload_callbacks_are_the_ones_that_take_a_file(app):
    found = upload_callbacks(app.server)
    assert OPERATOR_UPLOAD_CALLBACK in found and OPERATOR_PLAIN_CALLBACK not in found
    for key, spec in app.callback_map.items():
        takes_file = any(i["property"] == "contents" for i in spec["inputs"] + spec.get("state", []))
        assert (key in found) == takes_file, key


def test_a_role_with_no_upload_callback_gets_no_larger_limit(logged_in, settings):
    """The service user may call no upload callback: a body past the ordinary limit is refused unread, whatever
    callback it names (the upload callback's name included)."""
    client = logged_in("service_user")
    size = int(settings.callback_body_max_mb * MB) + 10
    stream = CountingStream(_callback_json(OPERATOR_UPLOAD_CALLBACK), size)
    assert _post_stream(client, stream).status_code == 413
    assert stream.read_bytes == 0


@pytest.mark.parametrize("raw, nul", [
    (rb'{"a": "\u0000"}', True),
    (rb'{"a\u0000": 1}', True),
    (b'{"a": "\x00"}', True),
    (rb'{"a": "x\\\u0000"}', True),   # an escaped backslash, then a NUL
    (rb'{"a": "\\u0000"}', False),    # the six characters \u0000 as typed, no NUL
    (rb'{"a": "\\\\u0000"}', False),
    (rb'{"a": "u0000"}', False),
])
def test_a_nul_is_found_on_the_raw_bytes(raw, nul):
    assert has_nul(raw) is nul
    if b"\x00" not in raw:  # what the bytes say is what the parsed JSON holds
        assert any("\x00" in key + str(value) for key, value in json.loads(raw).items()) is nul


def test_a_callback_body_with_an_escaped_nul_is_refused_with_400(logged_in):
    client = logged_in("service_user")
    body = _callback_json(SERVICE_USER_CALLBACK, padding="a\x00b")
    assert b"\\u0000" in body
    assert client.post(CALLBACK, data=body, content_type="application/json").status_code == 400


def _holds_nul(value) -> bool:
    """The parsed tree's answer (the walk the raw check replaced)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


@fuzz()
@given(value=json_values(), ascii_only=st.booleans())
def test_the_raw_nul_check_agrees_with_the_parsed_json(value, ascii_only):
    """Whatever JSON a client sends (escaped as a browser does, or with the text raw in UTF-8): the raw bytes hold a
    NUL exactly when the parsed value does."""
    ran("callback body: raw NUL check")
    raw = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True).encode("utf-8", "surrogatepass")
    assert has_nul(raw) is _holds_nul(value)


@fuzz(0.2)
@given(extra=st.integers(-2000, 2000), chunked=st.booleans())
def test_a_body_near_the_limit_is_refused_exactly_past_it_and_never_read_further(service_client, settings, extra,
                                                                                 chunked):
    """Around the limit, with and without a Content-Length: over it 413 and at most one byte past it read; at or
    under it the body reaches the callback."""
    ran("callback body: size at the limit")
    limit = int(settings.callback_body_max_mb * MB)
    size = limit + extra
    stream = CountingStream(_callback_json(SERVICE_USER_CALLBACK), size)
    status = _post_stream(service_client, stream, chunked=chunked).status_code
    assert status == (413 if size > limit else 200)
    assert stream.read_bytes <= (limit + 1 if chunked else (0 if size > limit else size))


@pytest.fixture
def service_client(logged_in):
    return logged_in("service_user")
