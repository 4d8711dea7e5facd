"""Request limits, isolation and stream lifetimes, in-process through the ASGI app (issue 10 regressions)."""

from __future__ import annotations

import asyncio
import functools

import orjson
import pytest

from tests.inprocess import Exchange, app, call, is_imprun_envelope, is_miso_envelope
from wfmock.journal import Journal, mask_key
from wfmock.limits import Limits
from wfmock.openapi import sse
from wfmock.scenario import load_text

MISO = {"Authorization": "Bearer app-demo-key"}
DOCSUM = {"Authorization": "Bearer app-docsum"}
IMPRUN = {"X-API-Key": "key-a"}
IMPRUN_BODY = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                              "credentialId": "cred_abc123", "year": 2025}}


def nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def miso_run(inputs: bytes, mode: str) -> bytes:
    return b'{"inputs": {"deep": ' + inputs + b'}, "mode": "' + mode.encode() + b'", "user": "u"}'


@functools.cache
def shared() -> object:
    return app()


@pytest.mark.parametrize("levels", [300, 1000, 100_000])
@pytest.mark.parametrize("mode", ["blocking", "streaming"])
def test_deep_miso_inputs_are_a_400_envelope_in_both_modes(levels: int, mode: str) -> None:
    response = call(shared(), "POST", "/ext/v1/workflows/run", content=miso_run(nested(levels), mode),
                    headers={**MISO, "content-type": "application/json"})
    assert response.status_code == 400 and is_miso_envelope(response.json()), response.text[:200]
    assert response.json()["code"] == "invalid_param" and "nested more than 64" in response.json()["message"]


def test_deep_imprun_params_are_a_400_envelope() -> None:
    body = b'{"type": "x", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = call(shared(), "POST", "/v2/workflows", content=body, headers={**IMPRUN, "content-type": "application/json"})
    assert response.status_code == 400 and is_imprun_envelope(response.json())


def test_nesting_within_the_limit_reaches_validation() -> None:
    """40 levels pass the depth check; the document then judges the value (inputs hold no nested lists)."""
    response = call(shared(), "POST", "/ext/v1/workflows/run", content=miso_run(b"[" * 40 + b"1" + b"]" * 40, "blocking"),
                    headers={**MISO, "content-type": "application/json"})
    assert response.status_code == 400 and is_miso_envelope(response.json()), response.text[:200]
    assert "nested more than" not in response.json()["message"] and "is not of type" in response.json()["message"]
    flat = call(shared(), "POST", "/ext/v1/workflows/run", content=miso_run(b'["a", 1, true]', "blocking"),
                headers={**MISO, "content-type": "application/json"})
    assert flat.status_code == 200 and flat.json()["data"]["status"] == "succeeded", flat.text[:200]


def test_an_invalid_huge_value_is_not_echoed_back() -> None:
    huge = "x" * (3 * 1024 * 1024)  # under the field limit, over any sane message
    body = {"type": "scraping", "params": {**IMPRUN_BODY["params"], "year": huge}}
    response = call(shared(), "POST", "/v2/workflows", json=body, headers=IMPRUN)
    assert response.status_code == 400 and is_imprun_envelope(response.json())
    assert len(response.content) < 2000


def test_a_field_over_the_limit_is_413_in_the_envelope() -> None:
    pipeline = app(limits=Limits(field_bytes=1024 * 1024))
    body = {"inputs": {"query": "q" * (1024 * 1024 + 1)}, "mode": "blocking", "user": "u"}
    response = call(pipeline, "POST", "/ext/v1/workflows/run", json=body, headers=MISO)
    assert response.status_code == 413 and is_miso_envelope(response.json())
    assert "inputs.query" in response.json()["message"] and len(response.content) < 1000


def test_a_body_over_the_limit_is_413() -> None:
    pipeline = app(limits=Limits(body_bytes=64 * 1024))
    response = call(pipeline, "POST", "/v2/workflows", content=b"[" + b"1," * 40_000 + b"1]",
                    headers={**IMPRUN, "content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(("field", "filename"), [
    ("file", "a\x00b.txt"), ("file", "x" * 300 + ".txt"), ("f\x00ile", "a.txt"), ("x" * 300, "a.txt"),
], ids=["nul-filename", "long-filename", "nul-field", "long-field"])
def test_multipart_names_are_bounded(field: str, filename: str) -> None:
    boundary = "wfmockboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\nu\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n").encode("utf-8")
    response = call(shared(), "POST", "/ext/v1/files/upload", content=body,
                    headers={**MISO, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 400 and is_miso_envelope(response.json()), response.text[:300]
    assert "multipart" in response.json()["message"], response.text[:300]


def test_admin_unknown_paths_and_methods_are_in_the_envelope() -> None:
    missing = call(shared(), "GET", "/_wfmock/nope")
    assert missing.status_code == 404 and is_miso_envelope(missing.json())
    wrong = call(shared(), "DELETE", "/_wfmock/health")
    assert wrong.status_code == 405 and is_miso_envelope(wrong.json()) and "allow" in wrong.headers
    bad = call(shared(), "GET", "/_wfmock/requests", params={"limit": "9" * 5000})
    assert bad.status_code == 400 and is_miso_envelope(bad.json())


def test_journal_never_shows_most_of_a_short_key() -> None:
    assert [mask_key(k) for k in ("a", "abcd", "abcde", "x" * 15)] == ["…"] * 4
    assert mask_key("sk-0123456789abcdef") == "…cdef"
    journal = Journal(capacity=100, max_bytes=20_000)
    for index in range(200):
        journal.record(api="imprun", path="/v2/" + "p" * 1000, status=200, api_key=f"k{index}")
    assert journal.bytes <= 20_000 and 0 < len(journal) < 100
    assert all(entry["api_key"] == "…" for entry in journal.find(limit=1000))


# -- isolation: each operation touches only what its key (imprun) or app (MISO) owns -------------------


async def _imprun_isolation() -> dict[str, bool]:
    pipeline = app(run_duration=600.0)
    a, b = {"X-API-Key": "key-a"}, {"X-API-Key": "key-b"}
    run = await _json(pipeline, "POST", "/v2/workflows", IMPRUN_BODY, a)
    credits = load_text("name: c\ndescription: d\ncredits:\n  imprun: {initial: 1}\n", "c.yaml")
    pipeline.session.use_scenario(credits)
    await _json(pipeline, "POST", "/v2/workflows", IMPRUN_BODY, a)
    return {
        "getWorkflow": (await _status(pipeline, "GET", f"/v2/workflows/{run['id']}", None, b)) == 404
        and (await _status(pipeline, "GET", f"/v2/workflows/{run['id']}", None, a)) == 200,
        "createWorkflow (credits)": (await _status(pipeline, "POST", "/v2/workflows", IMPRUN_BODY, a)) == 402
        and (await _status(pipeline, "POST", "/v2/workflows", IMPRUN_BODY, b)) == 200,
    }


async def _miso_isolation() -> dict[str, bool]:
    pipeline = app(pace=1.0)
    stall = load_text("name: s\ndescription: d\nrules:\n  - name: stall\n    match: {api: miso}\n"
                      "    stream: {stall_after: 1, stall_seconds: 600}\n", "s.yaml")
    demo_file = await _upload(pipeline, MISO)
    docsum_file = await _upload(pipeline, DOCSUM)
    document = {"transfer_method": "local_file", "upload_file_id": docsum_file["id"], "type": "document"}
    demo_run = await _json(pipeline, "POST", "/ext/v1/workflows/run",
                           {"inputs": {"q": "x"}, "mode": "blocking", "user": "u"}, MISO)
    docsum_run = await _json(pipeline, "POST", "/ext/v1/workflows/run",
                             {"inputs": {"document": document}, "mode": "blocking", "user": "u"}, DOCSUM)
    foreign = {"transfer_method": "local_file", "upload_file_id": demo_file["id"], "type": "document"}
    pipeline.session.use_scenario(stall)
    stream = Exchange(pipeline, "POST", "/ext/v1/workflows/run", headers=MISO,
                      json_body={"inputs": {"q": "x"}, "mode": "streaming", "user": "u"})
    stream.start()
    await stream.wait_for(b"workflow_started")
    task_id = sse.parse(stream.content).events[0].payload["task_id"]
    stopped_by_other = await _json(pipeline, "POST", f"/ext/v1/workflows/tasks/{task_id}/stop", {"user": "u"}, DOCSUM)
    await asyncio.sleep(0.05)  # waits for a non-event (the stream NOT ending): a slow loop can only hide a bug
    survived = not stream.task.done()
    await _json(pipeline, "POST", f"/ext/v1/workflows/tasks/{task_id}/stop", {"user": "u"}, MISO)
    await asyncio.wait_for(stream.task, 30)
    demo_logs = await _json(pipeline, "GET", "/ext/v1/workflows/logs", None, MISO)
    docsum_logs = await _json(pipeline, "GET", "/ext/v1/workflows/logs", None, DOCSUM)
    return {
        "uploadFile": (await _status(pipeline, "POST", "/ext/v1/workflows/run",
                                     {"inputs": {"document": foreign}, "mode": "blocking", "user": "u"}, DOCSUM)) == 400,
        "runWorkflow + getWorkflowRun": (await _status(pipeline, "GET", f"/ext/v1/workflows/run/{demo_run['workflow_run_id']}",
                                                       None, DOCSUM)) == 404
        and (await _status(pipeline, "GET", f"/ext/v1/workflows/run/{docsum_run['workflow_run_id']}", None, MISO)) == 404,
        "stopWorkflowTask": stopped_by_other == {"result": "success"} and survived
        and sse.parse(stream.content).events[-1].payload["data"]["status"] == "stopped",
        "listWorkflowLogs": {e["workflow_run"]["id"] for e in demo_logs["data"]}.isdisjoint(
            {e["workflow_run"]["id"] for e in docsum_logs["data"]}) and docsum_logs["total"] == 1,
    }


@pytest.mark.parametrize("operation", ["getWorkflow", "createWorkflow (credits)", "uploadFile",
                                       "runWorkflow + getWorkflowRun", "stopWorkflowTask", "listWorkflowLogs"])
def test_isolation_operation_by_operation(operation: str) -> None:
    results = _isolation_results()
    assert results[operation], f"{operation} reached another key's or app's state"


@functools.cache
def _isolation_results() -> dict[str, bool]:
    async def both() -> dict[str, bool]:
        return {**await _imprun_isolation(), **await _miso_isolation()}
    return asyncio.run(both())


async def _exchange(pipeline: object, method: str, path: str, body: object, headers: dict[str, str]) -> Exchange:
    exchange = Exchange(pipeline, method, path, headers=headers, json_body=body)  # type: ignore[arg-type]
    exchange.start()
    await asyncio.wait_for(exchange.task, 30)  # type: ignore[arg-type]
    return exchange


async def _json(pipeline: object, method: str, path: str, body: object, headers: dict[str, str]) -> dict:
    exchange = await _exchange(pipeline, method, path, body, headers)
    assert exchange.status in (200, 201), exchange.content[:300]
    return orjson.loads(exchange.content)


async def _status(pipeline: object, method: str, path: str, body: object, headers: dict[str, str]) -> int | None:
    return (await _exchange(pipeline, method, path, body, headers)).status


async def _upload(pipeline: object, headers: dict[str, str]) -> dict:
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\nu\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n").encode()
    exchange = Exchange(pipeline, "POST", "/ext/v1/files/upload",  # type: ignore[arg-type]
                        headers={**headers, "content-type": f"multipart/form-data; boundary={boundary}"})
    exchange.body = body
    exchange.start()
    await asyncio.wait_for(exchange.task, 30)  # type: ignore[arg-type]
    assert exchange.status == 201, exchange.content
    return orjson.loads(exchange.content)


# -- streams: a client that leaves ends its run at once; shutdown ends streams with a final event ---------


def test_a_client_leaving_a_stalled_stream_ends_its_task_at_once() -> None:
    async def scenario() -> tuple[int, int, bool]:
        pipeline = app(pace=1.0)
        pipeline.session.use_scenario(load_text(
            "name: s\ndescription: d\nrules:\n  - name: stall\n    match: {api: miso}\n"
            "    stream: {stall_after: 1, stall_seconds: 3600}\n", "s.yaml"))
        await asyncio.sleep(0)
        before = len(asyncio.all_tasks())
        exchanges = [Exchange(pipeline, "POST", "/ext/v1/workflows/run", headers=MISO,
                              json_body={"inputs": {"q": str(i)}, "mode": "streaming", "user": "u"}) for i in range(5)]
        for exchange in exchanges:
            exchange.start()
        for exchange in exchanges:
            await exchange.wait_for(b"workflow_started")
        during = len(asyncio.all_tasks())
        for exchange in exchanges:
            exchange.disconnect()
        await asyncio.wait_for(asyncio.gather(*(e.task for e in exchanges)), 30)  # not 3600 s
        await asyncio.sleep(0)
        return before, len(asyncio.all_tasks()), during > before and not pipeline.apis[-1].tasks
    before, after, was_running = asyncio.run(scenario())
    assert was_running and after == before


def test_shutdown_ends_open_streams_with_a_final_event() -> None:
    async def scenario() -> list[dict]:
        pipeline = app(pace=1.0)
        pipeline.session.use_scenario(load_text(
            "name: s\ndescription: d\nrules:\n  - name: stall\n    match: {api: miso}\n"
            "    stream: {stall_after: 1, stall_seconds: 3600}\n", "s.yaml"))
        exchange = Exchange(pipeline, "POST", "/ext/v1/workflows/run", headers=MISO,
                            json_body={"inputs": {"q": "x"}, "mode": "streaming", "user": "u"})
        exchange.start()
        await exchange.wait_for(b"workflow_started")
        pipeline.close_streams()
        await asyncio.wait_for(exchange.task, 30)
        return sse.parse(exchange.content).events
    events = asyncio.run(scenario())
    final = events[-1].payload
    assert final["event"] == "workflow_finished" and final["data"]["status"] == "stopped"
    assert final["data"]["error"] == "The server is shutting down."


def test_retention_is_bounded_in_bytes_oldest_first() -> None:
    pipeline = app(retain_bytes=2 * 1024 * 1024)
    big = "q" * (256 * 1024)
    ids = []
    for _ in range(12):
        response = call(pipeline, "POST", "/ext/v1/workflows/run", headers=MISO,
                        json={"inputs": {"query": big}, "mode": "blocking", "user": "u"})
        ids.append(response.json()["workflow_run_id"])
    store = next(iter(pipeline.apis[-1].stores.values()))
    assert store.runs.bytes <= 2 * 1024 * 1024 and store.logged.bytes <= 2 * 1024 * 1024
    assert call(pipeline, "GET", f"/ext/v1/workflows/run/{ids[0]}", headers=MISO).status_code == 404
    assert call(pipeline, "GET", f"/ext/v1/workflows/run/{ids[-1]}", headers=MISO).status_code == 200


def test_an_18_mb_value_is_neither_echoed_nor_kept_without_bound() -> None:
    pipeline = app(limits=Limits(field_bytes=32 * 1024 * 1024), retain_bytes=48 * 1024 * 1024)
    huge = "9" * (18 * 1024 * 1024)
    invalid = call(pipeline, "POST", "/v2/workflows", headers=IMPRUN,
                   json={"type": "scraping", "params": {**IMPRUN_BODY["params"], "year": huge}})
    assert invalid.status_code == 400 and len(invalid.content) < 2000
    for _ in range(4):
        ok = call(pipeline, "POST", "/ext/v1/workflows/run", headers=MISO,
                  json={"inputs": {"query": huge}, "mode": "blocking", "user": "u"})
        assert ok.status_code == 200
    store = next(iter(pipeline.apis[-1].stores.values()))
    assert len(store.runs) == 1 and len(store.logged) == 1  # each entry is over half the bound: only the newest stays
    assert store.runs.bytes <= 48 * 1024 * 1024 * 2
    refused = call(app(), "POST", "/ext/v1/workflows/run", headers=MISO,
                   json={"inputs": {"query": huge}, "mode": "blocking", "user": "u"})
    assert refused.status_code == 413 and len(refused.content) < 1000  # the default field limit is 4 MiB
