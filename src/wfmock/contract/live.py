"""Reads a streaming response in a background thread, stamping when each event arrives.

So a check can act while the stream flows (stop a task right after its first event) and judge
afterwards when things came: before or after the stop was sent, spread over the run or in one
burst. Generic: it knows SSE framing, not event names.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from wfmock.contract.client import Client
from wfmock.contract.exchange import Exchange
from wfmock.openapi import sse


class LiveStream:
    """One streaming request, read to its end in a thread; `events[i]` arrived at `arrivals[i]` (monotonic)."""

    def __init__(self, client: Client, method: str, path: str, *, headers: dict[str, str],
                 json_body: Any = None) -> None:
        self._client, self._method, self._path = client, method, path
        self._headers, self._json_body = headers, json_body
        self._parser = sse.Incremental()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, name=f"wfmock-stream {path}", daemon=True)
        self.raw = b""
        self.status = 0
        self.content_type = ""
        self.response_headers: dict[str, str] = {}
        self.curl = ""
        self.error: str | None = None
        self.done = False
        self.sent_at = 0.0
        self.ended_at = 0.0

    def __enter__(self) -> LiveStream:
        self.sent_at = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    @property
    def events(self) -> list[sse.Event]:
        return self._parser.events

    @property
    def arrivals(self) -> list[float]:
        return self._parser.arrivals

    def _read(self) -> None:
        try:
            with self._client.stream(self._method, self._path, headers=self._headers,
                                     json_body=self._json_body) as (response, curl):
                with self._changed:
                    self.status, self.curl = response.status_code, curl
                    self.content_type = response.headers.get("content-type", "")
                    self.response_headers = {k.lower(): v for k, v in response.headers.items()}
                for chunk in response.iter_raw():
                    now = time.monotonic()
                    with self._changed:
                        self.raw += chunk
                        if self.status == 200:
                            self._parser.feed(chunk, now)
                        self._changed.notify_all()
        except Exception as exc:  # a stream cut mid-way is a finding for the checks, not a crash
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._changed:
                self.done = True
                self.ended_at = time.monotonic()
                self._changed.notify_all()

    def wait_for(self, wanted: Callable[[sse.Event], bool], timeout: float) -> sse.Event | None:
        """The first event for which `wanted` is true, as soon as it has arrived; None if the stream ended first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for event in self.events[seen:]:
                    if wanted(event):
                        return event
                seen = len(self.events)
                remaining = deadline - time.monotonic()
                if self.done or remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def arrival(self, event: sse.Event) -> float:
        return self.arrivals[event.index] if event.index < len(self.arrivals) else self.ended_at

    def finish(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def exchange(self) -> Exchange:
        """The stream as read so far (whole, once it is `done`), for the checks."""
        with self._changed:
            body = json.dumps(self._json_body, ensure_ascii=False).encode() if self._json_body is not None else b""
            return Exchange(method=self._method, path=self._path, headers=list(self._headers.items()),
                            body=body, status=self.status, response_headers=dict(self.response_headers),
                            content=self.raw, base_url=self._client.base_url, curl=self.curl, error=self.error,
                            arrivals=list(self.arrivals), started=self.sent_at, finished=self.ended_at)
