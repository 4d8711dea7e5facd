"""Decides a `Plan` for each request from the active scenario: first applicable rule wins.

Counters (`first`, `every`) live in the store (one count per rule, across every process sharing it);
random draws (`probability`, latency) are per rule and seeded, so the same seed and the same request
sequence give the same plans.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from wfmock.scenario.matching import matches
from wfmock.scenario.model import CreditPolicy, Latency, Rule, Scenario, When
from wfmock.scenario.plan import ALL_VALID, Credentials, Plan
from wfmock.store import MemoryStore, Store

if TYPE_CHECKING:
    from wfmock.pipeline.request import Request
    from wfmock.ratelimit import Decision
    from wfmock.scenario.plan import Charge


class ScenarioEngine:
    """Applies one scenario (or none: every plan is the do-nothing `Plan()`, plus the stage's rate-limit decision)."""

    def __init__(self, scenario: Scenario | None, seed: int = 0, store: Store | None = None,
                 counts_as: str = "active") -> None:
        """`store` keeps the rule counters (a store of its own when none is given), under `counts_as`: the
        session names it by scenario switch, so a new scenario counts from zero and every process sharing a
        store counts a switch's requests together."""
        self.scenario = scenario
        self.seed = seed
        self.store = store if store is not None else MemoryStore()
        self.counts_as = counts_as
        self.credentials = ALL_VALID if scenario is None else \
            Credentials(dict(scenario.credentials), scenario.default_credential)
        # what most requests get (no rule, no rate limit, no credits): one frozen plan, not one per request
        self._unmatched = Plan(scenario=scenario.name if scenario is not None else None, credentials=self.credentials)
        self.reset()

    def reset(self) -> None:
        """Restarts the random streams (the counters are the store's: its reset forgets them)."""
        rules = self.scenario.rules if self.scenario else ()
        # one stream for `probability`, one for latency, so that tuning one never moves the other
        self._chance = [random.Random(f"{self.seed}:{index}:{rule.name}:when") for index, rule in enumerate(rules)]
        self._delay = [random.Random(f"{self.seed}:{index}:{rule.name}:latency") for index, rule in enumerate(rules)]

    # -- per request -----------------------------------------------------------------------------

    async def decide(self, request: Request, rate_limit: Decision | None = None, charge: Charge | None = None) -> Plan:
        """The first applicable rule's plan, carrying the scenario stage's rate-limit decision and credit charge;
        each rule whose match fits counts the request (in the store) before its `when` is asked."""
        if self.scenario is None:
            return self.unmatched(rate_limit, charge)
        for index, rule in enumerate(self.scenario.rules):
            if not matches(rule.match, request):
                continue
            count = await self.store.count(f"rule:{self.counts_as}:{index}")
            if not self._applies(rule.when, count, self._chance[index]):
                continue
            return self._plan_of(index, rule, request.api, rate_limit, charge)
        return self.unmatched(rate_limit, charge)

    def unmatched(self, rate_limit: Decision | None = None, charge: Charge | None = None) -> Plan:
        """The plan when no rule applies: the scenario's name, credits and credentials only."""
        if rate_limit is None and charge is None:
            return self._unmatched
        return Plan(scenario=self.scenario.name if self.scenario is not None else None,
                    rate_limit=rate_limit, charge=charge, credentials=self.credentials)

    def _plan_of(self, index: int, rule: Rule, api: str, rate_limit: Decision | None, charge: Charge | None) -> Plan:
        """What the rule that applies asks for (its latency drawn from its own stream)."""
        scenario = self.scenario.name if self.scenario is not None else None
        return Plan(
            latency=sample_latency(rule.latency, self._delay[index]),
            error=rule.error, fault=rule.fault, run=rule.run.get(api), stream=rule.stream,
            fixture=rule.fixture, rule=rule.name, replay=rule.replay,
            scenario=scenario, rate_limit=rate_limit, charge=charge, credentials=self.credentials,
        )

    @staticmethod
    def _applies(when: When, count: int, rng: random.Random) -> bool:
        if when.first is not None and count > when.first:
            return False
        if when.every is not None and count % when.every != 0:
            return False
        if when.probability is not None and rng.random() >= when.probability:
            return False
        return True

    # -- per scenario ----------------------------------------------------------------------------

    def rate_limits(self, api: str) -> list[tuple[float, int]] | None:
        """The scenario's windows for `api` ([] = no limit), or None to keep the server's default."""
        if self.scenario is None or api not in self.scenario.rate_limits:
            return None
        return list(self.scenario.rate_limits[api])

    def credits(self, api: str) -> CreditPolicy | None:
        if self.scenario is None:
            return None
        return self.scenario.credits.get(api)



def sample_latency(latency: Latency | None, rng: random.Random) -> float:
    """Seconds to wait, drawn from the rule's distribution (never negative, never above a cap)."""
    if latency is None:
        return 0.0
    if latency.kind == "uniform":
        value = rng.uniform(latency.low, latency.high)
    elif latency.kind == "lognormal":
        value = latency.median * math.exp(latency.sigma * rng.gauss(0.0, 1.0)) if latency.median > 0 else 0.0
    else:
        value = latency.value
    if latency.cap is not None:
        value = min(value, latency.cap)
    return max(value, 0.0)


__all__ = ["ScenarioEngine", "sample_latency"]
