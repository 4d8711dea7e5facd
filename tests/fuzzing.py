"""Shared pieces of the fuzz tests: a logged server, raw HTTP exchange, envelope checks and counters.

The number of cases scales with `WFMOCK_FUZZ_EXAMPLES` (total across the fuzz tests; `make fuzz`
sets it to 100,000 or more). Each case ends with a health probe, so a hang is counted, not waited on.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson

from tests.support import free_port, stop_process, wait_until_up, wfmock_env

DEFAULT_TOTAL = 700
SHARES = {"raw_http": 0.3, "json": 0.25, "multipart": 0.1, "admin": 0.15, "loader": 0.2}
HEALTH_TIMEOUT = 5.0   # generous: only a hang (or a dead server) misses it
COUNTS: Counter[str] = Counter()


def examples(kind: str) -> int:
    total = int(os.environ.get("WFMOCK_FUZZ_EXAMPLES", DEFAULT_TOTAL))
    return max(10, int(total * SHARES[kind]))


@contextlib.contextmanager
def logged_server(log: Path, *args: str) -> Iterator[str]:
    """`wfmock serve ARGS` on a free loopback port, everything it prints going to `log`; yields its URL."""
    with logged_process(log, *args) as (base, _):
        yield base


@contextlib.contextmanager
def logged_process(log: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As `logged_server`, yielding the URL and the process (to signal it)."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "wfmock", "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--log-level", "warning", *args], stdout=sink, stderr=subprocess.STDOUT,
                                   env=wfmock_env())
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(process, base + "/_wfmock/health", log=log)
            yield base, process
        finally:
            stop_process(process, grace=15)


def raw_exchange(base: str, request: bytes, timeout: float = 30.0) -> tuple[int | None, dict[bytes, bytes], bytes]:
    """Sends `request` on a new connection and reads until the server closes: (status, headers, body)."""
    host, port = base.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(request)
        with contextlib.suppress(OSError):
            while True:
                chunk = sock.recv(1 << 16)
                if not chunk:
                    break
                received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ")[1])
    except (IndexError, ValueError):
        return None, {}, body
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def check_answer(status: int | None, content_type: str, body: bytes, path: str, method: str) -> None:
    """Counts the case and any 5xx or error outside the API's envelope (asserted at the end)."""
    COUNTS["cases"] += 1
    if status is None:
        COUNTS["no_response"] += 1
        return
    if status >= 500:
        COUNTS["server_errors"] += 1
        COUNTS[f"5xx {method} {path[:40]}"] += 1
        return
    if status < 400 or not body or method == "HEAD":
        return
    if path.startswith("/console/") and content_type.startswith("text/html"):
        return  # the progress page is a browser page, with an HTML 404
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        COUNTS["not_envelope"] += 1
        return
    if not isinstance(parsed, dict) or not (set(parsed) == {"error", "message", "code"}
                                            or {"code", "message", "status"} <= set(parsed)):
        COUNTS["not_envelope"] += 1


_PROBES: dict[str, httpx.Client] = {}


def probe_health(base: str) -> None:
    """The health endpoint must answer right after a case (a generous timeout: this detects hangs)."""
    client = _PROBES.get(base)
    if client is None:
        client = _PROBES[base] = httpx.Client(base_url=base, timeout=HEALTH_TIMEOUT)
    try:
        if client.get("/_wfmock/health").status_code != 200:
            COUNTS["health_failures"] += 1
    except httpx.HTTPError:
        COUNTS["health_failures"] += 1


def report() -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(COUNTS.items()))
