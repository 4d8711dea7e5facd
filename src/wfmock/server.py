"""Runs the pipeline under uvicorn's `Server` and uvloop, with wfmock's own HTTP/1.1 connection (`wfmock.protocol`:
httptools parsing, bounded URLs and headers, protocol errors in the API's envelope, a fraction of uvicorn's own
protocol's per-request cost); a shutdown first ends open streams with a final event, then waits at most
`SHUTDOWN_GRACE` seconds for connections to finish, so SIGTERM always stops the server.

`--workers N` forks N such servers on one listening socket (the kernel spreads connections over
them); they share state only through a shared store (`--store redis://…`).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time

import uvicorn

from wfmock import collector
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
        proxy_headers=False,  # nothing reads the client's address; X-Forwarded-For is the client's own header here
        date_header=True,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,  # open streams and console feeds (SSE) must not hold a shutdown
    )


class Server(uvicorn.Server):
    """uvicorn's server: the collector settled once it has started (`wfmock.collector`), and open streams ended
    with their final event before the graceful wait."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        collector.settle()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.loaded_app
        while app is not None and not isinstance(app, Pipeline):
            app = getattr(app, "app", None)
        if app is not None:
            app.close_streams()
        await super().shutdown(sockets)


def serve(config: Config, host: str, port: int, log_level: str = "info", workers: int = 1) -> None:
    if workers > 1:
        serve_workers(config, host, port, log_level, workers)
        return
    server = Server(uvicorn_config(config, host, port, log_level))
    server.run()


def _run_worker(config: Config, host: str, port: int, log_level: str, sock: socket.socket) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides; a Ctrl-C reaches it, then SIGTERM here
    Server(uvicorn_config(config, host, port, log_level)).run(sockets=[sock])


def serve_workers(config: Config, host: str, port: int, log_level: str, workers: int) -> None:
    """N forked servers on one socket; a worker that dies is replaced; SIGTERM or SIGINT stops them all."""
    build_app(config)  # a bad scenario or store URL fails here, once, before any worker starts
    probe = uvicorn.Config(app=None, host=host, port=port)  # type: ignore[arg-type]
    sock = probe.bind_socket()  # OSError (port taken) reaches the caller, as for one process
    context = multiprocessing.get_context("fork")
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_run_worker, args=(config, host, port, log_level, sock), daemon=False)
        process.start()
        return process

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    processes = [start() for _ in range(workers)]
    print(f"wfmock: {workers} workers serving on http://{host}:{port}", file=sys.stderr, flush=True)
    try:
        while not stopping:
            time.sleep(0.2)
            for index, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    print(f"wfmock: worker {process.pid} exited ({process.exitcode}); starting another",
                          file=sys.stderr, flush=True)
                    processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: each ends its streams, then waits at most SHUTDOWN_GRACE
        deadline = time.monotonic() + SHUTDOWN_GRACE + 2
        for process in processes:
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.is_alive():
                process.kill()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
