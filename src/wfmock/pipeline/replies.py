"""Replies that send themselves (like Starlette's `Response`): JSON with orjson, HTML, or a server-sent event stream.

A reply is an ASGI application: `await reply(scope, receive, send)`. Faults wrap `send` (see `faults.py`);
a stream's frames may raise `connection.DropConnection`, which the pipeline turns into a dropped connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from wfmock.exchange import BODY_FOLLOWS
from wfmock.types import Receive, Scope, Send

JSON = "application/json"


_CONTENT_TYPES: dict[str, tuple[bytes, bytes]] = {}  # the few media types replies use, encoded once


def raw_headers(media_type: str, headers: Mapping[str, str], length: int | None) -> list[tuple[bytes, bytes]]:
    content_type = _CONTENT_TYPES.get(media_type)
    if content_type is None:
        content_type = (b"content-type", media_type.encode("latin-1"))
        if len(_CONTENT_TYPES) < 64:
            _CONTENT_TYPES[media_type] = content_type
    encoded = [content_type]
    if length is not None:
        encoded.append((b"content-length", b"%d" % length))
    if headers:
        encoded.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())
    return encoded


@dataclass(slots=True)
class Reply:
    """A complete response: status, a JSON-able body (or bytes/str for other media types), headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = JSON

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str) and self.media_type != JSON:
            return self.body.encode("utf-8")
        return orjson.dumps(self.body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Sends the whole reply in one body message (none for HEAD, with the GET's length)."""
        body = self.encode()
        await send({
            "type": "http.response.start",
            "status": self.status,
            "headers": raw_headers(self.media_type, self.headers, len(body)),
            BODY_FOLLOWS: True,  # wfmock's server then writes head and body together without a flush in between
        })
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


@dataclass(slots=True)
class StreamReply:
    """A streamed response: `frames` yields already-framed chunks (see `wfmock.openapi.sse`)."""

    frames: AsyncIterator[bytes]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "text/event-stream; charset=utf-8"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Sends frames as they come; stops at once (closing the generator) when the client goes away.

        The ASGI `http.disconnect` message is watched alongside the frames, so a client that leaves a
        stalled or slow stream ends its run's task right away, not at the next failed write. An error
        from the frames (e.g. `DropConnection`) is raised here once the generator is closed.
        """
        frames = self.frames
        try:
            headers = {"cache-control": "no-cache", "x-accel-buffering": "no", **self.headers}
            await send({
                "type": "http.response.start",
                "status": self.status,
                "headers": raw_headers(self.media_type, headers, None),
            })
            pump = asyncio.ensure_future(_pump(frames, send))
            gone = asyncio.ensure_future(_disconnected(receive))
            try:
                await asyncio.wait({pump, gone}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (pump, gone):
                    task.cancel()
                await asyncio.gather(pump, gone, return_exceptions=True)
        finally:
            await frames.aclose()  # type: ignore[attr-defined]
        if pump.cancelled() or pump.exception() is None:
            return
        error = pump.exception()
        if not isinstance(error, OSError):  # OSError: the client disconnected mid-write
            raise error


async def _pump(frames: AsyncIterator[bytes], send: Send) -> None:
    async for frame in frames:
        await send({"type": "http.response.body", "body": frame, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive) -> None:
    """Returns when the client has gone (any request body left over is read and dropped)."""
    while (await receive()).get("type") != "http.disconnect":
        pass
