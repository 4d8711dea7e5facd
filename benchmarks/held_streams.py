"""What held MISO streams cost the garbage collector: objects it tracks per stream, and one full collection's
time with that many streams held (every stream's pings wait for it).

    .venv/bin/python benchmarks/held_streams.py [--streams 1000]

In process, no sockets: `--streams` streaming runs under the `stalled-stream` scenario (after their first events
they only ping), driven through the app's ASGI callable with clients that never leave; then a full collection is
timed, beside one of the freshly built app alone (the baseline, same run).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

import orjson

from wfmock.app import Config, build_app

BODY = orjson.dumps({"inputs": {"query": "hi"}, "response_mode": "streaming", "user": "held"})
SCOPE = {
    "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
    "path": "/ext/v1/workflows/run", "raw_path": b"/ext/v1/workflows/run", "query_string": b"", "root_path": "",
    "headers": [(b"host", b"127.0.0.1"), (b"authorization", b"Bearer app-demo-key"),
                (b"content-type", b"application/json")],
    "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080),
}


def full_collection_ms() -> float:
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


async def hold(app: Any, messages: list[int]) -> None:
    """One client that sends its run and then never leaves (its receive waits for good)."""
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": BODY, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(1)

    await app(dict(SCOPE), receive, send)


async def measure(streams: int) -> dict[str, float]:
    app = build_app(Config(rate_limits=False, scenario="stalled-stream"))
    gc.collect()
    alone_ms, tracked = full_collection_ms(), len(gc.get_objects())
    messages: list[int] = []
    clients = [asyncio.ensure_future(hold(app, messages)) for _ in range(streams)]
    await asyncio.sleep(3)  # every stream past its first events, stalled
    gc.collect()
    held = len(gc.get_objects())
    held_ms = full_collection_ms()
    for client in clients:
        client.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    return {"streams": streams, "tracked_per_stream": (held - tracked) / streams, "full_ms_app_alone": alone_ms,
            "full_ms_streams_held": held_ms, "messages_sent": len(messages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    result = asyncio.run(measure(parser.parse_args().streams))
    for name, value in result.items():
        print(f"{name:24} {value:10.1f}")


if __name__ == "__main__":
    main()
