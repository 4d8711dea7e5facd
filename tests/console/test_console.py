"""The browser side of the admin API, without a browser: served contracts, docs assets, the console's files,
its live journal feed (SSE) and runs, and the admin token (a Bearer header, or `?token=` for EventSource)."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
import yaml

from tests.support import running_server
from wfmock.app import Config, build_app
from wfmock.clock import FakeClock

HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}


def get(app, path: str, host: str = "127.0.0.1:8080", **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{host}") as client:
            return await client.get(path, **kwargs)
    return asyncio.run(go())


@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_the_mock_serves_its_contracts_with_itself_as_first_server(api: str) -> None:
    app = build_app(Config())
    written = yaml.safe_load(get(app, f"/_wfmock/openapi/{api}.yaml", host="mock.test:9000").text)
    assert written["openapi"] == "3.2.0"
    assert written["servers"][0]["url"] == "http://mock.test:9000"
    exported = get(app, f"/_wfmock/openapi/{api}.json?oas=3.1")
    assert exported.headers["content-type"] == "application/json"
    assert exported.json()["openapi"] == "3.1.1" and exported.json()["servers"][0]["url"] == "http://127.0.0.1:8080"


def test_bad_document_requests_get_the_admin_envelope() -> None:
    app = build_app(Config(apis=("miso",)))
    missing = get(app, "/_wfmock/openapi/imprun.yaml")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found" and "miso.yaml" in missing.json()["message"]
    assert get(app, "/_wfmock/openapi/miso.xml").status_code == 404
    wrong = get(app, "/_wfmock/openapi/miso.yaml?oas=2.0")
    assert wrong.status_code == 400 and wrong.json() == {"code": "invalid_request", "status": 400,
                                                        "message": "oas must be one of 3.2, 3.1"}


def test_docs_page_and_its_assets_come_from_installed_packages() -> None:
    app = build_app(Config(apis=("miso",)))
    page = get(app, "/_wfmock/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text and "http" not in page.text.split(
        "<body>")[0].replace("http-equiv", ""), "no CDN: every asset is served by the mock"
    assert "/_wfmock/openapi/miso.json?oas=3.1" in page.text and "imprun" not in page.text.split("<body>")[1]
    bundle = get(app, "/_wfmock/docs/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000
    assert get(app, "/_wfmock/docs/swagger-ui/../../admin.py").status_code == 404
    assert get(app, "/_wfmock/docs/swagger-ui/swagger-editor-bundle.js").status_code == 404


def test_console_page_and_files() -> None:
    app = build_app(Config())
    page = get(app, "/_wfmock/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in ("console.js", "console.css", "docs.js"):
        assert get(app, f"/_wfmock/static/{name}").status_code == 200, name
    for name in ("nothing.js", ".hidden.js", "console.py", "__init__.py"):
        assert get(app, f"/_wfmock/static/{name}").status_code == 404, name


def test_runs_lists_each_api_s_runs_with_status() -> None:
    clock = FakeClock()
    app = build_app(Config(clock=clock, pace=0))

    async def go() -> dict:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as client:
            created = (await client.post("/v2/workflows", json=HOMETAX, headers={"X-API-Key": "k"})).json()
            await client.post("/ext/v1/workflows/run", headers={"Authorization": "Bearer app-k"},
                              json={"inputs": {"query": "q"}, "mode": "blocking", "user": "u"})
            running = (await client.get("/_wfmock/runs")).json()
            clock.advance(10)
            finished = (await client.get("/_wfmock/runs")).json()
            return {"created": created, "running": running, "finished": finished}

    seen = asyncio.run(go())
    [run] = seen["running"]["imprun"]
    assert run["id"] == seen["created"]["id"] and run["status"] == "RUNNING"
    assert run["progressUrl"] == seen["created"]["progressUrl"]
    assert seen["finished"]["imprun"][0]["status"] == "SUCCEEDED"
    [miso] = seen["finished"]["miso"]
    assert miso["status"] == "succeeded" and miso["app"] == "demo" and miso["total_tokens"] > 0


def read_feed(base: str, query: str, until: int, headers: dict | None = None,
              listening: threading.Event | None = None) -> list[dict]:
    """Reads the journal feed until `until` request events arrived; sets `listening` once the feed's first line (sent
    after it started listening to the journal) arrived."""
    events: list[dict] = []
    with httpx.stream("GET", f"{base}/_wfmock/events{query}", headers=headers, timeout=30) as feed:
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in feed.iter_lines():
            if listening is not None:
                listening.set()
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name == "request":
                events.append(json.loads(line[6:]))
                if len(events) >= until:
                    return events
    return events


def test_the_journal_feed_is_live_and_honours_the_admin_token() -> None:
    with running_server("--admin-token", "s3cret-token", "--pace", "0") as base:
        assert httpx.get(f"{base}/_wfmock/events").status_code == 401
        assert httpx.get(f"{base}/_wfmock/events?token=wrong").status_code == 401
        assert httpx.get(f"{base}/_wfmock/runs").status_code == 401
        assert httpx.get(f"{base}/_wfmock/runs", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert httpx.get(f"{base}/_wfmock/").status_code == 200, "the page itself holds nothing secret"
        assert httpx.get(f"{base}/_wfmock/openapi/miso.yaml").status_code == 200
        httpx.get(f"{base}/v2/workflows/wf_before", headers={"X-API-Key": "k"})
        backlog = read_feed(base, "?token=s3cret-token", until=1)
        assert [e["path"] for e in backlog] == ["/v2/workflows/wf_before"]

        async def live() -> list[dict]:
            listening = threading.Event()
            reader = asyncio.create_task(asyncio.to_thread(
                read_feed, base, f"?token=s3cret-token&after={backlog[0]['seq']}", 2, None, listening))
            assert await asyncio.to_thread(listening.wait, 30)  # the feed is open before the requests are made
            async with httpx.AsyncClient(base_url=base) as client:
                await client.get("/v2/workflows/wf_live", headers={"X-API-Key": "k"})
                await client.post("/ext/v1/workflows/run", headers={"Authorization": "Bearer app-k"},
                                  json={"inputs": {"query": "q"}, "mode": "blocking", "user": "u"})
            return await asyncio.wait_for(reader, 30)

        streamed = asyncio.run(live())
        assert [(e["api"], e["path"], e["status"]) for e in streamed] == [
            ("imprun", "/v2/workflows/wf_live", 404), ("miso", "/ext/v1/workflows/run", 200)]


def test_another_site_cannot_change_the_mock_state_through_the_admin_api() -> None:
    """A cross-site form POST needs no preflight; the admin API refuses it by its Origin (same-origin calls pass)."""
    from tests.inprocess import app, call, is_miso_envelope

    pipeline = app()
    own = "http://wfmock.test"
    evil = {"Origin": "https://evil.example"}
    for method, path, body in (("POST", "/_wfmock/reset", None), ("DELETE", "/_wfmock/requests", None),
                               ("PUT", "/_wfmock/scenario", {"name": "flaky"}), ("DELETE", "/_wfmock/scenario", None)):
        refused = call(pipeline, method, path, json=body, headers=evil)
        assert refused.status_code == 403 and is_miso_envelope(refused.json()), (method, path, refused.text)
        blind = call(pipeline, method, path, json=body, headers={"Sec-Fetch-Site": "cross-site"})
        assert blind.status_code == 403, (method, path, blind.text)
    assert call(pipeline, "GET", "/_wfmock/scenario").json()["active"] is None  # nothing changed
    assert call(pipeline, "PUT", "/_wfmock/scenario", json={"name": "flaky"}, headers={"Origin": own}).status_code == 200
    assert call(pipeline, "POST", "/_wfmock/reset").status_code == 200  # curl and test clients send no Origin
    assert call(pipeline, "GET", "/_wfmock/requests", headers=evil).status_code == 200  # reading: CORS keeps it private
