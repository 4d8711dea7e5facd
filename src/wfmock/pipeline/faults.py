"""Transport faults as `send` wrappers (as Starlette's GZip middleware wraps `send`): the reply sends itself
through them, unaware. `reset`/`empty` drop the connection before anything goes out, `truncate` sends part of
the first body message and then closes, `drip` slows every body message to a byte rate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from wfmock.pipeline.connection import DropConnection
from wfmock.scenario.plan import Fault
from wfmock.types import Message, Send

FAULT_KINDS = ("reset", "empty", "truncate", "drip")


def with_fault(fault: Fault, send: Send) -> Send:
    """`send`, as the fault `fault.kind` would have the client see it (see FAULT_KINDS)."""
    if fault.kind in ("reset", "empty"):
        return Dropping(reset=fault.kind == "reset")
    if fault.kind == "truncate":
        return Truncating(send, fault)
    if fault.kind == "drip":
        return Dripping(send, max(1.0, float(fault.bytes_per_second or 64)))
    return send


class Dropping:
    """Sends nothing: the connection is dropped (RST for `reset`, FIN for `empty`) at the first message."""

    def __init__(self, *, reset: bool) -> None:
        self.reset = reset

    async def __call__(self, message: Message) -> None:
        raise DropConnection(reset=self.reset, started=False)


class Truncating:
    """Passes the headers, then a part of the first body message, then closes the connection (FIN)."""

    def __init__(self, send: Send, fault: Fault) -> None:
        self.send = send
        self.fault = fault

    async def __call__(self, message: Message) -> None:
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        body = message.get("body", b"")
        await self.send({"type": "http.response.body", "body": body[:truncated_length(self.fault, len(body))],
                         "more_body": True})
        raise DropConnection(reset=False)


def truncated_length(fault: Fault, total: int) -> int:
    """How many bytes of `total` a truncate fault lets through: `bytes`, else `fraction` (0.5), never all."""
    if fault.bytes is not None:
        return max(0, min(int(fault.bytes), total - 1))
    fraction = float(fault.fraction or 0.5)
    return max(0, min(int(total * fraction), total - 1))


class Dripping:
    """Throttles response bodies to `rate` bytes per second, in ~10 slices a second (on the wall clock: a drip
    is about the socket, so `sleep` is asyncio's unless a test passes its own)."""

    def __init__(self, send: Send, rate: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.send = send
        self.rate = rate
        self.sleep = sleep

    async def __call__(self, message: Message) -> None:
        body = message.get("body") if message["type"] == "http.response.body" else None
        if not body:
            await self.send(message)
            return
        step = max(1, int(self.rate / 10))
        for start in range(0, len(body), step):
            await self.send({"type": "http.response.body", "body": body[start:start + step], "more_body": True})
            await self.sleep(step / self.rate)
        if not message.get("more_body", False):
            await self.send({"type": "http.response.body", "body": b"", "more_body": False})
