"""The limiter never admits more than the limit in any window, and reports honest headers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wfmock.clock import FakeClock
from wfmock.ratelimit import RateLimiter


def test_first_ten_pass_then_429_until_the_window_moves() -> None:
    clock = FakeClock()
    limiter = RateLimiter([(1, 10), (3600, 10_000)], clock)
    decisions = [limiter.check("k") for _ in range(30)]
    assert [d.allowed for d in decisions] == [True] * 10 + [False] * 20
    refused = decisions[10]
    headers = refused.headers()
    assert headers["RateLimit-Limit"] == "10"
    assert headers["RateLimit-Remaining"] == "0"
    assert headers["Retry-After"] == "1"
    clock.advance(1.0)
    assert limiter.check("k").allowed


def test_keys_do_not_share_a_budget() -> None:
    limiter = RateLimiter([(1, 2)], FakeClock())
    assert [limiter.check("a").allowed for _ in range(3)] == [True, True, False]
    assert limiter.check("b").allowed


def test_remaining_counts_down() -> None:
    limiter = RateLimiter([(1, 3)], FakeClock())
    assert [limiter.check("k").remaining for _ in range(3)] == [2, 1, 0]


def test_hour_window_holds_even_when_seconds_pass() -> None:
    clock = FakeClock()
    limiter = RateLimiter([(1, 10), (3600, 25)], clock)
    admitted = 0
    for _ in range(100):
        admitted += limiter.check("k").allowed
        clock.advance(0.2)
    assert admitted == 25
    refused = limiter.check("k")
    assert not refused.allowed and refused.limit == 25 and refused.retry_after > 3000


def test_no_windows_means_no_limit() -> None:
    limiter = RateLimiter([], FakeClock())
    assert all(limiter.check("k").allowed for _ in range(100))


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=0.5, allow_nan=False), min_size=1, max_size=120),
    limit=st.integers(min_value=1, max_value=12),
    window=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_never_more_than_limit_in_any_window(gaps: list[float], limit: int, window: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter([(window, limit)], clock)
    admitted: list[float] = []
    for gap in gaps:
        clock.advance(gap)
        if limiter.check("k").allowed:
            admitted.append(clock.now())
    for i, start in enumerate(admitted):
        inside = [t for t in admitted[i:] if t - start < window]
        assert len(inside) <= limit
