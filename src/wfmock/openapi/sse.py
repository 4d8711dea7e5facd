"""Server-sent events: framing them (Dify style) and parsing a `text/event-stream`, whole or as it arrives.

Framing: `data: <json>\\n\\n` per event, `event: ping\\n\\n` keep-alives. Parsing is generic (no event names):
an event is a block of `field: value` lines ended by a blank line; fields are `data`, `event`, `id`, `retry`
or a `:` comment. One parser, `Incremental`, reads chunk by chunk and stamps each event with the time its last
byte came; `parse` is that parser fed a whole body, which also judges the framing: the body must be UTF-8
and the last event must be terminated (a stream that stops mid-event was cut).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

PING = b"event: ping\n\n"
FIELDS = ("data", "event", "id", "retry")


def frame(event: Mapping[str, Any]) -> bytes:
    """One SSE frame carrying `event` as compact UTF-8 JSON on a single `data:` line."""
    return b"data: " + orjson.dumps(event) + b"\n\n"


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
    """Parses a stream as it arrives, chunk by chunk: each complete event, and the time its last byte came."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._strict: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
        self._held = ""      # a CR that may be the first half of a CRLF split across chunks
        self._tail = ""      # the event being received
        self._ending = ""    # the last two characters received: a finished stream ends with a blank line
        self._started = False
        self._stream = Stream()
        self.arrivals: list[float] = []

    @property
    def events(self) -> list[Event]:
        return self._stream.events

    @property
    def problems(self) -> list[str]:
        return self._stream.problems

    def feed(self, chunk: bytes, now: float = 0.0) -> list[Event]:
        """The events `chunk` completed, each stamped `now` in `arrivals`."""
        return self._take(self._decode(chunk, final=False), now, final=False)

    def finish(self, now: float = 0.0) -> Stream:
        """The whole stream once the body has ended: an unterminated last event is read and reported as cut."""
        self._take(self._decode(b"", final=True), now, final=True)
        if self._ending and self._ending != "\n\n":
            self.problems.append("the stream ends in the middle of an event (no blank line after the last one)")
        return self._stream

    def _decode(self, chunk: bytes, final: bool) -> str:
        if self._strict is not None:
            try:
                self._strict.decode(chunk, final)
            except UnicodeDecodeError as error:
                self.problems.append(f"the stream is not valid UTF-8 ({error})")
                self._strict = None
        return self._text.decode(chunk, final)

    def _take(self, text: str, now: float, final: bool) -> list[Event]:
        text = self._held + text
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        self._held = "\r" if text.endswith("\r") and not final else ""
        text = (text[:-1] if self._held else text).replace("\r\n", "\n").replace("\r", "\n")
        self._ending = (self._ending + text)[-2:]
        *blocks, self._tail = (self._tail + text).split("\n\n")
        if final:
            blocks.append(self._tail)
            self._tail = ""
        before = len(self.events)
        for block in blocks:
            lines = [line for line in block.split("\n") if line != ""]
            if lines:
                self._read_block(lines)
        self.arrivals += [now] * (len(self.events) - before)
        return self.events[before:]

    def _read_block(self, lines: list[str]) -> None:
        name, data_lines, seen = "message", [], False
        for line in lines:
            if line.startswith(":"):
                continue
            fieldname, colon, value = line.partition(":")
            if not colon or fieldname not in FIELDS:
                self.problems.append(f"event #{len(self.events)}: line {line[:80]!r} is not an SSE field "
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
        event = Event(index=len(self.events), name=name, data="\n".join(data_lines) if data_lines else None)
        if event.data is not None:
            try:
                event.payload = json.loads(event.data)
            except ValueError as error:
                event.json_error = str(error)
        self.events.append(event)


def parse(body: bytes) -> Stream:
    """A whole `text/event-stream` body: its events and what is wrong with its framing."""
    parser = Incremental()
    parser.feed(body)
    return parser.finish()
