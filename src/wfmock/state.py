"""Everything a running mock remembers across requests: time, ids, scenarios, rate-limit logs, credits.

One `Session` per server. Tests build their own, so no state hides in module globals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from wfmock.clock import Clock
from wfmock.errors import ApiError
from wfmock.ids import IdFactory
from wfmock.ratelimit import Decision
from wfmock.scenario.engine import ScenarioEngine
from wfmock.scenario.model import Scenario
from wfmock.store import MemoryStore, Store



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
    store: Store = field(default_factory=MemoryStore)
    # a shared store's scenario source → Scenario (a library name or a document's text)
    load_source: Callable[[Any], Scenario | None] | None = None

    def __post_init__(self) -> None:
        self.ids = self._id_factory()
        self.engine = ScenarioEngine(self.scenario, seed=self.seed_number)
        self._named_engines: dict[str, ScenarioEngine] = {}
        self.on_reset: list[Callable[[], None]] = []
        self.scenario_version = "start"  # which shared switch this process follows ("start": --scenario)
        self._share_counters(self.engine, "active")

    def _id_factory(self) -> IdFactory:
        if self.store.shared and self.settings.seed is not None:
            import os  # several processes share one store: the same seeded stream in each would repeat ids

            return IdFactory(hash((self.settings.seed, os.getpid())) & 0xFFFF_FFFF_FFFF)
        return IdFactory(self.settings.seed)

    def _share_counters(self, engine: ScenarioEngine, name: str) -> None:
        """On a shared store, `first: N` and `every: N` count requests of every process (Redis INCR)."""
        if self.store.shared:
            version, count = self.scenario_version, self.store.count
            engine.counter = lambda index: count(f"rule:{version}:{name}:{index}")

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
        self._share_counters(self.engine, "active")
        if isinstance(self.store, MemoryStore):
            self.store.clear_limits()  # a shared store names windows and balances by scenario version instead

    async def switch_scenario(self, scenario: Scenario | None, source: Any) -> None:
        """Makes `scenario` active here and, on a shared store, in every process (`source` rebuilds it there)."""
        if self.store.shared:
            self.scenario_version = await self.store.publish_scenario(source)
        self.use_scenario(scenario)

    async def follow_scenario(self) -> None:
        """On a shared store: picks up a scenario switched through another process (one read per request)."""
        if not self.store.shared:
            return
        current = await self.store.scenario()
        if current is None or current[0] == self.scenario_version:
            return
        version, source = current
        self.scenario_version = version
        try:
            scenario = self.load_source(source) if self.load_source is not None and source is not None else None
        except Exception as error:  # e.g. a name only another process's --scenario-dir offers: keep ours
            logging.getLogger("wfmock").warning("cannot follow the scenario switched elsewhere: %s", error)
            return
        self.use_scenario(scenario)

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
            self._share_counters(engine, f"named:{name}")
        return engine

    def reset(self) -> None:
        """Forgets runs, files, logs, counters, rate-limit logs and credit balances (memory store)."""
        self.ids = self._id_factory()
        self.engine.reset()
        for engine in self._named_engines.values():
            engine.reset()
        if isinstance(self.store, MemoryStore):
            self.store.reset_now()
        for callback in self.on_reset:
            callback()

    async def reset_all(self) -> None:
        """`reset`, and on a shared store everything under its prefix (every process sees it forgotten)."""
        await self.store.reset()
        self.reset()

    # -- rate limits ---------------------------------------------------------------------------

    async def admit(self, api: str, engine: ScenarioEngine, key: str | None) -> Decision | None:
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
        windows = [(float(s), int(n)) for s, n in windows]
        signature = f"{self.scenario_version}:{api}:" + ",".join(f"{s:g}/{n}" for s, n in windows)
        return await self.store.admit(signature, windows, key, self.clock.now())

    # -- credits and credentials -----------------------------------------------------------------

    async def charge_credits(self, api: str, key: str | None, engine: ScenarioEngine | None = None) -> None:
        """Takes one run's cost from the key's balance; `ApiError` when the balance cannot cover it."""
        policy = (engine or self.engine).credits(api)
        if policy is None:
            return
        cost = int(getattr(policy, "cost", 1))
        if not await self.store.charge(self._credit_name(api, key), int(policy.initial), cost):
            from wfmock.apis import registry

            code, status = registry.get(api).credit_exhausted
            raise ApiError(code, None, status=status)

    async def credit_balance(self, api: str, key: str | None) -> int | None:
        return await self.store.balance(self._credit_name(api, key))

    def _credit_name(self, api: str, key: str | None) -> str:
        return f"{self.scenario_version}:{api}:{key if key is not None else ''}"

    def credential_state(self, credential_id: str) -> str:
        return self.engine.credential_state(credential_id)

    # -- fixtures ------------------------------------------------------------------------------

    def fixture(self, relative: str) -> Any:
        return _load_fixture(str((self.settings.fixtures_dir / relative).resolve()))


@lru_cache(maxsize=256)
def _load_fixture(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
