"""The store tests' real Redis: one `redis-server` per test module, on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_support import RedisProcess


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisProcess]:
    server = RedisProcess()
    server.start()
    try:
        yield server
    finally:
        server.stop()
