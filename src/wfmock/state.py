"""Everything a running mock remembers across requests: time, ids, scenarios, rate-limit logs, credits.

One `Session` per server. Tests build their own, so no state hides in module globals.
"""

from __future__ import annotations

import itertools
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
from wfmock.scenario.engine import ScenarioEngine
from wfmock.scenario.model import Scenario
from wfmock.store import MemoryStore, Store



@dataclass(slots=True)
class ServerSettings:
    """Server-wide switches from the command line (the contract kit's are `contract.settings.Settings`)."""

    seed: int | None = None
    rate_limits: bool = True
    fixtures_dir: Path = Path("fixtures")


@dataclass
class Session:
    settings: ServerSettings
    clock: Clock = field(default_factory=Clock)
    scenario: Scenario | None = None
    resolve_scenario: Callable[[str], Scenario] | None = None
    default_rate_limits: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    store: Store = field(default_factory=MemoryStore)
    # a shared store's scenario source → Scenario (a library name or a document's text)
    load_source: Callable[[Any], Scenario | None] | None = None

    def __post_init__(self) -> None:
        self.ids = self._id_factory()
        self._named_engines: dict[str, ScenarioEngine] = {}
        self.on_reset: list[Callable[[], None]] = []
        # which switch this process follows ("start": --scenario); a shared store's, or one of its own
        self.scenario_version = "start"
        self._local_switches = itertools.count(1)
        self.engine = self._engine(self.scenario, "active")

    def _id_factory(self) -> IdFactory:
        if self.store.shared and self.settings.seed is not None:
            import os  # several processes share one store: the same seeded stream in each would repeat ids

            return IdFactory(hash((self.settings.seed, os.getpid())) & 0xFFFF_FFFF_FFFF)
        return IdFactory(self.settings.seed)

    def _engine(self, scenario: Scenario | None, name: str) -> ScenarioEngine:
        """An engine counting its rules in the store, under this switch: `first: N` and `every: N` count the
        requests of every process sharing the store (Redis INCR), and start afresh with each switch."""
        return ScenarioEngine(scenario, seed=self.scenario_seed, store=self.store,
                              counts_as=f"{self.scenario_version}:{name}")

    @property
    def data_seed(self) -> str:
        """What generated payloads are keyed by ("unseeded" without --seed)."""
        return str(self.settings.seed) if self.settings.seed is not None else "unseeded"

    @property
    def scenario_seed(self) -> int:
        """What the scenario engines' random streams start from (0 without --seed)."""
        return self.settings.seed if self.settings.seed is not None else 0

    # -- scenarios -----------------------------------------------------------------------------

    def use_scenario(self, scenario: Scenario | None) -> None:
        """Makes `scenario` the active one for the next requests (running streams keep theirs)."""
        self.scenario = scenario
        if not self.store.shared:  # a shared store's switch names its version (`switch_scenario`)
            self.scenario_version = f"local-{next(self._local_switches)}"
        self.engine = self._engine(scenario, "active")
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
            engine = self._named_engines[name] = self._engine(scenario, f"named:{name}")
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

    def credit_account(self, api: str, key: str | None) -> str:
        """The store's name for `key`'s credit balance with `api` (per scenario version on a shared store)."""
        return f"{self.scenario_version}:{api}:{key if key is not None else ''}"

    # -- fixtures ------------------------------------------------------------------------------

    def fixture(self, relative: str) -> Any:
        return _load_fixture(str((self.settings.fixtures_dir / relative).resolve()))


@lru_cache(maxsize=256)
def _load_fixture(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
