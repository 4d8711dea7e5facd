"""Every bundled scenario, shown on the wire; plus rate-limit bursts and run-time scenario switching through the
admin API.

The scenarios run against the app served on a real socket in this process, with a `FakeClock`: time is the mock's
only where a test moves it (runs finish, rate-limit windows pass, latency is counted), so a busy machine cannot
change what a test sees. Each test picks its scenario per request with `X-Wfmock-Scenario` and uses its own API key,
so rate limits, credits and rule counters of one test never touch another. `test_bundled_scenario` is one test per
bundled scenario: it fails when the scenario has no proof here, or when its proof fails.
"""

from __future__ import annotations

import asyncio

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import ROOT, serving_mock
from wfmock.app import Config
from wfmock.clock import FakeClock
from wfmock.scenario import bundled, resolve
from wfmock.scenario.engine import ScenarioEngine
from wfmock.pipeline.request import Request

SEED = 7
RUN_DURATION = 0.3
LONGEST_RUN = 5.0  # seconds: longer than any run of the library (imprun-run-timeout's 1 s is the longest)
HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_1", "year": 2025}}


@dataclass(frozen=True, slots=True)
class Mock:
    """A mock on a real socket; `clock` is its time when this process holds it, None for a `wfmock serve` process."""

    url: str
    clock: FakeClock | None = None


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    """Seeded, instant streams, short runs, documented rate limits on, no scenario active; time stands still."""
    clock = FakeClock()
    with serving_mock(Config(seed=SEED, pace=0.0, run_duration=RUN_DURATION, clock=clock)) as url:
        yield Mock(url, clock)


Proof = Callable[[Mock], None]
PROOFS: dict[str, Proof] = {}  # bundled scenario -> the function below that shows it on the wire


def proves(scenario: str) -> Callable[[Proof], Proof]:
    """Registers the decorated function as the proof of bundled `scenario`."""
    def register(proof: Proof) -> Proof:
        assert scenario not in PROOFS, f"two proofs of {scenario}"
        PROOFS[scenario] = proof
        return proof
    return register


class Client:
    """One API key, one scenario (sent as `X-Wfmock-Scenario` on every request)."""

    def __init__(self, mock: Mock, scenario: str | None = None) -> None:
        self.mock = mock
        self.base = mock.url
        self.http = httpx.Client(timeout=10)
        self.key = f"key-{uuid.uuid4().hex[:12]}"
        self.scenario = scenario

    def headers(self, api: str) -> dict[str, str]:
        headers = {"X-API-Key": self.key} if api == "imprun" else {"Authorization": f"Bearer {self.key}"}
        if self.scenario:
            headers["X-Wfmock-Scenario"] = self.scenario
        return headers

    # imprun
    def create(self, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(f"{self.base}/v2/workflows", json=body or HOMETAX, headers=self.headers("imprun"))

    def get(self, run_id: str) -> httpx.Response:
        return self.http.get(f"{self.base}/v2/workflows/{run_id}", headers=self.headers("imprun"))

    def finished(self, run_id: str) -> dict[str, Any]:
        """Moves the mock's clock past the end of any run, then reads the run: it has left RUNNING."""
        assert self.mock.clock is not None, "finished() needs a mock whose clock this test holds"
        self.mock.clock.advance(LONGEST_RUN)
        body = self.get(run_id).json()
        assert body["status"] != "RUNNING", body
        return body

    # MISO
    def run(self, mode: str = "blocking", **extra: Any) -> httpx.Response:
        body = {"inputs": {"query": "매출 요약"}, "mode": mode, "user": "qa", **extra}
        return self.http.post(f"{self.base}/ext/v1/workflows/run", json=body, headers=self.headers("miso"))

    def stream(self, client: httpx.Client) -> Any:
        body = {"inputs": {"query": "매출 요약"}, "response_mode": "streaming", "user": "qa"}
        return client.stream("POST", f"{self.base}/ext/v1/workflows/run", json=body, headers=self.headers("miso"))

    def logs(self) -> httpx.Response:
        return self.http.get(f"{self.base}/ext/v1/workflows/logs", headers=self.headers("miso"))


def events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """SSE events from a line iterator, as they arrive: the JSON of data lines, `{"event": "ping"}` for pings."""
    name = None
    for line in lines:
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            yield json.loads(line.partition(":")[2])
            name = None
        elif line == "" and name is not None:
            yield {"event": name}
            name = None


def imprun_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "code"} and body["code"] == code, body
    return body


def miso_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"code": code, "message": body["message"], "status": status}, body
    return body


def journal(base: str, **filters: Any) -> list[dict[str, Any]]:
    return httpx.get(f"{base}/_wfmock/requests", params=filters).json()["requests"]


# -- imprun runs, credentials and credits ------------------------------------------------------------


@proves("hometax-login-fails")
def hometax_login_fails(mock: Mock) -> None:
    client = Client(mock, "hometax-login-fails")
    created = client.create()
    assert created.status_code == 200 and created.json()["status"] == "RUNNING"
    run = client.finished(created.json()["id"])
    assert run["status"] == "FAILED" and run["error"]["code"] == "AUTHENTICATION_FAILED"
    ok = client.create({**HOMETAX, "params": {**HOMETAX["params"], "credentialId": "cred_valid"}})
    assert client.finished(ok.json()["id"])["status"] == "SUCCEEDED"


@proves("credential-expired")
def credential_expired(mock: Mock) -> None:
    client = Client(mock, "credential-expired")
    run = client.finished(client.create().json()["id"])
    assert run["status"] == "FAILED" and run["error"]["code"] == "CREDENTIAL_EXPIRED"
    assert "result" not in run


@proves("credits-run-out")
def credits_run_out(mock: Mock) -> None:
    client = Client(mock, "credits-run-out")
    assert [client.create().status_code for _ in range(3)] == [200, 200, 200]
    imprun_error(client.create(), 402, "INSUFFICIENT_CREDIT")
    assert [client.run().status_code for _ in range(3)] == [200, 200, 200]
    miso_error(client.run(), 400, "provider_quota_exceeded")
    assert Client(mock, "credits-run-out").create().status_code == 200  # balances are per key


@proves("imprun-run-timeout")
def imprun_run_timeout(mock: Mock) -> None:
    client = Client(mock, "imprun-run-timeout")
    created = client.create().json()
    assert client.get(created["id"]).json()["status"] == "RUNNING"
    run = client.finished(created["id"])
    assert run["status"] == "TIMED_OUT" and run["error"]["code"] == "TIMEOUT"
    assert run["error"]["message"] == "홈택스 응답 대기 시간이 초과되었습니다."


@proves("imprun-outage-recovers")
def imprun_outage_recovers(mock: Mock) -> None:
    client = Client(mock, "imprun-outage-recovers")
    statuses = [client.create().status_code for _ in range(4)]
    assert statuses == [500, 500, 500, 200]
    assert Client(mock).create().status_code == 200  # the scenario is per request: no header, no failure


@proves("hometax-business-closed")
def hometax_business_closed(mock: Mock) -> None:
    fixture = ROOT / "fixtures" / "hometax" / "business-closed.json"
    if not fixture.is_file():
        pytest.skip("fixtures/hometax/business-closed.json is not there yet")
    client = Client(mock, "hometax-business-closed")
    run = client.finished(client.create().json()["id"])
    assert run["status"] == "SUCCEEDED" and run["result"] == json.loads(fixture.read_text(encoding="utf-8"))
    other = {**HOMETAX, "params": {**HOMETAX["params"], "function": "get_vat_info"}}
    assert client.finished(client.create(other).json()["id"])["result"] != run["result"]


# -- rate limits -------------------------------------------------------------------------------------


def assert_rate_limited(response: httpx.Response, limit: int) -> None:
    imprun_error(response, 429, "RATE_LIMIT_EXCEEDED") if "/v2/" in str(response.url) else \
        miso_error(response, 429, "too_many_requests")
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == "0"
    assert int(response.headers["RateLimit-Reset"]) >= 1


def test_rate_limit_burst_admits_exactly_the_first_ten(mock: Mock) -> None:
    client = Client(mock)  # no scenario: the documented 10/s and 10,000/h
    with httpx.Client(timeout=10) as http:  # the clock stands still: the whole burst is in one window
        responses = [http.post(f"{mock.url}/v2/workflows", json=HOMETAX, headers=client.headers("imprun"))
                     for _ in range(30)]
    assert [r.status_code for r in responses] == [200] * 10 + [429] * 20
    for response in responses[10:]:
        assert_rate_limited(response, 10)
    assert responses[9].headers["RateLimit-Remaining"] == "0"
    assert client.create().status_code == 429  # still the same second
    mock.clock.advance(int(responses[-1].headers["Retry-After"]))
    assert client.create().status_code == 200  # the window has passed: service resumes


@proves("rate-limit-storm")
def rate_limit_storm(mock: Mock) -> None:
    client = Client(mock, "rate-limit-storm")
    with httpx.Client(timeout=10) as http:
        imprun = [http.post(f"{mock.url}/v2/workflows", json=HOMETAX, headers=client.headers("imprun")) for _ in range(5)]
        miso = [http.get(f"{mock.url}/ext/v1/workflows/logs", headers=client.headers("miso")) for _ in range(5)]
    assert [r.status_code for r in imprun] == [200, 200, 429, 429, 429]
    assert [r.status_code for r in miso] == [200, 200, 429, 429, 429]
    for response in imprun[2:] + miso[2:]:
        assert_rate_limited(response, 2)


# -- latency and errors ------------------------------------------------------------------------------


def first_plans(name: str, request: Request, count: int) -> list[Any]:
    """What a fresh engine for bundled scenario `name` decides for `count` such requests (same seed)."""
    engine = ScenarioEngine(resolve(name), seed=SEED)
    return [asyncio.run(engine.decide(request)) for _ in range(count)]


LOGS = Request(api="miso", operation_id="listWorkflowLogs", method="GET", path="/ext/v1/workflows/logs")


@proves("slow-network")
def slow_network(mock: Mock) -> None:
    client = Client(mock, "slow-network")
    expected = first_plans("slow-network", LOGS, 2)
    for plan in expected:
        started = mock.clock.now()
        assert client.logs().status_code == 200
        assert mock.clock.now() - started == pytest.approx(plan.latency)  # the mock waited on its clock
    assert 0 < expected[0].latency <= 3.0 and expected[0].latency != expected[1].latency
    entries = [e for e in journal(mock.url, operation="listWorkflowLogs") if e["rule"] == "slow-network"]
    assert len(entries) >= 2


@proves("flaky")
def flaky_is_reproducible_with_the_seed(mock: Mock) -> None:
    client = Client(mock, "flaky")
    statuses = [client.logs().status_code for _ in range(30)]
    expected = [500 if plan.error else 200 for plan in first_plans("flaky", LOGS, 30)]
    assert statuses == expected and 500 in statuses and 200 in statuses
    error = next(r for r in (client.logs() for _ in range(30)) if r.status_code == 500)
    miso_error(error, 500, "internal_server_error")


@proves("miso-app-unavailable")
def miso_app_unavailable(mock: Mock) -> None:
    client = Client(mock, "miso-app-unavailable")
    body = miso_error(client.run(), 400, "app_unavailable")
    assert body["message"] == "App unavailable, please check your app configurations."
    assert client.logs().status_code == 200


@proves("upload-storage-failure")
def upload_storage_failure(mock: Mock) -> None:
    client = Client(mock, "upload-storage-failure")
    response = httpx.post(f"{mock.url}/ext/v1/files/upload", headers=client.headers("miso"),
                          files={"file": ("report.pdf", b"%PDF-1.4 mock")}, data={"user": "qa"})
    miso_error(response, 503, "s3_connection_failed")
    assert client.run().status_code == 200


# -- runs and streams (MISO) -------------------------------------------------------------------------


@proves("node-fails")
def node_fails(mock: Mock) -> None:
    client = Client(mock, "node-fails")
    blocking = client.run().json()["data"]
    assert blocking["status"] == "failed" and "Rate limit reached" in blocking["error"]
    with httpx.Client(timeout=10) as http, client.stream(http) as response:
        received = [e for e in events(response.iter_lines()) if e.get("event") != "ping"]
    finished_nodes = [e for e in received if e["event"] == "node_finished"]
    assert finished_nodes[-1]["data"]["status"] == "failed" and finished_nodes[-1]["data"]["index"] == 2
    assert received[-1]["event"] == "workflow_finished" and received[-1]["data"]["status"] == "failed"
    assert received[-1]["data"]["error"] == finished_nodes[-1]["data"]["error"]


@proves("stream-dies-midway")
def stream_dies_midway(mock: Mock) -> None:
    client = Client(mock, "stream-dies-midway")
    received: list[dict[str, Any]] = []
    with httpx.Client(timeout=10) as http, pytest.raises(httpx.TransportError):
        with client.stream(http) as response:
            assert response.status_code == 200
            for event in events(response.iter_lines()):
                received.append(event)
    data_events = [e for e in received if e.get("event") != "ping"]
    assert len(data_events) == 5 and data_events[0]["event"] == "workflow_started"
    assert all(e["event"] not in ("workflow_finished", "error") for e in data_events)
    assert client.run().json()["data"]["status"] == "succeeded"  # blocking runs are not affected


@proves("stream-error-event")
def stream_error_event(mock: Mock) -> None:
    client = Client(mock, "stream-error-event")
    with httpx.Client(timeout=10) as http, client.stream(http) as response:
        received = [e for e in events(response.iter_lines()) if e.get("event") != "ping"]
    assert len(received) == 5 and received[-1]["event"] == "error"
    error = received[-1]
    assert error["code"] == "internal_server_error" and error["status"] == 500 and "task_id" not in error
    assert [e["event"] for e in received[:2]] == ["workflow_started", "node_started"]


@proves("stalled-stream")
def stalled_stream(mock: Mock) -> None:
    client = Client(mock, "stalled-stream")
    data_events, pings = [], 0
    with httpx.Client(timeout=10) as http, client.stream(http) as response:
        for event in events(response.iter_lines()):
            if event.get("event") == "ping":
                pings += 1
                if pings == 2:
                    break  # two pings in a row and still no 4th event: the stream is stalled
            else:
                data_events.append(event)
    assert len(data_events) == 3 and pings == 2
    task = data_events[0]["task_id"]  # stop the stalled run, or it would sit out its 60 s in the server
    stop = client.http.post(f"{mock.url}/ext/v1/workflows/tasks/{task}/stop", json={"user": "qa"}, headers=client.headers("miso"))
    assert stop.json() == {"result": "success"}


# -- transport faults --------------------------------------------------------------------------------


@proves("slow-drip")
def slow_drip(mock: Mock) -> None:
    client = Client(mock, "slow-drip")
    started = time.monotonic()
    with httpx.Client(timeout=10) as http:  # a small answer: an unknown run's 404
        with http.stream("GET", f"{mock.url}/v2/workflows/wf_missing", headers=client.headers("imprun")) as response:
            chunks = list(response.iter_raw())
    elapsed = time.monotonic() - started
    body = b"".join(chunks)
    assert response.status_code == 404 and json.loads(body)["code"] == "NOT_FOUND" and len(chunks) > 1
    assert elapsed >= (len(body) - 25) / 256  # 256 bytes/s, sent in slices of 25 bytes


@proves("truncated-body")
def truncated_body(mock: Mock) -> None:
    client = Client(mock, "truncated-body")
    received = b""
    with httpx.Client(timeout=10) as http, pytest.raises(httpx.RemoteProtocolError):
        with http.stream("GET", f"{mock.url}/ext/v1/workflows/logs", headers=client.headers("miso")) as response:
            promised = int(response.headers["content-length"])
            for chunk in response.iter_raw():
                received += chunk
    assert 0 < len(received) == promised // 2


@proves("connection-reset")
def connection_reset(mock: Mock) -> None:
    client = Client(mock, "connection-reset")
    assert client.run().status_code == 200
    with pytest.raises(httpx.TransportError):
        client.run()
    assert client.run().status_code == 200
    with pytest.raises(httpx.TransportError):  # one rule, one count: the 4th run-starting request
        client.create()
    assert client.create().status_code == 200


# -- selection: --scenario, admin switching, invalid scenarios ---------------------------------------


SLOW_STREAM = {"name": "slow-stream", "description": "streams at 50 events per second",
               "rules": [{"match": {"operation": "runWorkflow"}, "stream": {"event_delay": 0.02}}]}


def test_switching_affects_the_next_request_not_a_running_stream() -> None:
    with serving_mock(Config(seed=SEED, pace=0.0, scenario="node-fails")) as url:
        client = Client(Mock(url))
        assert client.run().json()["data"]["status"] == "failed"  # started in node-fails (--scenario)
        put = httpx.put(f"{url}/_wfmock/scenario", json={"scenario": SLOW_STREAM})
        assert put.status_code == 200 and put.json()["active"]["name"] == "slow-stream"
        with httpx.Client(timeout=10) as http, client.stream(http) as response:
            stream = events(response.iter_lines())
            assert next(stream)["event"] == "workflow_started"
            switched = httpx.put(f"{url}/_wfmock/scenario", json={"name": "miso-app-unavailable"})
            assert switched.json()["active"]["name"] == "miso-app-unavailable"
            miso_error(client.run(), 400, "app_unavailable")  # the next request sees the new scenario
            rest = [e for e in stream if e.get("event") != "ping"]
        assert rest[-1]["event"] == "workflow_finished" and rest[-1]["data"]["status"] == "succeeded"
        assert httpx.delete(f"{url}/_wfmock/scenario").json() == {"active": None}
        assert client.run().json()["data"]["status"] == "succeeded"


def test_an_invalid_scenario_is_rejected_and_the_old_one_stays() -> None:
    with serving_mock(Config(seed=SEED, pace=0.0, apis=("miso",), scenario="miso-app-unavailable")) as url:
        broken = {"name": "broken", "description": "d",
                  "rules": [{"match": {"operation": "runWorkflow"}, "error": "app_unavailable"},
                            {"latency": "fast"}, {"when": {"every": 0}}]}
        response = httpx.put(f"{url}/_wfmock/scenario", json={"scenario": broken})
        assert response.status_code == 400 and response.json()["code"] == "invalid_scenario"
        problems = response.json()["problems"]
        assert len(problems) == 2 and all(p.startswith("<admin>:") for p in problems)
        assert any("rules[1].latency" in p for p in problems) and any("rules[2].when.every" in p for p in problems)
        text = "name: broken\ndescription: d\nrules:\n  - latency: fast\n"
        assert httpx.put(f"{url}/_wfmock/scenario", json={"scenario": text}).json()["problems"][0].startswith("<admin>:4:")
        unknown = httpx.put(f"{url}/_wfmock/scenario", json={"name": "no-such-scenario"})
        assert unknown.status_code == 400
        assert httpx.get(f"{url}/_wfmock/scenario").json()["active"]["name"] == "miso-app-unavailable"
        miso_error(Client(Mock(url)).run(), 400, "app_unavailable")


def test_admin_lists_the_bundled_library(mock: Mock) -> None:
    listed = httpx.get(f"{mock.url}/_wfmock/scenarios").json()
    assert listed["active"] is None
    assert [(s["name"], s["description"]) for s in listed["bundled"]] == bundled()


def test_an_unknown_scenario_header_is_a_400(mock: Mock) -> None:
    client = Client(mock, None)
    client.scenario = "no-such-scenario"
    imprun_error(client.create(), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("scenario", [name for name, _ in bundled()])
def test_bundled_scenario(scenario: str, mock: Mock) -> None:
    """Passes only when the scenario's proof above ran to its end."""
    proof = PROOFS.get(scenario)
    assert proof is not None, f"bundled scenario {scenario!r} has no end-to-end proof in this file"
    proof(mock)


def test_every_proof_is_of_a_bundled_scenario() -> None:
    assert set(PROOFS) <= {name for name, _ in bundled()}
