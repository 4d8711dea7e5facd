"""One exchange as the checks see it: the request as sent, the response as received, and for a stream each event
with the time it arrived.

Producers build these (the kit's client and live streams, the validating proxy, schemathesis' responses); the
checks (`wfmock.contract.checks`) only read them, so the same check judges a kit flow and live traffic alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from wfmock.openapi import sse


def json_or_none(body: bytes) -> Any:
    """A request body as JSON; None when it is empty or not JSON."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class Reading:
    """How a request and its response are read, for `Exchange` and for the proxy's recording alike: `headers` (the
    request's, as pairs), `body`, `query`, and `response_headers` (lower-case names)."""

    headers: Sequence[tuple[str, str]]
    body: bytes
    query: str
    response_headers: Mapping[str, str]

    def header(self, name: str) -> str:
        """A request header (case-insensitive), "" when absent."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), "")

    def request_json(self) -> Any:
        return json_or_none(self.body)

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def is_stream(self) -> bool:
        return "text/event-stream" in self.content_type


@dataclass
class Exchange(Reading):
    """Times are `time.monotonic()` seconds (0 when the producer did not time it). `response_headers` is read with
    lower-case names (a dict with lower-case keys, or a case-insensitive mapping such as `httpx.Headers`);
    `content` is the body without its content encoding."""

    method: str
    path: str
    query: str = ""                                   # the raw query string, without `?`
    headers: Sequence[tuple[str, str]] = ()           # the request's, as sent
    body: bytes = b""
    status: int = 0                                   # 0: no answer (see `error`)
    response_headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    base_url: str = ""
    curl: str = ""                                    # the request as curl, credentials replaced by a variable
    truncated: bool = False                           # the body is only the head of what was sent
    error: str | None = None                          # the answer broke off, or never came
    arrivals: list[float] = field(default_factory=list)  # per complete SSE event, when it arrived
    started: float = 0.0
    answered: float = 0.0                             # the response head arrived
    finished: float = 0.0                             # its last byte arrived

    # -- the request ---------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.base_url + self.path + (f"?{self.query}" if self.query else "")

    # -- the response --------------------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def json_or_none(self) -> Any:
        """The JSON body, or None when it is not JSON (or only its head was kept)."""
        if "json" not in self.content_type or self.truncated:
            return None
        try:
            return self.json()
        except ValueError:
            return None

    @cached_property
    def stream(self) -> sse.Stream:
        """The body read as an SSE stream (its events, and where its framing breaks the rules)."""
        return sse.parse(self.content)

    @property
    def events(self) -> list[sse.Event]:
        return self.stream.events

    @property
    def event_arrivals(self) -> list[float]:
        """When each parsed event arrived; empty when they were not timed (or the framing broke the timing). The last
        event may be unterminated: it arrived when the stream ended."""
        events = self.events
        if not self.arrivals or len(self.arrivals) < len(events) - 1:
            return []
        return self.arrivals[:len(events)] + [self.finished] * (len(events) - len(self.arrivals))

    def arrival(self, event: sse.Event) -> float:
        arrivals = self.event_arrivals
        return arrivals[event.index] if event.index < len(arrivals) else self.finished
