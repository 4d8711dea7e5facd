"""Throughput and latency of wfmock's full pipeline, as ratios to a bare Starlette endpoint measured in the same run.

    .venv/bin/python benchmarks/throughput.py [--seconds 5] [--connections 50]

Starts a bare Starlette app and `wfmock serve` (both under uvicorn with httptools and uvloop) on free
loopback ports, then drives each target with a keep-alive HTTP/1.1 load generator for a fixed time
(after a warm-up) and prints requests per second, p50 and p99 latency, and the ratio to the baseline.
Every run is bounded: it stops after `--seconds` per target. The load generator shares the machine's
cores with the server, so absolute figures are lower than an external tool's; compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import free_port, running_server  # noqa: E402

KEY = "bench-key"


@dataclass
class Target:
    name: str
    port: int
    request: bytes


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(port: int, request: bytes, stop_at: float, record_from: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (now := time.perf_counter()) < stop_at:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if now >= record_from:
                result.latencies.append(time.perf_counter() - now)
                result.requests += 1
                if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.1 4")):
                    result.errors += 1
    finally:
        writer.close()


async def drive(target: Target, seconds: float, connections: int, warmup: float = 1.0) -> Result:
    started = time.perf_counter()
    result = Result(0, 0, seconds, [])
    await asyncio.gather(*(
        _connection(target.port, target.request, started + warmup + seconds, started + warmup, result)
        for _ in range(connections)
    ))
    return result


def _post(base: str, path: str, body: dict, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass

    port = free_port()
    bare = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "bare_starlette.py"), str(port)])
    try:
        with running_server("--api-key", KEY, "--seed", "1", "--pace", "0", "--no-rate-limit") as base:
            imprun_headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
            create = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                                     "credentialId": "cred_bench", "year": 2025}}
            run_id = _post(base, "/v2/workflows", create, imprun_headers)["id"]
            miso = {"inputs": {"query": "벤치마크"}, "mode": "blocking", "user": "bench"}
            mock_port = int(base.rsplit(":", 1)[1])
            targets = [
                Target("bare Starlette (baseline)", port,
                       http_request("GET", "/v2/workflows/wf_bench", {})),
                Target("imprun GET /v2/workflows/{id}", mock_port,
                       http_request("GET", f"/v2/workflows/{run_id}", {"X-API-Key": KEY})),
                Target("imprun POST /v2/workflows", mock_port,
                       http_request("POST", "/v2/workflows", imprun_headers, json.dumps(create).encode())),
                Target("MISO POST workflows/run (blocking)", mock_port,
                       http_request("POST", "/ext/v1/workflows/run",
                                    {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
                                    json.dumps(miso, ensure_ascii=False).encode())),
            ]
            print(f"{args.connections} connections, {args.seconds:.0f} s per target (after 1 s warm-up)")
            print(f"{'target':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8}")
            baseline = None
            for target in targets:
                result = asyncio.run(drive(target, args.seconds, args.connections))
                baseline = baseline or result.rate
                print(f"{target.name:40} {result.rate:9.0f} {result.percentile(0.5):8.1f} "
                      f"{result.percentile(0.99):8.1f} {result.errors:7d} {result.rate / baseline:8.2f}")
    finally:
        bare.terminate()
        bare.wait(timeout=10)


if __name__ == "__main__":
    main()
