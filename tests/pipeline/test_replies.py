"""Replies send themselves: the ASGI messages of a whole reply, of HEAD, and of a stream (which stops when the
client leaves, and raises what its frames raise once the generator is closed)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from wfmock.pipeline.connection import DropConnection
from wfmock.pipeline.replies import Reply, StreamReply


class Wire:
    """`receive` that gives the (empty) body, then waits until told the client left; `send` that records."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.gone = asyncio.Event()
        self.body_sent = False

    async def receive(self) -> dict[str, Any]:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")


def test_a_reply_sends_its_start_and_one_body() -> None:
    wire = Wire()
    asyncio.run(Reply(201, {"ok": True}, {"X-Thing": "1"})({"method": "POST"}, wire.receive, wire.send))
    start, body = wire.messages
    assert start["status"] == 201 and (b"content-length", b"11") in start["headers"]
    assert (b"x-thing", b"1") in start["headers"] and body == {"type": "http.response.body", "body": b'{"ok":true}'}


def test_head_sends_the_length_but_no_body() -> None:
    wire = Wire()
    asyncio.run(Reply(200, "<p>hi</p>", media_type="text/html")({"method": "HEAD"}, wire.receive, wire.send))
    assert (b"content-length", b"9") in wire.messages[0]["headers"] and wire.body == b""


def test_a_stream_sends_every_frame_then_ends() -> None:
    async def frames() -> AsyncIterator[bytes]:
        yield b"data: 1\n\n"
        yield b"data: 2\n\n"

    wire = Wire()
    asyncio.run(StreamReply(frames())({"method": "POST"}, wire.receive, wire.send))
    assert wire.messages[0]["status"] == 200 and (b"cache-control", b"no-cache") in wire.messages[0]["headers"]
    assert wire.body == b"data: 1\n\ndata: 2\n\n" and wire.messages[-1] == {
        "type": "http.response.body", "body": b"", "more_body": False}


def test_a_stream_stops_and_closes_its_frames_when_the_client_leaves() -> None:
    closed = []

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"data: tick\n\n"
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    async def scenario() -> Wire:
        wire = Wire()
        task = asyncio.create_task(StreamReply(endless())({"method": "POST"}, wire.receive, wire.send))
        while len(wire.messages) < 4:
            await asyncio.sleep(0)
        wire.gone.set()
        await asyncio.wait_for(task, 5)
        return wire

    wire = asyncio.run(scenario())
    assert closed == [True] and wire.messages[-1].get("more_body", True) is True  # no clean end: the client is gone


def test_a_drop_from_the_frames_is_raised_after_the_frames_are_closed() -> None:
    closed = []

    async def frames() -> AsyncIterator[bytes]:
        try:
            yield b"data: 1\n\n"
            raise DropConnection()
        finally:
            closed.append(True)

    wire = Wire()
    with pytest.raises(DropConnection) as caught:
        asyncio.run(StreamReply(frames())({"method": "POST"}, wire.receive, wire.send))
    assert caught.value.reset and closed == [True] and wire.body == b"data: 1\n\n"
