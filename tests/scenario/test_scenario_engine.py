"""The scenario engine: matching, rule order, when-conditions, seeded draws and latency distributions."""

from __future__ import annotations

import asyncio
import json
import random
import textwrap
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wfmock.openapi.pointer import escape, lookup
from wfmock.scenario import load_text
from wfmock.scenario.engine import ScenarioEngine, sample_latency
from wfmock.scenario.model import Latency
from wfmock.pipeline.request import Request
from wfmock.scenario.plan import Plan
from wfmock.store import MemoryStore


def engine(rules: str, seed: int = 0, extra: str = "") -> ScenarioEngine:
    text = "name: t\ndescription: test\n" + textwrap.dedent(extra) + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")
    return ScenarioEngine(load_text(text, source="t.yaml"), seed=seed)


def decided(subject: ScenarioEngine, request: Request) -> Plan:
    """`subject.decide(request)`, run without an event loop: an engine on a memory store never suspends (its counter
    is a plain increment), so the coroutine ends at its first step; one that suspended would fail here."""
    step = subject.decide(request)
    try:
        step.send(None)
    except StopIteration as done:
        return done.value
    step.close()
    raise AssertionError("decide() suspended on a memory store")


def run_request(body: Any = None, **overrides: Any) -> Request:
    fields: dict[str, Any] = dict(api="miso", operation_id="runWorkflow", method="POST", path="/ext/v1/workflows/run",
                                  path_params={}, query={}, headers={}, body=body, api_key="k")
    fields.update(overrides)
    return Request(**fields)


def create_request(body: Any) -> Request:
    return Request(api="imprun", operation_id="createWorkflow", method="POST", path="/v2/workflows",
                       body=body, api_key="k")


# -- no scenario -------------------------------------------------------------------------------------


def test_without_a_scenario_every_plan_does_nothing() -> None:
    idle = ScenarioEngine(None, seed=1)
    assert decided(idle, run_request()) == Plan()
    assert Plan() == Plan(latency=0.0, error=None, fault=None, run=None, stream=None, fixture=None, rule=None)
    assert idle.rate_limits("imprun") is None and idle.credits("miso") is None
    assert idle.credentials.state("cred_x") == "valid"


# -- matching ----------------------------------------------------------------------------------------


def test_match_by_api_operation_and_method() -> None:
    subject = engine("""
        - name: imprun-only
          match: {api: imprun}
        - name: logs
          match: {operation: [listWorkflowLogs, getWorkflowRun], method: GET}
        - name: rest
    """)
    assert decided(subject, create_request({})).rule == "imprun-only"
    logs = run_request(operation_id="listWorkflowLogs", method="GET", path="/ext/v1/workflows/logs")
    assert decided(subject, logs).rule == "logs"
    assert decided(subject, run_request()).rule == "rest"


def test_match_by_path_params_query_and_headers() -> None:
    subject = engine("""
        - name: by-path
          match: {path_params: {workflow_run_id: {regex: "^run-"}}}
        - name: by-query
          match: {query: {limit: 5, status: {one_of: [failed, stopped]}}}
        - name: by-header
          match: {headers: {X-Tenant: {equals: acme}}}
        - name: header-absent
          match: {headers: {x-debug: {present: false}}}
    """)
    assert decided(subject, run_request(path_params={"workflow_run_id": "run-1"})).rule == "by-path"
    assert decided(subject, run_request(query={"limit": "5", "status": "stopped"})).rule == "by-query"
    assert decided(subject, run_request(query={"limit": "5", "status": "running"})).rule == "header-absent"
    assert decided(subject, run_request(headers={"x-tenant": "acme"})).rule == "by-header"
    assert decided(subject, run_request(headers={"x-debug": "1"})).rule is None


def test_match_by_body_json_pointer() -> None:
    subject = engine("""
        - name: equals
          match: {body: {/params/siteCode: HOMETAX, /params/year: 2025}}
        - name: one-of
          match: {body: {/inputs/kind: {one_of: [land, building]}}}
        - name: regex
          match: {body: {/files/0/type: {regex: "^doc"}}}
        - name: escaped
          match: {body: {"/a~1b/c~0d": true}}
        - name: present
          match: {body: {/inputs/extra: {present: true}}}
    """)
    assert decided(subject, create_request({"params": {"siteCode": "HOMETAX", "year": 2025}})).rule == "equals"
    assert decided(subject, create_request({"params": {"siteCode": "HOMETAX", "year": 2024}})).rule is None
    assert decided(subject, run_request({"inputs": {"kind": "building"}})).rule == "one-of"
    assert decided(subject, run_request({"inputs": {"kind": "ship"}})).rule is None
    assert decided(subject, run_request({"files": [{"type": "document"}]})).rule == "regex"
    assert decided(subject, run_request({"files": []})).rule is None
    assert decided(subject, run_request({"a/b": {"c~d": True}})).rule == "escaped"
    assert decided(subject, run_request({"a/b": {"c~d": 1}})).rule is None  # true is not 1
    assert decided(subject, run_request({"inputs": {"extra": None}})).rule == "present"
    assert decided(subject, run_request(None)).rule is None
    assert decided(subject, run_request("not an object")).rule is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@given(key=st.text(max_size=6), value=json_values)
def test_a_pointer_finds_what_it_points_at(key: str, value: Any) -> None:
    assert lookup({"outer": {key: value}}, f"/outer/{escape(key)}") == value
    assert lookup([value], "/0") == value


printable = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp"))


@given(value=st.one_of(st.booleans(), st.integers(), st.text(printable, max_size=10)))
def test_equals_matches_the_value_itself(value: Any) -> None:
    subject = engine(f"- name: hit\n  match: {{body: {{/v: {{equals: {json.dumps(value, ensure_ascii=False)}}}}}}}\n")
    assert decided(subject, run_request({"v": value})).rule == "hit"


# -- order and when ----------------------------------------------------------------------------------


def test_rules_apply_in_order_first_match_wins() -> None:
    subject = engine("""
        - {name: first, match: {operation: runWorkflow}, latency: 1}
        - {name: second, match: {operation: runWorkflow}, latency: 2}
    """)
    plan = decided(subject, run_request())
    assert plan.rule == "first" and plan.latency == 1.0


def test_a_rule_whose_when_does_not_hold_falls_through() -> None:
    subject = engine("""
        - {name: first-two, when: {first: 2}, error: internal_server_error, match: {api: miso}}
        - {name: afterwards}
    """)
    assert [decided(subject, run_request()).rule for _ in range(4)] == ["first-two", "first-two", "afterwards", "afterwards"]
    assert decided(subject, create_request({})).rule == "afterwards"  # imprun does not count for the miso rule


@given(n=st.integers(1, 20), total=st.integers(0, 40))
def test_first_n_applies_to_exactly_the_first_n(n: int, total: int) -> None:
    subject = engine(f"- {{name: r, when: {{first: {n}}}}}\n")
    hits = [i for i in range(1, total + 1) if decided(subject, run_request()).rule == "r"]
    assert hits == list(range(1, min(n, total) + 1))


@given(k=st.integers(1, 10), total=st.integers(0, 40))
def test_every_k_applies_to_every_kth_matching_request(k: int, total: int) -> None:
    subject = engine(f"- {{name: r, when: {{every: {k}}}}}\n")
    hits = [i for i in range(1, total + 1) if decided(subject, run_request()).rule == "r"]
    assert hits == [i for i in range(1, total + 1) if i % k == 0]


def test_always_applies_to_every_request() -> None:
    subject = engine("- {name: r, when: always}\n- {name: s, when: {always: true}}\n")
    assert {decided(subject, run_request()).rule for _ in range(10)} == {"r"}


@settings(max_examples=25, deadline=None)
@given(p=st.floats(0.05, 0.95), seed=st.integers(0, 2**32))
def test_probability_is_reproducible_with_the_seed(p: float, seed: int) -> None:
    rules = f"- {{name: r, when: {{probability: {p}}}}}\n"
    draws = lambda subject: [decided(subject, run_request()).rule == "r" for _ in range(400)]  # noqa: E731
    first = engine(rules, seed=seed)
    sequence = draws(first)
    assert draws(engine(rules, seed=seed)) == sequence
    first.reset()
    assert draws(first) == sequence
    assert abs(sum(sequence) / len(sequence) - p) < 0.15


def test_probability_differs_between_seeds_and_bounds_hold() -> None:
    rules = "- {name: r, when: {probability: 0.5}}\n"
    sequences = {tuple(decided(e, run_request()).rule == "r" for _ in range(64))
                 for e in (engine(rules, seed=s) for s in range(5))}
    assert len(sequences) > 1
    never = engine("- {name: r, when: {probability: 0}}\n")
    always = engine("- {name: r, when: {probability: 1}}\n")
    assert all(decided(never, run_request()).rule is None for _ in range(200))
    assert all(decided(always, run_request()).rule == "r" for _ in range(200))


def test_when_parts_combine() -> None:
    subject = engine("- {name: r, when: {first: 6, every: 2}}\n")
    assert [decided(subject, run_request()).rule for _ in range(8)] == [None, "r", None, "r", None, "r", None, None]


def test_counters_live_in_the_store_and_its_reset_restarts_them() -> None:
    store = MemoryStore()
    subject = ScenarioEngine(load_text("name: t\ndescription: d\nrules:\n  - {name: r, when: {first: 1}}\n",
                                       source="t.yaml"), store=store, counts_as="v1:active")
    assert decided(subject, run_request()).rule == "r" and decided(subject, run_request()).rule is None
    assert asyncio.run(store.count("rule:v1:active:0")) == 3  # both requests were counted there, this is the third
    store.reset_now()
    subject.reset()
    assert decided(subject, run_request()).rule == "r"


# -- actions -----------------------------------------------------------------------------------------


def test_actions_reach_the_plan() -> None:
    subject = engine("""
        - name: everything
          match: {api: miso}
          latency: {fixed: 0.5}
          error: {code: app_unavailable, message: down}
          fault: {kind: drip, bytes_per_second: 10}
          run: {status: failed, failed_node: 2, error_message: boom}
          stream: {event_delay: 0.1, chunk_size: 3, chunk_interval: 0.2, ping_interval: 1, error_after: 4,
                   error_code: internal_server_error, disconnect_after: 5, stall_after: 1, stall_seconds: 2}
        - name: pin
          match: {api: imprun}
          run: {status: TIMED_OUT, after: 3}
          fixture: hometax/business-closed.json
    """)
    plan = decided(subject, run_request())
    assert plan.latency == 0.5
    assert (plan.error.code, plan.error.message, plan.error.status) == ("app_unavailable", "down", None)
    assert (plan.fault.kind, plan.fault.bytes_per_second) == ("drip", 10)
    assert (plan.run.status, plan.run.failed_node, plan.run.error_message) == ("failed", 2, "boom")
    shape = plan.stream
    assert (shape.event_delay, shape.chunk_size, shape.chunk_interval, shape.ping_interval) == (0.1, 3, 0.2, 1)
    assert (shape.error_after, shape.error_code, shape.disconnect_after) == (4, "internal_server_error", 5)
    assert (shape.stall_after, shape.stall_seconds) == (1, 2)
    pinned = decided(subject, create_request({}))
    assert pinned.fixture == "hometax/business-closed.json" and pinned.run.status == "TIMED_OUT" and pinned.run.after == 3


def test_scenario_level_policies() -> None:
    subject = engine("[]\n", extra="""
        rate_limits:
          imprun: {per_second: 2, per_hour: 50}
          miso: off
        credits:
          miso: {initial: 3, cost: 2}
        credentials:
          default: expired
          ids: {good: valid, bad: wrong_password}
    """)
    assert subject.rate_limits("imprun") == [(1.0, 2), (3600.0, 50)]
    assert subject.rate_limits("miso") == []
    credits = subject.credits("miso")
    assert (credits.initial, credits.cost) == (3, 2) and subject.credits("imprun") is None
    assert [subject.credentials.state(c) for c in ("good", "bad", "other")] == ["valid", "wrong_password", "expired"]


# -- latency distributions ---------------------------------------------------------------------------

seconds = st.floats(0, 30, allow_nan=False)


@given(value=seconds, seed=st.integers())
def test_fixed_latency_is_exact(value: float, seed: int) -> None:
    assert sample_latency(Latency("fixed", value=value), random.Random(seed)) == value


@given(low=seconds, span=seconds, seed=st.integers())
def test_uniform_latency_stays_within_bounds(low: float, span: float, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        assert low <= sample_latency(Latency("uniform", low=low, high=low + span), rng) <= low + span


@given(median=st.floats(0.001, 10), sigma=st.floats(0, 3), cap=st.floats(0, 20), seed=st.integers())
def test_lognormal_latency_is_positive_and_capped(median: float, sigma: float, cap: float, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        assert 0 <= sample_latency(Latency("lognormal", median=median, sigma=sigma, cap=cap), rng) <= cap


def test_lognormal_latency_has_the_median_it_was_given() -> None:
    rng = random.Random(7)
    draws = sorted(sample_latency(Latency("lognormal", median=0.4, sigma=0.6), rng) for _ in range(4001))
    assert 0.37 < draws[2000] < 0.43
    assert sample_latency(None, rng) == 0.0


def test_latency_draws_are_reproducible_per_seed() -> None:
    rules = "- {name: slow, latency: {lognormal: {median: 0.4, sigma: 0.6, cap: 3}}}\n"
    one, two = engine(rules, seed=3), engine(rules, seed=3)
    assert [decided(one, run_request()).latency for _ in range(20)] == [decided(two, run_request()).latency for _ in range(20)]


def test_engines_sharing_a_store_count_together_and_plan_alike_replay_included() -> None:
    """Two processes on one shared store are two engines on one store: `first: 2` is two requests in all."""
    from wfmock.scenario.model import Rule, Scenario, When
    from wfmock.scenario.plan import Replay

    recorded = Replay(status=201, body={"id": "f"})
    scenario = Scenario(name="t", rules=(Rule(name="recorded", replay=recorded, when=When(first=2)),))
    store = MemoryStore()
    one, two = (ScenarioEngine(scenario, seed=3, store=store, counts_as="v:active") for _ in range(2))
    first, second, third = decided(one, run_request()), decided(two, run_request()), decided(one, run_request())
    assert first == second and first.replay is recorded and third.rule is None
