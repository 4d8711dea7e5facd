"""The QA console at `/_wfmock/`: a page (plain HTML, CSS and JavaScript shipped in `console/static`) over the
admin API, plus what only a browser needs: a live journal feed (SSE) and the runs of each API.

With `--admin-token`, the page asks for the token once, keeps it in the tab's sessionStorage and sends it as
`Authorization: Bearer …`; the SSE feed takes it as `?token=` (a browser's EventSource cannot send headers).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from wfmock.docs import base_url, static_file
from wfmock.store import StoreUnavailable

if TYPE_CHECKING:
    from wfmock.pipeline import Pipeline

PREFIX = "/_wfmock"
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".js": "text/javascript; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml"}
BACKLOG = 200          # journal entries a new feed starts with
FEED_QUEUE = 1_000     # entries a slow feed may fall behind before it skips
KEEP_ALIVE = 15.0      # seconds between SSE comments on a quiet feed
RUNS_SHOWN = 50


def authorized(request: Request, token: str | None) -> bool:
    """No token configured, or the request offers it: as a Bearer header or (for EventSource) `?token=`."""
    if token is None:
        return True
    offered = request.headers.get("authorization", "").partition(" ")[2].strip() or request.query_params.get(
        "token", "")
    return hmac.compare_digest(offered.encode(), token.encode())


def _unauthorized() -> JSONResponse:
    return JSONResponse({"code": "unauthorized", "message": "the console needs the admin token", "status": 401},
                        status_code=401)


def console_routes(pipeline: "Pipeline", token: str | None = None) -> list[Route]:
    journal = pipeline.journal
    apis = {api.name: api for api in pipeline.apis}

    async def page(request: Request) -> Response:
        return FileResponse(static_file("console.html"), media_type=STATIC_TYPES[".html"])

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        path = static_file(name)
        suffix = "." + name.rpartition(".")[2]
        if "/" in name or "\\" in name or name.startswith(".") or suffix not in STATIC_TYPES or not path.is_file():
            return JSONResponse({"code": "not_found", "message": f"no such file: {name}", "status": 404},
                                status_code=404)
        return FileResponse(path, media_type=STATIC_TYPES[suffix])

    async def events(request: Request) -> Response:
        if not authorized(request, token):
            return _unauthorized()
        try:
            after = int(request.query_params.get("after", "0"))
        except ValueError:
            after = 0
        return StreamingResponse(_feed(journal, after), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def runs(request: Request) -> Response:
        if not authorized(request, token):
            return _unauthorized()
        now, base = pipeline.session.clock.now(), base_url(request)
        try:  # the runs of every process sharing the store, read from it
            return JSONResponse({name: await api.recent_runs(now, base, RUNS_SHOWN) for name, api in apis.items()})
        except StoreUnavailable as error:
            return JSONResponse({"code": "service_unavailable", "message": error.message, "status": 503},
                                status_code=503, headers=error.headers)

    return [
        Route(PREFIX + "/", page, methods=["GET"]),
        Route(PREFIX + "/static/{name}", static, methods=["GET"]),
        Route(PREFIX + "/events", events, methods=["GET"]),
        Route(PREFIX + "/runs", runs, methods=["GET"]),
    ]


async def _feed(journal: Any, after: int) -> AsyncIterator[bytes]:
    """The journal as SSE: the recent entries after `after`, then each new one as it is recorded."""
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=FEED_QUEUE)

    def listen(entry: dict[str, Any] | None) -> None:
        try:
            queue.put_nowait(entry)
        except asyncio.QueueFull:  # a stalled reader skips entries rather than hold memory
            pass

    journal.listeners.append(listen)
    try:
        yield b"retry: 2000\n\n"
        for entry in list(journal.entries)[-BACKLOG:]:
            if entry["seq"] > after:
                yield _event("request", entry)
        while True:
            try:
                entry = await asyncio.wait_for(queue.get(), timeout=KEEP_ALIVE)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            yield _event("request", entry) if entry is not None else b"event: cleared\ndata: {}\n\n"
    finally:
        journal.listeners.remove(listen)


def _event(name: str, data: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
