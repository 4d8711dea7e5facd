"""Real sockets for the tests that need one: `wfmock serve` processes, or an ASGI app served in a thread, on free
loopback ports; each stopped when its block ends."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from wfmock.app import Config
from wfmock.server import Server, uvicorn_config

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Generous: under a full suite on a loaded 2-core machine one `wfmock serve` has taken 15 s to answer its first request.
STARTUP_TIMEOUT = 120.0


def wfmock_env() -> dict[str, str]:
    """This process's environment with this checkout's src/ first on PYTHONPATH: a child runs the code under test."""
    return {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


@contextlib.contextmanager
def running_server(*args: str, ready_path: str = "/_wfmock/health") -> Iterator[str]:
    """Runs `wfmock serve ARGS` on a free port until the block ends; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "wfmock", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=wfmock_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base_url + ready_path)
        yield base_url
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_up(process: subprocess.Popen, ready_url: str, *, log: Path | None = None,
                  timeout: float = STARTUP_TIMEOUT) -> None:
    """Returns once the starting server `process` answers `ready_url`; raises with its output (`log`, or its piped
    stdout) if it exits first, or with what it printed so far if it stays silent for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            printed = log.read_text(errors="replace") if log else \
                process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n{printed}")
        try:
            httpx.get(ready_url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                printed = log.read_text(errors="replace") if log else ""
                raise RuntimeError(f"{process.args} did not answer {ready_url} within {timeout} s\n{printed}") from None
            time.sleep(0.1)  # a process starting up offers nothing to wait on but its port


@contextlib.contextmanager
def serving(app: Any, timeout: float = 30, *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Runs an ASGI app (a gallery server, a proxy) on a free loopback port in a thread; yields its base URL.
    `tls`: (certificate, key) files, to serve HTTPS instead."""
    certificate, key = tls or (None, None)
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="error", lifespan="off",
                            ssl_certfile=certificate, ssl_keyfile=key)
    with _in_thread(uvicorn.Server(config), timeout) as url:
        yield url.replace("http://", "https://", 1) if tls else url


@contextlib.contextmanager
def serving_mock(config: Config, timeout: float = 30) -> Iterator[str]:
    """`wfmock serve`'s own server (httptools with transport faults, uvloop) for `config`, in a thread of this
    process: a real socket, and a clock the test can hold (`Config(clock=FakeClock())`)."""
    with _in_thread(Server(uvicorn_config(config, "127.0.0.1", free_port(), "error")), timeout) as url:
        yield url


@contextlib.contextmanager
def _in_thread(server: uvicorn.Server, timeout: float) -> Iterator[str]:
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start listening on port {server.config.port} within {timeout} s")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)
