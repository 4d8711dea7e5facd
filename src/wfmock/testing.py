"""A live mock for a team's own tests: `MockServer` runs `wfmock serve` on a free loopback port.

The way WireMock's JUnit rule or a Testcontainers module serves Java teams: the test gets a base
URL to point its client at, and helpers to switch scenario, read the request journal and reset.
The server is a separate process (the same interpreter, `python -m wfmock serve`), so a stalled
stream or a reset connection never touches the test process. The pytest plugin
(`wfmock.pytest_plugin`) wraps it as the `wfmock_server` fixture.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

ADMIN = "/_wfmock"
START_TIMEOUT = 60.0  # seconds; generous because CI machines are often busy
PORT_ATTEMPTS = 3     # a free port can be taken between choosing it and binding it


class MockServerError(RuntimeError):
    """The mock did not start, or an admin call was refused; the message says why."""


class MockServer:
    """`wfmock serve` on a free port on 127.0.0.1, started by `start()` (or `with`), stopped by `stop()`.

    Options mirror the command line; `None` keeps the command's default. `args` passes any other
    `wfmock serve` flags through, e.g. `("--run-duration", "0")`.
    """

    def __init__(self, api: str = "all", *, scenario: str | None = None, seed: int | None = None,
                 pace: float | None = None, run_duration: float | None = None, keys: Sequence[str] = (),
                 admin_token: str | None = None, args: Sequence[str] = ()) -> None:
        self.options = _flags(api=api, scenario=scenario, seed=seed, pace=pace, run_duration=run_duration,
                              keys=keys, admin_token=admin_token) + list(args)
        self.admin_token = admin_token
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self._admin: httpx.Client | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "MockServer":
        if self._process is not None:
            return self
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = _free_port()
            self._log = tempfile.TemporaryFile()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "wfmock", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--log-level", "warning", *self.options],
                stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
            self.url = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}
            self._admin = httpx.Client(base_url=self.url + ADMIN, headers=headers, timeout=30.0)
            try:
                self._wait_until_up()
                return self
            except MockServerError as error:
                output = self.output()
                self.stop()
                if "address already in use" not in output or attempt == PORT_ATTEMPTS:
                    raise MockServerError(f"{error}\n{output}".strip()) from None
        return self

    def stop(self) -> None:
        """Ends the server (SIGTERM, then SIGKILL after 10 s) and frees what it held."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def output(self) -> str:
        """What the server printed so far (warnings and errors), for a failing test's report."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    # -- the admin API -------------------------------------------------------------------------
    def use_scenario(self, scenario: str | Mapping[str, Any]) -> dict[str, Any]:
        """Switches scenario for the next requests: a bundled name, or a scenario document as a dict."""
        body = {"name": scenario} if isinstance(scenario, str) else {"scenario": dict(scenario)}
        return self._call("PUT", "/scenario", json=body)["active"]

    def clear_scenario(self) -> None:
        """Back to normal behaviour."""
        self._call("DELETE", "/scenario")

    def requests(self, *, api: str | None = None, operation: str | None = None, status: int | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
        """The request journal, oldest first: api, operation_id, method, path, status, scenario, rule, fault."""
        filters = {"api": api, "operation": operation, "status": status, "limit": limit}
        query = {name: value for name, value in filters.items() if value is not None}
        return self._call("GET", "/requests", params=query)["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def reset(self) -> None:
        """Forgets runs, files, logs, counters, rate-limit windows, credits and the journal."""
        self._call("POST", "/reset")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if self._admin is None:
            raise MockServerError("the mock is not running; call start() first")
        response = self._admin.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise MockServerError(f"{method} {ADMIN}{path} answered {response.status_code}: {response.text}")
        return response.json()

    def _wait_until_up(self) -> None:
        assert self._process is not None and self._admin is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MockServerError(f"wfmock serve exited with {self._process.returncode}")
            try:
                self._admin.get("/health", timeout=2.0)  # any answer will do: with --no-admin it is a 404
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise MockServerError(f"wfmock serve did not answer {ADMIN}/health within {START_TIMEOUT:.0f} s")


def _flags(*, api: str, scenario: str | None, seed: int | None, pace: float | None, run_duration: float | None,
           keys: Sequence[str], admin_token: str | None) -> list[str]:
    if isinstance(keys, str):
        keys = [keys]
    flags = ["--api", api]
    for name, value in (("--scenario", scenario), ("--seed", seed), ("--pace", pace),
                        ("--run-duration", run_duration), ("--admin-token", admin_token)):
        if value is not None:
            flags += [name, str(value)]
    for key in keys:
        flags += ["--api-key", key]
    return flags


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
