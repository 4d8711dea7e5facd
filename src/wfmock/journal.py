"""The request journal: what the mock was asked and what it answered, newest last, bounded in size.

Read through the admin API (`GET /_wfmock/requests?api=&operation=&status=&since=&limit=`), so a
test can assert on the calls its product made, the way WireMock's request journal is used.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from typing import Any

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
ENTRY_BYTES = 600          # a record's dict and its small fields, roughly
SHOWN_TAIL = 4
MIN_KEY_FOR_TAIL = 16      # below this, 4 shown characters would be most of the secret
MAX_PATH_CHARS = 2048


def mask_key(key: str | None) -> str | None:
    """Shows the last 4 characters of a long key (enough to tell keys apart); a short key not at all."""
    if key is None:
        return None
    return "…" + key[-SHOWN_TAIL:] if len(key) >= MIN_KEY_FOR_TAIL else "…"


class Journal:
    """A ring buffer of request records, bounded in count and bytes; `record` is on the hot path."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, now: Callable[[], float] = time.time,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.entries: deque[dict[str, Any]] = deque()
        self.capacity = capacity
        self.max_bytes = min(max_bytes, DEFAULT_MAX_BYTES)
        self._sizes: deque[int] = deque()  # each entry's estimated bytes, beside it
        self.bytes = 0
        self._sequence = itertools.count(1)
        self._now = now
        self.listeners: list[Callable[[dict[str, Any] | None], None]] = []  # the console's live feed; None: cleared

    def record(self, *, api_key: str | None = None, **fields: Any) -> None:
        path = fields.get("path")
        if isinstance(path, str) and len(path) > MAX_PATH_CHARS:
            fields["path"] = path[:MAX_PATH_CHARS] + "…"
        entry = {"seq": next(self._sequence), "at": self._now(), "api_key": mask_key(api_key), **fields}
        entry_bytes = ENTRY_BYTES + (len(fields["path"]) if isinstance(fields.get("path"), str) else 0)
        self.entries.append(entry)
        self._sizes.append(entry_bytes)
        self.bytes += entry_bytes
        while len(self.entries) > 1 and (len(self.entries) > self.capacity or self.bytes > self.max_bytes):
            self.entries.popleft()
            self.bytes -= self._sizes.popleft()
        for listener in self.listeners:
            listener(entry)

    def find(
        self,
        api: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The newest `limit` records that match every given filter, oldest first."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        matched = [
            entry for entry in self.entries
            if (api is None or entry.get("api") == api)
            and (operation is None or entry.get("operation_id") == operation)
            and (status is None or entry.get("status") == status)
            and (since is None or entry["at"] >= since)
        ]
        return matched[-limit:]

    def clear(self) -> None:
        self.entries.clear()
        self._sizes.clear()
        self.bytes = 0
        for listener in self.listeners:
            listener(None)

    def __len__(self) -> int:
        return len(self.entries)
