"""Faults are `send` wrappers: the messages each lets through, and where it asks for the connection to drop.
(The drops themselves, on a real socket, are in tests/e2e; `drop`'s in-process fallback is here.)"""

import asyncio
from typing import Any

import pytest

from wfmock.pipeline.connection import TRANSPORT_EXTENSION, DropConnection, drop
from wfmock.pipeline.faults import Dripping, Dropping, Truncating, truncated_length, with_fault
from wfmock.pipeline.replies import Reply
from wfmock.scenario.plan import Fault


class Recorder:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, message: dict[str, Any]) -> None:
        self.messages.append(message)


async def nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


def send_through(fault: Fault, reply: Reply) -> tuple[Recorder, DropConnection | None]:
    sent = Recorder()
    try:
        asyncio.run(reply({"method": "GET"}, nothing, with_fault(fault, sent)))
    except DropConnection as how:
        return sent, how
    return sent, None


@pytest.mark.parametrize(("kind", "reset"), [("reset", True), ("empty", False)])
def test_reset_and_empty_send_nothing_and_drop(kind: str, reset: bool) -> None:
    sent, how = send_through(Fault(kind), Reply(200, {"a": 1}))
    assert sent.messages == [] and how is not None and how.reset is reset and not how.started


def test_truncate_sends_the_headers_and_part_of_the_body_then_closes() -> None:
    sent, how = send_through(Fault("truncate", fraction=0.5), Reply(200, {"key": "0123456789"}))
    start, body = sent.messages
    assert (b"content-length", b"20") in start["headers"]  # the client was promised the whole body
    assert body == {"type": "http.response.body", "body": b'{"key":"01', "more_body": True}
    assert how is not None and not how.reset and how.started


def test_truncate_never_lets_the_whole_body_through() -> None:
    assert truncated_length(Fault("truncate", bytes=500), 20) == 19
    assert truncated_length(Fault("truncate", fraction=1.0), 20) == 19
    assert truncated_length(Fault("truncate", bytes=3), 20) == 3


def test_drip_slices_the_body_at_its_rate_and_then_ends() -> None:
    sent, slept = Recorder(), []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    asyncio.run(Reply(200, b"x" * 25, media_type="text/plain")({"method": "GET"}, nothing,
                                                               Dripping(sent, rate=100.0, sleep=sleep)))
    bodies = [m["body"] for m in sent.messages[1:]]
    assert bodies == [b"x" * 10, b"x" * 10, b"x" * 5, b""] and sent.messages[-1]["more_body"] is False
    assert slept == [0.1, 0.1, 0.1]


def test_an_unknown_fault_leaves_send_as_it_is() -> None:
    sent = Recorder()
    assert with_fault(Fault("gremlins"), sent) is sent
    assert isinstance(with_fault(Fault("reset"), sent), Dropping)
    assert isinstance(with_fault(Fault("truncate"), sent), Truncating)


def test_without_a_transport_a_drop_before_the_headers_answers_502() -> None:
    sent = Recorder()
    asyncio.run(drop({}, sent, DropConnection(reset=True, started=False)))
    assert [m["type"] for m in sent.messages] == ["http.response.start", "http.response.body"]
    assert sent.messages[0]["status"] == 502


def test_without_a_transport_a_drop_after_the_headers_ends_the_body() -> None:
    sent = Recorder()
    asyncio.run(drop({}, sent, DropConnection(reset=False)))
    assert sent.messages == [{"type": "http.response.body", "body": b"", "more_body": False}]


class FakeTransport:
    def __init__(self) -> None:
        self.how: str | None = None

    def is_closing(self) -> bool:
        return self.how is not None

    def get_extra_info(self, name: str) -> Any:
        return None

    def abort(self) -> None:
        self.how = "abort"

    def close(self) -> None:
        self.how = "close"


@pytest.mark.parametrize(("reset", "how"), [(True, "abort"), (False, "close")])
def test_with_the_transport_a_drop_resets_or_closes_it_and_sends_nothing(reset: bool, how: str) -> None:
    transport, sent = FakeTransport(), Recorder()
    asyncio.run(drop({"extensions": {TRANSPORT_EXTENSION: transport}}, sent, DropConnection(reset=reset)))
    assert transport.how == how and sent.messages == []
