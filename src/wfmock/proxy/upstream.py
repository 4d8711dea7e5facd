"""The proxy's client to its upstream: HTTP/1.1 over asyncio, responses parsed by httptools (C), bodies handed on
chunk by chunk as they arrive, connections kept alive in one bounded pool.

Why not httpx on this path: each relayed SSE event went through httpx, httpcore, h11's pure-Python parser and
anyio's cancel scopes, several hundred microseconds of Python per event; here an event is one `data_received`, one
C parse and one wake-up of the relaying coroutine. It sends what it is given (method, raw target, headers, body) and
adds only `Host` and `Content-Length`; bodies may be content-length, chunked or ended by the upstream closing.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

HIGH_WATER = 256 * 1024   # body bytes buffered for a slow client before the upstream socket is paused
NO_BODY = frozenset({"HEAD"})


class UpstreamError(Exception):
    """The upstream could not be reached, did not answer in time, or broke off; the message says which."""


class _Answer(asyncio.Protocol):
    """One connection to the upstream and the response currently read from it (httptools calls `on_*`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.used = False          # has carried a request before (a kept-alive connection)
        self.lent = False          # carrying a request now: given back (or closed) exactly once
        self._begin("GET")

    def _begin(self, method: str) -> None:
        self.method = method
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.head = False          # the response head (non-1xx) is complete
        self.complete = False      # the whole response arrived
        self.received = False      # any byte of this response arrived
        self.error: str | None = None
        self.body: deque[bytes] = deque()
        self.buffered = 0
        self.paused = False
        self.delimited = False     # a content-length or chunked body (else the body ends when the upstream closes)
        self.keep_alive = False    # the upstream will take another request on this connection (read at its end)
        self.waiter: asyncio.Future[None] | None = None
        self.timed_out = False

    # -- asyncio ---------------------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("the upstream switched protocols (not relayed)")
        except httptools.HttpParserError as error:
            self._fail(f"the upstream's answer is not valid HTTP/1.1 ({error})")
        if self.buffered > HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def connection_lost(self, error: Exception | None) -> None:
        self.transport = None
        if not self.complete:
            if self.head and not self.delimited and error is None:
                self.complete = True   # a body delimited by the connection's end, ended
            else:
                self._fail(f"the upstream closed the connection ({error or 'end of stream'})")
        self._wake()

    # -- httptools -------------------------------------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            self.headers = []
            return
        self.status, self.head = status, True
        names = {name.lower() for name, _ in self.headers}
        self.delimited = b"content-length" in names or b"transfer-encoding" in names or status in (204, 304)
        if self.method in NO_BODY:
            self.complete = True

    def on_body(self, body: bytes) -> None:
        if not self.complete:
            self.body.append(body)
            self.buffered += len(body)

    def on_message_complete(self) -> None:
        if self.head:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()

    # -- the relaying side -----------------------------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        if self.error is None and not self.complete:
            self.error = message
        if self.transport is not None:
            self.transport.close()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def wait(self, timeout: float, what: str) -> None:
        """Until something arrives or the connection ends; UpstreamError (`what` did not come) after `timeout`
        seconds without a byte."""
        self.waiter = self.loop.create_future()
        timer = self.loop.call_later(timeout, self._expire)
        try:
            await self.waiter
        finally:
            timer.cancel()
            self.waiter = None
        if self.timed_out:
            self._fail(f"{what} within {timeout:g} s")
            raise UpstreamError(f"the upstream sent no {what} within {timeout:g} s")

    def _expire(self) -> None:
        self.timed_out = True
        self._wake()

    def take(self) -> bytes:
        """Everything buffered, as one piece: a relay that fell behind catches up in one write, not one per chunk."""
        chunk = self.body.popleft() if len(self.body) == 1 else b"".join(self._drain_body())
        self.buffered -= len(chunk)
        if self.paused and self.buffered <= HIGH_WATER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return chunk

    def _drain_body(self) -> list[bytes]:
        chunks = list(self.body)
        self.body.clear()
        return chunks

    @property
    def reusable(self) -> bool:
        return (self.complete and self.keep_alive and self.error is None and self.transport is not None
                and self.method not in NO_BODY and not self.transport.is_closing())

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None


class Response:
    """An upstream's answer: its head at once, its body (transfer encoding removed, content encoding kept) as it
    arrives. `aclose` gives the connection back when the body was read whole, and closes it otherwise."""

    def __init__(self, pool: Pool, answer: _Answer) -> None:
        self.pool, self._answer = pool, answer
        self.status_code = answer.status
        self.headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in answer.headers]

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        answer = self._answer
        while True:
            if answer.body:
                yield answer.take()
            elif answer.complete:
                return
            elif answer.error is not None:
                raise UpstreamError(answer.error)
            else:
                await answer.wait(self.pool.read_timeout, "more of its body")

    async def aclose(self) -> None:
        self.pool.release(self._answer)


class Pool:
    """Keep-alive connections to one upstream, at most `limit` open; a request beyond waits for one to free."""

    def __init__(self, base_url: str, limit: int, read_timeout: float, connect_timeout: float = 10.0,
                 tls: ssl.SSLContext | None = None) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url}")
        self.host = url.hostname
        self.base_path = url.path.rstrip("/")  # an upstream mounted under a path: each request's path goes after it
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.tls = (tls or ssl.create_default_context()) if url.scheme == "https" else None
        default = (url.scheme, self.port) in (("http", 80), ("https", 443))
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = (shown if default else f"{shown}:{self.port}").encode("idna")
        self.limit, self.read_timeout, self.connect_timeout = limit, read_timeout, connect_timeout
        self._idle: deque[_Answer] = deque()
        self._open = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Response:
        """Sends the request and waits for the answer's head. A kept-alive connection the upstream had closed
        (nothing came back on it) is retried once on a new one."""
        request = self._serialize(method, target, headers, body)
        for attempt in (0, 1):
            answer = await self._connection()
            reused = answer.used
            answer.used = answer.lent = True
            answer._begin(method)
            try:
                assert answer.transport is not None
                answer.transport.write(request)
                while not answer.head and answer.error is None:
                    await answer.wait(self.read_timeout, "answer")
            except BaseException:
                self.release(answer)
                raise
            if answer.head:
                return Response(self, answer)
            self.release(answer)
            if not (reused and not answer.received and attempt == 0):
                raise UpstreamError(answer.error or "the upstream closed the connection")
        raise AssertionError("unreachable")

    def release(self, answer: _Answer) -> None:
        """Back to the idle connections when it can carry another request, closed otherwise."""
        if not answer.lent:
            return
        answer.lent = False
        if answer.reusable and not answer.body:
            self._idle.append(answer)
        else:
            answer.close()
            self._open -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        """One request waiting for a connection may now have one."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def aclose(self) -> None:
        while self._idle:
            self._idle.popleft().close()
            self._open -= 1

    async def _connection(self) -> _Answer:
        while True:
            while self._idle:
                answer = self._idle.pop()  # the most recently used: the least likely to have been closed upstream
                if answer.transport is not None and not answer.transport.is_closing():
                    return answer
                self._open -= 1
            if self._open < self.limit:
                break
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # woken, then cancelled: the turn passes on
                    self._wake_one()
                raise
        self._open += 1
        loop = asyncio.get_running_loop()
        try:
            _, answer = await asyncio.wait_for(loop.create_connection(
                lambda: _Answer(loop), self.host, self.port, ssl=self.tls,
                server_hostname=self.host if self.tls else None), self.connect_timeout)
        except (OSError, asyncio.TimeoutError, ssl.SSLError) as error:
            self._open -= 1
            self._wake_one()
            reason = "timed out" if isinstance(error, asyncio.TimeoutError) else str(error)
            raise UpstreamError(f"cannot connect to {self.host}:{self.port} ({reason})") from error
        except BaseException:
            self._open -= 1
            self._wake_one()
            raise
        return answer

    def _serialize(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: " + self.host_header]
        lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body
