"""How much state a long-running mock keeps: the newest N runs, files and log entries per store.

A load test that starts a million runs must not grow the mock without bound; the oldest entries
are forgotten first (a read of a forgotten run is a 404, as for any unknown id).
"""

from __future__ import annotations

from typing import Any

DEFAULT_RETAIN = 100_000


def keep_newest(items: dict[Any, Any], limit: int) -> None:
    """Drops the oldest entries (dicts keep insertion order) until at most `limit` remain."""
    while len(items) > limit:
        del items[next(iter(items))]
