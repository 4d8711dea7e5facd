"""MISO's behaviour in-process (httpx.ASGITransport, FakeClock, pace 0): blocking and streaming runs, reading a
run back, uploads, stopping a live stream, logs, what a scenario forces and its envelope — what the subprocess tests
cover where a socket is not the point."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.inprocess import Exchange, app, call
from wfmock.openapi import sse
from wfmock.clock import FakeClock
from wfmock.pipeline import Pipeline

AUTH = {"Authorization": "Bearer app-demo-key"}


def miso(**options: Any) -> Pipeline:
    return app(apis=("miso",), clock=FakeClock(), seed=3, **options)


def run(pipeline: Pipeline, body: dict[str, Any], headers: dict[str, str] = AUTH) -> httpx.Response:
    return call(pipeline, "POST", "/ext/v1/workflows/run", headers=headers, json=body)


def upload(pipeline: Pipeline, name: str, content: bytes, headers: dict[str, str] = AUTH) -> httpx.Response:
    return call(pipeline, "POST", "/ext/v1/files/upload", headers=headers, files={"file": (name, content)},
                data={"user": "uploader"})


def events_of(response: httpx.Response | bytes) -> list[dict[str, Any]]:
    content = response if isinstance(response, bytes) else response.content
    return [e.payload for e in sse.parse(content).events if e.data is not None]


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "status"} and body["code"] == code and body["status"] == status, body
    return body


def test_a_blocking_run_answers_at_once_and_reads_back_the_same() -> None:
    pipeline = miso()
    body = run(pipeline, {"inputs": {"query": "요약해줘"}, "mode": "blocking", "user": "abc-123"}).json()
    assert body["workflow_run_id"] == body["data"]["id"] and body["data"]["status"] == "succeeded"
    assert body["data"]["outputs"]["text"] and body["data"]["error"] is None
    detail = call(pipeline, "GET", f"/ext/v1/workflows/run/{body['workflow_run_id']}", headers=AUTH).json()
    assert detail["status"] == "succeeded" and detail["outputs"] == body["data"]["outputs"]
    assert detail["inputs"] == {"query": "요약해줘"}
    envelope(call(pipeline, "GET", f"/ext/v1/workflows/run/{uuid.uuid4()}", headers=AUTH), 404, "not_found")


def test_a_streaming_run_follows_difys_event_grammar() -> None:
    pipeline = miso()
    response = run(pipeline, {"inputs": {"query": "hi"}, "response_mode": "streaming", "user": "abc-123"})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = [e for e in events_of(response) if e.get("event") != "ping"]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "workflow_started" and kinds[-1] == "workflow_finished" and "text_chunk" in kinds
    assert len({(e["task_id"], e["workflow_run_id"]) for e in events}) == 1
    finished = events[-1]["data"]
    assert finished["status"] == "succeeded" and finished["total_steps"] == kinds.count("node_finished")
    detail = call(pipeline, "GET", f"/ext/v1/workflows/run/{events[0]['workflow_run_id']}", headers=AUTH).json()
    assert detail["status"] == "succeeded" and detail["outputs"] == finished["outputs"]


def test_an_uploaded_file_is_an_input_of_its_own_app_only() -> None:
    pipeline = miso()
    uploaded = upload(pipeline, "my_file.pdf", b"%PDF-1.4 hello")
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()
    assert (meta["name"], meta["extension"], meta["size"], meta["mime_type"]) == (
        "my_file.pdf", "pdf", 14, "application/pdf")
    document = {"transfer_method": "local_file", "upload_file_id": meta["id"], "type": "document"}
    result = run(pipeline, {"inputs": {"document": document}, "mode": "blocking", "user": "uploader"}).json()
    assert "my_file.pdf" in result["data"]["outputs"]["text"]
    other = run(pipeline, {"inputs": {"document": document}, "mode": "blocking", "user": "u"},
                {"Authorization": "Bearer app-docsum"})
    envelope(other, 400, "invalid_param")


@pytest.mark.parametrize(("name", "content", "status", "code"), [
    ("virus.exe", b"MZ", 415, "unsupported_file_type"),
    ("huge.png", b"\0" * (10 * 1024 * 1024 + 1), 413, "file_too_large"),
])
def test_upload_errors_are_in_the_envelope(name: str, content: bytes, status: int, code: str) -> None:
    envelope(upload(miso(), name, content), status, code)


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"inputs": {"query": "hi"}, "mode": "blocking"}, 400, "invalid_param"),
    ({"inputs": {"query": "hi"}, "mode": "blocking", "response_mode": "streaming", "user": "u"}, 400,
     "invalid_param"),
])
def test_invalid_runs_are_refused(body: dict[str, Any], status: int, code: str) -> None:
    envelope(run(miso(), body), status, code)


def test_bad_requests_get_the_envelope() -> None:
    pipeline = miso()
    envelope(call(pipeline, "GET", "/ext/v1/nothing", headers=AUTH), 404, "not_found")
    envelope(call(pipeline, "POST", "/ext/v1/workflows/run", json={"inputs": {}, "user": "u"}), 401, "unauthorized")
    envelope(call(pipeline, "POST", "/ext/v1/workflows/run", headers={**AUTH, "Content-Type": "application/json"},
                  content=b"{not json"), 400, "invalid_param")


HOLD = """
name: held
description: streams stall after their second event, so a stop can reach them
rules:
  - match: {api: miso, operation: runWorkflow}
    stream: {stall_after: 2, stall_seconds: 60}
"""


def test_a_stop_ends_a_live_stream_as_stopped(tmp_path: Path) -> None:
    scenario = tmp_path / "held.yaml"
    scenario.write_text(HOLD, encoding="utf-8")
    pipeline = miso(scenario=str(scenario))
    headers = {"Authorization": "Bearer stop-test"}

    async def go() -> bytes:
        stream = Exchange(pipeline, "POST", "/ext/v1/workflows/run", headers=headers,
                          json_body={"inputs": {"query": "hi"}, "mode": "streaming", "user": "stopper"})
        stream.start()
        await stream.wait_for(b"node_started")
        task_id = events_of(stream.content)[0]["task_id"]
        transport = httpx.ASGITransport(app=pipeline)
        async with httpx.AsyncClient(transport=transport, base_url="http://wfmock.test") as client:
            stop = f"/ext/v1/workflows/tasks/{task_id}/stop"
            wrong = await client.post(stop, headers=headers, json={"user": "someone-else"})
            assert wrong.json() == {"result": "success"} and not stream.task.done()
            right = await client.post(stop, headers=headers, json={"user": "stopper"})
            assert right.json() == {"result": "success"}
        await asyncio.wait_for(stream.task, 10)
        return stream.content

    last = events_of(asyncio.run(go()))[-1]
    assert last["event"] == "workflow_finished" and last["data"]["status"] == "stopped"
    assert last["data"]["error"] == "Stopped by user." and last["data"]["outputs"] is None
    detail = call(pipeline, "GET", f"/ext/v1/workflows/run/{last['workflow_run_id']}", headers=headers).json()
    assert detail["status"] == "stopped"


NODE_FAILS = """
name: node-fails
description: the second node fails
rules:
  - match: {api: miso, operation: runWorkflow}
    run: {status: FAILED, failed_node: 2, error_message: boom}
"""


def test_a_scenario_fails_a_node_and_the_run(tmp_path: Path) -> None:
    scenario = tmp_path / "node-fails.yaml"
    scenario.write_text(NODE_FAILS, encoding="utf-8")  # upper case is accepted and read as MISO's `failed`
    pipeline = miso(scenario=str(scenario))
    blocking = run(pipeline, {"inputs": {"query": "hi"}, "mode": "blocking", "user": "u"}).json()["data"]
    assert (blocking["status"], blocking["error"], blocking["outputs"]) == ("failed", "boom", None)
    streamed = events_of(run(pipeline, {"inputs": {"query": "hi"}, "mode": "streaming", "user": "u"}))
    failed = [e["data"] for e in streamed if e["event"] == "node_finished" and e["data"]["status"] == "failed"]
    assert [node["index"] for node in failed] == [2] and streamed[-1]["data"]["status"] == "failed"


def test_logs_page_newest_first_and_filter() -> None:
    pipeline = miso()
    headers = {"Authorization": "Bearer logs-test"}
    ids = [run(pipeline, {"inputs": {"query": f"질문 {i}"}, "mode": "blocking", "user": "logger"}, headers)
           .json()["workflow_run_id"] for i in range(5)]
    logs = "/ext/v1/workflows/logs"
    first = call(pipeline, "GET", logs, headers=headers, params={"keyword": "logger", "limit": 2}).json()
    assert (first["total"], first["has_more"], len(first["data"])) == (5, True, 2)
    last = call(pipeline, "GET", logs, headers=headers, params={"keyword": "logger", "limit": 2, "page": 3}).json()
    assert len(last["data"]) == 1 and last["has_more"] is False
    everything = call(pipeline, "GET", logs, headers=headers, params={"limit": 100}).json()["data"]
    assert [item["workflow_run"]["id"] for item in everything] == list(reversed(ids))
    failed = call(pipeline, "GET", logs, headers=headers, params={"status": "failed"}).json()
    assert failed["total"] == 0
    envelope(call(pipeline, "GET", logs, headers=headers, params={"limit": 0}), 400, "invalid_param")


def test_the_console_lists_miso_runs() -> None:
    pipeline = miso()
    run_id = run(pipeline, {"inputs": {"query": "hi"}, "mode": "blocking", "user": "u"}).json()["workflow_run_id"]
    listed = call(pipeline, "GET", "/_wfmock/runs").json()
    assert list(listed) == ["miso"] and listed["miso"][0]["id"] == run_id and listed["miso"][0]["status"] == "succeeded"
