"""imprun end to end, through a real `wfmock serve`: the seed's own examples, lifecycles and errors."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import requests

from tests.support import serving_mock
from wfmock.app import Config
from wfmock.clock import FakeClock

HEADERS = {"X-API-Key": "your-api-key", "Content-Type": "application/json"}
HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}


def wait_for_terminal(base: str, run_id: str, headers: dict, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{base}/v2/workflows/{run_id}", headers=headers).json()
        if body["status"] != "RUNNING":
            return body
        time.sleep(0.05)  # a `wfmock serve` process runs on the wall clock: poll until the run ends, within `timeout`
    raise AssertionError(f"{run_id} still RUNNING after {timeout} s")


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "code"} and body["code"] == code, body
    assert body["error"] and body["message"]
    return body


def test_seed_curl_example(server: str) -> None:
    response = httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=HOMETAX)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "RUNNING" and body["id"].startswith("wf_")
    assert body["createdAt"].endswith("Z")
    assert body["progressUrl"] == f"{server}/console/workflows/{body['id']}"


def test_seed_javascript_example_wehago(server: str) -> None:
    payload = {"type": "scraping", "params": {"siteCode": "WEHAGO", "credentialId": "cred_abc123",
                                              "group": "financial", "endpoint": "balance-sheet"}}
    response = httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=payload)
    assert response.status_code == 200, response.text
    run = wait_for_terminal(server, response.json()["id"], HEADERS)
    assert run["status"] == "SUCCEEDED" and run["result"]


def test_seed_python_example_with_requests(server: str) -> None:
    response = requests.post(f"{server}/v2/workflows", headers=HEADERS, json=HOMETAX, timeout=5)
    data = response.json()
    assert data["id"].startswith("wf_")


@pytest.fixture(scope="module")
def held_clock_server() -> Iterator[tuple[str, FakeClock]]:
    """The mock on a real socket whose clock moves only when a test moves it: 2 s runs, the documented rate limits."""
    clock = FakeClock()
    with serving_mock(Config(seed=7, pace=0.0, run_duration=2.0, clock=clock)) as url:
        yield url, clock


def test_run_moves_from_running_to_succeeded_with_result(held_clock_server: tuple[str, FakeClock]) -> None:
    server, clock = held_clock_server
    created = httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=HOMETAX).json()
    first = httpx.get(f"{server}/v2/workflows/{created['id']}", headers=HEADERS).json()
    assert first["status"] == "RUNNING" and "result" not in first and first["finishedAt"] is None
    clock.advance(1.9)
    assert httpx.get(f"{server}/v2/workflows/{created['id']}", headers=HEADERS).json()["status"] == "RUNNING"
    clock.advance(0.2)
    final = httpx.get(f"{server}/v2/workflows/{created['id']}", headers=HEADERS).json()
    assert final["status"] == "SUCCEEDED" and "error" not in final
    assert final["result"] and final["finishedAt"]
    assert final["params"]["credentialId"] == "cred_abc123"


def test_document_parsing_never_echoes_the_image(server: str) -> None:
    payload = {"type": "document_parsing", "params": {"documentType": "land", "imageBase64": "aGVsbG8=",
                                                      "priority": "high"}}
    created = httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=payload)
    assert created.status_code == 200, created.text
    final = wait_for_terminal(server, created.json()["id"], HEADERS)
    assert "imageBase64" not in final["params"] and final["status"] == "SUCCEEDED"


def test_runs_are_private_to_their_key(server: str) -> None:
    created = httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=HOMETAX).json()
    other = httpx.get(f"{server}/v2/workflows/{created['id']}", headers={"X-API-Key": "someone-else"})
    assert_envelope(other, 404, "NOT_FOUND")


def test_missing_credential_matches_the_seed_error_example(server: str) -> None:
    payload = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info", "year": 2025}}
    body = assert_envelope(httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=payload), 400,
                           "VALIDATION_ERROR")
    assert body == {"error": "Invalid request", "message": "credentialId is required", "code": "VALIDATION_ERROR"}


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), [
    ("GET", "/v2/nothing", {}, 404, "NOT_FOUND"),
    ("DELETE", "/v2/workflows", {}, 405, "METHOD_NOT_ALLOWED"),
    ("POST", "/v2/workflows", {"content": b"{not json"}, 400, "VALIDATION_ERROR"),
    ("POST", "/v2/workflows", {"content": b"type=scraping", "headers": {"Content-Type": "text/plain"}}, 415,
     "UNSUPPORTED_MEDIA_TYPE"),
    ("POST", "/v2/workflows", {"json": {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "x",
                                                                        "credentialId": "c", "year": 2025}}},
     400, "VALIDATION_ERROR"),
    ("POST", "/v2/workflows", {"json": []}, 400, "VALIDATION_ERROR"),
    ("GET", "/v2/workflows/wf_doesnotexist", {}, 404, "NOT_FOUND"),
])
def test_bad_input_gets_the_envelope(server: str, method: str, path: str, kwargs: dict, status: int,
                                     code: str) -> None:
    headers = {**HEADERS, **kwargs.pop("headers", {})}
    response = httpx.request(method, server + path, headers=headers, **kwargs)
    assert_envelope(response, status, code)
    if status == 405:
        assert "POST" in response.headers["allow"]


def test_missing_key_is_invalid_api_key(server: str) -> None:
    assert_envelope(httpx.post(f"{server}/v2/workflows", json=HOMETAX), 401, "INVALID_API_KEY")


def test_strict_mode_refuses_unknown_keys(strict_server: str) -> None:
    refused = httpx.post(f"{strict_server}/v2/workflows", headers=HEADERS, json=HOMETAX)
    assert_envelope(refused, 401, "INVALID_API_KEY")
    accepted = httpx.post(f"{strict_server}/v2/workflows", headers={**HEADERS, "X-API-Key": "test-key"}, json=HOMETAX)
    assert accepted.status_code == 200


def test_progress_page_is_served(server: str) -> None:
    created = httpx.post(f"{server}/v2/workflows", headers=HEADERS, json=HOMETAX).json()
    page = httpx.get(created["progressUrl"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert created["id"] in page.text


def test_burst_of_30_gets_10_then_429_then_service_resumes(held_clock_server: tuple[str, FakeClock]) -> None:
    server, clock = held_clock_server
    headers = {**HEADERS, "X-API-Key": "burst-key"}
    with httpx.Client() as client:  # the clock stands still: the whole burst is in one window
        responses = [client.post(f"{server}/v2/workflows", headers=headers, json=HOMETAX) for _ in range(30)]
    assert [r.status_code for r in responses] == [200] * 10 + [429] * 20
    for refused in responses[10:]:
        assert_envelope(refused, 429, "RATE_LIMIT_EXCEEDED")
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["ratelimit-limit"] == "10" and refused.headers["ratelimit-remaining"] == "0"
        assert int(refused.headers["ratelimit-reset"]) >= 1
    clock.advance(int(responses[-1].headers["retry-after"]))
    assert httpx.post(f"{server}/v2/workflows", headers=headers, json=HOMETAX).status_code == 200
