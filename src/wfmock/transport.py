"""Transport faults: connection reset, empty response, truncated body and slow drip.

ASGI has no way to say "reset this connection", so `FaultCapableHttpToolsProtocol` (uvicorn's
httptools protocol) hands each request's transport to the app in `scope["extensions"]`; the
faults then act on the socket directly. Under any other server the faults degrade to a plain close.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from wfmock.types import Receive, Scope, Send

TRANSPORT_EXTENSION = "wfmock.transport"
FAULT_KINDS = ("reset", "empty", "truncate", "drip")


class FaultCapableHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, exposing the connection's transport to the application."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {TRANSPORT_EXTENSION: self.transport}  # type: ignore[typeddict-unknown-key]


def _transport(scope: Scope) -> asyncio.Transport | None:
    return (scope.get("extensions") or {}).get(TRANSPORT_EXTENSION)


def abort_connection(scope: Scope, *, reset: bool = True) -> bool:
    """Drops the connection now: with `reset`, a TCP RST (SO_LINGER 0), else a FIN. False if impossible."""
    transport = _transport(scope)
    if transport is None or transport.is_closing():
        return False
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except (OSError, AttributeError):
            pass
    if reset:
        transport.abort()
    else:
        transport.close()
    return True


async def apply_fault(fault: Any, scope: Scope, receive: Receive, send: Send, reply: Any) -> None:
    """Renders `reply` through the fault `fault.kind` (see FAULT_KINDS)."""
    from wfmock.render import Reply, raw_headers, send_reply, send_stream

    kind = getattr(fault, "kind", None)
    if kind in ("reset", "empty"):
        if not abort_connection(scope, reset=kind == "reset"):
            await send({"type": "http.response.start", "status": 502, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await asyncio.sleep(0)  # let the server see the loss before the app returns
        return
    if kind == "truncate":
        body = reply.encode() if isinstance(reply, Reply) else await _first_frame(reply)
        keep = _truncated_length(fault, len(body))
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": raw_headers(reply.media_type, reply.headers, len(body) if isinstance(reply, Reply) else None)})
        await send({"type": "http.response.body", "body": body[:keep], "more_body": True})
        if abort_connection(scope, reset=False):
            await asyncio.sleep(0)
        else:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    if kind == "drip":
        rate = max(1.0, float(getattr(fault, "bytes_per_second", 64) or 64))
        if isinstance(reply, Reply):
            body = reply.encode()
            await send({"type": "http.response.start", "status": reply.status,
                        "headers": raw_headers(reply.media_type, reply.headers, len(body))})
            await _drip(body, rate, send)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            await send_stream(reply, scope, receive, _DrippingSend(send, rate))
        return
    if isinstance(reply, Reply):
        await send_reply(reply, send)
    else:
        await send_stream(reply, scope, receive, send)


def _truncated_length(fault: Any, total: int) -> int:
    count = getattr(fault, "bytes", None)
    if count is not None:
        return max(0, min(int(count), total - 1))
    fraction = float(getattr(fault, "fraction", None) or 0.5)
    return max(0, min(int(total * fraction), total - 1))


async def _first_frame(reply: Any) -> bytes:
    frames = reply.frames
    try:
        return await frames.__anext__()
    except StopAsyncIteration:
        return b""
    finally:
        await frames.aclose()


async def _drip(body: bytes, rate: float, send: Send) -> None:
    """Sends `body` in ~10 slices a second so that it takes len(body)/rate seconds."""
    step = max(1, int(rate / 10))
    for start in range(0, len(body), step):
        await send({"type": "http.response.body", "body": body[start:start + step], "more_body": True})
        await asyncio.sleep(step / rate)


class _DrippingSend:
    """A `send` that throttles response bodies to `rate` bytes per second."""

    def __init__(self, send: Send, rate: float) -> None:
        self.send = send
        self.rate = rate

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            await _drip(message["body"], self.rate, self.send)
            if not message.get("more_body", False):
                await self.send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await self.send(message)
