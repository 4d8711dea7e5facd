"""Time, in one replaceable place, so tests can drive run lifecycles without sleeping."""

from __future__ import annotations

import asyncio
import time


class Clock:
    """Wall-clock seconds and an awaitable sleep; `FakeClock` in tests replaces both."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class FakeClock(Clock):
    """A clock that only moves when told to (or when something sleeps on it)."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.current = start

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds

    async def sleep(self, seconds: float) -> None:
        self.current += max(seconds, 0.0)
        await asyncio.sleep(0)
