"""Exchanges waiting for the judge, judged on the relay's own event loop when it is quiet.

Why not a worker thread: every socket call the relaying loop makes releases the GIL, and a judging thread then holds
it for a whole switch interval, so each relayed event waited for judging (most of the proxy's time at 1,000 streams).
Judging between the loop's turns costs no hand-offs; it waits while the loop is busy relaying (a probe sleep comes
back late) and catches up when traffic eases; an exchange with a large body goes to a thread instead, where judging it
cannot hold the relaying up for long. It never waits longer than `MAX_DEFER` seconds for a quiet moment, so a
proxy that is never quiet still judges; past `SHED_BACKLOG` waiting, streams are judged without per-event schemas
(said as not verified), and past `MAX_WAITING` an exchange is counted as not judged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from wfmock.openapi import sse
from wfmock.proxy.checks import SHED_BACKLOG, Judge, Verdict
from wfmock.proxy.exchange import Recorded

PROBE = 0.002        # seconds the judge sleeps to see whether the loop is busy
BUSY_LAG = 0.004     # a probe this late means the loop has relaying to do
MAX_DEFER = 0.5      # the longest the judge waits for a quiet moment before judging one exchange anyway
SLICE = 0.005        # a quiet moment judges exchanges for about this long before looking again
MAX_WAITING = 100_000
LARGE = 256 * 1024   # request and answer bytes from which an exchange is judged on a thread, not between the loop's turns
Marks = Sequence[tuple[int, float]]  # (the body's length after a chunk, when that chunk arrived), in order
log = logging.getLogger("wfmock.proxy")


class Backlog:
    """`add` from the relaying loop; judged there in quiet moments, or by `drain` (any thread, e.g. at exit)."""

    def __init__(self, judge: Judge, settle: Callable[[Recorded, Verdict], None],
                 dropped: Callable[[], None]) -> None:
        self.judge, self.settle, self.dropped = judge, settle, dropped
        self._waiting: deque[tuple[Recorded, Marks]] = deque()
        self._judging = 0                  # taken off the deque, verdict not settled yet
        self._lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def unfinished(self) -> int:
        return len(self._waiting) + self._judging

    def add(self, exchange: Recorded, marks: Marks = ()) -> None:
        """Queues `exchange` (called on the relaying loop) and makes sure that loop is judging. `marks`: a stream's
        length after each chunk and when the chunk came; its events' arrivals are read from them when judged."""
        if len(self._waiting) >= MAX_WAITING:
            self.dropped()
            return
        self._waiting.append((exchange, marks))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._judge_when_quiet())

    def drain(self) -> None:
        """Judges everything still waiting, here and now (at exit, and before a report is read off the loop)."""
        while self._judge_next():
            pass
        while self._judging:  # one taken by the loop just before: its verdict is being settled
            time.sleep(0.001)

    async def _judge_when_quiet(self) -> None:
        loop = asyncio.get_running_loop()
        waited = 0.0
        while self._waiting:
            before = loop.time()
            await asyncio.sleep(PROBE)
            took = loop.time() - before
            waited += took
            if took - PROBE > BUSY_LAG and waited < MAX_DEFER:
                continue
            waited = 0.0
            until = loop.time() + SLICE
            while self._waiting and loop.time() < until:
                if self._next_is_large():
                    await asyncio.to_thread(self._judge_next)
                    break
                self._judge_next()

    def _next_is_large(self) -> bool:
        with self._lock:
            if not self._waiting:
                return False
            exchange = self._waiting[0][0]
            return len(exchange.body) + len(exchange.content or b"") >= LARGE

    def _judge_next(self) -> bool:
        """Judges the oldest waiting exchange; False when none was waiting."""
        with self._lock:
            if not self._waiting:
                return False
            exchange, marks = self._waiting.popleft()
            light = len(self._waiting) > SHED_BACKLOG
            self._judging += 1
        try:
            if marks:
                exchange.arrivals = arrivals(exchange.content, marks)
            self.settle(exchange, self.judge.judge(exchange, light=light))
        except Exception:  # a judging bug must not stop the judging of later traffic
            log.exception("wfmock proxy: judging %s %s failed", exchange.method, exchange.path)
        finally:
            with self._lock:
                self._judging -= 1
        return True


def arrivals(content: bytes, marks: Marks) -> list[float]:
    """When each complete SSE event of `content` arrived, from the relay's marks (the body's length after each
    chunk, and when that chunk came): the stream's one parser reads it chunk by chunk, as it came."""
    parser = sse.Incremental()
    start = 0
    for end, at in marks:
        parser.feed(content[start:end], at)
        start = end
    return parser.arrivals
