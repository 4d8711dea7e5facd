"""The scenario stage: one call per request gives ONE plan (rule, rate limit, credit charge, credentials), in the
order rate limit → body → rules; a refused request's body is never read."""

import asyncio
import textwrap

import pytest

from wfmock.clock import FakeClock
from wfmock.errors import ApiError
from wfmock.pipeline.request import Request
from wfmock.pipeline.scenario_stage import ScenarioStage
from wfmock.scenario import load_text
from wfmock.state import ServerSettings, Session

SCENARIO = textwrap.dedent("""\
    name: stage
    description: the stage's test scenario
    rate_limits:
      imprun: {per_second: 2}
    credits:
      imprun: {initial: 3, cost: 2}
      miso: {initial: 1, cost: 1}
    credentials:
      default: valid
      ids: {old: expired}
    rules:
      - name: slow-create
        match: {operation: [createWorkflow], body: {/params/siteCode: {equals: WEHAGO}}}
        latency: 1.5
        fault: {kind: truncate, fraction: 0.25}
""")


def session(scenario: str | None = SCENARIO, **settings: object) -> Session:
    return Session(ServerSettings(**settings), clock=FakeClock(),
                   scenario=load_text(scenario, source="stage.yaml") if scenario else None,
                   default_rate_limits={"miso": [(60.0, 1)]})


def create(body: object = None, key: str | None = "k1", api: str = "imprun") -> Request:
    return Request(method="POST", path="/v2/workflows", api=api, operation_id="createWorkflow", api_key=key,
                   headers={"content-type": "application/json"}, body=body)


def plan_for(stage: ScenarioStage, request: Request) -> tuple[Request, list[str]]:
    reads: list[str] = []

    async def read_body() -> None:
        reads.append("read")

    asyncio.run(stage.plan(request, read_body))
    return request, reads


def test_the_matching_rule_latency_and_fault_are_in_the_plan_with_the_scenario_name() -> None:
    request, reads = plan_for(ScenarioStage(session()), create({"params": {"siteCode": "WEHAGO"}}))
    plan = request.plan
    assert reads == ["read"] and (plan.rule, plan.scenario, plan.latency) == ("slow-create", "stage", 1.5)
    assert plan.fault is not None and (plan.fault.kind, plan.fault.fraction) == ("truncate", 0.25)


def test_no_rule_still_carries_the_rate_limit_charge_and_credentials() -> None:
    request, _ = plan_for(ScenarioStage(session()), create({"params": {"siteCode": "HOMETAX"}}))
    plan = request.plan
    assert plan.rule is None and plan.scenario == "stage" and plan.fault is None
    assert plan.rate_limit is not None and plan.rate_limit.allowed and plan.rate_limit.limit == 2
    assert plan.charge is not None
    assert (plan.credentials.state("old"), plan.credentials.state("new")) == ("expired", "valid")


def test_over_the_limit_is_a_429_before_the_body_is_read_and_the_plan_keeps_the_window() -> None:
    stage = ScenarioStage(session())
    plan_for(stage, create())
    plan_for(stage, create())
    with pytest.raises(ApiError) as caught:
        plan_for(stage, refused := create())
    assert caught.value.status == 429 and "2 requests per window" in caught.value.message
    assert refused.plan.rate_limit is not None and not refused.plan.rate_limit.allowed
    assert refused.plan.rate_limit.headers()["Retry-After"]
    other_key, _ = plan_for(stage, create(key="k2"))  # windows are per key
    assert other_key.plan.rate_limit.allowed


def test_a_request_without_a_key_is_never_rate_limited() -> None:
    stage = ScenarioStage(session())
    plans = [plan_for(stage, create(key=None))[0].plan for _ in range(3)]
    assert [plan.rate_limit for plan in plans] == [None, None, None]


def test_without_a_scenario_the_servers_default_limits_apply_unless_switched_off() -> None:
    on = ScenarioStage(session(None))
    assert plan_for(on, create(api="miso"))[0].plan.rate_limit.limit == 1
    assert plan_for(on, create(api="imprun"))[0].plan.rate_limit is None  # no default for imprun here
    off = ScenarioStage(session(None, rate_limits=False))
    assert plan_for(off, create(api="miso"))[0].plan.rate_limit is None
    assert plan_for(off, create(api="miso"))[0].plan.charge is None


@pytest.mark.parametrize(("api", "charges", "code", "status"), [
    ("imprun", 1, "INSUFFICIENT_CREDIT", 402), ("miso", 1, "provider_quota_exceeded", 400),
])
def test_the_charge_takes_a_runs_cost_and_then_says_exhausted_in_the_apis_code(
        api: str, charges: int, code: str, status: int) -> None:
    stage = ScenarioStage(session(rate_limits=False))
    stage.session.default_rate_limits.clear()
    plan = plan_for(stage, create(api=api))[0].plan
    for _ in range(charges):
        asyncio.run(plan.charge_run())
    with pytest.raises(ApiError) as caught:
        asyncio.run(plan.charge_run())
    assert (caught.value.code, caught.value.status) == (code, status)


def test_planning_alone_never_charges() -> None:
    stage = ScenarioStage(session(rate_limits=False))
    for _ in range(5):
        plan_for(stage, create(api="miso"))
    asyncio.run(plan_for(stage, create(api="miso"))[0].plan.charge_run())  # the balance of 1 is still whole


def test_a_per_request_scenario_header_naming_nothing_is_a_400() -> None:
    request = create()
    request.headers = {"x-wfmock-scenario": "no-such-scenario"}
    with pytest.raises(ApiError) as caught:
        plan_for(ScenarioStage(session()), request)
    assert caught.value.status == 400 and "per-request scenarios" in caught.value.message
