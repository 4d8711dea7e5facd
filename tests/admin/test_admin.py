"""The admin API in-process (httpx.ASGITransport, FakeClock): health, scenario switch/list/clear, reset,
journal reads and filters, the admin token, and every failure answered in the admin envelope."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.inprocess import app, call, is_miso_envelope
from wfmock.admin import MAX_ADMIN_BODY, needs_token
from wfmock.clock import FakeClock
from wfmock.pipeline import Pipeline
from wfmock.store import StoreUnavailable

HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}
IMPRUN_KEY = {"X-API-Key": "admin-test-key"}
TOKEN = "s3cret-admin-token"


def mock(**options: Any) -> Pipeline:
    return app(clock=FakeClock(), **options)


def admin_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status and is_miso_envelope(body) and body["code"] == code, response.text
    return body


def create_run(pipeline: Pipeline) -> str:
    created = call(pipeline, "POST", "/v2/workflows", json=HOMETAX, headers=IMPRUN_KEY)
    assert created.status_code == 200, created.text
    return created.json()["id"]


# --- health -------------------------------------------------------------------------------------


def test_health_names_the_apis_and_how_each_authenticates() -> None:
    body = call(mock(), "GET", "/_wfmock/health").json()
    assert body == {"status": "ok", "apis": ["imprun", "miso"], "auth": {"imprun": "open", "miso": "open"}}
    strict = call(mock(api_keys=["k1"], apis=["imprun"]), "GET", "/_wfmock/health").json()
    assert strict["apis"] == ["imprun"] and strict["auth"] == {"imprun": "keys"}


# --- the admin token ----------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [("GET", "/_wfmock/scenarios"), ("GET", "/_wfmock/scenario"),
                                          ("DELETE", "/_wfmock/scenario"), ("POST", "/_wfmock/reset"),
                                          ("GET", "/_wfmock/requests"), ("DELETE", "/_wfmock/requests")])
def test_a_token_guards_every_admin_call_but_health(method: str, path: str) -> None:
    pipeline = mock(admin_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}x"}):
        admin_error(call(pipeline, method, path, headers=headers), 401, "unauthorized")
    assert call(pipeline, method, path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert call(pipeline, "GET", "/_wfmock/health").status_code == 200  # a probe needs no token


def test_a_same_site_page_may_change_state_but_another_site_may_not() -> None:
    pipeline = mock()
    admin_error(call(pipeline, "POST", "/_wfmock/reset", headers={"Origin": "http://wfmock.test.evil"}), 403, "forbidden")
    assert call(pipeline, "POST", "/_wfmock/reset", headers={"Origin": "http://wfmock.test"}).status_code == 200
    assert call(pipeline, "POST", "/_wfmock/reset", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


@pytest.mark.parametrize("host, needed", [("127.0.0.1", False), ("::1", False), ("[::1]", False), ("localhost", False),
                                          ("0.0.0.0", True), ("192.168.0.7", True), ("mock.example", True)])
def test_a_server_reachable_beyond_loopback_needs_a_token(host: str, needed: bool) -> None:
    assert needs_token(host) is needed


# --- scenarios ----------------------------------------------------------------------------------


def test_scenarios_are_listed_switched_read_and_cleared() -> None:
    pipeline = mock()
    listed = call(pipeline, "GET", "/_wfmock/scenarios").json()
    assert listed["active"] is None
    names = {entry["name"] for entry in listed["bundled"]}
    assert "flaky" in names and all(entry["description"] for entry in listed["bundled"])
    switched = call(pipeline, "PUT", "/_wfmock/scenario", json={"name": "flaky"}).json()
    assert switched["active"]["name"] == "flaky"
    assert call(pipeline, "GET", "/_wfmock/scenario").json() == switched
    assert call(pipeline, "GET", "/_wfmock/scenarios").json()["active"] == switched["active"]
    assert call(pipeline, "DELETE", "/_wfmock/scenario").json() == {"active": None}
    assert call(pipeline, "GET", "/_wfmock/scenario").json() == {"active": None}


def test_an_inline_scenario_is_loaded_and_an_unknown_name_refused() -> None:
    pipeline = mock()
    inline = {"name": "inline-one", "description": "from a test",
              "rules": [{"name": "down", "match": {"api": "imprun", "operation": "createWorkflow"},
                         "error": {"code": "INTERNAL_ERROR", "message": "down for a test"}}]}
    response = call(pipeline, "POST", "/_wfmock/scenario", json={"scenario": inline})
    assert response.status_code == 200, response.text
    assert response.json()["active"] == {"name": "inline-one", "description": "from a test"}
    failed = call(pipeline, "POST", "/v2/workflows", json=HOMETAX, headers=IMPRUN_KEY)
    assert failed.status_code == 500 and failed.json()["message"] == "down for a test"  # the scenario is in force
    admin_error(call(pipeline, "PUT", "/_wfmock/scenario", json={"name": "no-such-scenario"}), 400, "invalid_scenario")
    admin_error(call(pipeline, "PUT", "/_wfmock/scenario", json=["flaky"]), 400, "invalid_request")
    admin_error(call(pipeline, "PUT", "/_wfmock/scenario", content=b"{not json",
                     headers={"content-type": "application/json"}), 400, "invalid_request")
    assert call(pipeline, "GET", "/_wfmock/scenario").json()["active"]["name"] == "inline-one"  # refusals change nothing
    call(pipeline, "DELETE", "/_wfmock/scenario")
    assert create_run(pipeline)


def test_an_oversized_scenario_body_is_refused_with_413() -> None:
    body = b'{"scenario": "' + b"x" * MAX_ADMIN_BODY + b'"}'
    admin_error(call(mock(), "PUT", "/_wfmock/scenario", content=body, headers={"content-type": "application/json"}),
                413, "payload_too_large")


# --- reset and the journal ----------------------------------------------------------------------


def test_reset_forgets_runs_and_requests_and_keeps_serving() -> None:
    pipeline = mock()
    run_id = create_run(pipeline)
    assert call(pipeline, "GET", f"/v2/workflows/{run_id}", headers=IMPRUN_KEY).status_code == 200
    assert call(pipeline, "POST", "/_wfmock/reset").json() == {"reset": True}
    assert call(pipeline, "GET", "/_wfmock/requests").json() == {"requests": [], "total": 0}
    assert call(pipeline, "GET", f"/v2/workflows/{run_id}", headers=IMPRUN_KEY).status_code == 404
    assert create_run(pipeline)


def test_the_journal_is_read_with_filters_and_cleared() -> None:
    pipeline = mock()
    create_run(pipeline)
    create_run(pipeline)
    assert call(pipeline, "GET", "/v2/workflows/wf_missing", headers=IMPRUN_KEY).status_code == 404
    call(pipeline, "GET", "/ext/v1/parameters", headers={"Authorization": "Bearer app-key"})

    def read(**query: Any) -> list[dict[str, Any]]:
        body = call(pipeline, "GET", "/_wfmock/requests", params=query).json()
        assert body["total"] == len(body["requests"])
        return body["requests"]

    everything = read()
    assert [entry["seq"] for entry in everything] == sorted(entry["seq"] for entry in everything)
    assert len(read(api="imprun")) == 3 and {entry["api"] for entry in read(api="miso")} == {"miso"}
    assert [entry["status"] for entry in read(api="imprun", status=404)] == [404]
    assert len(read(api="imprun", status=200)) == 2
    assert len(read(limit=1)) == 1 and read(limit=1)[0] == everything[-1]  # the newest
    assert read(since=everything[0]["at"]) == everything and read(since=10**12) == []
    assert call(pipeline, "DELETE", "/_wfmock/requests").json() == {"cleared": True}
    assert read() == []


@pytest.mark.parametrize("query", [{"status": "abc"}, {"limit": "many"}, {"since": "yesterday"}, {"limit": "9" * 5000},
                                   {"status": "1" * 5000}])
def test_a_bad_journal_filter_is_a_400_in_the_envelope(query: dict[str, str]) -> None:
    admin_error(call(mock(), "GET", "/_wfmock/requests", params=query), 400, "invalid_request")


# --- failures inside a handler ------------------------------------------------------------------


def test_an_unreachable_store_is_a_503_and_a_bug_a_500_both_in_the_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = mock()

    async def store_away(**filters: Any) -> list[dict[str, Any]]:
        raise StoreUnavailable("connection refused")

    async def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline.journal, "search", store_away)
    monkeypatch.setattr(pipeline.journal, "clear_all", broken)
    admin_error(call(pipeline, "GET", "/_wfmock/requests"), 503, "store_unavailable")
    body = admin_error(call(pipeline, "DELETE", "/_wfmock/requests"), 500, "internal_error")
    assert "a bug" not in body["message"]  # no internals leak


def test_unknown_admin_paths_and_methods_answer_in_the_envelope() -> None:
    pipeline = mock()
    admin_error(call(pipeline, "GET", "/_wfmock/nope"), 404, "not_found")
    admin_error(call(pipeline, "PATCH", "/_wfmock/reset"), 405, "method_not_allowed")
