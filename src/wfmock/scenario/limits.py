"""Bounds on scenario sources, so that no scenario text or file can exhaust the host or hang it.

A scenario reaches the mock from the operator's command line (`--scenario PATH`, `--scenario-dir`)
or as inline text through the admin API; both go through these limits before any YAML is parsed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from wfmock.scenario.errors import Problem
from wfmock.scenario.errors import UnreadableScenario as ScenarioError

MAX_SCENARIO_BYTES = 1024 * 1024   # the bundled scenarios are a few KB each
MAX_NESTING = 32                   # mappings and lists inside each other (the schema needs ~8)
MAX_ALIASES = 100                  # `*alias` references in one document
MAX_NODES = 50_000                 # values after aliases are expanded (stops "billion laughs")
MAX_REGEX_CHARS = 1000
MAX_FIXTURE_BYTES = 8 * 1024 * 1024


def read_bounded(path: Path, limit: int = MAX_SCENARIO_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; `ScenarioError` for anything else.

    Opens without blocking and checks the opened file itself, so a FIFO or a device such as
    /dev/zero is refused at once instead of hanging the reader or filling memory.
    """
    source = str(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise ScenarioError([Problem(source, None, f"cannot read: {getattr(error, 'strerror', None) or error}")]) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([Problem(source, None, "not a regular file")])
        if info.st_size > limit:
            raise ScenarioError([Problem(source, None, f"file is {info.st_size} bytes; the limit is {limit}")])
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise ScenarioError([Problem(source, None, f"file grew beyond {limit} bytes while being read")])
        return b"".join(chunks)
    except OSError as error:
        raise ScenarioError([Problem(source, None, f"cannot read: {error.strerror or error}")]) from None
    finally:
        os.close(descriptor)


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text without NUL bytes, or `ScenarioError` naming the line of the first bad byte."""
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError([Problem(source, None, f"scenario is {len(data)} bytes; the limit is {MAX_SCENARIO_BYTES}")])
    nul = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        at = error.start if nul < 0 else min(nul, error.start)
        raise ScenarioError([Problem(source, data.count(b"\n", 0, at) + 1, _bad_byte(data, at))]) from None
    if nul >= 0:
        raise ScenarioError([Problem(source, data.count(b"\n", 0, nul) + 1, _bad_byte(data, nul))])
    check_text(text, source)
    return text


def check_text(text: str, source: str) -> None:
    """Refuses text over the size limit or with a NUL character (YAML cannot hold either sensibly)."""
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError([Problem(source, None, f"scenario is over {MAX_SCENARIO_BYTES} characters")])
    nul = text.find("\x00")
    if nul >= 0:
        raise ScenarioError([Problem(source, text.count("\n", 0, nul) + 1,
                                     "NUL character: a scenario is UTF-8 text")])


def _bad_byte(data: bytes, at: int) -> str:
    if data[at] == 0:
        return "NUL byte: a scenario is UTF-8 text"
    return f"invalid UTF-8 (byte 0x{data[at]:02x}): a scenario is UTF-8 text"
