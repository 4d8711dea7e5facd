"""THE request every stage reads and fills in, and the stage that reads its body off the wire within the limits.

Routing sets `operation` and `path_params`, authentication `api_key`, this module's `read_body` the body
(JSON decoded once, here), the scenario stage `plan`, validation `typed_query`. Nothing else carries a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest

from wfmock import errors
from wfmock.errors import ApiError
from wfmock.limits import Limits, json_depth_ok, longest_string
from wfmock.scenario.plan import Plan
from wfmock.openapi.operations import Operation
from wfmock.types import Receive, Scope

MULTIPART_MARGIN = 1024 * 1024  # form fields and part headers around the largest allowed file
NO_PLAN = Plan()


@dataclass(slots=True)
class Request:
    """One request: as sent (method, path, lower-cased headers, query strings, raw body), then as each stage saw it."""

    method: str
    path: str
    api: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)   # lower-case names
    query: Mapping[str, str] = field(default_factory=dict)     # as sent; `typed_query` after validation
    operation_id: str | None = None
    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None
    content_type: str = ""
    raw_body: bytes = b""
    body: Any = None                 # the JSON value (decoded once), a form's fields as a dict, or None
    body_error: str | None = None    # why a JSON body could not be decoded: validation reports it
    form: FormData | None = None
    typed_query: dict[str, Any] = field(default_factory=dict)
    plan: Plan = NO_PLAN
    scope: Scope | None = None

    @classmethod
    def of(cls, scope: Scope, api: str) -> Request:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        return cls(method=scope["method"], path=scope["path"], api=api, headers=headers,
                   content_type=headers.get("content-type", ""), scope=scope)

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def base_url(self) -> str:
        """Where the client reached this server (for links in replies)."""
        scope = self.scope or {}
        host = self.headers.get("host")
        if not host:
            server = scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        return f"{scope.get('scheme', 'http')}://{host}"


async def read_body(request: Request, receive: Receive, limits: Limits) -> None:
    """Reads the query and the body once, within the limits: JSON is decoded here, multipart forms parsed here.

    JSON depth and string sizes are checked here, once, before any recursive code sees the body.
    """
    scope = request.scope or {}
    multipart = request.content_type.lower().startswith("multipart/form-data")
    if scope.get("query_string"):
        try:
            request.query = dict(StarletteRequest(scope).query_params)
        except (UnicodeDecodeError, ValueError):
            raise ApiError(errors.INVALID_REQUEST, "The query string is not valid UTF-8", status=400) from None
    if multipart:
        await _read_form(request, receive, limits)
        return
    request.raw_body = await _read_raw(receive, limits.body_bytes)
    if request.raw_body and request.media_type.endswith("json"):
        _decode_json(request, limits)


async def _read_form(request: Request, receive: Receive, limits: Limits) -> None:
    body_limit = _multipart_limit(request.operation, limits)
    try:
        request.form = await StarletteRequest(request.scope or {}, _bounded(receive, body_limit)).form(
            max_files=16, max_fields=64)
    except (MultiPartException, ValueError, KeyError) as error:
        raise ApiError(errors.INVALID_REQUEST, f"Malformed multipart body: {error}", status=400) from None
    _check_form_names(request.form, limits)
    request.body = form_fields(request.form)


def _decode_json(request: Request, limits: Limits) -> None:
    raw = request.raw_body
    if not json_depth_ok(raw, limits.json_depth):
        raise ApiError(errors.INVALID_REQUEST, f"JSON body is nested more than {limits.json_depth} levels deep",
                       status=400)
    try:
        request.body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        request.body_error = f"Request body is not valid JSON: {error}"  # after the scenario had its say
        return
    if len(raw) > limits.field_bytes:
        too_long = longest_string(request.body, limits.field_bytes)
        if too_long is not None:
            raise ApiError(errors.PAYLOAD_TOO_LARGE, f"{too_long[0]} is {too_long[1]} bytes; one field may "
                           f"hold at most {limits.field_bytes} bytes", status=413)


def form_fields(form: FormData) -> dict[str, Any]:
    """Form fields as plain data: text as str, file parts as {filename, size, content_type}."""
    fields: dict[str, Any] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            value = {"filename": value.filename, "size": value.size, "content_type": value.content_type}
        fields.setdefault(name, value)
    return fields


def _multipart_limit(operation: Operation | None, limits: Limits) -> int:
    """A multipart body may carry the operation's largest allowed file, plus room for its fields."""
    sizes = operation.extension("x-wfmock-file-size-limits", {}) if operation is not None else {}
    largest = max((int(v) for v in sizes.values() if isinstance(v, int) and not isinstance(v, bool)), default=0)
    return max(limits.body_bytes, largest + MULTIPART_MARGIN)


def _bounded(receive: Receive, limit: int) -> Receive:
    """`receive` that answers 413 once the body passes `limit` bytes (before it is all in memory or on disk)."""
    seen = 0

    async def bounded_receive() -> Any:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(errors.PAYLOAD_TOO_LARGE, f"Request body exceeds {limit} bytes", status=413)
        return message

    return bounded_receive


def _check_form_names(form: Any, limits: Limits) -> None:
    """Multipart field names and file names: bounded length, no NUL or line breaks."""
    for name, value in form.multi_items():
        labels = [("field name", name)]
        if isinstance(value, UploadFile) and value.filename is not None:
            labels.append(("file name", value.filename))
        for what, text in labels:
            if len(text) > limits.form_name_chars:
                raise ApiError(errors.INVALID_REQUEST, f"A multipart {what} is {len(text)} characters; "
                               f"the limit is {limits.form_name_chars}", status=400)
            if any(c in text for c in "\x00\r\n"):
                raise ApiError(errors.INVALID_REQUEST, f"A multipart {what} contains a NUL or line break",
                               status=400)


async def _read_raw(receive: Receive, limit: int) -> bytes:
    """The whole body, read from the ASGI messages directly (no Starlette stream machinery per request)."""
    parts: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(errors.PAYLOAD_TOO_LARGE, f"Request body exceeds {limit} bytes", status=413)
        parts.append(chunk)
        more = message.get("more_body", False)
    return parts[0] if len(parts) == 1 else b"".join(parts)
