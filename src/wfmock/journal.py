"""The request journal: what the mock was asked and what it answered, newest last, bounded in size.

Read through the admin API (`GET /_wfmock/requests?api=&operation=&status=&since=&limit=`), so a
test can assert on the calls its product made, the way WireMock's request journal is used.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wfmock.retention import ENTRY_OVERHEAD, BoundedLog
from wfmock.store.base import Codec

if TYPE_CHECKING:
    from wfmock.store import LogStore, Store

logger = logging.getLogger("wfmock")

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
ENTRY_BYTES = 600          # a record's dict and its small fields, roughly
SHOWN_TAIL = 4
MIN_KEY_FOR_TAIL = 16      # below this, 4 shown characters would be most of the secret
MAX_PATH_CHARS = 2048
ENTRY_CODEC: Codec[dict[str, Any]] = Codec(dump=lambda entry: entry, load=lambda data: data)  # already JSON


def mask_key(key: str | None) -> str | None:
    """Shows the last 4 characters of a long key (enough to tell keys apart); a short key not at all."""
    if key is None:
        return None
    return "…" + key[-SHOWN_TAIL:] if len(key) >= MIN_KEY_FOR_TAIL else "…"


class Journal:
    """A ring buffer of request records, bounded in count and bytes; `record` is on the hot path.

    `entries` holds this process's records (the console's live feed, and the journal itself on the
    memory store); a shared store keeps one journal for every process in its own bounded log.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, now: Callable[[], float] = time.time,
                 max_bytes: int = DEFAULT_MAX_BYTES, store: Store | None = None) -> None:
        self.capacity = capacity
        self.max_bytes = min(max_bytes, DEFAULT_MAX_BYTES)
        self.entries: BoundedLog[dict[str, Any]] = BoundedLog(capacity, self.max_bytes)
        self._sequence = itertools.count(1)
        self._now = now
        self.listeners: list[Callable[[dict[str, Any] | None], None]] = []  # the console's live feed; None: cleared
        # entries go to a shared store's log in batches, off the request path
        self._shared: LogStore[dict[str, Any]] | None = (
            store.log("journal", ENTRY_CODEC, capacity, self.max_bytes) if store is not None and store.shared
            else None)
        self._pending: list[tuple[dict[str, Any], int]] = []
        self._flushing: asyncio.Task[None] | None = None

    @property
    def bytes(self) -> int:
        return self.entries.bytes

    def record(self, *, api_key: str | None = None, **fields: Any) -> None:
        path = fields.get("path")
        if isinstance(path, str) and len(path) > MAX_PATH_CHARS:
            fields["path"] = path = path[:MAX_PATH_CHARS] + "…"
        entry = {"seq": next(self._sequence), "at": self._now(), "api_key": mask_key(api_key), **fields}
        size = ENTRY_BYTES - ENTRY_OVERHEAD + (len(path) if isinstance(path, str) else 0)
        self.entries.append(entry, size)
        for listener in self.listeners:
            listener(entry)
        if self._shared is not None:
            self._pending.append((entry, size))
            if self._flushing is None:
                self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._shared.add_many(batch)  # type: ignore[union-attr]
                except Exception as error:  # Redis away: these records are lost, the requests were answered
                    logger.warning("journal: %d records not written to the shared store: %s", len(batch), error)
        finally:
            self._flushing = None

    async def search(self, api: str | None = None, operation: str | None = None, status: int | None = None,
                     since: float | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """`find` over this process's journal, or over the shared one (every process's requests)."""
        if self._shared is None:
            return self.find(api, operation, status, since, limit)
        _check_limit(limit)
        while self._flushing is not None:  # this process's own recent requests are in it first
            await asyncio.sleep(0.001)
        _, newest = await self._shared.page(_matcher(api, operation, status, since), 0, limit)
        return newest[::-1]

    async def clear_all(self) -> None:
        if self._shared is not None:
            self._pending.clear()
            await self._shared.forget_all()
        self.clear()

    def find(
        self,
        api: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The newest `limit` records that match every given filter, oldest first."""
        _check_limit(limit)
        accepts = _matcher(api, operation, status, since)
        return [entry for entry in self.entries if accepts is None or accepts(entry)][-limit:]

    def clear(self) -> None:
        self.entries.clear()
        for listener in self.listeners:
            listener(None)

    def __len__(self) -> int:
        return len(self.entries)


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1")


def _matcher(api: str | None, operation: str | None, status: int | None,
             since: float | None) -> Callable[[dict[str, Any]], bool] | None:
    """The test a record must pass to match every given filter; None when nothing filters."""
    if api is None and operation is None and status is None and since is None:
        return None

    def accepts(entry: dict[str, Any]) -> bool:
        return ((api is None or entry.get("api") == api)
                and (operation is None or entry.get("operation_id") == operation)
                and (status is None or entry.get("status") == status)
                and (since is None or entry["at"] >= since))

    return accepts

