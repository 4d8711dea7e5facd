"""A real `redis-server` for tests: started on a free loopback port, restartable, stopped after."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.support import free_port

REDIS_SERVER = shutil.which("redis-server")
MISSING = "redis-server is not installed (Debian: apt-get install -y redis-server); the shared-store tests need it"


class RedisProcess:
    """`redis-server --port N --save '' --appendonly no`: nothing on disk, gone when stopped."""

    def __init__(self) -> None:
        if REDIS_SERVER is None:
            pytest.skip(MISSING)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def command(self, *args: str) -> bytes:
        """One command through redis-cli-free RESP, for assertions on keys."""
        parts = [f"*{len(args)}\r\n".encode()] + [f"${len(a.encode())}\r\n{a}\r\n".encode() for a in args]
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"".join(parts))
            time.sleep(0.05)
            return sock.recv(65536)
