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
