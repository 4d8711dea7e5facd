"""A third API registered by the test alone is served, scenario-matched and contract-checked with no change to the
core: the core loops over the registry and never names an API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.apis.toy.unit import UNIT
from wfmock.apis import registry
from wfmock.app import Config, build_app
from wfmock.clock import FakeClock
from wfmock.scenario import load_text
from wfmock.scenario.errors import ScenarioError

KEY = {"X-Toy-Key": "toy-key"}


@pytest.fixture
def toy() -> Iterator[None]:
    registry.register(UNIT)
    try:
        yield
    finally:
        registry.unregister(UNIT.name)


def serve(config: Config, *requests: tuple[str, str, dict[str, str]]) -> list[httpx.Response]:
    """The app built from `config`, asked each (method, path, headers) in turn, in-process."""
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=build_app(config))
        async with httpx.AsyncClient(transport=transport, base_url="http://wfmock.test") as client:
            return [await client.request(method, path, headers=headers) for method, path, headers in requests]

    return asyncio.run(go())


def test_the_registry_lists_the_toy_only_while_it_is_registered(toy: None) -> None:
    assert registry.names()[-1] == "toy" and registry.get("toy") is UNIT
    registry.unregister("toy")
    assert "toy" not in registry.names()
    registry.register(UNIT)
    with pytest.raises(ValueError):
        registry.register(UNIT)


def test_the_toy_is_served_in_its_own_envelope(toy: None) -> None:
    pong, unauthorized, unknown, wrong_method = serve(
        Config(apis=("toy",), clock=FakeClock(), rate_limits=False),
        ("GET", "/toy/v1/ping", KEY), ("GET", "/toy/v1/ping", {}), ("GET", "/toy/v1/nothing", KEY),
        ("DELETE", "/toy/v1/ping", KEY))
    assert (pong.status_code, pong.json()) == (200, {"pong": True})
    assert (unauthorized.status_code, unauthorized.json()["code"]) == (401, "toy_unauthorized")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "toy_not_found")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "toy_method_not_allowed")
    assert all(set(r.json()) == {"code", "message"} for r in (unauthorized, unknown, wrong_method))


def test_every_registered_api_is_served_by_default(toy: None) -> None:
    pong, imprun_unknown = serve(Config(clock=FakeClock(), rate_limits=False),
                                 ("GET", "/toy/v1/ping", KEY), ("GET", "/v2/workflows/wf_nothing", {"X-API-Key": "k"}))
    assert (pong.status_code, pong.json()) == (200, {"pong": True})
    assert (imprun_unknown.status_code, imprun_unknown.json()["code"]) == (404, "NOT_FOUND")


SCENARIO = """
name: toy-moods
description: The toy sleeps when asked to, and is slow otherwise.
rules:
  - name: asleep
    match: {api: toy, operation: ping, headers: {x-mood: sleepy}}
    error: toy_sleeping
  - name: slow
    match: {operation: ping}
    latency: 1.5
"""


def test_a_scenario_forces_the_toys_documented_error_and_latency(toy: None, tmp_path: Path) -> None:
    scenario = tmp_path / "toy-moods.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    clock = FakeClock()
    asleep, slow = serve(Config(apis=("toy",), clock=clock, rate_limits=False, scenario=str(scenario)),
                         ("GET", "/toy/v1/ping", {**KEY, "X-Mood": "sleepy"}), ("GET", "/toy/v1/ping", KEY))
    assert (asleep.status_code, asleep.json()) == (503, {"code": "toy_sleeping", "message": "The toy is asleep."})
    assert (slow.status_code, slow.json()) == (200, {"pong": True})
    assert clock.now() == FakeClock().now() + 1.5


@pytest.mark.parametrize("rule, problem", [
    ("{match: {api: toy}, error: toy_nonsense}", "`toy_nonsense` is not a documented toy error code"),
    ("{match: {operation: pong}}", "unknown operation `pong` (did you mean `ping`?)"),
    ("{match: {api: toy}, stream: {chunk_size: 2}}", "stream shaping applies to MISO streams only"),
    ("{match: {api: toy}, run: {status: FAILED}}", "`FAILED` is not a run status for toy"),
])
def test_the_loader_checks_toy_rules_against_the_toys_document(toy: None, rule: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_text(f"name: bad\ndescription: bad\nrules:\n  - {rule}\n")
    assert problem in str(raised.value)


def test_the_contract_kit_checks_the_served_toy(toy: None) -> None:
    from tests.support import serving
    from wfmock.contract.runner import run
    from wfmock.contract.settings import Settings

    with serving(build_app(Config(apis=("toy",), rate_limits=False, api_keys=("toy-key",)))) as base_url:
        settings = Settings(api="toy", base_url=base_url, api_key="toy-key", max_examples=3,
                            families=("schemathesis", "error-envelope", "auth"))
        report = run(settings)
    checks = {outcome.check: outcome for outcome in report.outcomes}
    assert {"schemathesis", "error_envelope", "auth"} <= set(checks)
    assert report.findings == [] and report.errors == [], _summary(report)
    assert not checks["auth"].inconclusive  # the key is enforced: the kit really probed without and with it


def _summary(report: Any) -> str:
    return "; ".join(f"{f.check}: {f.message}" for f in report.findings)[:2000] + str(report.errors)[:500]
