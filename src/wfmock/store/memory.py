"""The default store: everything in this process's memory, bounded as `wfmock.retention` bounds it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any, TypeVar

from wfmock.ratelimit import Decision, RateLimiter
from wfmock.retention import BoundedLog, BoundedStore
from wfmock.store.base import Codec, LogStore, RecordStore, Store

V = TypeVar("V")
MAX_CREDIT_KEYS = 100_000
MAX_COUNTERS = 100_000


class MemoryRecords(BoundedStore[str, V], RecordStore[V]):
    """A `BoundedStore` (a dict, oldest first) with the record-store operations."""

    async def put(self, key: str, value: V, size: int) -> None:
        self.remember(key, value, size)

    async def fetch(self, key: str) -> V | None:
        return self.get(key)

    async def fetch_many(self, keys: Iterable[str]) -> dict[str, V]:
        return {key: self[key] for key in keys if key in self}

    async def put_new(self, key: str, value: V, size: int) -> V:
        known = self.get(key)
        if known is None:
            self.remember(key, value, size)
            return value
        return known

    async def newest(self, limit: int) -> list[V]:
        return list(islice(reversed(self.values()), max(limit, 0)))


class MemoryLog(BoundedLog[V], LogStore[V]):
    """A `BoundedLog` with the log-store operations; an unfiltered page never walks the whole log."""

    async def add(self, item: V, size: int) -> None:
        self.append(item, size)

    async def newest(self) -> V | None:
        return self[-1] if self else None

    async def forget_all(self) -> None:
        self.clear()

    async def page(self, accepts: Callable[[V], bool] | None, offset: int, limit: int) -> tuple[int, list[V]]:
        if accepts is None:
            total = len(self)
            end = max(total - offset, 0)
            return total, [self[i] for i in range(end - 1, max(end - limit, 0) - 1, -1)]
        chosen = [item for item in reversed(self) if accepts(item)]
        return len(chosen), chosen[offset: offset + limit]


class MemoryStore(Store):
    """State of one process (no Redis needed); `reset` clears every record and log it handed out."""

    def __init__(self) -> None:
        super().__init__()
        self._records: list[MemoryRecords[Any]] = []
        self._logs: list[MemoryLog[Any]] = []
        self._limiters: dict[str, RateLimiter] = {}
        # oldest key first: a full map forgets its oldest in O(1) (a plain dict walks its deleted slots to find it)
        self._credits: OrderedDict[str, int] = OrderedDict()
        self._counters: OrderedDict[str, int] = OrderedDict()

    def records(self, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> MemoryRecords[V]:
        store: MemoryRecords[V] = MemoryRecords(retain, retain_bytes)
        self._records.append(store)
        return store

    def log(self, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> MemoryLog[V]:
        log: MemoryLog[V] = MemoryLog(retain, retain_bytes)
        self._logs.append(log)
        return log

    def forget(self, *stores: Any) -> None:
        """Stops tracking stores that their owner dropped (a reset app store), so memory stays bounded."""
        drop = {id(store) for store in stores}
        self._records = [s for s in self._records if id(s) not in drop]
        self._logs = [s for s in self._logs if id(s) not in drop]

    async def admit(self, signature: str, windows: Sequence[tuple[float, int]], key: str, now: float) -> Decision:
        limiter = self._limiters.get(signature)
        if limiter is None:
            limiter = self._limiters[signature] = RateLimiter(windows)
        return limiter.check(key, now)

    async def charge(self, name: str, initial: int, cost: int) -> bool:
        if name not in self._credits and len(self._credits) >= MAX_CREDIT_KEYS:
            self._credits.popitem(last=False)  # bounded: the oldest key starts afresh
        balance = self._credits.setdefault(name, initial)
        if balance < cost:
            return False
        self._credits[name] = balance - cost
        return True

    async def balance(self, name: str) -> int | None:
        return self._credits.get(name)

    async def count(self, name: str) -> int:
        if name not in self._counters and len(self._counters) >= MAX_COUNTERS:
            self._counters.popitem(last=False)
        value = self._counters[name] = self._counters.get(name, 0) + 1
        return value

    def clear_limits(self) -> None:
        """A scenario switch starts rate-limit windows and balances afresh (as before the store existed)."""
        self._limiters.clear()
        self._credits.clear()

    async def reset(self) -> None:
        self.reset_now()

    def reset_now(self) -> None:
        for store in self._records:
            store.clear()
        for log in self._logs:
            log.clear()
        self._limiters.clear()
        self._credits.clear()
        self._counters.clear()

