"""The `wfmock_server` fixture and the `MockServer` behind it, as a user's test suite meets them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from wfmock.testing import MockServer, MockServerError

HOMETAX_LOOKUP = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                                 "credentialId": "cred_abc123", "year": 2025}}


def test_helpers_switch_scenario_read_the_journal_and_reset() -> None:
    with MockServer(api="imprun", keys=["my-key"], run_duration=0, seed=3) as server:
        headers = {"X-API-Key": "my-key"}
        assert httpx.post(server.url + "/v2/workflows", json=HOMETAX_LOOKUP, headers={"X-API-Key": "other"}).status_code == 401
        first = httpx.post(server.url + "/v2/workflows", json=HOMETAX_LOOKUP, headers=headers).json()

        assert server.use_scenario("credential-expired")["name"] == "credential-expired"
        failed = httpx.post(server.url + "/v2/workflows", json=HOMETAX_LOOKUP, headers=headers).json()
        assert httpx.get(f"{server.url}/v2/workflows/{failed['id']}", headers=headers).json()["status"] == "FAILED"
        server.clear_scenario()

        journal = server.requests(api="imprun", operation="createWorkflow")
        assert [(entry["status"], entry["scenario"]) for entry in journal] == [
            (401, None), (200, None), (200, "credential-expired")]
        assert [entry["status"] for entry in server.requests(status=401)] == [401]

        server.reset()
        assert server.requests() == []
        assert httpx.get(f"{server.url}/v2/workflows/{first['id']}", headers=headers).status_code == 404
        assert len(server.requests()) == 1
        server.clear_requests()
        assert server.requests() == []


def test_a_scenario_given_as_a_document() -> None:
    document = {"name": "always-busy", "description": "every imprun create is rate limited",
                "rules": [{"name": "busy", "match": {"api": "imprun", "operation": "createWorkflow"},
                           "error": {"code": "RATE_LIMIT_EXCEEDED"}}]}
    with MockServer(api="imprun", run_duration=0) as server:
        try:
            active = server.use_scenario(document)
        except MockServerError as error:  # the message carries every problem the loader found
            pytest.fail(str(error))
        assert active["name"] == "always-busy"
        answer = httpx.post(server.url + "/v2/workflows", json=HOMETAX_LOOKUP, headers={"X-API-Key": "k"})
        assert answer.status_code == 429
        assert [(entry["scenario"], entry["rule"]) for entry in server.requests()] == [("always-busy", "busy")]


def test_an_invalid_scenario_is_refused_with_the_reason_and_the_old_one_stays() -> None:
    with MockServer(api="miso", scenario="node-fails", pace=0) as server:
        with pytest.raises(MockServerError, match="no scenario of this name"):
            server.use_scenario("no-such-scenario")
        assert httpx.get(server.url + "/_wfmock/scenario").json()["active"]["name"] == "node-fails"


def test_a_server_that_cannot_start_says_why() -> None:
    server = MockServer(scenario="no-such-scenario")
    with pytest.raises(MockServerError, match="no such scenario"):
        server.start()
    assert server.output() == ""  # stopped and cleaned up
    with pytest.raises(MockServerError, match="not running"):
        server.reset()


def test_the_helpers_send_the_admin_token() -> None:
    with MockServer(api="miso", admin_token="s3cret-token", pace=0) as server:
        assert httpx.get(server.url + "/_wfmock/requests").status_code == 401
        server.use_scenario("node-fails")
        assert server.requests() == []


def test_loading_the_plugin_imports_only_pytest() -> None:
    probe = ("import sys, wfmock.pytest_plugin\n"
             "print([m for m in ('httpx', 'starlette', 'uvicorn', 'schemathesis', 'wfmock.testing', 'wfmock.app')"
             " if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


USER_TESTS = '''
import httpx
import pytest


def test_default_serves_both_apis(wfmock_server):
    assert httpx.get(wfmock_server.url + "/_wfmock/health").json()["apis"] == ["imprun", "miso"]


@pytest.mark.wfmock(api="miso", keys=["app-key"], pace=0, seed=5)
def test_marker_options_reach_the_server(wfmock_server):
    assert httpx.get(wfmock_server.url + "/_wfmock/health").json() == {
        "status": "ok", "apis": ["miso"], "auth": {"miso": "keys"}}
    run = httpx.post(wfmock_server.url + "/ext/v1/workflows/run", headers={"Authorization": "Bearer app-key"},
                     json={"inputs": {"query": "hi"}, "response_mode": "blocking", "user": "u"})
    assert run.status_code == 200
    refused = httpx.post(wfmock_server.url + "/ext/v1/workflows/run", headers={"Authorization": "Bearer nope"},
                         json={"inputs": {"query": "hi"}, "response_mode": "blocking", "user": "u"})
    assert refused.status_code == 401


@pytest.mark.wfmock(api="imprun", colour="red")
def test_an_unknown_option_is_named(wfmock_server):
    pass
'''


def test_the_fixture_in_a_users_suite_with_both_plugins(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS), encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if name not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    # -p for both plugins: the auto-loaded fixture plugin must not be registered twice, nor clash with the kit's
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "wfmock.pytest_plugin",
                             "-p", "wfmock.contract", "-q", "-rf", "test_user.py"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "2 passed, 1 error" in result.stdout, result.stdout[-6000:] + result.stderr[-3000:]
    assert "@pytest.mark.wfmock: MockServer.__init__() got an unexpected keyword argument 'colour'" in result.stdout
    assert "During handling" not in result.stdout, result.stdout[-3000:]
