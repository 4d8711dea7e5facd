"""Server-sent event framing, Dify style: `data: <json>\\n\\n` per event, `event: ping\\n\\n` keep-alives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

PING = b"event: ping\n\n"


def frame(event: Mapping[str, Any]) -> bytes:
    """One SSE frame carrying `event` as compact UTF-8 JSON on a single `data:` line."""
    return b"data: " + orjson.dumps(event) + b"\n\n"


def parse(stream: bytes | str) -> list[dict[str, Any]]:
    """Splits a whole SSE body into events: `{"event": name, "data": json-or-None}` each (for tests and tools)."""
    text = stream.decode("utf-8") if isinstance(stream, bytes) else stream
    events: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name, data_lines = "message", []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data_lines.append(value)
        data = orjson.loads("\n".join(data_lines)) if data_lines else None
        events.append({"event": name, "data": data})
    return events
