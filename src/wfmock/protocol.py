"""HTTP/1.1 errors below the application (bad request line, over-long URL or headers, unknown method)
answered in the envelope of the API the path belongs to, instead of uvicorn's plain-text 400.

uvicorn's httptools protocol buffers the whole URL and every header without a bound; this one
refuses a URL over `Limits.url_bytes` (414) and headers over `Limits.header_bytes` or
`Limits.header_count` (431) as they arrive, then closes the connection.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import httptools
import orjson

from wfmock import errors
from wfmock.apis import registry
from wfmock.limits import Limits
from wfmock.pipeline.connection import FaultCapableHttpToolsProtocol

ADMIN_PREFIX = "/_wfmock"
BAD_REQUEST = "The request is not valid HTTP/1.1 (request line, method, header or path bytes)."


def protocol_error(path: str, status: int, message: str) -> bytes:
    """The error body in the envelope of the API that serves `path` (the default API's for anything unknown)."""
    if path.startswith(ADMIN_PREFIX):
        return orjson.dumps({"code": "invalid_request", "message": message, "status": status})
    unit = registry.owner_of(path)
    assert unit is not None  # every path has an owner: the default API's when no prefix claims it
    return orjson.dumps(unit.error_body(status, unit.generic_code(errors.INVALID_REQUEST), message))


class _Refused(Exception):
    """Raised from a parser callback to stop reading a request past a limit."""


class LimitedHttpToolsProtocol(FaultCapableHttpToolsProtocol):
    """The fault-capable protocol with bounded URL and headers and enveloped protocol errors."""

    limits: Limits = Limits()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._refusal: tuple[int, str] | None = None

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.limits.url_bytes:
            self.url += url[: max(0, self.limits.url_bytes - len(self.url))]  # enough to pick the envelope
            self._refusal = (414, f"The request target is longer than {self.limits.url_bytes} bytes.")
            raise _Refused()
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > self.limits.header_bytes or len(self.headers) >= self.limits.header_count:
            self._refusal = (431, f"Request headers exceed {self.limits.header_bytes} bytes or "
                                  f"{self.limits.header_count} fields.")
            raise _Refused()
        super().on_header(name, value)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            line = data.split(b"\r\n", 1)[0].split(b" ")
            if not getattr(self, "url", b""):  # refused before the URL was parsed: read it off the request line
                self.url = line[1][: self.limits.url_bytes] if len(line) > 1 else b""
            if getattr(self, "_refusal", None) is None:
                looks_like_method = bool(line[0]) and line[0].isalpha() and line[0].isupper() and len(line[0]) <= 20
                unknown_method = "method" in str(error).lower() and looks_like_method
                self._refusal = (400, "Unknown request method.") if unknown_method else (400, BAD_REQUEST)
            self.send_400_response(BAD_REQUEST)

    def send_400_response(self, msg: str) -> None:
        status, message = getattr(self, "_refusal", None) or (400, BAD_REQUEST)
        target = bytes(getattr(self, "url", b"") or b"").split(b"?", 1)[0].decode("latin-1")
        body = protocol_error(target, status, message)
        content: list[bytes] = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode("ascii")]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ])
        if not self.transport.is_closing():
            self.transport.write(b"".join(content))
            self.transport.close()


def with_limits(limits: Limits) -> Any:
    """The protocol class for a server with these limits."""
    return type("LimitedHttpToolsProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})
