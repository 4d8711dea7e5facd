"""One HTTP/1.1 request and its response, as the ASGI application sees them (`receive`, `send`).

The response is framed here: a complete answer (a `Content-Length` and its whole body in the first body
message, the common case) leaves in one write, status line, headers and body together; a stream without a
length is sent chunked (HTTP/1.0: until the connection closes). The head waits for the first body message
at most until the end of the current loop step (unless the start says `BODY_FOLLOWS`), so a stream whose
first frame comes later still shows its headers at once. Header names and values with CR, LF or NUL are
refused (no response splitting).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from wfmock.types import Message, Scope

if TYPE_CHECKING:
    from wfmock.protocol import HttpConnection

logger = logging.getLogger("wfmock")

STATUS_LINES = {status.value: b"HTTP/1.1 %d %s\r\n" % (status.value, status.phrase.encode("ascii"))
                for status in HTTPStatus}
_UNSAFE = re.compile(rb"[\x00\r\n]")
NO_BODY_STATUSES = frozenset({204, 304})
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# set on a response start by an app that sends its first body message right after it, without awaiting
# anything else (a complete reply): no end-of-step flush of the head is needed then; other servers ignore it
BODY_FOLLOWS = "wfmock.body_follows"


def closing_response(status: int, media_type: bytes, body: bytes,
                     headers: Iterable[tuple[bytes, bytes]] = ()) -> bytes:
    """A whole response that ends its connection (`connection: close`): for answers below the application."""
    parts = [STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status]
    for name, value in headers:
        parts += [name, b": ", value, b"\r\n"]
    parts.append(b"content-type: %b\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%b"
                 % (media_type, len(body), body))
    return b"".join(parts)


class Exchange:
    """One request's ASGI `receive` and `send` over its connection (see the module docstring)."""

    __slots__ = ("connection", "scope", "keep_alive", "chunks", "complete", "expect_continue", "started",
                 "finished", "disconnected", "chunked", "remaining", "head", "head_flush", "woken", "is_head",
                 "request_read")

    def __init__(self, connection: HttpConnection, scope: Scope, keep_alive: bool, expect_continue: bool) -> None:
        self.connection = connection
        self.scope = scope
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.is_head = scope["method"] == "HEAD"
        self.chunks: list[bytes] = []        # request body received and not yet given to the app
        self.complete = False                # the whole request body has been received
        self.request_read = False            # ... and given to the app
        self.started = False                 # the app sent its response start
        self.finished = False                # the response is complete (or can never be)
        self.disconnected = False
        self.chunked = False
        self.remaining = -1                  # body bytes still owed under Content-Length (-1: no length)
        self.head = b""                      # the response head, held until the first body bytes
        self.head_flush: asyncio.Handle | None = None
        self.woken: asyncio.Future[None] | None = None  # a `receive` waiting for body bytes or the end

    # -- from the connection -----------------------------------------------------------------------

    def body_received(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self._wake()

    def body_complete(self) -> None:
        self.complete = True
        self._wake()

    def connection_lost(self) -> None:
        self.disconnected = True
        self._wake()

    def _wake(self) -> None:
        if self.woken is not None and not self.woken.done():
            self.woken.set_result(None)

    # -- ASGI ----------------------------------------------------------------------------------------

    async def receive(self) -> Message:
        """The request body in the order it came (the last message with `more_body` false), then, once all of
        it was read, waits for the client to leave: `http.disconnect` (also after the response is complete)."""
        if self.expect_continue and not self.started and not self.disconnected:
            self.expect_continue = False
            self.connection.write(CONTINUE)
        if not self.request_read:
            while not self.chunks and not self.complete and not self.disconnected:
                await self._wait()
            if not self.disconnected:
                body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
                self.chunks = []
                self.connection.body_taken(len(body))
                self.request_read = self.complete
                return {"type": "http.request", "body": body, "more_body": not self.complete}
        while not self.disconnected and not self.finished:
            await self._wait()
        return {"type": "http.disconnect"}

    async def _wait(self) -> None:
        """Until body bytes, the body's end, the response's end or the client's leaving (one shared waiter)."""
        waiter = self.woken
        if waiter is None or waiter.done():
            waiter = self.woken = self.connection.loop.create_future()
        self.connection.body_wanted()
        await waiter

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("the response was already started")
            self._start(message)
            return
        if kind != "http.response.body":
            raise RuntimeError(f"unexpected ASGI message {kind!r}")
        if not self.started or self.finished:
            if self.disconnected:
                return
            raise RuntimeError("a response body before its start, or after its end")
        connection = self.connection
        if connection.write_paused and not self.disconnected:
            await connection.drained()
        if self.disconnected:
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        data = self._frame(body, more)
        if self.head:
            data, self.head = self.head + data, b""
            if self.head_flush is not None:
                self.head_flush.cancel()
                self.head_flush = None
        if data:
            connection.write(data)
        if not more:
            self.finished = True
            self._wake()
            connection.response_complete(self, clean=self.remaining <= 0)

    def _start(self, message: Message) -> None:
        status = int(message["status"])
        parts = [STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status]
        length_given = False
        close = not self.keep_alive or not self.complete  # an answer before the whole body (413, 429): the
        # client is told to close, and the rest of the body is dropped as it comes, never read on and on
        headers = message.get("headers", ())
        if headers and _UNSAFE.search(b"\x01".join(part for header in headers for part in header)):
            raise RuntimeError("a response header contains CR, LF or NUL")
        for name, value in (*self.connection.default_headers(), *headers):  # names lower-case, as ASGI asks
            if name == b"content-length":
                length_given = True
                self.remaining = int(value)
            elif name == b"connection" and b"close" in value.lower():
                close = True
            elif name == b"transfer-encoding":
                continue  # the framing is this server's to choose
            parts += [name, b": ", value, b"\r\n"]
        no_body = self.is_head or status in NO_BODY_STATUSES
        if no_body:
            self.remaining = 0
        elif not length_given:
            if self.scope["http_version"] == "1.1":
                self.chunked = True
                parts.append(b"transfer-encoding: chunked\r\n")
            else:
                close = True  # an HTTP/1.0 client reads to the end of the connection
        if close:
            self.keep_alive = False
            parts.append(b"connection: close\r\n")
        parts.append(b"\r\n")
        self.started = True
        self.expect_continue = False
        self.head = b"".join(parts)
        if not message.get(BODY_FOLLOWS):  # a stream's first frame may be seconds away: its head goes this step
            self.head_flush = self.connection.loop.call_soon(self._flush_head)

    def _frame(self, body: bytes, more: bool) -> bytes:
        if self.is_head or self.remaining == 0 and not self.chunked:
            return b""
        if self.chunked:
            framed = b"%x\r\n%b\r\n" % (len(body), body) if body else b""
            return framed if more else framed + b"0\r\n\r\n"
        if self.remaining > 0:
            body = body[: self.remaining]
            self.remaining -= len(body)
        return body

    def _flush_head(self) -> None:
        self.head_flush = None
        if self.head and not self.disconnected:
            head, self.head = self.head, b""
            self.connection.write(head)

    # -- the application's run -------------------------------------------------------------------

    async def run(self, app: Callable[..., Any]) -> None:
        try:
            await app(self.scope, self.receive, self.send)
        except BaseException as error:  # noqa: BLE001 - any failure of the app ends this exchange cleanly
            if not isinstance(error, Exception):
                self._abandon()
                raise
            logger.exception("unexpected error in the application while serving %s %s",
                             self.scope.get("method"), self.scope.get("path"))
            self._fail()
            return
        if not self.finished and not self.disconnected:
            logger.error("the application returned without completing its response")
            self._fail()

    def _fail(self) -> None:
        """A plain 500 when nothing was sent yet; else the connection closes (its framing cannot be trusted)."""
        if self.started or self.disconnected:
            self._abandon()
            return
        self.started = self.finished = True
        self.keep_alive = False
        self.connection.write(closing_response(500, b"text/plain; charset=utf-8", b"Internal Server Error"))
        self.connection.response_complete(self, clean=False)

    def _abandon(self) -> None:
        if self.head_flush is not None:
            self.head_flush.cancel()
            self._flush_head()
        self.finished = True
        self.keep_alive = False
        self._wake()
        self.connection.response_complete(self, clean=False)
