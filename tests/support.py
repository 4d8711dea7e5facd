"""Starts real `wfmock serve` processes on free loopback ports for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(*args: str, ready_path: str = "/_wfmock/health") -> Iterator[str]:
    """Runs `wfmock serve ARGS` on a free port until the block ends; yields its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "wfmock", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, ready_path)
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


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, ready_path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"wfmock exited with {process.returncode}:\n{output}")
        try:
            httpx.get(base_url + ready_path, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"wfmock did not start within {timeout} s")


def server_args(*, keys: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    args: list[str] = []
    for key in keys:
        args += ["--api-key", key]
    return [*args, *extra]
