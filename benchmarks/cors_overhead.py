"""What CORS costs per request, as ratios to the same pipeline without it, measured in the same run.

    .venv/bin/python benchmarks/cors_overhead.py [--requests 20000]

Calls the ASGI pipeline in process (no sockets, so the figure is the pipeline's own work) with a small
authenticated read (`GET /v2/workflows/{id}`, answered 404) in four ways: CORS off; CORS on, no `Origin`
header (what non-browser clients send); CORS on with an allowed `Origin`; and a preflight. Prints
microseconds per request and the ratio to "CORS off". The variants take turns over five rounds and each
keeps its best round, so load from other processes skews them less. Bounded by `--requests` per variant.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from wfmock.app import Config, build_app

ROUNDS = 5


def scope(method: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/v2/workflows/wf_bench", "raw_path": b"/v2/workflows/wf_bench",
            "query_string": b"", "headers": headers, "scheme": "http", "server": ("127.0.0.1", 8080),
            "http_version": "1.1", "root_path": ""}


async def per_request(app: Any, request: dict[str, Any], count: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    for _ in range(200):  # warm-up
        await app(dict(request), receive, send)
    started = time.perf_counter()
    for _ in range(count):
        await app(dict(request), receive, send)
    return (time.perf_counter() - started) / count * 1e6


async def main(count: int) -> None:
    key = [(b"x-api-key", b"bench-key"), (b"host", b"127.0.0.1:8080")]
    origin = [(b"origin", b"http://localhost:5173")]
    preflight = [*origin, (b"access-control-request-method", b"GET"), (b"access-control-request-headers", b"x-api-key")]
    without = build_app(Config(rate_limits=False))
    without.cors = None
    with_cors = build_app(Config(rate_limits=False))
    variants = [
        ("CORS off", without, scope("GET", key)),
        ("CORS on, no Origin", with_cors, scope("GET", key)),
        ("CORS on, allowed Origin", with_cors, scope("GET", [*key, *origin])),
        ("preflight (answered by CORS)", with_cors, scope("OPTIONS", preflight)),
    ]
    best = {name: float("inf") for name, _, _ in variants}
    for _ in range(ROUNDS):
        for name, app, request in variants:
            best[name] = min(best[name], await per_request(app, request, max(1, count // ROUNDS)))
    baseline = best[variants[0][0]]
    print(f"{'variant':32} {'µs/request':>11} {'ratio':>7}")
    for name, micros in best.items():
        print(f"{name:32} {micros:11.1f} {micros / baseline:7.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    asyncio.run(main(max(1, parser.parse_args().requests)))
