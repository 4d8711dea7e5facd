"""Calls the wfmock ASGI app in-process (httpx `ASGITransport`), synchronously, for hardening tests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from wfmock.app import Config, build_app
from wfmock.pipeline import Pipeline


def app(**options: Any) -> Pipeline:
    """An instant, unseeded-rate-limit app built from `Config(**options)`."""
    options.setdefault("pace", 0.0)
    options.setdefault("run_duration", 0.0)
    options.setdefault("rate_limits", False)
    return build_app(Config(**options))


def call(pipeline: Pipeline, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request through the app; the whole response is read."""
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=pipeline)
        async with httpx.AsyncClient(transport=transport, base_url="http://wfmock.test", timeout=30) as client:
            response = await client.request(method, path, **kwargs)
            await response.aread()
            return response

    return asyncio.run(go())


def is_imprun_envelope(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"error", "message", "code"}


def is_miso_envelope(body: Any) -> bool:
    return isinstance(body, dict) and set(body) >= {"code", "message", "status"} and isinstance(body["status"], int)


class Exchange:
    """One request driven by hand through the ASGI app, so a test can watch a stream and leave mid-way."""

    def __init__(self, pipeline: Pipeline, method: str, path: str, *, headers: dict[str, str] | None = None,
                 json_body: Any = None) -> None:
        import orjson

        self.pipeline = pipeline
        self.body = orjson.dumps(json_body) if json_body is not None else b""
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        if json_body is not None:
            raw_headers.append((b"content-type", b"application/json"))
        self.scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
                      "headers": raw_headers, "scheme": "http", "server": ("wfmock.test", 80), "client": ("t", 1),
                      "http_version": "1.1", "asgi": {"version": "3.0"}, "root_path": ""}
        self.messages: list[dict[str, Any]] = []
        self._sent_body = False
        self._gone = asyncio.Event()
        self._chunk = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.pipeline(self.scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not self._sent_body:
            self._sent_body = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self._chunk.set()

    async def wait_for(self, needle: bytes, timeout: float = 30) -> None:
        """Waits until the response body so far contains `needle`."""
        async def seen() -> None:
            while needle not in self.content:
                self._chunk.clear()
                await self._chunk.wait()
        await asyncio.wait_for(seen(), timeout)

    def disconnect(self) -> None:
        self._gone.set()

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.messages if m["type"] == "http.response.start"), None)

    @property
    def content(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")
