"""The validating proxy as a proxy: requests forwarded unchanged, answers streamed as they arrive, a client that
leaves closes the upstream stream, the report header, 502 on a violation, secrets masked, and the command itself
in front of `wfmock serve` (exit summary in the contract kit's format, JUnit)."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
import sys
import threading
from xml.etree import ElementTree

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from tests import proxy_traffic
from tests.contract.gallery import imprun_server
from tests.support import free_port, running_server, serving, wait_until_up, wfmock_env
from wfmock.proxy.cli import build, build_parser

KEY = "gallery-key-0123456789abcdef"


def echo_upstream(gate: threading.Event, left: threading.Event) -> Starlette:
    """Echoes each request; `/ext/v1/stream` sends one event, then the next only once `gate` is set, forever, and
    sets `left` when the proxy closes it."""

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"method": request.method, "raw_path": request.scope["raw_path"].decode(),
                             "query": request.scope["query_string"].decode(),
                             "headers": [[k.decode(), v.decode()] for k, v in request.scope["headers"]],
                             "body": (await request.body()).decode("latin-1")})

    async def stream(request: Request) -> StreamingResponse:
        async def events():
            try:
                yield 'data: {"event": "first"}\n\n'
                while not gate.is_set():
                    await asyncio.sleep(0.01)
                count = 0
                while True:
                    count += 1
                    yield f'data: {{"event": "next", "n": {count}}}\n\n'
                    await asyncio.sleep(0.05)
            finally:
                left.set()

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(routes=[Route("/ext/v1/stream", stream, methods=["POST"]),
                             Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])])


def proxy_for(upstream: str, *flags: str):
    app, violations, _ = build(build_parser().parse_args(["--upstream", upstream, *flags]))
    app.start()
    return app, violations


@pytest.fixture(scope="module")
def echo():
    gate, left = threading.Event(), threading.Event()
    with serving(echo_upstream(gate, left)) as upstream:
        app, _ = proxy_for(upstream)
        with serving(app) as proxy:
            yield proxy, gate, left
        app.stop()


def test_requests_are_forwarded_unchanged(echo) -> None:
    proxy, _, _ = echo
    body = b'{"z": 1, "a": "\xea\xb0\x80"}'
    answer = httpx.post(proxy + "/v2/some%2Fthing/%7Bx%7D?b=2&a=1&a=3&e=%20", content=body,
                        headers={"X-Custom": "kept", "X-API-Key": KEY, "Content-Type": "application/json"})
    seen = answer.json()
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/v2/some%2Fthing/%7Bx%7D"
    assert seen["query"] == "b=2&a=1&a=3&e=%20"
    assert seen["body"].encode("latin-1") == body
    headers = dict(seen["headers"])
    assert headers["x-custom"] == "kept" and headers["x-api-key"] == KEY
    assert headers["content-type"] == "application/json"


def test_multipart_bodies_are_forwarded_byte_for_byte(echo) -> None:
    proxy, _, _ = echo
    request = httpx.Request("POST", proxy + "/ext/v1/files/upload", data={"user": "u"},
                            files={"file": ("문서.txt", "내용\n".encode(), "text/plain")})
    sent = request.read()
    seen = httpx.Client().send(request).json()
    assert seen["body"].encode("latin-1") == sent
    assert dict(seen["headers"])["content-type"] == request.headers["content-type"]


def test_events_reach_the_client_as_they_arrive_and_leaving_closes_the_upstream(echo) -> None:
    """The upstream sends its second event only after the client has the first: a buffering proxy would hang."""
    proxy, gate, left = echo
    with httpx.Client(timeout=10) as client, client.stream("POST", proxy + "/ext/v1/stream") as answer:
        lines = answer.iter_lines()
        assert next(line for line in lines if line.startswith("data:")) == 'data: {"event": "first"}'
        gate.set()
        assert '"next"' in next(line for line in lines if line.startswith("data:"))
    assert left.wait(10), "the upstream stream was not closed when the client left"


@pytest.fixture(scope="module")
def broken_imprun():
    with serving(imprun_server.build_app(KEY, frozenset({"missing_field"}))) as upstream:
        yield upstream


def test_report_header_names_the_violations(broken_imprun) -> None:
    app, _ = proxy_for(broken_imprun, "--api", "imprun", "--report-header")
    with serving(app) as proxy:
        created = httpx.post(proxy + "/v2/workflows", headers={"X-API-Key": KEY}, json=proxy_traffic.IMPRUN_BODY)
        refused = httpx.post(proxy + "/v2/workflows", headers={"X-API-Key": "wrong"}, json=proxy_traffic.IMPRUN_BODY)
    app.stop()
    assert created.status_code == 200 and "id" in created.json()
    assert created.headers["x-wfmock-violations"].startswith("1; [response_schema_conformance]")
    assert "progressUrl" in created.headers["x-wfmock-violations"]
    assert refused.status_code == 401 and refused.headers["x-wfmock-violations"] == "0"


def test_fail_on_violation_answers_502_in_the_envelope(broken_imprun) -> None:
    app, violations = proxy_for(broken_imprun, "--api", "imprun", "--fail-on-violation")
    with serving(app) as proxy:
        created = httpx.post(proxy + "/v2/workflows", headers={"X-API-Key": KEY}, json=proxy_traffic.IMPRUN_BODY)
        refused = httpx.post(proxy + "/v2/workflows", json=proxy_traffic.IMPRUN_BODY)
        report = httpx.get(proxy + "/_wfmock/violations").json()
    app.stop()
    assert created.status_code == 502
    body = created.json()
    assert body["code"] == "CONTRACT_VIOLATION" and body["error"] and body["message"]
    assert body["violations"][0]["check"] == "response_schema_conformance"
    assert refused.status_code == 401 and refused.json()["code"] == "INVALID_API_KEY"
    assert report["by_check"] == {"response_schema_conformance": 1} and report["exchanges"] == 2


def test_secrets_never_reach_the_log_or_the_report(broken_imprun, caplog) -> None:
    app, _ = proxy_for(broken_imprun, "--api", "imprun")
    with caplog.at_level(logging.WARNING, logger="wfmock.proxy"), serving(app) as proxy:
        httpx.post(proxy + "/v2/workflows", headers={"X-API-Key": KEY}, json=proxy_traffic.IMPRUN_BODY)
        report = httpx.get(proxy + "/_wfmock/violations").json()
    app.stop()
    assert "VIOLATION [response_schema_conformance]" in caplog.text
    assert KEY not in caplog.text and KEY[-4:] in caplog.text  # masked as the mock's journal masks keys
    assert KEY not in json.dumps(report) and "$WFMOCK_API_KEY" in report["violations"][0]["curl"]


def test_an_unreachable_upstream_is_a_502_in_the_apis_envelope() -> None:
    app, _ = proxy_for(f"http://127.0.0.1:{free_port()}")
    with serving(app) as proxy:
        imprun = httpx.get(proxy + "/v2/workflows/wf_1", headers={"X-API-Key": KEY})
        miso = httpx.get(proxy + "/ext/v1/workflows/logs")
    app.stop()
    assert imprun.status_code == 502 and set(imprun.json()) == {"error", "message", "code"}
    assert miso.status_code == 502 and miso.json()["status"] == 502 and miso.json()["code"]


async def breaks_off(scope, receive, send) -> None:
    """An upstream that promises 100 bytes of JSON, sends 12 and dies (uvicorn closes the connection)."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")]})
    await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})
    raise ConnectionAbortedError("the upstream dies mid-body")


def test_an_upstream_dying_mid_body_breaks_the_relayed_answer_or_is_a_502_when_held() -> None:
    with serving(breaks_off) as upstream:
        relaying, _ = proxy_for(upstream)
        holding, violations = proxy_for(upstream, "--report-header")
        with serving(relaying) as proxy, pytest.raises(httpx.HTTPError):
            httpx.get(proxy + "/ext/v1/workflows/logs", timeout=10)  # the head went out: the body is cut, as sent
        with serving(holding) as proxy:
            held = httpx.get(proxy + "/ext/v1/workflows/logs", timeout=10)
            report = httpx.get(proxy + "/_wfmock/violations").json()
    relaying.stop()
    holding.stop()
    assert held.status_code == 502 and held.json()["status"] == 502 and "broke off" in held.json()["message"]
    assert report["exchanges"] == 1


def test_the_command_in_front_of_wfmock_serve(tmp_path) -> None:
    """`wfmock proxy` before `wfmock serve`: ordinary traffic of both APIs conforms; on exit, the summary in the
    contract kit's format, and JUnit."""
    junit = tmp_path / "proxy.xml"
    with running_server("--pace", "0.2", "--run-duration", "0.5") as upstream:
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "wfmock", "proxy", "--upstream", upstream, "--port",
                                    str(port), "--junit", str(junit)], cwd=tmp_path, env=wfmock_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proxy = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(process, proxy + "/_wfmock/violations")
            proxy_traffic.miso(proxy, KEY)
            proxy_traffic.imprun(proxy, KEY)
            report = httpx.get(proxy + "/_wfmock/violations").json()
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
    assert report["total"] == 0, report["violations"][:3]
    assert process.returncode == 0, out + err
    assert "== wfmock proxy: all / documented" in out and "CONFORMS" in out, out
    assert "Verified: " in out and "sse_grammar" in out
    cases = {case.get("name") for case in ElementTree.parse(junit).getroot().iter("testcase")}
    assert {"sse_grammar", "response_schema_conformance", "run_readback"} <= cases
    assert KEY not in out + err
