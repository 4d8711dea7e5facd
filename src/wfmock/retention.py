"""How much state a long-running mock keeps: the newest runs, files and log entries per store.

A load test that starts a million runs, or sends 18 MB bodies, must not grow the mock without
bound: every store is bounded by a count (`--retain`) and by an estimate of the bytes it holds
(`--retain-bytes`), and the oldest entries are forgotten first (a read of a forgotten run is a
404, as for any unknown id).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterator
from typing import Generic, TypeVar

DEFAULT_RETAIN = 100_000
DEFAULT_RETAIN_BYTES = 32 * 1024 * 1024
ENTRY_OVERHEAD = 512  # a stored entry's dict, ids and timestamps, roughly

K = TypeVar("K")
V = TypeVar("V")


class BoundedStore(OrderedDict[K, V]):
    """A dict (insertion order = age) that forgets its oldest entries past `count` or `max_bytes`.

    An `OrderedDict`, not a plain dict: a plain dict whose oldest entries are deleted one by one keeps their slots
    until it resizes, so finding the oldest walks every deleted slot before it (a store at its bound spent more
    time there than in the rest of a create); the ordered one pops its oldest in constant time."""

    def __init__(self, count: int = DEFAULT_RETAIN, max_bytes: int = DEFAULT_RETAIN_BYTES) -> None:
        super().__init__()
        self.count = count
        self.max_bytes = max_bytes
        self.bytes = 0
        self._sizes: dict[K, int] = {}

    def remember(self, key: K, value: V, size: int) -> None:
        """Stores `value` as `size` (estimated) bytes, then forgets the oldest entries past either bound."""
        if key in self:
            self.bytes -= self._sizes.pop(key, 0)
            del self[key]
        self[key] = value
        self._sizes[key] = size + ENTRY_OVERHEAD
        self.bytes += size + ENTRY_OVERHEAD
        while len(self) > 1 and (len(self) > self.count or self.bytes > self.max_bytes):
            oldest, _ = self.popitem(last=False)
            self.bytes -= self._sizes.pop(oldest, 0)

    def clear(self) -> None:
        super().clear()
        self._sizes.clear()
        self.bytes = 0


class BoundedLog(Generic[V]):
    """An append-only log (oldest first) bounded like `BoundedStore`."""

    def __init__(self, count: int = DEFAULT_RETAIN, max_bytes: int = DEFAULT_RETAIN_BYTES) -> None:
        self.count = count
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: deque[tuple[V, int]] = deque()

    def append(self, item: V, size: int) -> None:
        size += ENTRY_OVERHEAD
        self._items.append((item, size))
        self.bytes += size
        while len(self._items) > 1 and (len(self._items) > self.count or self.bytes > self.max_bytes):
            self.bytes -= self._items.popleft()[1]

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[V]:
        return (item for item, _ in self._items)

    def __reversed__(self) -> Iterator[V]:
        return (item for item, _ in reversed(self._items))

    def __getitem__(self, index: int) -> V:
        return self._items[index][0]

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0
