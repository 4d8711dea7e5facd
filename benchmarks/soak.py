"""Soak: RSS of `wfmock serve` under 200,000 mixed requests, large and small, stays flat after warm-up.

    .venv/bin/python benchmarks/soak.py [--requests 200000] [--warmup 50000] [--connections 8]
                                        [--retain-bytes 4]

Starts `wfmock serve` on a free loopback port and drives it with keep-alive HTTP/1.1 connections:
imprun creates and reads, MISO blocking and streaming runs, uploads, logs, invalid and deep JSON,
and every 250th request a 1 MiB body (every 5,000th an 8 MiB one). It prints the server's RSS after
the warm-up and at the end, and their ratio (flat = within 10%). Bounded in count; each request has
a timeout. With `--retain-bytes 4` every store reaches its byte bound within the warm-up (with a larger
bound, lengthen `--warmup` to match: RSS grows until the stores are full, then stays flat).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import free_port  # noqa: E402

KEY = "soak-key"
IMPRUN = {"X-API-Key": KEY, "Content-Type": "application/json"}
MISO = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
CREATE = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                         "credentialId": "cred_soak", "year": 2025}}


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "soakboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\nsoak\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def mix(run_id: str) -> list[bytes]:
    """The small requests, cycled; large ones are mixed in by position (see `request_for`)."""
    upload, upload_type = multipart("note.txt", b"soak " * 200)
    miso_key = {"Authorization": f"Bearer {KEY}"}
    return [
        http_request("POST", "/v2/workflows", IMPRUN, json.dumps(CREATE).encode()),
        http_request("GET", f"/v2/workflows/{run_id}", {"X-API-Key": KEY}),
        http_request("POST", "/ext/v1/workflows/run", MISO,
                     json.dumps({"inputs": {"query": "안녕하세요 soak"}, "mode": "blocking", "user": "u"}).encode()),
        http_request("POST", "/ext/v1/workflows/run", MISO,
                     json.dumps({"inputs": {"query": "stream"}, "mode": "streaming", "user": "u"}).encode()),
        http_request("POST", "/ext/v1/files/upload", {**miso_key, "Content-Type": upload_type}, upload),
        http_request("GET", "/ext/v1/workflows/logs?limit=5", miso_key),
        http_request("POST", "/v2/workflows", IMPRUN, b'{"type": "scraping", "params": {"year": "x"}}'),
        http_request("POST", "/ext/v1/workflows/run", MISO, b'{"inputs": ' + b"[" * 500 + b"]" * 500 + b"}"),
        http_request("GET", "/v2/workflows/wf_unknown", {"X-API-Key": KEY}),
    ]


def large(size: int, index: int) -> bytes:
    if index % 2:
        body = {"inputs": {"query": "q" * size}, "mode": "blocking", "user": "big"}
        return http_request("POST", "/ext/v1/workflows/run", MISO, json.dumps(body).encode())
    body = {**CREATE, "params": {**CREATE["params"], "note": "n" * size}}
    return http_request("POST", "/v2/workflows", IMPRUN, json.dumps(body).encode())


def request_for(index: int, small: list[bytes]) -> bytes:
    if index % 5000 == 4999:
        return large(8 * 1024 * 1024, index // 5000)
    if index % 250 == 249:
        return large(1024 * 1024, index // 250)
    return small[index % len(small)]


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        for line in lowered.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                await reader.readexactly(int(line[15:]))
    return head


class Driver:
    def __init__(self, port: int, small: list[bytes], total: int) -> None:
        self.port, self.small, self.total = port, small, total
        self.next = itertools.count()
        self.done = 0
        self.server_errors = 0
        self.checkpoints: dict[int, asyncio.Event] = {}

    async def connection(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 24)
        try:
            while (index := next(self.next)) < self.total:
                writer.write(request_for(index, self.small))
                head = await asyncio.wait_for(read_response(reader), 60)
                if head.startswith(b"HTTP/1.1 5"):
                    self.server_errors += 1
                self.done += 1
        finally:
            writer.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def drive(port: int, pid: int, small: list[bytes], total: int, warmup: int, connections: int) -> None:
    warm = Driver(port, small, warmup)
    started = time.perf_counter()
    await asyncio.gather(*(warm.connection() for _ in range(connections)))
    warm_rss = rss_kib(pid)
    print(f"warm-up: {warmup} requests in {time.perf_counter() - started:.0f} s, RSS {warm_rss / 1024:.1f} MiB")
    rest = Driver(port, small, total - warmup)
    rest.next = itertools.count(warmup)
    rest.total = total
    peak = warm_rss

    async def sample() -> None:
        nonlocal peak
        while True:
            await asyncio.sleep(1)
            peak = max(peak, rss_kib(pid))

    sampler = asyncio.ensure_future(sample())
    await asyncio.gather(*(rest.connection() for _ in range(connections)))
    sampler.cancel()
    end_rss = rss_kib(pid)
    elapsed = time.perf_counter() - started
    print(f"end:     {total} requests in {elapsed:.0f} s ({total / elapsed:.0f} req/s), RSS {end_rss / 1024:.1f} MiB "
          f"(peak {peak / 1024:.1f} MiB)")
    print(f"RSS end / after warm-up: {end_rss / warm_rss:.3f}  (flat within 10%: {abs(end_rss / warm_rss - 1) <= 0.10})")
    print(f"5xx answers: {warm.server_errors + rest.server_errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--warmup", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--retain-bytes", default="4")
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-m", "wfmock", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--api-key", KEY, "--pace", "0", "--run-duration", "0", "--no-rate-limit", "--seed", "1",
                               "--retain-bytes", args.retain_bytes, "--log-level", "warning"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/_wfmock/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(base + "/v2/workflows", data=json.dumps(CREATE).encode(), headers=IMPRUN)
        run_id = json.loads(urllib.request.urlopen(request, timeout=10).read())["id"]
        print(f"wfmock serve --retain-bytes {args.retain_bytes}; {args.requests} requests on {args.connections} "
              f"keep-alive connections, RSS of pid {server.pid}")
        asyncio.run(drive(port, server.pid, mix(run_id), args.requests, args.warmup, args.connections))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
