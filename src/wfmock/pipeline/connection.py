"""The one way to drop a connection: raise `DropConnection` while sending; the pipeline then calls `drop`.

ASGI has no way to say "reset this connection", so wfmock's HTTP/1.1 connection (`wfmock.protocol`) hands
each request's transport to the app in `scope["extensions"]`; `drop` then acts on the socket directly.
Under any other server (in-process tests) the drop degrades to a plain, complete answer: a 502 when nothing
was sent yet, else the end of the body.
"""

from __future__ import annotations

import asyncio
import socket
import struct

from wfmock.types import Scope, Send

TRANSPORT_EXTENSION = "wfmock.transport"


class DropConnection(Exception):
    """Raised while sending a reply (by a stream's frames or a fault) to drop the connection there.

    `reset`: a TCP RST (SO_LINGER 0); otherwise a FIN (the client sees the body end early). `started`: whether
    the response's headers went out before (a stream's frames always come after them).
    """

    def __init__(self, *, reset: bool = True, started: bool = True) -> None:
        super().__init__("reset" if reset else "close")
        self.reset = reset
        self.started = started


async def drop(scope: Scope, send: Send, how: DropConnection) -> None:
    """Drops the connection now; without the transport, finishes the answer instead."""
    reset, started = how.reset, how.started
    transport: asyncio.Transport | None = (scope.get("extensions") or {}).get(TRANSPORT_EXTENSION)
    if transport is not None and not transport.is_closing():
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
        await asyncio.sleep(0)  # let the server see the loss before the app returns
        return
    if transport is not None:
        return  # already closing: nothing more can be sent
    if not started:
        await send({"type": "http.response.start", "status": 502, "headers": []})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
