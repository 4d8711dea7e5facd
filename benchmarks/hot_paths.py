"""Per-request cost of wfmock's hot paths, in process (no sockets), as ratios to a bare ASGI app.

    .venv/bin/python benchmarks/hot_paths.py [--requests 3000] [--profile createWorkflow]

Drives the pipeline's ASGI callable directly with pre-built requests: imprun create and read, the
MISO blocking run, and a logs page at 100 and 10,000 stored runs. Prints CPU microseconds per request
and the ratio to a bare ASGI app that answers static JSON (measured in the same run, so a busy
machine moves both). `--profile NAME` prints a pyinstrument profile of that path instead
(pip install pyinstrument).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from wfmock.app import Config, build_app

IMPRUN = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                         "credentialId": "cred_abc123", "year": 2025}}
MISO = {"inputs": {"query": "요약해줘"}, "mode": "blocking", "user": "bench"}


def scope(method: str, path: str, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "127.0.0.1", **headers}.items()],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080),
    }


async def call(app: Callable[..., Awaitable[None]], request: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(request, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"id":"wf_static","status":"RUNNING"}'})


async def per_request(app: Any, request: dict[str, Any], body: bytes, count: int) -> float:
    for _ in range(min(count // 10, 200)):  # warm-up
        await call(app, request, body)
    started = time.process_time()  # CPU time of this process: a busy shared machine moves it far less than wall time
    for _ in range(count):
        status, _ = await call(app, request, body)
        assert status < 300, status
    return (time.process_time() - started) / count * 1e6


async def measure(count: int) -> dict[str, float]:
    app = build_app(Config(rate_limits=False, pace=0, run_duration=2.0, admin=False))
    imprun_headers = {"x-api-key": "bench-key", "content-type": "application/json"}
    miso_headers = {"authorization": "Bearer app-demo-key", "content-type": "application/json"}
    created = json.loads((await call(app, scope("POST", "/v2/workflows", imprun_headers),
                                     orjson.dumps(IMPRUN)))[1])
    paths: dict[str, tuple[Any, dict[str, Any], bytes]] = {
        "bare ASGI (baseline)": (bare, scope("POST", "/v2/workflows", imprun_headers), orjson.dumps(IMPRUN)),
        "imprun createWorkflow": (app, scope("POST", "/v2/workflows", imprun_headers), orjson.dumps(IMPRUN)),
        "imprun getWorkflow": (app, scope("GET", f"/v2/workflows/{created['id']}", imprun_headers), b""),
        "MISO runWorkflow (blocking)": (app, scope("POST", "/ext/v1/workflows/run", miso_headers),
                                        orjson.dumps(MISO)),
    }
    results = {name: await per_request(target, request, body, count) for name, (target, request, body) in
               paths.items()}
    for stored in (100, 10_000):
        logs_app = build_app(Config(rate_limits=False, pace=0, admin=False))
        run = scope("POST", "/ext/v1/workflows/run", miso_headers)
        for _ in range(stored):
            await call(logs_app, run, orjson.dumps(MISO))
        page = scope("GET", "/ext/v1/workflows/logs", miso_headers, "page=2&limit=20")
        results[f"MISO logs page ({stored:,} runs)"] = await per_request(logs_app, page, b"", max(count // 5, 100))
    return results


async def profile(name: str, count: int) -> None:
    from pyinstrument import Profiler

    app = build_app(Config(rate_limits=False, pace=0, admin=False))
    headers = {"x-api-key": "bench-key", "authorization": "Bearer app-demo-key", "content-type": "application/json"}
    request, body = {
        "createWorkflow": (scope("POST", "/v2/workflows", headers), orjson.dumps(IMPRUN)),
        "runWorkflow": (scope("POST", "/ext/v1/workflows/run", headers), orjson.dumps(MISO)),
    }[name]
    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    await per_request(app, request, body, count)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", choices=("createWorkflow", "runWorkflow"))
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    if args.profile:
        asyncio.run(profile(args.profile, args.requests))
        return
    results = asyncio.run(measure(args.requests))
    baseline = results["bare ASGI (baseline)"]
    print(f"{'path':34} {'µs/request':>11} {'× bare':>8}")
    for name, micros in results.items():
        print(f"{name:34} {micros:11.1f} {micros / baseline:8.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"python": sys.version.split()[0], "us_per_request": results}, handle, indent=2)


if __name__ == "__main__":
    main()
