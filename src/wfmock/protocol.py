"""wfmock's HTTP/1.1 server connection: httptools parsing under uvicorn's `Server`, ASGI to the application.

uvicorn's own httptools protocol costs about 40 µs of CPU per request on top of the application (an
`asyncio.Event` and a keep-alive timer per request, header checks by regular expression, the head and
the body in two writes, the proxy-headers middleware); this connection answers the same ASGI contract
with less: `POST /v2/workflows` on one process went from 8,800-8,900 to 11,300-11,700 requests/s
(benchmarks/RESULTS.md).
uvicorn still binds the sockets, handles signals, keeps the `Date` header and runs the graceful shutdown
(`shutdown()` below, then waiting for connections and tasks).

What it keeps from a full server: keep-alive and its idle timeout (which also closes a connection whose
request head has not all arrived by then: no slow-header client holds a connection for ever), pipelined
requests answered in order (reading pauses past `MAX_PIPELINED`), request bodies handed over as they arrive
(reading pauses past `BODY_HIGH_WATER` bytes not yet read), `Expect: 100-continue`, `http.disconnect` when the client leaves,
write flow control for slow readers, a plain 500 if the application fails before answering. One response
is framed by `exchange.Exchange`.

Protocol errors below the application (bad request line, over-long URL or headers, unknown method) are
answered in the envelope of the API the path belongs to, then the connection closes: a URL over
`Limits.url_bytes` (414) and headers over `Limits.header_bytes` or `Limits.header_count` (431) are refused
as they arrive, never buffered whole.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections import deque
from typing import Any

import httptools
import orjson

from wfmock import errors
from wfmock.apis import registry
from wfmock.exchange import Exchange, closing_response
from wfmock.limits import Limits
from wfmock.pipeline.connection import TRANSPORT_EXTENSION

ADMIN_PREFIX = "/_wfmock"
BAD_REQUEST = "The request is not valid HTTP/1.1 (request line, method, header or path bytes)."
ASGI = {"version": "3.0", "spec_version": "2.3"}
MAX_PIPELINED = 16                 # requests parsed ahead of the one being answered
BODY_HIGH_WATER = 256 * 1024       # request body bytes received and not yet read by the application


def protocol_error(path: str, status: int, message: str) -> bytes:
    """The error body in the envelope of the API that serves `path` (the default API's for anything unknown)."""
    if path.startswith(ADMIN_PREFIX):
        return orjson.dumps({"code": "invalid_request", "message": message, "status": status})
    unit = registry.owner_of(path)
    assert unit is not None  # every path has an owner: the default API's when no prefix claims it
    return orjson.dumps(unit.error_body(status, unit.generic_code(errors.INVALID_REQUEST), message))


class _Refused(Exception):
    """Raised from a parser callback to stop reading a request past a limit."""


class HttpConnection(asyncio.Protocol):
    """One client connection (see the module docstring); uvicorn's `Server` makes one per accepted socket."""

    limits: Limits = Limits()

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        if not config.loaded:
            config.load()
        self.app = config.loaded_app
        self.server_state = server_state
        self.root_path: str = config.root_path
        self.keep_alive_timeout: float = config.timeout_keep_alive
        self.loop = _loop or asyncio.get_event_loop()
        self.parser = httptools.HttpRequestParser(self)
        try:  # answer the first of several pipelined requests even when the client closes right after
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        except AttributeError:  # pragma: no cover - httptools < 0.6.3
            pass
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.server: tuple[str, int] | None = None
        self.client: tuple[str, int] | None = None
        self.current: Exchange | None = None                 # being answered
        self.waiting: deque[Exchange] = deque()              # parsed, answered after it (pipelining)
        self.parsing: Exchange | None = None                 # the request whose body is arriving
        self.idle: asyncio.TimerHandle | None = None
        self.idle_since: float | None = None                 # when the connection last became idle (None: busy)
        self.write_paused = False
        self._writable: asyncio.Future[None] | None = None
        self.read_paused = False
        self.buffered = 0                                    # body bytes received, not yet read by the app
        self.closing = False
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.header_bytes = 0
        self.expect_continue = False
        self.refusal: tuple[int, str] | None = None

    # -- connection ----------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server_state.connections.add(self)
        self.server = _address(transport.get_extra_info("sockname"))
        self.client = _address(transport.get_extra_info("peername"))
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self._cancel_idle()
        for exchange in (self.current, self.parsing, *self.waiting):
            if exchange is not None:
                exchange.connection_lost()
        self.waiting.clear()
        self.write_paused = False
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def eof_received(self) -> None:
        return None  # the transport closes: a half-closed client gets no answer (as under uvicorn)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # no upgrades here: answer the request, then close
            exchange = self.parsing or (self.waiting[-1] if self.waiting else self.current)
            if exchange is not None:
                exchange.keep_alive = False
                if not exchange.complete:
                    exchange.body_complete()
            self._pause_reading()
        except httptools.HttpParserError as error:
            self._refuse(data, error)

    def shutdown(self) -> None:
        """The server is stopping: close now if idle, else after the response in progress."""
        self.closing = True
        if self.current is None:
            self.transport.close()
        else:
            self.current.keep_alive = False

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    # -- parser callbacks ------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.header_bytes = 0
        self.expect_continue = False
        self.refusal = None

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.limits.url_bytes:
            self.url += url[: max(0, self.limits.url_bytes - len(self.url))]  # enough to pick the envelope
            self.refusal = (414, f"The request target is longer than {self.limits.url_bytes} bytes.")
            raise _Refused()
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value) + 4
        if self.header_bytes > self.limits.header_bytes or len(self.headers) >= self.limits.header_count:
            self.refusal = (431, f"Request headers exceed {self.limits.header_bytes} bytes or "
                                 f"{self.limits.header_count} fields.")
            raise _Refused()
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        parsed = httptools.parse_url(self.url)
        raw_path = parsed.path
        try:
            path = raw_path.decode("ascii")
        except UnicodeDecodeError:
            self.refusal = (400, BAD_REQUEST)
            raise _Refused() from None
        if "%" in path:
            path = urllib.parse.unquote(path)
        scope = {
            "type": "http", "asgi": ASGI, "http_version": parser.get_http_version(), "server": self.server,
            "client": self.client, "scheme": "http", "method": parser.get_method().decode("ascii"),
            "root_path": self.root_path, "path": self.root_path + path, "raw_path": raw_path,
            "query_string": parsed.query or b"", "headers": self.headers,
            "extensions": {TRANSPORT_EXTENSION: self.transport},
        }
        exchange = Exchange(self, scope, parser.should_keep_alive(), self.expect_continue)
        self.parsing = exchange
        self.idle_since = None  # busy from a whole head on: a head trickling in byte by byte stays on the clock
        if self.current is None:
            self._answer(exchange)
        else:
            self.waiting.append(exchange)
            if len(self.waiting) >= MAX_PIPELINED:
                self._pause_reading()

    def on_body(self, body: bytes) -> None:
        exchange = self.parsing
        if exchange is None or exchange.finished:
            return  # answered already (e.g. 413): the rest of its body is dropped as it comes
        exchange.body_received(body)
        self.buffered += len(body)
        if self.buffered > BODY_HIGH_WATER:
            self._pause_reading()

    def on_message_complete(self) -> None:
        if self.parsing is not None:
            self.parsing.body_complete()
            self.parsing = None

    # -- from an exchange ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)

    async def drained(self) -> None:
        """Returns once the transport takes writes again (or the connection is gone)."""
        if self._writable is None or self._writable.done():
            self._writable = self.loop.create_future()
        await self._writable

    def default_headers(self) -> list[tuple[bytes, bytes]]:
        return self.server_state.default_headers  # type: ignore[no-any-return]  # the Date header, kept by uvicorn

    def body_taken(self, size: int) -> None:
        self.buffered = max(0, self.buffered - size)
        if self.buffered <= BODY_HIGH_WATER and len(self.waiting) < MAX_PIPELINED:
            self._resume_reading()

    def body_wanted(self) -> None:
        if len(self.waiting) < MAX_PIPELINED:
            self._resume_reading()  # a `receive` waits: for more body, or to notice the client leave

    def response_complete(self, exchange: Exchange, clean: bool) -> None:
        """The next pipelined request, else the idle timeout; the connection closes when the response said so
        (`connection: close`, also sent when the request body had not all arrived) or when its framing went
        wrong (`clean` false)."""
        if exchange is not self.current:
            return
        self.current = None
        if not (clean and exchange.keep_alive) or self.closing:
            self.transport.close()
            return
        if self.waiting:
            self._answer(self.waiting.popleft())
        else:
            self._arm_idle()
        if len(self.waiting) < MAX_PIPELINED and self.buffered <= BODY_HIGH_WATER:
            self._resume_reading()

    # -- helpers -----------------------------------------------------------------------------------------

    def _answer(self, exchange: Exchange) -> None:
        self.current = exchange
        task = self.loop.create_task(exchange.run(self.app))
        tasks = self.server_state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _arm_idle(self) -> None:
        """Marks the connection idle from now; its one timer closes it `keep_alive_timeout` later unless it got
        busy meanwhile (a timer per connection, checked when due, rather than one set and cancelled per request)."""
        self.idle_since = self.loop.time()
        if self.idle is None:
            self.idle = self.loop.call_later(self.keep_alive_timeout, self._idle_timeout)

    def _cancel_idle(self) -> None:
        self.idle_since = None
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None

    def _idle_timeout(self) -> None:
        self.idle = None
        if self.idle_since is None or self.current is not None or self.waiting:
            return  # busy: the next answer marks it idle again and sets the timer
        left = self.idle_since + self.keep_alive_timeout - self.loop.time()
        if left > 0:
            self.idle = self.loop.call_later(left, self._idle_timeout)
        else:
            self.transport.close()

    def _pause_reading(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()

    def _refuse(self, data: bytes, error: Exception) -> None:
        """A request that is not HTTP/1.1 or breaks a limit: its error in the path's API envelope, then close."""
        line = data.split(b"\r\n", 1)[0].split(b" ")
        if not self.url:  # refused before the URL was parsed: read it off the request line
            self.url = line[1][: self.limits.url_bytes] if len(line) > 1 else b""
        if self.refusal is None:
            looks_like_method = bool(line[0]) and line[0].isalpha() and line[0].isupper() and len(line[0]) <= 20
            unknown_method = "method" in str(error).lower() and looks_like_method
            self.refusal = (400, "Unknown request method.") if unknown_method else (400, BAD_REQUEST)
        status, message = self.refusal
        target = bytes(self.url).split(b"?", 1)[0].decode("latin-1")
        body = protocol_error(target, status, message)
        if not self.transport.is_closing():
            self.transport.write(closing_response(status, b"application/json", body, self.default_headers()))
            self.transport.close()


def _address(info: Any) -> tuple[str, int] | None:
    """(host, port) of a socket name (IPv6 names carry two more fields)."""
    if isinstance(info, (tuple, list)) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None


def with_limits(limits: Limits) -> Any:
    """The connection class for a server with these limits."""
    return type("LimitedHttpConnection", (HttpConnection,), {"limits": limits})
