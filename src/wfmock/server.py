"""Runs the pipeline under uvicorn with httptools and uvloop (h11 costs ~60% of throughput)."""

from __future__ import annotations

import uvicorn

from wfmock.app import Config, build_app
from wfmock.transport import FaultCapableHttpToolsProtocol


def uvicorn_config(config: Config, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        build_app(config),
        host=host,
        port=port,
        http=FaultCapableHttpToolsProtocol,
        loop="uvloop",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        server_header=False,
        date_header=True,
        timeout_graceful_shutdown=3,  # open console feeds (SSE) would otherwise hold a shutdown forever
    )


def serve(config: Config, host: str, port: int, log_level: str = "info") -> None:
    server = uvicorn.Server(uvicorn_config(config, host, port, log_level))
    server.run()
