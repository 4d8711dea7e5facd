"""The same-run baselines for `bench.py`: bare Starlette endpoints (static JSON, and an SSE stream that
sends one event per second) under the same uvicorn settings as `wfmock serve` (httptools, uvloop)."""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

CREATED = {"id": "wf_0123456789ab", "status": "RUNNING", "createdAt": "2026-01-01T00:00:00Z",
           "progressUrl": "http://127.0.0.1/console/workflows/wf_0123456789ab"}


async def create(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(CREATED)


async def read(request: Request) -> JSONResponse:
    return JSONResponse({**CREATED, "id": request.path_params["id"]})


async def stream(request: Request) -> StreamingResponse:
    seconds = int(request.query_params.get("seconds", "60"))

    async def events():  # type: ignore[no-untyped-def]
        for _ in range(seconds):
            await asyncio.sleep(1)
            yield b"event: ping\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


app = Starlette(routes=[Route("/v2/workflows", create, methods=["POST"]), Route("/v2/workflows/{id}", read),
                        Route("/stream", stream)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http="httptools", loop="uvloop",
                log_level="warning", access_log=False)
