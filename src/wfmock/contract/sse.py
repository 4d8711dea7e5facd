"""Reads a whole `text/event-stream` body into events, and says where its framing breaks the SSE rules.

Generic: no event names here. An event is a block of `field: value` lines ended by a blank line;
fields are `data`, `event`, `id`, `retry` or a `:` comment. The body must be UTF-8 and the last
event must be terminated (a stream that stops mid-event was cut).
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from typing import Any

FIELDS = ("data", "event", "id", "retry")


@dataclass
class Event:
    index: int
    name: str                 # the `event:` field, "message" when absent
    data: str | None          # the joined `data:` lines, None when there were none
    payload: Any = None       # `data` parsed as JSON (None when absent or not JSON)
    json_error: str | None = None


@dataclass
class Stream:
    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Incremental:
    """Parses a stream as it arrives, chunk by chunk: each complete event, and the time its last byte came.

    The same event rules as `parse` (which still judges the whole body's framing); this one only says *when*.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = ""
        self._started = False
        self._stream = Stream()
        self.arrivals: list[float] = []

    @property
    def events(self) -> list[Event]:
        return self._stream.events

    def feed(self, chunk: bytes, now: float) -> list[Event]:
        """The events `chunk` completed, each stamped `now` in `arrivals`."""
        text = self._tail + self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        held = "\r" if text.endswith("\r") else ""  # the first half of a CRLF split across chunks
        text = (text[:-1] if held else text).replace("\r\n", "\n").replace("\r", "\n")
        *blocks, tail = text.split("\n\n")
        self._tail = tail + held
        before = len(self._stream.events)
        for block in blocks:
            lines = [line for line in block.split("\n") if line != ""]
            if lines:
                _parse_block(lines, self._stream)
        self.arrivals += [now] * (len(self._stream.events) - before)
        return self._stream.events[before:]


def parse(body: bytes) -> Stream:
    stream = Stream()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        stream.problems.append(f"the stream is not valid UTF-8 ({error})")
        text = body.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n\n"):
        stream.problems.append("the stream ends in the middle of an event (no blank line after the last one)")
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line != ""]
        if not lines:
            continue
        _parse_block(lines, stream)
    return stream


def _parse_block(lines: list[str], stream: Stream) -> None:
    name, data_lines, seen = "message", [], False
    for line in lines:
        if line.startswith(":"):
            continue
        fieldname, colon, value = line.partition(":")
        if not colon or fieldname not in FIELDS:
            stream.problems.append(f"event #{len(stream.events)}: line {line[:80]!r} is not an SSE field "
                                   f"(expected `data:`, `event:`, `id:`, `retry:` or a `:` comment)")
            continue
        seen = True
        value = value[1:] if value.startswith(" ") else value
        if fieldname == "event":
            name = value
        elif fieldname == "data":
            data_lines.append(value)
    if not seen:
        return
    event = Event(index=len(stream.events), name=name, data="\n".join(data_lines) if data_lines else None)
    if event.data is not None:
        try:
            event.payload = json.loads(event.data)
        except ValueError as error:
            event.json_error = str(error)
    stream.events.append(event)
