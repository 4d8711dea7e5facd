"""Per-key sliding-window rate limits that never admit more than the limit in any window.

Each window keeps the times of the requests it admitted (a sliding log), so "10 per second" means
no one-second span ever holds an 11th admitted request, however the burst is timed.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from wfmock.clock import Clock


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request, with what the `RateLimit-*` headers report."""

    allowed: bool
    limit: int
    remaining: int
    reset: float          # seconds until the tightest window frees a slot
    retry_after: float    # seconds to wait before a retry can succeed (0 when allowed)

    def headers(self) -> dict[str, str]:
        values = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(max(1, math.ceil(self.reset))),
        }
        if not self.allowed:
            values["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return values


MAX_KEYS = 10_000  # keys with a log at once (open mode accepts any key, so this bounds memory)


class RateLimiter:
    """Sliding-log limiter over several windows, e.g. [(1, 10), (3600, 10_000)], keyed by API key."""

    def __init__(self, windows: Sequence[tuple[float, int]], clock: Clock | None = None) -> None:
        self.windows = [(float(seconds), int(limit)) for seconds, limit in windows]
        self._clock = clock or Clock()
        self._logs: OrderedDict[str, list[deque[float]]] = OrderedDict()  # oldest key first, popped in O(1)

    def reset(self) -> None:
        self._logs.clear()

    def check(self, key: str, now: float | None = None) -> Decision:
        """Admits and records the request if every window has room; otherwise refuses it."""
        if not self.windows:
            return Decision(True, 0, 0, 0.0, 0.0)
        now = self._clock.now() if now is None else now
        logs = self._logs.get(key)
        if logs is None:
            logs = self._logs[key] = [deque() for _ in self.windows]
            if len(self._logs) > MAX_KEYS:  # a flood of made-up keys: forget the oldest key's log
                self._logs.popitem(last=False)
        refused_wait = 0.0
        for (seconds, limit), log in zip(self.windows, logs):
            horizon = now - seconds
            while log and log[0] <= horizon:
                log.popleft()
            if len(log) >= limit:
                refused_wait = max(refused_wait, log[0] + seconds - now)
        if refused_wait > 0:
            return self._decision(False, logs, now, refused_wait)
        for log in logs:
            log.append(now)
        return self._decision(True, logs, now, 0.0)

    def _decision(self, allowed: bool, logs: list[deque[float]], now: float, wait: float) -> Decision:
        # Report the window closest to refusing: the one with the fewest free slots.
        best = min(range(len(self.windows)), key=lambda i: self.windows[i][1] - len(logs[i]))
        seconds, limit = self.windows[best]
        log = logs[best]
        reset = (log[0] + seconds - now) if log else seconds
        return Decision(allowed, limit, max(0, limit - len(log)), max(reset, 0.0), wait)
