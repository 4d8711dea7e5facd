"""Turns a behaviour's reply into ASGI messages: JSON with orjson, HTML, or a server-sent event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from wfmock.transport import abort_connection
from wfmock.types import Receive, Scope, Send

JSON = "application/json"


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


@dataclass(slots=True)
class StreamReply:
    """A streamed response: `frames` yields already-framed chunks (see `sse.py`)."""

    frames: AsyncIterator[bytes]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "text/event-stream; charset=utf-8"


def raw_headers(media_type: str, headers: Mapping[str, str], length: int | None) -> list[tuple[bytes, bytes]]:
    encoded = [(b"content-type", media_type.encode("latin-1"))]
    if length is not None:
        encoded.append((b"content-length", str(length).encode("latin-1")))
    encoded.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())
    return encoded


async def send_reply(reply: Reply, send: Send, *, head: bool = False) -> int:
    """Sends a complete reply; returns the number of body bytes."""
    body = reply.encode()
    await send({
        "type": "http.response.start",
        "status": reply.status,
        "headers": raw_headers(reply.media_type, reply.headers, len(body)),
    })
    await send({"type": "http.response.body", "body": b"" if head else body})
    return len(body)


class AbortConnection(Exception):
    """Raised by a stream's frames to drop the connection without finishing the response."""


async def send_stream(reply: StreamReply, scope: Scope, receive: Receive, send: Send) -> None:
    """Sends frames as they come; stops at once (closing the generator) when the client goes away.

    The ASGI `http.disconnect` message is watched alongside the frames, so a client that leaves a
    stalled or slow stream ends its run's task right away, not at the next failed write.
    """
    headers = {"cache-control": "no-cache", "x-accel-buffering": "no", **reply.headers}
    await send({
        "type": "http.response.start",
        "status": reply.status,
        "headers": raw_headers(reply.media_type, headers, None),
    })
    frames = reply.frames
    pump = asyncio.ensure_future(_pump(frames, send))
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({pump, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, gone):
            task.cancel()
        await asyncio.gather(pump, gone, return_exceptions=True)
        await frames.aclose()  # type: ignore[attr-defined]
    if pump.cancelled() or pump.exception() is None:
        return
    error = pump.exception()
    if isinstance(error, AbortConnection):
        abort_connection(scope)
    elif not isinstance(error, OSError):  # OSError: the client disconnected mid-write
        raise error


async def _pump(frames: AsyncIterator[bytes], send: Send) -> None:
    async for frame in frames:
        await send({"type": "http.response.body", "body": frame, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive) -> None:
    """Returns when the client has gone (any request body left over is read and dropped)."""
    while (await receive()).get("type") != "http.disconnect":
        pass
