"""Where a mock keeps what it remembers across requests, behind one small interface.

`MemoryStore` (the default) keeps everything in this process, as before. `RedisStore`
(`--store redis://…`) keeps it in Redis, so several processes (`--workers N`, or instances behind
a balancer) behave as one mock. The APIs and the pipeline only ever talk to a `Store`.
"""

from __future__ import annotations

from wfmock.store.base import (
    Codec, LogStore, RecordStore, Store, StoreUnavailable, TaskRegistry,
)
from wfmock.store.memory import MemoryStore


def open_store(url: str | None, *, prefix: str = "wfmock", ttl: float | None = None) -> Store:
    """The store a `--store` URL names: none is the in-memory store; `redis://HOST:PORT/DB` is Redis."""
    if not url or url == "memory":
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from wfmock.store.redis import DEFAULT_TTL, RedisStore

        return RedisStore(url, prefix=prefix, ttl=ttl if ttl is not None else DEFAULT_TTL)
    raise ValueError(f"unknown store {url!r}: use redis://HOST:PORT/DB (or leave it out for memory)")


__all__ = [
    "Codec", "LogStore", "MemoryStore", "RecordStore", "Store", "StoreUnavailable", "TaskRegistry",
    "open_store",
]
