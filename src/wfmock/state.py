"""Everything a running mock remembers across requests: time, ids, scenarios, rate-limit logs, credits.

One `Session` per server. Tests build their own, so no state hides in module globals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from wfmock.clock import Clock
from wfmock.errors import ApiError
from wfmock.ids import IdFactory
from wfmock.ratelimit import Decision, RateLimiter
from wfmock.scenario.engine import ScenarioEngine
from wfmock.scenario.model import Scenario

INSUFFICIENT_CREDIT = "insufficient_credit"
MAX_CREDIT_KEYS = 100_000
CREDIT_CODES = {"imprun": ("INSUFFICIENT_CREDIT", 402), "miso": ("provider_quota_exceeded", 400)}


@dataclass(slots=True)
class Settings:
    """Server-wide switches from the command line."""

    seed: int | None = None
    pace: float = 1.0
    run_duration: float = 2.0
    rate_limits: bool = True
    fixtures_dir: Path = Path("fixtures")


@dataclass
class Session:
    settings: Settings
    clock: Clock = field(default_factory=Clock)
    scenario: Scenario | None = None
    resolve_scenario: Callable[[str], Scenario] | None = None
    default_rate_limits: dict[str, list[tuple[float, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ids = IdFactory(self.settings.seed)
        self.engine = ScenarioEngine(self.scenario, seed=self.seed_number)
        self._named_engines: dict[str, ScenarioEngine] = {}
        self._limiters: dict[tuple[str, tuple[tuple[float, int], ...]], RateLimiter] = {}
        self._credits: dict[tuple[str, str | None], int] = {}
        self.on_reset: list[Callable[[], None]] = []

    @property
    def seed(self) -> str:
        return str(self.settings.seed) if self.settings.seed is not None else "unseeded"

    @property
    def seed_number(self) -> int:
        return self.settings.seed if self.settings.seed is not None else 0

    # -- scenarios -----------------------------------------------------------------------------

    def use_scenario(self, scenario: Scenario | None) -> None:
        """Makes `scenario` the active one for the next requests (running streams keep theirs)."""
        self.scenario = scenario
        self.engine = ScenarioEngine(scenario, seed=self.seed_number)
        self._limiters.clear()
        self._credits.clear()

    def engine_for(self, name: str | None) -> ScenarioEngine:
        """The active engine, or the one named by a request's `X-Wfmock-Scenario` header."""
        if not name:
            return self.engine
        engine = self._named_engines.get(name)
        if engine is None:
            if self.resolve_scenario is None:
                raise ApiError("invalid_request", "per-request scenarios are not available", status=400)
            try:
                scenario = self.resolve_scenario(name)
            except Exception as error:  # an unknown or invalid scenario is the caller's mistake
                raise ApiError("invalid_request", f"X-Wfmock-Scenario: {error}", status=400) from None
            engine = self._named_engines[name] = ScenarioEngine(scenario, seed=self.seed_number)
        return engine

    def reset(self) -> None:
        """Forgets runs, files, logs, counters, rate-limit logs and credit balances."""
        self.ids = IdFactory(self.settings.seed)
        self.engine.reset()
        for engine in self._named_engines.values():
            engine.reset()
        self._limiters.clear()
        self._credits.clear()
        for callback in self.on_reset:
            callback()

    # -- rate limits ---------------------------------------------------------------------------

    def admit(self, api: str, engine: ScenarioEngine, key: str | None) -> Decision | None:
        """The rate-limit decision for this request, or `None` when no limit applies."""
        if key is None:
            return None
        windows = engine.rate_limits(api)
        if windows is None:
            if not self.settings.rate_limits:
                return None
            windows = self.default_rate_limits.get(api, [])
        if not windows:
            return None
        signature = (api, tuple((float(s), int(n)) for s, n in windows))
        limiter = self._limiters.get(signature)
        if limiter is None:
            limiter = self._limiters[signature] = RateLimiter(windows, self.clock)
        return limiter.check(key)

    # -- credits and credentials -----------------------------------------------------------------

    def charge_credits(self, api: str, key: str | None, engine: ScenarioEngine | None = None) -> None:
        """Takes one run's cost from the key's balance; `ApiError` when the balance cannot cover it."""
        policy = (engine or self.engine).credits(api)
        if policy is None:
            return
        if (api, key) not in self._credits and len(self._credits) >= MAX_CREDIT_KEYS:
            del self._credits[next(iter(self._credits))]  # bounded: the oldest key starts afresh
        balance = self._credits.setdefault((api, key), int(policy.initial))
        cost = int(getattr(policy, "cost", 1))
        if balance < cost:
            code, status = CREDIT_CODES.get(api, (INSUFFICIENT_CREDIT, 402))
            raise ApiError(code, None, status=status)
        self._credits[(api, key)] = balance - cost

    def credit_balance(self, api: str, key: str | None) -> int | None:
        return self._credits.get((api, key))

    def credential_state(self, credential_id: str) -> str:
        return self.engine.credential_state(credential_id)

    # -- fixtures ------------------------------------------------------------------------------

    def fixture(self, relative: str) -> Any:
        return _load_fixture(str((self.settings.fixtures_dir / relative).resolve()))


@lru_cache(maxsize=256)
def _load_fixture(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
