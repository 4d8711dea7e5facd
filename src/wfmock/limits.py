"""Request limits checked once, on the way in, before any recursive code sees the data.

Every limit ends in a clear error in the API's own envelope (a 400 or 413), never a 500, a
`RecursionError` or a response that repeats megabytes of the client's own input back to it.
The defaults suit any real client of the two APIs; `wfmock serve --max-…` flags change them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_CHARS = 500
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may hold; see `wfmock serve --help` for the flags."""

    body_bytes: int = 20 * 1024 * 1024       # a JSON body (multipart: the largest file limit + 1 MiB)
    field_bytes: int = 4 * 1024 * 1024       # one string inside a JSON body
    json_depth: int = 64                     # arrays and objects inside each other
    form_name_chars: int = 255               # a multipart field name or file name
    url_bytes: int = 8 * 1024                # request target (path and query)
    header_bytes: int = 64 * 1024            # all request headers together
    header_count: int = 100


class LimitError(ValueError):
    """A request past a limit; `status` is 400 or 413."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out (errors never echo megabytes)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def json_depth_ok(raw: bytes, limit: int) -> bool:
    """Whether the JSON text `raw` nests arrays/objects at most `limit` deep, without parsing it.

    Cheap for ordinary bodies (fewer brackets than the limit ends it at once). Otherwise strings are
    removed and innermost bracket pairs peeled off, one nesting level per pass, in C-speed scans.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return True
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return not brackets


def longest_string(value: Any, limit: int) -> tuple[str, int] | None:
    """(path, UTF-8 bytes) of the first string or key in `value` longer than `limit` bytes, else None.

    Iterative, so any depth is safe; strings shorter than `limit` characters are never encoded.
    """
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if len(item) * 4 > limit and len(item.encode("utf-8", "surrogatepass")) > limit:
                return path or "body", len(item.encode("utf-8", "surrogatepass"))
        elif isinstance(item, dict):
            for key, child in item.items():
                if len(key) * 4 > limit and len(key.encode("utf-8", "surrogatepass")) > limit:
                    return f"{path} (a key)" if path else "a key", len(key.encode("utf-8", "surrogatepass"))
                stack.append((f"{path}.{key[:40]}" if path else key[:40], child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
    return None
