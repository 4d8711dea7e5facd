"""The same-run baseline for `throughput.py`: a bare Starlette JSON endpoint under the same uvicorn settings."""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def workflow(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["id"], "status": "RUNNING"})


app = Starlette(routes=[Route("/v2/workflows/{id}", workflow)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http="httptools", loop="uvloop",
                log_level="warning", access_log=False)
