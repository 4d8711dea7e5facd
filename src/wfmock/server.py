"""Runs the pipeline under uvicorn with httptools and uvloop (h11 costs ~60% of throughput).

The protocol bounds URLs and headers and answers protocol errors in the API's envelope
(`wfmock.protocol`); a shutdown first ends open streams with a final event, then waits at most
`SHUTDOWN_GRACE` seconds for connections to finish, so SIGTERM always stops the server.
"""

from __future__ import annotations

import socket

import uvicorn

from wfmock.app import Config, build_app
from wfmock.pipeline import Pipeline
from wfmock.protocol import with_limits

SHUTDOWN_GRACE = 5


def uvicorn_config(config: Config, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        build_app(config),
        host=host,
        port=port,
        http=with_limits(config.limits),
        loop="uvloop",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        server_header=False,
        date_header=True,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,  # open streams and console feeds (SSE) must not hold a shutdown
    )


class Server(uvicorn.Server):
    """uvicorn's server, ending open streams with their final event before the graceful wait."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.loaded_app
        while app is not None and not isinstance(app, Pipeline):
            app = getattr(app, "app", None)
        if app is not None:
            app.close_streams()
        await super().shutdown(sockets)


def serve(config: Config, host: str, port: int, log_level: str = "info") -> None:
    server = Server(uvicorn_config(config, host, port, log_level))
    server.run()
