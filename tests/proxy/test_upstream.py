"""The proxy's upstream client (wfmock.proxy.upstream) against scripted loopback servers: every way an HTTP/1.1
body can end, an upstream dying mid-stream, a reader that leaves, large bodies, keep-alive reuse and the pool's
bound. Each server is a raw asyncio one, so the test says exactly which bytes go on the wire and when."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.support import free_port
from wfmock.proxy.upstream import HIGH_WATER, Pool, UpstreamError

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """The request line, its headers (lower-case names) and its body (by Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    line, *fields = head[:-4].split(b"\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (f.split(b":", 1) for f in fields)}
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return line, headers, body


def run(handler: Handler, test: Callable[[Pool, dict], Awaitable[None]], limit: int = 10,
        read_timeout: float = 5) -> dict:
    """Serves `handler` on a loopback port and runs `test(pool, seen)` with a pool to it; `seen` counts
    connections."""
    seen: dict = {"connections": 0, "open": 0, "most_open": 0}

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen["connections"] += 1
        seen["open"] += 1
        seen["most_open"] = max(seen["most_open"], seen["open"])
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            seen["open"] -= 1
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(counted, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = Pool(f"http://127.0.0.1:{port}", limit, read_timeout=read_timeout)
        async with server:
            try:
                await asyncio.wait_for(test(pool, seen), 20)
            finally:
                await pool.aclose()

    asyncio.run(main())
    return seen


async def body_of(pool: Pool, method: str = "GET", target: str = "/", body: bytes = b"",
                  headers: list[tuple[str, str]] | None = None) -> tuple[int, dict[str, str], bytes]:
    response = await pool.send(method, target, headers or [], body)
    try:
        content = b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()
    return response.status_code, dict(response.headers), content


def test_content_length_bodies_and_keep_alive_reuse() -> None:
    async def handler(reader, writer):
        while True:
            line, headers, body = await read_request(reader)
            answer = line + b" host=" + headers[b"host"] + b" x=" + headers.get(b"x-custom", b"") + b" " + body
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Up: 1\r\n\r\n" % len(answer) + answer)

    async def test(pool, seen):
        first = await body_of(pool, "POST", "/v2/a%2Fb?q=1&q=2", b"payload", [("X-Custom", "kept")])
        second = await body_of(pool, "GET", "/again")
        assert first[0] == 200 and first[1]["x-up"] == "1"
        assert first[2] == b"POST /v2/a%2Fb?q=1&q=2 HTTP/1.1 host=" + pool.host_header + b" x=kept payload"
        assert second[2].startswith(b"GET /again HTTP/1.1")
        assert seen["connections"] == 1  # the second request rode the first's connection

    run(handler, test)


def test_chunked_bodies_arrive_chunk_by_chunk() -> None:
    """The server sends its second chunk only once the client has the first: a buffering reader would hang."""
    got_first = asyncio.Event()

    async def handler(reader, writer):
        await read_request(reader)
        writer.write(CHUNKED + b"7\r\ndata: 1\r\n")
        await got_first.wait()
        writer.write(b"7\r\ndata: 2\r\n0\r\n\r\n")

    async def test(pool, seen):
        response = await pool.send("POST", "/stream", [], b"{}")
        chunks = []
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            got_first.set()
        await response.aclose()
        assert chunks == [b"data: 1", b"data: 2"]

    run(handler, test)


def test_a_body_ended_by_the_upstream_closing() -> None:
    async def handler(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, ")
        await writer.drain()
        writer.write(b"ends when closed")
        await writer.drain()
        writer.close()

    async def test(pool, seen):
        status, _, content = await body_of(pool)
        assert status == 200 and content == b"no length, ends when closed"

    run(handler, test)


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\ndata: 1\r\n",        # no terminating chunk
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it",              # shorter than its length
], ids=["chunked", "content-length"])
def test_an_upstream_dying_mid_body_is_an_error_after_what_came(answer: bytes) -> None:
    async def handler(reader, writer):
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.transport.abort()

    async def test(pool, seen):
        response = await pool.send("GET", "/", [], b"")
        received = []
        with pytest.raises(UpstreamError, match="closed the connection"):
            async for chunk in response.aiter_raw():
                received.append(chunk)
        await response.aclose()
        assert received and b"".join(received) in answer
        assert pool._open == 0  # the broken connection is not kept

    run(handler, test)


def test_a_reader_that_leaves_closes_the_upstream_connection() -> None:
    closed = asyncio.Event()

    async def handler(reader, writer):
        await read_request(reader)
        writer.write(CHUNKED)
        while True:
            writer.write(b"7\r\ndata: x\r\n")
            await writer.drain()
            if await reader.read(1) == b"":  # EOF: the proxy closed its side
                closed.set()
                return

    async def test(pool, seen):
        response = await pool.send("GET", "/", [], b"")
        async for _ in response.aiter_raw():
            break
        await response.aclose()
        await asyncio.wait_for(closed.wait(), 5)
        assert pool._open == 0

    run(handler, test)


def test_large_bodies_each_way_and_a_slow_reader() -> None:
    big = bytes(range(256)) * (6 * 1024 * 16)  # 6 MiB

    async def handler(reader, writer):
        _, _, body = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for start in range(0, len(body), 65536):
            writer.write(body[start:start + 65536])
            await writer.drain()

    async def test(pool, seen):
        response = await pool.send("PUT", "/big", [], big)
        received = bytearray()
        async for chunk in response.aiter_raw():
            received += chunk
            assert response._answer.buffered <= HIGH_WATER + 256 * 1024  # paused, not buffering all of it
            await asyncio.sleep(0)
        await response.aclose()
        assert bytes(received) == big

    run(handler, test)


def test_the_pool_is_bounded_and_a_request_waits_for_a_free_connection() -> None:
    release = asyncio.Event()

    async def handler(reader, writer):
        while True:
            await read_request(reader)
            await release.wait()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async def test(pool, seen):
        requests = [asyncio.ensure_future(body_of(pool)) for _ in range(3)]
        while seen["connections"] < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # a third connection, were the pool unbounded, would be accepted by now
        assert seen["connections"] == 2 and not any(r.done() for r in requests)
        release.set()
        assert [r[2] for r in await asyncio.gather(*requests)] == [b"ok"] * 3
        assert seen["most_open"] == 2

    run(handler, test, limit=2)


def test_a_kept_alive_connection_the_upstream_closed_is_retried_on_a_new_one() -> None:
    """The upstream answers once, then drops the connection when the next request comes on it (an idle timeout
    that raced the request): the request goes again on a new connection."""
    connections = []

    async def handler(reader, writer):
        connections.append(writer)
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        if len(connections) == 1:
            await read_request(reader)
            writer.transport.abort()

    async def test(pool, seen):
        assert (await body_of(pool))[2] == b"ok"
        assert (await body_of(pool))[2] == b"ok"
        assert seen["connections"] == 2

    run(handler, test)


def test_unreachable_silent_and_garbled_upstreams_are_errors() -> None:
    async def handler(reader, writer):
        line, _, _ = await read_request(reader)
        if b"/garbled" in line:
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")
            await writer.drain()
        await asyncio.sleep(5)  # /silent: never answers

    async def test(pool, seen):
        with pytest.raises(UpstreamError, match="no answer within 0.2 s"):
            await pool.send("GET", "/silent", [], b"")
        with pytest.raises(UpstreamError, match="not valid HTTP"):
            await pool.send("GET", "/garbled", [], b"")
        with pytest.raises(UpstreamError, match="cannot connect"):
            await Pool(f"http://127.0.0.1:{free_port()}", 10, read_timeout=5).send("GET", "/", [], b"")

    run(handler, test, read_timeout=0.2)


def test_head_answers_have_no_body_and_interim_answers_are_skipped() -> None:
    async def handler(reader, writer):
        while True:
            line, _, _ = await read_request(reader)
            if line.startswith(b"HEAD"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")

    async def test(pool, seen):
        assert await body_of(pool, "HEAD") == (200, {"content-length": "10"}, b"")
        assert await body_of(pool, "POST", body=b"x") == (201, {"content-length": "4"}, b"done")

    run(handler, test)
