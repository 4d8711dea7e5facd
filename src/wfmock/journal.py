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


def mask_key(key: str | None) -> str | None:
    """Shows enough of an API key to tell keys apart, never the whole key."""
    if key is None:
        return None
    return key if len(key) <= 4 else "…" + key[-4:]


class Journal:
    """A ring buffer of request records; `record` is on the hot path, so it only appends."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, now: Callable[[], float] = time.time) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._sequence = itertools.count(1)
        self._now = now
        self.listeners: list[Callable[[dict[str, Any] | None], None]] = []  # the console's live feed; None: cleared

    def record(self, *, api_key: str | None = None, **fields: Any) -> None:
        entry = {"seq": next(self._sequence), "at": self._now(), "api_key": mask_key(api_key), **fields}
        self.entries.append(entry)
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
        for listener in self.listeners:
            listener(None)

    def __len__(self) -> int:
        return len(self.entries)
