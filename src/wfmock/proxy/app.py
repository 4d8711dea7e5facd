"""The proxy as an ASGI app: forwards each request unchanged, streams the answer back as it arrives, then hands
the recorded exchange to the judge (`backlog.py`: on the same loop, in its quiet moments, off the forwarding path).

`--report-header` and `--fail-on-violation` need the verdict before the answer's head: then a JSON answer is read
whole and judged first. A stream is judged first only under `--fail-on-violation` (a CI run that would rather have
a 502 than the pacing); under `--report-header` alone it streams, and its findings go to the report.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from wfmock.journal import mask_key
from wfmock.proxy.backlog import Backlog, arrivals
from wfmock.proxy.checks import Judge, Verdict
from wfmock.proxy.exchange import MAX_KEPT_BYTES, Recorded
from wfmock.proxy.upstream import Pool, Response, UpstreamError
from wfmock.proxy.violations import Violations

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "host", "content-length"})
RELAYED_HOP_BY_HOP = HOP_BY_HOP - {"content-length"}  # an answer keeps its length: its body is relayed unchanged
MAX_REQUEST_BYTES = 100 * 1024 * 1024
REPORT_HEADER = "x-wfmock-violations"
MAX_HEADER_CHARS = 4000
VIOLATIONS_PATH = "/_wfmock/violations"
log = logging.getLogger("wfmock.proxy")


@dataclass(frozen=True)
class ProxyOptions:
    upstream: str
    report_header: bool = False
    fail_on_violation: bool = False
    timeout: float = 300.0
    max_connections: int = 2000


class ProxyApp:
    def __init__(self, options: ProxyOptions, judge: Judge, violations: Violations,
                 observers: tuple[Callable[[Recorded, Verdict], None], ...] = ()) -> None:
        self.options = options
        self.upstream = options.upstream.rstrip("/")
        self.judge = judge
        self.violations = violations
        self.observers = observers  # e.g. the recorder: every judged exchange, in the order they finished
        self._pool: Pool | None = None
        self.backlog = Backlog(judge, self._settle, self._not_judged)

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Nothing to start: the backlog is judged on the serving loop (kept for callers that start and stop)."""

    def drain(self) -> None:
        """Judges everything still queued (at exit, and in tests before reading the report)."""
        self.backlog.drain()

    def stop(self) -> None:
        self.backlog.drain()

    def pool(self) -> Pool:
        """The upstream's connections (made on first use: a TLS upstream's CA bundle is loaded once, here)."""
        if self._pool is None:
            tls = httpx.create_ssl_context() if self.upstream.startswith("https:") else None
            self._pool = Pool(self.upstream, self.options.max_connections, read_timeout=self.options.timeout,
                              connect_timeout=10.0, tls=tls)
        return self._pool

    def _not_judged(self) -> None:
        self.violations.not_judged += 1

    def _settle(self, exchange: Recorded, verdict: Verdict) -> None:
        self.violations.add(verdict)
        for finding in verdict.findings:
            log.warning("VIOLATION [%s] %s: %s (key %s)", finding.check, finding.operation,
                        finding.message.splitlines()[0][:300], mask_key(_credential(exchange)))
        for observer in self.observers:
            observer(exchange, verdict)

    # -- ASGI ----------------------------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == VIOLATIONS_PATH and scope["method"] == "GET":
            await self.drain_soon()
            await _send_json(send, 200, self.violations.as_json())
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_REQUEST_BYTES:
                api = self.judge.router.match(scope["method"], scope["path"])[0]
                await _send_json(send, 413, proxy_error(api, 413, f"the proxy forwards request bodies up to "
                                                                  f"{MAX_REQUEST_BYTES >> 20} MiB"))
                return
            if not message.get("more_body"):
                break
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        exchange = Recorded(method=scope["method"], path=raw_path.split("?", 1)[0], query=query, headers=headers,
                            body=bytes(body), upstream=self.upstream, started=time.monotonic())
        self.judge.arrived(exchange)
        forward = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        target = self.pool().base_path + exchange.path + (f"?{query}" if query else "")
        relay = asyncio.ensure_future(self._relay(exchange, target, forward, send))
        watch = asyncio.ensure_future(_disconnected(receive))
        try:
            done, _ = await asyncio.wait({relay, watch}, return_when=asyncio.FIRST_COMPLETED)
            if relay not in done:
                exchange.error = "the client disconnected before the answer ended (the upstream stream was closed)"
        finally:
            for task in (relay, watch):
                if not task.done():
                    task.cancel()
            await asyncio.gather(relay, watch, return_exceptions=True)
        if relay in done and relay.exception() is not None:
            raise relay.exception()

    async def drain_soon(self) -> None:
        """Before answering the report: what finished before this request is judged (bounded wait)."""
        deadline = time.monotonic() + 5.0
        while self.backlog.unfinished and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def _relay(self, exchange: Recorded, target: str, headers: list[tuple[str, str]], send: Any) -> None:
        hold = False
        marks: list[tuple[int, float]] = []
        try:
            response = await self.pool().send(exchange.method, target, headers, exchange.body)
        except UpstreamError as error:
            exchange.error = str(error)
            exchange.finished = time.monotonic()
            self.backlog.add(exchange)
            api = self.judge.router.match(exchange.method, exchange.path)[0]
            await _send_json(send, 502, proxy_error(api, 502, f"the upstream {self.upstream} did not answer: "
                                                              f"{error}"))
            return
        kept = bytearray()
        try:
            exchange.answered = time.monotonic()
            exchange.status = response.status_code
            head = [(k, v) for k, v in response.headers if k.lower() not in RELAYED_HOP_BY_HOP]
            exchange.response_headers = {k.lower(): v for k, v in head}
            hold = self.options.fail_on_violation or (self.options.report_header and not exchange.is_stream)
            if hold:
                await self._read_whole(exchange, response)
                verdict = await asyncio.to_thread(self.judge.judge, exchange)
                self._settle(exchange, verdict)
                await self._answer_judged(exchange, verdict, head, send)
                return
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in head]})
            stream = exchange.is_stream
            async for chunk in response.aiter_raw():
                if len(kept) + len(chunk) <= MAX_KEPT_BYTES:
                    kept += chunk
                    if stream:  # the events are read when judged; the relay only notes when each chunk came
                        marks.append((len(kept), time.monotonic()))
                else:
                    exchange.truncated = True
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            exchange.finished = time.monotonic()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except UpstreamError as error:
            exchange.error = f"the upstream broke off: {error}"
            exchange.finished = time.monotonic()
            if hold:  # nothing was sent yet: the client gets the proxy's own answer, and the exchange is judged
                hold = False
                api = self.judge.router.match(exchange.method, exchange.path)[0]
                await _send_json(send, 502, proxy_error(api, 502, f"the upstream {self.upstream} broke off: "
                                                                  f"{error}"))
        finally:
            await response.aclose()
            if not hold:
                exchange.content = bytes(kept)
                self.backlog.add(exchange, marks)

    async def _read_whole(self, exchange: Recorded, response: Response) -> None:
        marks: list[tuple[int, float]] = []
        kept = bytearray()
        async for chunk in response.aiter_raw():
            if len(kept) + len(chunk) > MAX_KEPT_BYTES:
                exchange.truncated = True  # still forwarded whole: held answers are bounded by the upstream's own
            kept += chunk
            if not exchange.truncated:
                marks.append((len(kept), time.monotonic()))
        exchange.finished = time.monotonic()
        exchange.content = bytes(kept)
        exchange.arrivals = arrivals(exchange.content, marks) if exchange.is_stream else []

    async def _answer_judged(self, exchange: Recorded, verdict: Verdict, head: list[tuple[str, str]],
                             send: Any) -> None:
        if verdict.findings and self.options.fail_on_violation:
            await _send_json(send, 502, failure_body(verdict))
            return
        head = [(k, v) for k, v in head if k.lower() != "content-length"]
        head.append(("content-length", str(len(exchange.content))))
        if self.options.report_header:
            head.append((REPORT_HEADER, header_value(verdict)))
        await send({"type": "http.response.start", "status": exchange.status,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in head]})
        await send({"type": "http.response.body", "body": exchange.content, "more_body": False})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                self.pool()  # before the first request, not during it
                # the contracts, compiled schemas and modules live as long as the proxy: out of the collector's
                # sight, a full collection (a pause of every stream) no longer walks them all
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    await self._pool.aclose()
                    self._pool = None
                self.drain()  # the loop is ending: what is left is judged now
                await send({"type": "lifespan.shutdown.complete"})
                return


def header_value(verdict: Verdict) -> str:
    """`0`, or `N; [check] message; …` on one line, ASCII, bounded."""
    if not verdict.findings:
        return "0"
    parts = [f"[{f.check}] {f.message.splitlines()[0]}" for f in verdict.findings]
    text = f"{len(verdict.findings)}; " + "; ".join(parts)
    text = text.encode("ascii", "backslashreplace").decode("ascii").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= MAX_HEADER_CHARS else text[:MAX_HEADER_CHARS - 3] + "..."


def failure_body(verdict: Verdict) -> dict[str, Any]:
    """The 502 under --fail-on-violation, in the API's own envelope, with the findings beside it."""
    message = f"the upstream's answer breaks the contract ({len(verdict.findings)} violation(s)); see `violations`"
    body = proxy_error(verdict.api, 502, message, "contract_violation")
    body["violations"] = [{"check": f.check, "operation": f.operation, "message": f.message} for f in verdict.findings]
    return body


def proxy_error(api: str | None, status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """An answer of the proxy's own, in the envelope of the API the request was for (the default API's when
    unknown)."""
    from wfmock.apis import registry

    code = code or {413: "payload_too_large", 502: "bad_gateway"}.get(status, "proxy_error")
    unit = registry.get(api) if api in registry.names() else registry.units()[0]
    return unit.error_body(status, code, message)


def _credential(exchange: Recorded) -> str | None:
    value = exchange.header("authorization") or exchange.header("x-api-key")
    return value.split(" ", 1)[-1] if value else None


async def _disconnected(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data, "more_body": False})
