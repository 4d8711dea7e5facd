"""CORS: a browser app on another origin can call both APIs; preflights are answered before auth, limits and
the journal; the origins are configurable (`--cors-origin`) and permissive by default on loopback."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support import running_server
from wfmock.app import Config, build_app
from wfmock.clock import FakeClock
from wfmock.cors import CorsPolicy, is_loopback_host

APP_ORIGIN = "http://localhost:5173"
PREFLIGHT = {"Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}
ENDPOINTS = [("imprun", "/v2/workflows"), ("miso", "/ext/v1/workflows/run"), ("miso", "/ext/v1/files/upload")]


def call(app, method: str, path: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return await client.request(method, path, **kwargs)
    return asyncio.run(go())


@pytest.mark.parametrize("api, path", ENDPOINTS)
def test_a_preflight_is_answered_and_never_journaled(api: str, path: str) -> None:
    app = build_app(Config(api_keys=("only-this-key",)))  # strict keys: the preflight carries none
    response = call(app, "OPTIONS", path, headers=PREFLIGHT)
    assert response.status_code == 204, response.text
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization, content-type"
    assert int(response.headers["access-control-max-age"]) > 0
    assert len(app.journal) == 0


def test_preflights_are_not_rate_limited() -> None:
    app = build_app(Config())
    statuses = {call(app, "OPTIONS", "/v2/workflows", headers=PREFLIGHT).status_code for _ in range(30)}
    assert statuses == {204}  # the documented limit is 10 per second


def test_answers_to_an_allowed_origin_expose_the_api_headers() -> None:
    app = build_app(Config(clock=FakeClock()))  # time stands still: the 11th call is over the limit
    headers = {"Origin": APP_ORIGIN, "X-API-Key": "k"}
    body = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                           "credentialId": "cred_1", "year": 2025}}
    answers = [call(app, "POST", "/v2/workflows", json=body, headers=headers) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    for answer in answers:
        assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
        exposed = {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}
        assert {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed
        assert "Origin" in answer.headers["vary"]
    assert answers[-1].json()["code"] == "RATE_LIMIT_EXCEEDED" and "retry-after" in answers[-1].headers
    error = call(app, "GET", "/ext/v1/workflows/run/nope", headers={"Origin": APP_ORIGIN})
    assert error.status_code == 401 and error.headers["access-control-allow-origin"] == APP_ORIGIN


def test_the_admin_api_is_same_origin_only_its_documents_are_public() -> None:
    """A page on another origin must not switch scenarios or reset the mock: no CORS under /_wfmock/."""
    app = build_app(Config())
    preflight = call(app, "OPTIONS", "/_wfmock/scenario", headers={**PREFLIGHT, "Access-Control-Request-Method": "PUT"})
    assert "access-control-allow-origin" not in preflight.headers
    read = call(app, "GET", "/_wfmock/requests", headers={"Origin": APP_ORIGIN})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    document = call(app, "GET", "/_wfmock/openapi/miso.yaml", headers={"Origin": APP_ORIGIN})
    assert document.headers["access-control-allow-origin"] == APP_ORIGIN, "browser tools may read the contracts"


def test_a_request_without_origin_is_untouched_and_plain_options_is_still_405() -> None:
    app = build_app(Config())
    assert "access-control-allow-origin" not in call(app, "GET", "/v2/workflows/wf_x").headers
    plain = call(app, "OPTIONS", "/v2/workflows")
    assert plain.status_code == 405 and plain.json()["code"] == "METHOD_NOT_ALLOWED"


def test_configured_origins_replace_the_default() -> None:
    app = build_app(Config(cors_origins=("https://qa.example.com",)))
    refused = call(app, "OPTIONS", "/v2/workflows", headers=PREFLIGHT)
    assert refused.status_code == 204 and "access-control-allow-origin" not in refused.headers
    allowed = call(app, "OPTIONS", "/v2/workflows", headers={**PREFLIGHT, "Origin": "https://qa.example.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://qa.example.com"
    plain = call(app, "GET", "/v2/workflows/wf_x", headers={"Origin": APP_ORIGIN, "X-API-Key": "k"})
    assert plain.status_code == 404 and "access-control-allow-origin" not in plain.headers


def test_default_origins_depend_on_where_the_mock_listens() -> None:
    on_loopback = CorsPolicy.for_server("127.0.0.1")
    assert on_loopback.allows("https://anywhere.example") and on_loopback.allows(APP_ORIGIN)
    on_network = CorsPolicy.for_server("0.0.0.0")
    assert on_network.allows(APP_ORIGIN) and on_network.allows("http://127.0.0.1:3000")
    assert on_network.allows("http://[::1]:3000") and not on_network.allows("https://anywhere.example")
    assert CorsPolicy.for_server("0.0.0.0", ["*"]).allows("https://anywhere.example")
    assert [is_loopback_host(h) for h in ("localhost", "127.0.0.2", "::1", "[::1]", "10.0.0.1", "example.com")] == [
        True, True, True, True, False, False]


def test_cors_origin_flag_on_a_real_server() -> None:
    with running_server("--cors-origin", "https://qa.example.com", "--cors-origin", APP_ORIGIN) as base:
        for origin in ("https://qa.example.com", APP_ORIGIN):
            answer = httpx.options(f"{base}/ext/v1/workflows/run", headers={**PREFLIGHT, "Origin": origin})
            assert answer.headers["access-control-allow-origin"] == origin
        other = httpx.options(f"{base}/ext/v1/workflows/run", headers={**PREFLIGHT, "Origin": "https://x.example"})
        assert "access-control-allow-origin" not in other.headers
