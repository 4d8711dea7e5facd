"""The store interface: what the pipeline and the APIs keep, and the operations they need on it.

Every operation is a coroutine, so a store may live in another process (Redis); the in-memory
store answers at once. Values cross a shared store as JSON through a `Codec`.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wfmock import errors
from wfmock.errors import ApiError
from wfmock.ratelimit import Decision

V = TypeVar("V")


class StoreUnavailable(ApiError):
    """The shared store cannot be reached: a 503 in the API's own envelope (the request may be retried)."""

    def __init__(self, detail: str) -> None:
        super().__init__(errors.UNAVAILABLE, f"The mock's shared store is unavailable ({detail}); retry shortly.",
                         status=503, headers={"Retry-After": "1"})


@dataclass(frozen=True, slots=True)
class Codec(Generic[V]):
    """How a value becomes JSON-ready data and back (only shared stores use it)."""

    dump: Callable[[V], dict[str, Any]]
    load: Callable[[dict[str, Any]], V]


class RecordStore(ABC, Generic[V]):
    """Values by id, bounded by count and bytes (oldest forgotten first)."""

    @abstractmethod
    async def put(self, key: str, value: V, size: int) -> None:
        """Stores `value` (about `size` bytes), replacing any value under `key`."""

    @abstractmethod
    async def fetch(self, key: str) -> V | None:
        """The value under `key`, or None when unknown or forgotten."""

    @abstractmethod
    async def fetch_many(self, keys: Iterable[str]) -> dict[str, V]:
        """The known values among `keys`."""

    @abstractmethod
    async def put_new(self, key: str, value: V, size: int) -> V:
        """Stores `value` unless `key` has one already; returns the value that is kept."""

    @abstractmethod
    async def newest(self, limit: int) -> list[V]:
        """Up to `limit` of the values stored last, newest first (the console's lists)."""

    def clear(self) -> None:
        """Forgets what this process holds (a shared store forgets the rest in `Store.reset`)."""


class LogStore(ABC, Generic[V]):
    """An append-only log, oldest first, bounded by count and bytes."""

    @abstractmethod
    async def add(self, item: V, size: int) -> None: ...

    async def add_many(self, items: Sequence[tuple[V, int]]) -> None:
        """Appends each (item, size) in order; a shared store sends them together."""
        for item, size in items:
            await self.add(item, size)

    def clear(self) -> None:
        """Forgets what this process holds (a shared store forgets the rest in `Store.reset`)."""

    @abstractmethod
    async def forget_all(self) -> None:
        """Forgets every item, for every process sharing the log."""

    @abstractmethod
    async def newest(self) -> V | None: ...

    @abstractmethod
    async def page(self, accepts: Callable[[V], bool] | None, offset: int, limit: int) -> tuple[int, list[V]]:
        """(how many items `accepts`, the `limit` of them from `offset`), newest first."""


class TaskRegistry:
    """Streams this process holds, by task id, each with its stop event; a shared store adds cross-process stop."""

    def __init__(self) -> None:
        self.live: dict[str, tuple[str, str, asyncio.Event]] = {}

    async def register(self, task_id: str, app: str, user: str, signal: asyncio.Event) -> None:
        self.live[task_id] = (app, user, signal)

    async def discard(self, task_id: str) -> None:
        self.live.pop(task_id, None)

    async def stop(self, task_id: str, app: str, user: str) -> None:
        """Stops the task if it belongs to `app` and `user` (anything else is silently ignored, like Dify)."""
        self.stop_local(task_id, app, user)

    def stop_local(self, task_id: str, app: str | None, user: str | None) -> bool:
        entry = self.live.get(task_id)
        if entry is None or (app is not None and (entry[0], entry[1]) != (app, user)):
            return False
        signal = entry[2]
        stop = getattr(signal, "stop", None)
        stop() if stop is not None else signal.set()
        return True


class Store(ABC):
    """Everything a mock remembers across requests."""

    shared: bool = False  # True: other processes see the same state (ids must then not repeat across them)

    def __init__(self) -> None:
        self.tasks = TaskRegistry()

    @abstractmethod
    def records(self, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> RecordStore[V]: ...

    @abstractmethod
    def log(self, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> LogStore[V]: ...

    @abstractmethod
    async def admit(self, signature: str, windows: Sequence[tuple[float, int]], key: str, now: float) -> Decision:
        """Admits and records one request of `key` if every sliding window has room (exactly, across processes)."""

    @abstractmethod
    async def charge(self, name: str, initial: int, cost: int) -> bool:
        """Takes `cost` from the balance `name` (starting at `initial`); False, untouched, when it cannot cover it."""

    @abstractmethod
    async def balance(self, name: str) -> int | None: ...

    @abstractmethod
    async def count(self, name: str) -> int:
        """Adds one to the counter `name` and returns it (scenario rule counters)."""

    async def write_once(self, claims: RecordStore[str], key: str,
                         records: Sequence[tuple[RecordStore[Any], str, Any, int]],
                         logs: Sequence[tuple[LogStore[Any], Any, int]]) -> bool:
        """Claims `key` in `claims` and stores `records` (record store, key, value, size) and appends `logs`
        (log, item, size), all or nothing, unless `key` is claimed already: of several writers racing to end the
        same thing exactly one writes, and one that dies midway leaves nothing half-written. True for that one.
        In one process's memory nothing interleaves between these steps (none of them awaits anything else)."""
        if await claims.fetch(key) is not None:
            return False
        await claims.put(key, "claimed", 0)
        for store, record_key, value, size in records:
            await store.put(record_key, value, size)
        for log, item, size in logs:
            await log.add(item, size)
        return True

    async def scenario(self) -> tuple[str, Any] | None:
        """(version, source) of the scenario switched on through any process; None when never switched."""
        return None

    async def publish_scenario(self, source: Any) -> str:
        return ""

    @abstractmethod
    async def reset(self) -> None:
        """Forgets runs, files, logs, counters, rate-limit windows and balances (not the active scenario)."""

    async def close(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"kind": "memory"}
