"""One exchange as the proxy saw it: the request as sent, the response as received, each SSE event's arrival."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from wfmock.contract.client import to_curl
from wfmock.contract.exchange import Exchange, Reading

MAX_KEPT_BYTES = 8 * 1024 * 1024  # a longer body is forwarded whole but judged no further than its head


@dataclass
class Recorded(Reading):
    """Times are `time.monotonic()` seconds; `arrivals` stamps each complete SSE event as it reached the proxy."""

    method: str
    path: str                      # the raw path, as the client sent it
    query: str                     # the raw query string, without `?`
    headers: list[tuple[str, str]]
    body: bytes
    upstream: str                  # the upstream's base URL (for the curl that reproduces it)
    started: float = 0.0
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""
    truncated: bool = False
    arrivals: list[float] = field(default_factory=list)
    answered: float = 0.0          # when the response head arrived
    finished: float = 0.0          # when its last byte arrived (or the client left)
    error: str | None = None       # the upstream broke off, or the client disconnected

    def decoded(self) -> bytes:
        """The body without its content encoding (gzip, deflate); as received otherwise."""
        encoding = self.response_headers.get("content-encoding", "").lower()
        if encoding in ("gzip", "deflate") and not self.truncated:
            try:
                return zlib.decompress(self.content, 47 if encoding == "gzip" else 15)
            except zlib.error:
                return self.content
        return self.content

    def json(self) -> Any:
        return json.loads(self.decoded())

    def exchange(self, secret: tuple[str, ...]) -> Exchange:
        """What the checks judge: the body decoded, the curl with credentials replaced (`secret`)."""
        return Exchange(method=self.method, path=self.path, query=self.query, headers=list(self.headers),
                        body=self.body, status=self.status, response_headers=dict(self.response_headers),
                        content=self.decoded(), base_url=self.upstream, curl=self.curl(secret),
                        truncated=self.truncated, error=self.error, arrivals=list(self.arrivals),
                        started=self.started, answered=self.answered, finished=self.finished)

    def curl(self, secret: tuple[str, ...]) -> str:
        """The request as curl, credentials replaced by `$WFMOCK_API_KEY` (never the secret itself)."""
        shown = {name: value for name, value in self.headers
                 if name.lower() not in ("host", "content-length", "connection", "accept-encoding", "user-agent")}
        url = self.upstream + self.path + (f"?{self.query}" if self.query else "")
        multipart = "multipart/" in self.header("content-type")
        body = None if multipart or not self.body else self.body
        command = to_curl(self.method, url, shown, body, secret=secret)
        if multipart:
            command += "  # multipart body not shown"
        return command.replace("-sS", "-sSN", 1) if self.is_stream else command
