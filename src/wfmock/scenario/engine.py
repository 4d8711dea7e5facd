"""Decides a `Plan` for each request from the active scenario: first applicable rule wins.

Counters (`first`, `every`) and random draws (`probability`, latency) are per rule and seeded, so
the same seed and the same request sequence give the same plans.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable

from wfmock.scenario.matching import matches
from wfmock.scenario.model import CreditPolicy, Latency, Rule, Scenario, When
from wfmock.scenario.plan import Plan, RequestInfo


class ScenarioEngine:
    """Applies one scenario (or none: every plan is the do-nothing `Plan()`)."""

    def __init__(self, scenario: Scenario | None, seed: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        # set on a shared store: rule index → that rule's count across processes (after adding this request)
        self.counter: Callable[[int], Awaitable[int]] | None = None
        self.reset()

    def reset(self) -> None:
        """Forgets rule counters and restarts the random streams."""
        rules = self.scenario.rules if self.scenario else ()
        self._seen = [0] * len(rules)
        # one stream for `probability`, one for latency, so that tuning one never moves the other
        self._chance = [random.Random(f"{self.seed}:{index}:{rule.name}:when") for index, rule in enumerate(rules)]
        self._delay = [random.Random(f"{self.seed}:{index}:{rule.name}:latency") for index, rule in enumerate(rules)]

    # -- per request -----------------------------------------------------------------------------

    def plan(self, request: RequestInfo) -> Plan:
        if self.scenario is None:
            return Plan()
        for index, rule in enumerate(self.scenario.rules):
            if not matches(rule.match, request):
                continue
            self._seen[index] += 1
            if not self._applies(rule.when, self._seen[index], self._chance[index]):
                continue
            return self._plan_of(index, rule, request.api)
        return Plan()

    def _plan_of(self, index: int, rule: Rule, api: str) -> Plan:
        """What the rule that applies asks for (its latency drawn from its own stream)."""
        return Plan(
            latency=sample_latency(rule.latency, self._delay[index]),
            error=rule.error, fault=rule.fault, run=rule.run.get(api), stream=rule.stream,
            fixture=rule.fixture, rule=rule.name, replay=rule.replay,
        )

    async def decide(self, request: RequestInfo) -> Plan:
        """`plan`, counting on the shared counters when a shared store set `counter`."""
        if self.counter is None or self.scenario is None:
            return self.plan(request)
        for index, rule in enumerate(self.scenario.rules):
            if not matches(rule.match, request):
                continue
            if not self._applies(rule.when, await self.counter(index), self._chance[index]):
                continue
            return self._plan_of(index, rule, request.api)
        return Plan()

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

    def credential_state(self, credential_id: str) -> str:
        if self.scenario is None:
            return "valid"
        return self.scenario.credentials.get(credential_id, self.scenario.default_credential)


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
