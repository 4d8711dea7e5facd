"""imprun's behaviour in-process (httpx.ASGITransport, FakeClock): a run's life from RUNNING to its end, who may
read it, its progress page, the outcomes a scenario forces and its envelope — what the subprocess tests cover where
a socket is not the point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.inprocess import app, call
from wfmock.clock import FakeClock
from wfmock.pipeline import Pipeline

KEY = {"X-API-Key": "your-api-key"}
HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}
RUN_SECONDS = 2.0


def imprun(clock: FakeClock, **options: Any) -> Pipeline:
    return app(apis=("imprun",), clock=clock, run_duration=RUN_SECONDS, seed=7, **options)


def create(pipeline: Pipeline, body: dict[str, Any] = HOMETAX, headers: dict[str, str] = KEY) -> httpx.Response:
    return call(pipeline, "POST", "/v2/workflows", headers=headers, json=body)


def read(pipeline: Pipeline, run_id: str, headers: dict[str, str] = KEY) -> httpx.Response:
    return call(pipeline, "GET", f"/v2/workflows/{run_id}", headers=headers)


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "code"} and body["code"] == code and body["error"], body
    return body


def test_a_run_is_running_until_its_time_then_succeeded_with_a_result() -> None:
    clock = FakeClock()
    pipeline = imprun(clock)
    created = create(pipeline)
    assert created.status_code == 200
    body = created.json()
    assert body["status"] == "RUNNING" and body["id"].startswith("wf_") and body["createdAt"].endswith("Z")
    assert body["progressUrl"] == f"http://wfmock.test/console/workflows/{body['id']}"
    first = read(pipeline, body["id"]).json()
    assert first["status"] == "RUNNING" and first["finishedAt"] is None and "result" not in first
    clock.advance(RUN_SECONDS)
    final = read(pipeline, body["id"]).json()
    assert final["status"] == "SUCCEEDED" and final["result"] and final["finishedAt"] and "error" not in final
    assert final["params"]["credentialId"] == "cred_abc123"
    assert read(pipeline, body["id"]).json() == final  # a finished run stays as it ended


def test_document_parsing_never_echoes_the_image() -> None:
    clock = FakeClock()
    pipeline = imprun(clock)
    created = create(pipeline, {"type": "document_parsing", "params": {"documentType": "land",
                                                                        "imageBase64": "aGVsbG8=", "priority": "high"}})
    clock.advance(RUN_SECONDS)
    final = read(pipeline, created.json()["id"]).json()
    assert final["status"] == "SUCCEEDED" and "imageBase64" not in final["params"]


def test_a_run_is_private_to_its_key() -> None:
    pipeline = imprun(FakeClock())
    run_id = create(pipeline).json()["id"]
    envelope(read(pipeline, run_id, {"X-API-Key": "someone-else"}), 404, "NOT_FOUND")
    envelope(read(pipeline, "wf_doesnotexist"), 404, "NOT_FOUND")


def test_the_progress_page_follows_the_run() -> None:
    clock = FakeClock()
    pipeline = imprun(clock)
    run_id = create(pipeline).json()["id"]
    running = call(pipeline, "GET", f"/console/workflows/{run_id}")
    assert running.status_code == 200 and running.headers["content-type"].startswith("text/html")
    assert run_id in running.text and 'data-status="RUNNING"' in running.text and "cred_abc123" in running.text
    clock.advance(RUN_SECONDS)
    finished = call(pipeline, "GET", f"/console/workflows/{run_id}")
    assert 'data-status="SUCCEEDED"' in finished.text and "<script>" not in finished.text
    missing = call(pipeline, "GET", "/console/workflows/wf_nothing")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), [
    ("GET", "/v2/nothing", {}, 404, "NOT_FOUND"),
    ("DELETE", "/v2/workflows", {}, 405, "METHOD_NOT_ALLOWED"),
    ("POST", "/v2/workflows", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400,
     "VALIDATION_ERROR"),
    ("POST", "/v2/workflows", {"content": b"type=scraping", "headers": {"Content-Type": "text/plain"}}, 415,
     "UNSUPPORTED_MEDIA_TYPE"),
    ("POST", "/v2/workflows", {"json": []}, 400, "VALIDATION_ERROR"),
])
def test_bad_input_gets_the_envelope(method: str, path: str, kwargs: dict[str, Any], status: int, code: str) -> None:
    headers = {**KEY, **kwargs.pop("headers", {})}
    envelope(call(imprun(FakeClock()), method, path, headers=headers, **kwargs), status, code)


def test_the_seeds_missing_credential_example() -> None:
    payload = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info", "year": 2025}}
    body = envelope(create(imprun(FakeClock()), payload), 400, "VALIDATION_ERROR")
    assert body == {"error": "Invalid request", "message": "credentialId is required", "code": "VALIDATION_ERROR"}


def test_keys_missing_or_not_configured_are_invalid() -> None:
    envelope(create(imprun(FakeClock()), headers={}), 401, "INVALID_API_KEY")
    strict = imprun(FakeClock(), api_keys=("test-key",))
    envelope(create(strict), 401, "INVALID_API_KEY")
    assert create(strict, headers={"X-API-Key": "test-key"}).status_code == 200


SCENARIO = """
name: imprun-outcomes
description: one run times out, keys have two credits
credits:
  imprun: {initial: 2, cost: 1}
rules:
  - name: times-out
    match: {api: imprun, operation: createWorkflow, body: {/params/year: 2024}}
    run: {status: timed_out, after: 5}
"""


def test_a_scenario_forces_the_runs_end_and_runs_out_of_credit(tmp_path: Path) -> None:
    scenario = tmp_path / "outcomes.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    clock = FakeClock()
    pipeline = imprun(clock, scenario=str(scenario))
    timed = create(pipeline, {"type": "scraping", "params": {**HOMETAX["params"], "year": 2024}}).json()["id"]
    clock.advance(RUN_SECONDS)
    assert read(pipeline, timed).json()["status"] == "RUNNING"  # `after: 5`, not the server's 2 s
    clock.advance(5 - RUN_SECONDS)
    final = read(pipeline, timed).json()
    assert final["status"] == "TIMED_OUT" and final["error"]["code"] == "TIMEOUT" and "result" not in final
    assert create(pipeline).status_code == 200
    envelope(create(pipeline), 402, "INSUFFICIENT_CREDIT")  # the unit's credit-exhausted code and status


def test_the_console_lists_the_newest_runs_first() -> None:
    clock = FakeClock()
    pipeline = imprun(clock)
    first = create(pipeline).json()["id"]
    clock.advance(1)
    second = create(pipeline).json()["id"]
    listed = call(pipeline, "GET", "/_wfmock/runs").json()
    assert [run["id"] for run in listed["imprun"]] == [second, first]
    assert listed["imprun"][0]["status"] == "RUNNING" and listed["imprun"][1]["finishedAt"] is None
