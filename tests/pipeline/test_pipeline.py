"""The stages together, in process (httpx.ASGITransport, FakeClock): what the plan does to the answer, the rate
headers on every answer, malformed JSON decoded once yet still matched by the scenario, and faults degrading to
a complete answer where no socket can be dropped."""

import textwrap

import pytest

from wfmock.app import Config, build_app
from wfmock.clock import FakeClock
from wfmock.pipeline import Pipeline
from wfmock.scenario import load_text
from tests.inprocess import call

CREATE = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                         "credentialId": "cred_1", "year": 2025}}
KEY = {"X-API-Key": "k1"}


def pipeline(rules: str = "[]", extra: str = "", **config: object) -> Pipeline:
    app = build_app(Config(apis=("imprun",), clock=FakeClock(), run_duration=0.0, admin=False, **config))
    text = "name: piped\ndescription: d\n" + textwrap.dedent(extra) + "rules:\n" + textwrap.indent(
        textwrap.dedent(rules), "  ")
    app.session.use_scenario(load_text(text, source="piped.yaml"))
    return app


def test_latency_is_slept_on_the_servers_clock_and_the_journal_names_scenario_and_rule() -> None:
    app = pipeline("""
        - {name: slow, latency: 2.5, match: {operation: [createWorkflow]}}
    """)
    before = app.session.clock.now()
    assert call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY).status_code == 200
    assert app.session.clock.now() - before == pytest.approx(2.5)
    entry = app.journal.entries[-1]
    assert (entry["scenario"], entry["rule"], entry["status"]) == ("piped", "slow", 200)


def test_every_answer_to_an_admitted_request_carries_its_rate_window() -> None:
    app = pipeline(extra="rate_limits:\n  imprun: {per_second: 5}\n")
    invalid = call(app, "POST", "/v2/workflows", json={"type": "scraping"}, headers=KEY)
    assert invalid.status_code == 400 and invalid.headers["RateLimit-Limit"] == "5"
    ok = call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY)
    assert ok.headers["RateLimit-Remaining"] == "3"


def test_malformed_json_is_a_400_but_a_rule_may_answer_first() -> None:
    app = pipeline("""
        - {name: down, error: INTERNAL_ERROR, match: {api: imprun, headers: {x-down: {present: true}}}}
    """)
    headers = {**KEY, "content-type": "application/json"}
    broken = call(app, "POST", "/v2/workflows", content=b'{"type": ', headers=headers)
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["message"]
    forced = call(app, "POST", "/v2/workflows", content=b'{"type": ', headers={**headers, "x-down": "1"})
    assert forced.status_code == 500 and forced.json()["code"] == "INTERNAL_ERROR"


def test_credits_are_charged_only_for_accepted_runs() -> None:
    app = pipeline(extra="credits:\n  imprun: {initial: 1, cost: 1}\n")
    assert call(app, "POST", "/v2/workflows", json={"type": "scraping"}, headers=KEY).status_code == 400
    assert call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY).status_code == 200
    exhausted = call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY)
    assert exhausted.status_code == 402 and exhausted.json()["code"] == "INSUFFICIENT_CREDIT"


def test_credential_states_come_from_the_plan() -> None:
    app = pipeline(extra="credentials:\n  default: valid\n  ids: {cred_1: expired}\n")
    created = call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY).json()
    read = call(app, "GET", f"/v2/workflows/{created['id']}", headers=KEY).json()
    assert read["status"] == "FAILED" and read["error"]["code"] == "CREDENTIAL_EXPIRED"


@pytest.mark.parametrize("kind", ["reset", "empty"])
def test_a_drop_before_anything_was_sent_is_a_502_in_process(kind: str) -> None:
    app = pipeline(f"""
        - {{name: gone, fault: {{kind: {kind}}}, match: {{operation: [createWorkflow]}}}}
    """)
    response = call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY)
    assert response.status_code == 502 and response.content == b""
    assert app.journal.entries[-1]["fault"] == kind


def test_a_truncated_body_ends_early_in_process() -> None:
    app = pipeline("""
        - {name: cut, fault: {kind: truncate, bytes: 7}, match: {operation: [createWorkflow]}}
    """)
    response = call(app, "POST", "/v2/workflows", json=CREATE, headers=KEY)
    assert response.content == b'{"id":"' and int(response.headers["content-length"]) > 7  # promised more
