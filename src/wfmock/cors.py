"""CORS for browser apps (and "Try it out" buttons) calling the mock from another origin.

A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered here, before routing:
it is never authenticated, rate limited or journaled. Other responses to an allowed origin carry
`Access-Control-Allow-Origin` and expose the headers clients read (`Retry-After`, `RateLimit-*`).

Default origins: any origin while the mock listens on loopback (only the local machine can reach it), and
only loopback origins when it listens elsewhere. `--cors-origin ORIGIN` (repeatable, `*` for any) replaces
the default.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from wfmock.types import Message, Scope, Send

ANY = "*"
LOOPBACK_ONLY = "loopback"
EXPOSED_HEADERS = "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Content-Disposition"
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, X-API-Key, X-Wfmock-Scenario"
MAX_AGE = "600"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CorsPolicy:
    """Which origins may call the mock from a browser, and the headers that tell the browser so."""

    def __init__(self, origins: Iterable[str]) -> None:
        chosen = {origin.rstrip("/") for origin in origins}
        self.any_origin = ANY in chosen
        self.loopback_origins = LOOPBACK_ONLY in chosen
        self.origins = chosen - {ANY, LOOPBACK_ONLY}

    @classmethod
    def for_server(cls, host: str, origins: Iterable[str] = ()) -> "CorsPolicy":
        """The configured origins, or the default for a server listening on `host`."""
        origins = list(origins)
        if origins:
            return cls(origins)
        return cls([ANY if is_loopback_host(host) else LOOPBACK_ONLY])

    def allows(self, origin: str) -> bool:
        if self.any_origin or origin in self.origins:
            return True
        return self.loopback_origins and is_loopback_host(urlsplit(origin).hostname or "")

    async def handle(self, scope: Scope, send: Send) -> Send | None:
        """Answers a preflight (returns None), else returns the `send` to use for this request."""
        origin = None
        request_method = request_headers = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                request_method = value
            elif name == b"access-control-request-headers":
                request_headers = value
        if origin is None:
            return send
        allowed = self.allows(origin)
        if scope["method"] == "OPTIONS" and request_method is not None:
            await self._preflight(origin if allowed else None, request_headers, send)
            return None
        if not allowed:
            return send
        return _with_headers(send, [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
            (b"vary", b"Origin"),
        ])

    @staticmethod
    async def _preflight(origin: str | None, request_headers: bytes | None, send: Send) -> None:
        headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
        if origin is not None:  # a refused origin gets no Access-Control-* headers: the browser blocks the call
            headers += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-allow-headers", request_headers or DEFAULT_ALLOWED_HEADERS.encode()),
                (b"access-control-max-age", MAX_AGE.encode()),
            ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)
    return send_with_cors
