"""The scenario stage: the one place a request consults the scenario, and the one `Plan` it gets back.

In order: follow a scenario switched through another process (shared store), pick the active or the
`X-Wfmock-Scenario` engine, decide the rate limit (429 here), read the body (rules match on it), then
let the engine's first applicable rule decide. The plan also carries the credit charge for a run the
behaviour accepts and the scenario's credential states, so the behaviour reads the plan and nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from wfmock import errors
from wfmock.apis import registry
from wfmock.errors import ApiError
from wfmock.pipeline.request import Request
from wfmock.ratelimit import Decision
from wfmock.scenario.model import CreditPolicy
from wfmock.scenario.plan import Charge

if TYPE_CHECKING:
    from wfmock.scenario.engine import ScenarioEngine
    from wfmock.state import Session

SCENARIO_HEADER = "x-wfmock-scenario"


class ScenarioStage:
    """Turns a routed, authenticated request into its `Plan` (see the module's docstring for the order)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def plan(self, request: Request, read_body: Callable[[], Awaitable[None]]) -> None:
        """Fills in `request.plan`; `read_body` runs once the request is admitted (a 429 never reads it)."""
        session = self.session
        await session.follow_scenario()
        engine = session.engine_for(request.headers.get(SCENARIO_HEADER))
        decision = await self._admit(request, engine)
        try:
            if decision is not None and not decision.allowed:
                raise ApiError(errors.RATE_LIMITED, _rate_message(decision), status=429)
            await read_body()
            request.plan = await engine.decide(request, rate_limit=decision, charge=self._charge(request, engine))
        except ApiError:
            request.plan = engine.unmatched(rate_limit=decision)  # the answer still names its window and scenario
            raise

    async def _admit(self, request: Request, engine: ScenarioEngine) -> Decision | None:
        """The rate-limit decision for this request, or `None` when no limit applies."""
        if request.api_key is None:
            return None
        api = request.api
        windows = engine.rate_limits(api)
        if windows is None:
            if not self.session.settings.rate_limits:
                return None
            windows = self.session.default_rate_limits.get(api, [])
        if not windows:
            return None
        windows = [(float(s), int(n)) for s, n in windows]
        signature = f"{self.session.scenario_version}:{api}:" + ",".join(f"{s:g}/{n}" for s, n in windows)
        return await self.session.store.admit(signature, windows, request.api_key, self.session.clock.now())

    def _charge(self, request: Request, engine: ScenarioEngine) -> Charge | None:
        """The charge for one run of this request's API, or None when the scenario keeps no credits for it."""
        policy = engine.credits(request.api)
        if policy is None:
            return None
        return CreditCharge(self.session, request.api, request.api_key, policy)


class CreditCharge:
    """Takes one run's cost from an account; the API's "exhausted" error when the balance cannot cover it."""

    __slots__ = ("session", "api", "key", "policy")

    def __init__(self, session: Session, api: str, key: str | None, policy: CreditPolicy) -> None:
        self.session, self.api, self.key, self.policy = session, api, key, policy

    async def __call__(self) -> None:
        cost = int(getattr(self.policy, "cost", 1))
        account = self.session.credit_account(self.api, self.key)  # named when charged, as the balance is now
        if not await self.session.store.charge(account, int(self.policy.initial), cost):
            code, status = registry.get(self.api).credit_exhausted
            raise ApiError(code, None, status=status)


def _rate_message(decision: Decision) -> str:
    return f"Rate limit exceeded: {decision.limit} requests per window; retry after {decision.headers()['Retry-After']} s"
