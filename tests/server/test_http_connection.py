"""wfmock's HTTP/1.1 connection (`wfmock.protocol`, `wfmock.exchange`) over a recording transport, in process.

Each test feeds raw request bytes the way the event loop would and reads back exactly what was written,
write by write, so framing, ordering and closing are asserted on the bytes a client would get.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from wfmock.exchange import BODY_FOLLOWS
from wfmock.protocol import BODY_HIGH_WATER, HttpConnection

DATE = (b"date", b"Thu, 03 Dec 2026 04:00:00 GMT")
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class RecordingTransport(asyncio.Transport):
    """What the connection wrote, and whether it paused reading or closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.reading = True

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)


def connect(app: App, keep_alive: float = 5.0) -> tuple[HttpConnection, RecordingTransport]:
    config = SimpleNamespace(loaded=True, loaded_app=app, root_path="", timeout_keep_alive=keep_alive)
    state = SimpleNamespace(connections=set(), tasks=set(), default_headers=[DATE])
    connection = HttpConnection(config, state, {}, _loop=asyncio.get_running_loop())
    transport = RecordingTransport()
    connection.connection_made(transport)
    return connection, transport


async def settle(connection: HttpConnection) -> None:
    """Lets every request task the connection started run to its end."""
    for _ in range(50):
        await asyncio.sleep(0)
        tasks = list(connection.server_state.tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0)


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the method, path and the whole request body it read."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = b"%s %s %s" % (scope["method"].encode(), scope["path"].encode(), body)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(answer))]})
    await send({"type": "http.response.body", "body": answer})


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(test())


def answer(app: App, request: bytes) -> tuple[bytes, bool]:
    """Everything written for `request` on a new connection, and whether the connection was closed."""
    async def go() -> tuple[bytes, bool]:
        connection, transport = connect(app)
        connection.data_received(request)
        await settle(connection)
        return b"".join(transport.writes), transport.closed

    return asyncio.run(go())


def test_a_complete_response_is_one_write_with_the_date_and_the_connection_stays_open() -> None:
    async def go() -> tuple[list[bytes], bool]:
        connection, transport = connect(echo)
        connection.data_received(b"POST /v2/workflows HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        await settle(connection)
        return transport.writes, transport.closed

    writes, closed = run(go)
    assert writes == [b"HTTP/1.1 200 OK\r\ndate: Thu, 03 Dec 2026 04:00:00 GMT\r\ncontent-type: text/plain\r\n"
                      b"content-length: 21\r\n\r\nPOST /v2/workflows hi"]
    assert not closed


def test_a_head_waits_one_loop_step_for_its_body_or_the_whole_wait_when_the_start_says_body_follows() -> None:
    def pausing(body_follows: bool) -> App:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            start: dict[str, Any] = {"type": "http.response.start", "status": 200,
                                     "headers": [(b"content-length", b"2")]}
            if body_follows:
                start[BODY_FOLLOWS] = True
            await send(start)
            await asyncio.sleep(0)  # a step passes between the start and the body
            await send({"type": "http.response.body", "body": b"ok"})
        return app

    async def go(body_follows: bool) -> list[bytes]:
        connection, transport = connect(pausing(body_follows))
        connection.data_received(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        await settle(connection)
        return transport.writes

    assert [w[-2:] for w in run(lambda: go(False))] == [b"\r\n", b"ok"]  # the head went at the end of its step
    assert len(run(lambda: go(True))) == 1  # held for the body that was said to follow


def test_pipelined_requests_are_answered_in_order() -> None:
    async def slow_first(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/first":
            await asyncio.sleep(0.01)  # the second request is parsed and waits meanwhile
        await echo(scope, receive, send)

    async def go() -> list[bytes]:
        connection, transport = connect(slow_first)
        connection.data_received(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0.05)
        await settle(connection)
        return transport.writes

    writes = run(go)
    assert [w.rsplit(b"\r\n\r\n", 1)[1] for w in writes] == [b"GET /first ", b"GET /second "]


def test_http_1_0_and_connection_close_end_the_connection_after_the_answer() -> None:
    for request in (b"GET /a HTTP/1.0\r\n\r\n", b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        written, closed = answer(echo, request)
        assert b"connection: close\r\n" in written and written.endswith(b"GET /a ") and closed


def test_head_gets_the_length_but_no_body() -> None:
    written, _ = answer(echo, b"HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n")
    assert written.endswith(b"content-length: 8\r\n\r\n")


def test_a_stream_is_chunked_and_its_head_goes_out_before_its_first_frame() -> None:
    gate: asyncio.Event

    async def stream(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        await gate.wait()
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def go() -> tuple[list[bytes], list[bytes]]:
        nonlocal gate
        gate = asyncio.Event()
        connection, transport = connect(stream)
        connection.data_received(b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
        for _ in range(5):
            await asyncio.sleep(0)
        before = list(transport.writes)
        gate.set()
        await settle(connection)
        return before, transport.writes

    before, writes = run(go)
    assert len(before) == 1 and before[0].endswith(b"transfer-encoding: chunked\r\n\r\n")
    assert writes[1:] == [b"9\r\ndata: 1\n\n\r\n", b"0\r\n\r\n"]


def test_expect_100_continue_is_answered_when_the_body_is_first_read() -> None:
    async def go() -> list[bytes]:
        connection, transport = connect(echo)
        connection.data_received(b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        for _ in range(5):
            await asyncio.sleep(0)
        connection.data_received(b"abc")
        await settle(connection)
        return transport.writes

    writes = run(go)
    assert writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n" and writes[1].endswith(b"POST /u abc")


def test_a_header_with_a_line_break_is_never_written_and_a_failing_app_gets_a_plain_500() -> None:
    async def splitting(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1\r\nset-cookie: x=1")]})

    async def failing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise ValueError("boom")

    async def silent(scope: dict[str, Any], receive: Any, send: Any) -> None:
        return None

    for app in (splitting, failing, silent):
        written, closed = answer(app, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        assert written.startswith(b"HTTP/1.1 500 Internal Server Error\r\n") and b"set-cookie" not in written
        assert closed


def test_an_answer_before_the_whole_body_says_close_closes_and_keeps_none_of_the_rest() -> None:
    async def early(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()  # the first part only: then refuse (as a 413 does)
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    async def go() -> tuple[bytes, bool, int]:
        connection, transport = connect(early)
        connection.data_received(b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        await settle(connection)
        connection.data_received(b"y" * 500_000)
        return b"".join(transport.writes), transport.closed, connection.buffered

    written, closed, buffered = run(go)
    assert written.startswith(b"HTTP/1.1 413 ") and b"connection: close\r\n" in written  # the client knows
    assert closed and buffered == 0


def test_reading_pauses_while_the_app_has_not_read_the_body_and_resumes_when_it_does() -> None:
    release: asyncio.Event

    async def lazy(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await release.wait()
        await echo(scope, receive, send)

    async def go() -> tuple[bool, bool, bytes]:
        nonlocal release
        release = asyncio.Event()
        connection, transport = connect(lazy)
        size = 2 * BODY_HIGH_WATER
        connection.data_received(b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
        connection.data_received(b"z" * (BODY_HIGH_WATER + 1))
        paused = not transport.reading
        release.set()
        await asyncio.sleep(0.01)
        resumed = transport.reading
        connection.data_received(b"z" * (size - BODY_HIGH_WATER - 1))
        await settle(connection)
        return paused, resumed, b"".join(transport.writes)

    paused, resumed, written = run(go)
    assert paused and resumed and written.endswith(b"POST /u " + b"z" * (2 * BODY_HIGH_WATER))


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout() -> None:
    async def go() -> tuple[bool, bool]:
        connection, transport = connect(echo, keep_alive=0.02)
        connection.data_received(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        await settle(connection)
        open_after_answer = not transport.closed
        await asyncio.sleep(0.05)
        return open_after_answer, transport.closed

    assert run(go) == (True, True)


def test_a_request_head_trickling_in_is_closed_at_the_idle_timeout_a_slow_body_is_not() -> None:
    async def go() -> tuple[bool, bool]:
        trickling, trickled = connect(echo, keep_alive=0.05)
        uploading, uploaded = connect(echo, keep_alive=0.05)
        uploading.data_received(b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        for step in range(10):  # a byte every 10 ms: 100 ms in all, twice the timeout
            trickling.data_received(b"GET /a HTTP/1.1\r\n"[step:step + 1])
            uploading.data_received(b"x")
            await asyncio.sleep(0.01)
        await settle(uploading)
        return trickled.closed, uploaded.closed

    head_closed, body_closed = run(go)
    assert head_closed and not body_closed


def test_a_client_that_leaves_is_told_by_receive_after_its_body() -> None:
    async def watching(scope: dict[str, Any], receive: Any, send: Any) -> None:
        first = await receive()
        second = await receive()  # waits until the client goes
        seen.extend([first["type"], second["type"]])

    seen: list[str] = []

    async def go() -> None:
        connection, _ = connect(watching)
        connection.data_received(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0.01)
        connection.connection_lost(None)
        await settle(connection)

    run(go)
    assert seen == ["http.request", "http.disconnect"]


def test_protocol_errors_are_answered_in_the_envelope_and_close() -> None:
    written, closed = answer(echo, b"GET /v2/workflows/" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n")
    assert written.startswith(b"HTTP/1.1 414 ") and b'"code":"' in written and closed
    written, closed = answer(echo, b"\x00garbage\r\n\r\n")
    assert written.startswith(b"HTTP/1.1 400 ") and closed
