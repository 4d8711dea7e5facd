"""What the validating proxy costs: added latency on a JSON exchange, and 1,000 concurrent SSE streams relayed
without falling behind. Every figure is measured against the same upstream, directly, in the same run.

    .venv/bin/python benchmarks/proxy.py [--requests 1000] [--streams 1000]

Starts `wfmock serve` (the upstream, rate limits off) and `wfmock proxy` in front of it on free loopback ports.
JSON: `--requests` keep-alive GETs of a logs page, alternating direct and proxied, p50/p95 of each and the p50
the proxy adds. Streams: `--streams` concurrent streaming runs, first all direct, then all through the proxy;
for each stream: how long to its first event, how long from its first event to its last (a relay that falls
behind stretches this), and "behind" = when its last event arrived minus the run's own elapsed_time; p50/p99
each way, and how many streams completed. Bounded: every request has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import free_port, running_server  # noqa: E402

KEY = "bench-key-000000000000"
MISO = {"Authorization": f"Bearer {KEY}"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def start_proxy(upstream: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-m", "wfmock", "proxy", "--upstream", upstream, "--port", str(port),
                                "--log-level", "error"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/_wfmock/violations", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the proxy did not start")


def json_latency(direct: str, proxy: str, requests: int) -> dict[str, float]:
    timings: dict[str, list[float]] = {"direct": [], "proxy": []}
    with httpx.Client(timeout=30) as client:
        for base in (direct, proxy):  # warm-up: connections, validators
            for _ in range(50):
                client.get(base + "/ext/v1/workflows/logs", headers=MISO, params={"limit": 1})
        for index in range(requests * 2):
            name, base = ("direct", direct) if index % 2 == 0 else ("proxy", proxy)
            started = time.perf_counter()
            answer = client.get(base + "/ext/v1/workflows/logs", headers=MISO, params={"limit": 1})
            timings[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
    figures = {f"{name} p{int(q * 100)} ms": percentile(values, q) for name, values in timings.items()
               for q in (0.5, 0.95)}
    figures["proxy adds p50 ms"] = figures["proxy p50 ms"] - figures["direct p50 ms"]
    return figures


async def one_stream(client: httpx.AsyncClient, base: str, index: int) -> tuple[float, float, float] | None:
    """(seconds to the first event, seconds from the first event to the last, the run's own elapsed_time)."""
    body = {"inputs": {"query": f"benchmark {index}"}, "response_mode": "streaming", "user": f"bench-{index}"}
    started = time.monotonic()
    first = elapsed = last = None
    async with client.stream("POST", base + "/ext/v1/workflows/run", headers=MISO, json=body) as answer:
        async for line in answer.aiter_lines():
            if line.startswith("data:"):
                first = first or time.monotonic()
                if '"workflow_finished"' in line:
                    elapsed = json.loads(line[5:])["data"]["elapsed_time"]
                    last = time.monotonic()
    if first is None or last is None or elapsed is None:
        return None
    return first - started, last - first, elapsed


async def streams(base: str, count: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.monotonic()
        results = await asyncio.gather(*(one_stream(client, base, i) for i in range(count)), return_exceptions=True)
        wall = time.monotonic() - started
    done = [r for r in results if isinstance(r, tuple)]
    figures = {"completed": float(len(done)), "wall s": wall}
    for name, values in (("first event s", [r[0] for r in done]), ("first->last s", [r[1] for r in done]),
                         ("behind s", [r[0] + r[1] - r[2] for r in done])):
        figures[f"{name} p50"] = percentile(values, 0.5)
        figures[f"{name} p99"] = percentile(values, 0.99)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args()
    with running_server("--no-rate-limit", "--api-key", KEY) as upstream:
        process, proxy = start_proxy(upstream)
        try:
            print(f"JSON exchange, {args.requests} each way (GET /ext/v1/workflows/logs, keep-alive):")
            for name, value in json_latency(upstream, proxy, args.requests).items():
                print(f"  {name:<22} {value:8.3f}")
            print(f"{args.streams} concurrent SSE streams (wfmock serve at its default pace):")
            direct = asyncio.run(streams(upstream, args.streams))
            proxied = asyncio.run(streams(proxy, args.streams))
            for name in direct:
                print(f"  {name:<20} direct {direct[name]:9.3f}   proxy {proxied[name]:9.3f}")
            print(f"  proxy/direct wall ratio {proxied['wall s'] / direct['wall s']:.2f}")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
