"""MISO end to end, through a real `wfmock serve`: the seed's curl calls, streams, uploads, stop, logs."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from wfmock.openapi import sse

AUTH = {"Authorization": "Bearer app-demo-key"}


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def run(base: str, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{base}/ext/v1/workflows/run", headers=headers or AUTH, json=body, timeout=30)


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "status"} and body["code"] == code and body["status"] == status, body
    return body


def upload(base: str, name: str, content: bytes, headers: dict | None = None, user: str = "FILE UPLOAD TEST"):
    return httpx.post(f"{base}/ext/v1/files/upload", headers=headers or AUTH,
                      files={"file": (name, content)}, data={"user": user})


def events_of(response: httpx.Response) -> list[dict]:
    return [e.payload if e.data is not None else {"event": e.name} for e in sse.parse(response.content).events]


def test_seed_streaming_call(server: str) -> None:
    response = run(server, {"inputs": {"query": "hi"}, "mode": "streaming", "user": "abc-123"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = [e for e in events_of(response) if e["event"] != "ping"]
    assert events[0]["event"] == "workflow_started" and events[-1]["event"] == "workflow_finished"
    assert len({(e["task_id"], e["workflow_run_id"]) for e in events}) == 1
    assert events[-1]["data"]["status"] == "succeeded"


def test_seed_blocking_call_and_read_back(server: str) -> None:
    response = run(server, {"inputs": {"query": "요약해줘"}, "mode": "blocking", "user": "abc-123"})
    body = response.json()
    assert response.status_code == 200 and body["workflow_run_id"] == body["data"]["id"]
    assert body["data"]["status"] == "succeeded" and body["data"]["outputs"]["text"]
    detail = httpx.get(f"{server}/ext/v1/workflows/run/{body['workflow_run_id']}", headers=AUTH).json()
    assert detail["outputs"] == body["data"]["outputs"] and detail["status"] == "succeeded"
    assert detail["inputs"] == {"query": "요약해줘"}


def test_dify_response_mode_alias_is_accepted(server: str) -> None:
    response = run(server, {"inputs": {"q": "x"}, "response_mode": "blocking", "user": "u"})
    assert response.status_code == 200 and response.json()["data"]["status"] == "succeeded"


@pytest.mark.parametrize(("body", "needle"), [
    ({"inputs": {}, "mode": "streaming", "user": "abc-123"}, "inputs"),
    ({"inputs": {"q": "x"}, "mode": "streaming"}, "user"),
    ({"inputs": {"q": "x"}, "mode": "fast", "user": "u"}, "mode"),
    ({"inputs": {"q": "x"}, "mode": "blocking", "response_mode": "streaming", "user": "u"}, "disagree"),
    ({"inputs": {"doc": {"transfer_method": "local_file", "upload_file_id": "nope", "type": "document"}},
      "mode": "blocking", "user": "u"}, "upload file id"),
])
def test_invalid_runs_are_invalid_param(server: str, body: dict, needle: str) -> None:
    error = assert_envelope(run(server, body), 400, "invalid_param")
    assert needle in error["message"]


def test_errors_for_path_method_json_content_type_and_auth(server: str) -> None:
    assert_envelope(httpx.get(f"{server}/ext/v1/nothing", headers=AUTH), 404, "not_found")
    assert_envelope(httpx.delete(f"{server}/ext/v1/workflows/run", headers=AUTH), 405, "method_not_allowed")
    bad_json = httpx.post(f"{server}/ext/v1/workflows/run", headers={**AUTH, "Content-Type": "application/json"},
                          content=b'{"inputs":')
    assert_envelope(bad_json, 400, "invalid_param")
    as_text = httpx.post(f"{server}/ext/v1/workflows/run", headers={**AUTH, "Content-Type": "text/plain"},
                         content=b"hello")
    assert_envelope(as_text, 415, "unsupported_media_type")
    assert_envelope(httpx.get(f"{server}/ext/v1/workflows/logs"), 401, "unauthorized")
    assert_envelope(httpx.get(f"{server}/ext/v1/workflows/logs", headers={"Authorization": "Basic x"}), 401,
                    "unauthorized")


def test_unknown_run_is_404(server: str) -> None:
    assert_envelope(httpx.get(f"{server}/ext/v1/workflows/run/{uuid.uuid4()}", headers=AUTH), 404, "not_found")


def test_upload_then_use_the_file_as_an_input(server: str) -> None:
    uploaded = upload(server, "my_file.pdf", b"%PDF-1.4 hello")
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()
    assert meta["name"] == "my_file.pdf" and meta["extension"] == "pdf" and meta["size"] == 14
    assert meta["mime_type"] == "application/pdf" and isinstance(meta["created_at"], int)
    uuid.UUID(meta["id"]), uuid.UUID(meta["created_by"])
    body = {"inputs": {"document": {"transfer_method": "local_file", "upload_file_id": meta["id"],
                                    "type": "document"}}, "mode": "blocking", "user": "FILE UPLOAD TEST"}
    result = run(server, body).json()
    assert result["data"]["status"] == "succeeded" and "my_file.pdf" in result["data"]["outputs"]["text"]


@pytest.mark.parametrize(("files", "status", "code"), [
    ({}, 400, "no_file_uploaded"),
    ([("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))], 400, "too_many_files"),
    ({"file": ("virus.exe", b"MZ")}, 415, "unsupported_file_type"),
    ({"file": ("huge.png", b"\0" * (10 * 1024 * 1024 + 1))}, 413, "file_too_large"),
])
def test_upload_errors(server: str, files, status: int, code: str) -> None:
    if files:
        response = httpx.post(f"{server}/ext/v1/files/upload", headers=AUTH, files=files, data={"user": "u"})
    else:  # a multipart form with the user field and no file part
        body = b'--x\r\nContent-Disposition: form-data; name="user"\r\n\r\nu\r\n--x--\r\n'
        response = httpx.post(f"{server}/ext/v1/files/upload", content=body,
                              headers={**AUTH, "Content-Type": "multipart/form-data; boundary=x"})
    assert_envelope(response, status, code)


def test_declared_app_checks_its_variables(server: str) -> None:
    docsum = bearer("app-docsum")
    error = assert_envelope(run(server, {"inputs": {"language": "ko"}, "mode": "blocking", "user": "u"}, docsum),
                            400, "invalid_param")
    assert error["message"] == "document is required in input form"
    meta = upload(server, "report.docx", b"PK\x03\x04 docx", docsum).json()
    document = {"transfer_method": "local_file", "upload_file_id": meta["id"], "type": "document"}
    error = assert_envelope(run(server, {"inputs": {"document": document, "language": "fr"}, "mode": "blocking",
                                         "user": "u"}, docsum), 400, "invalid_param")
    assert "must be one of the following" in error["message"]
    ok = run(server, {"inputs": {"document": document, "language": "en"}, "mode": "streaming", "user": "u"}, docsum)
    finished = [e for e in events_of(ok) if e["event"] == "workflow_finished"][0]
    assert finished["data"]["total_steps"] == 4 and "summary" in finished["data"]["outputs"]


def test_files_are_private_to_their_app(server: str) -> None:
    meta = upload(server, "a.txt", b"hello").json()
    document = {"transfer_method": "local_file", "upload_file_id": meta["id"], "type": "document"}
    other = run(server, {"inputs": {"document": document}, "mode": "blocking", "user": "u"}, bearer("app-docsum"))
    assert_envelope(other, 400, "invalid_param")


def test_stop_a_live_stream(paced_server: str) -> None:
    # stalled after its first events (pings only, for 60 s): live when the stop is sent, however slow the client
    headers = {**bearer("stop-test"), "X-Wfmock-Scenario": "stalled-stream"}
    body = {"inputs": {"query": "긴 답변을 천천히 보내 주세요"}, "mode": "streaming", "user": "stopper"}
    seen: list[sse.Event] = []
    stopped = False
    with httpx.stream("POST", f"{paced_server}/ext/v1/workflows/run", headers=headers, json=body, timeout=30) as rsp:
        parser = sse.Incremental()
        for chunk in rsp.iter_bytes():
            seen.extend(parser.feed(chunk))
            if any(e.name == "ping" for e in seen) and not stopped:
                stopped = True
                task_id = next(e.payload["task_id"] for e in seen if e.payload)
                wrong = httpx.post(f"{paced_server}/ext/v1/workflows/tasks/{task_id}/stop", headers=headers,
                                   json={"user": "someone-else"})
                assert wrong.json() == {"result": "success"}
                right = httpx.post(f"{paced_server}/ext/v1/workflows/tasks/{task_id}/stop", headers=headers,
                                   json={"user": "stopper"})
                assert right.status_code == 200 and right.json() == {"result": "success"}
    last = seen[-1].payload
    assert last["event"] == "workflow_finished" and last["data"]["status"] == "stopped"
    assert last["data"]["error"] == "Stopped by user."
    detail = httpx.get(f"{paced_server}/ext/v1/workflows/run/{last['workflow_run_id']}", headers=headers).json()
    assert detail["status"] == "stopped"


def test_default_pace_spreads_the_stream_over_time(paced_server: str) -> None:
    started = time.monotonic()
    response = run(paced_server, {"inputs": {"query": "hi"}, "mode": "streaming", "user": "watcher"},
                   bearer("pace-test"))
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed > 0.8  # paced like a model, not dumped at once


def test_logs_paging_filters_and_order(server: str) -> None:
    headers = bearer("logs-" + uuid.uuid4().hex)  # the demo app's logs are shared; filter by a unique user
    user = "logger-" + uuid.uuid4().hex[:8]
    ids = []
    for i in range(7):
        ids.append(run(server, {"inputs": {"query": f"질문 {i} zebra"}, "mode": "blocking", "user": user},
                       headers).json()["workflow_run_id"])
        time.sleep(0.01)
    params = {"keyword": user, "limit": 3}
    page1 = httpx.get(f"{server}/ext/v1/workflows/logs", headers=headers, params=params).json()
    assert page1["total"] == 7 and page1["limit"] == 3 and page1["has_more"] is True and len(page1["data"]) == 3
    page3 = httpx.get(f"{server}/ext/v1/workflows/logs", headers=headers, params={**params, "page": 3}).json()
    assert len(page3["data"]) == 1 and page3["has_more"] is False
    everything = httpx.get(f"{server}/ext/v1/workflows/logs", headers=headers,
                           params={"keyword": user, "limit": 100}).json()["data"]
    assert [item["workflow_run"]["id"] for item in everything] == list(reversed(ids))
    assert all(item["created_by_end_user"]["session_id"] == user for item in everything)
    failed = httpx.get(f"{server}/ext/v1/workflows/logs", headers=headers,
                       params={"keyword": user, "status": "failed"}).json()
    assert failed["total"] == 0 and failed["data"] == []
    for bad in ({"limit": 0}, {"limit": 101}, {"status": "running"}, {"page": 0}):
        assert_envelope(httpx.get(f"{server}/ext/v1/workflows/logs", headers=headers, params=bad), 400,
                        "invalid_param")


def test_concurrent_streams_do_not_mix(server: str) -> None:
    results: dict[int, list[dict]] = {}

    def one(i: int) -> None:
        response = run(server, {"inputs": {"query": f"q{i}"}, "mode": "streaming", "user": f"u{i}"})
        results[i] = [e for e in events_of(response) if e["event"] != "ping"]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_ids = set()
    for events in results.values():
        assert len({e["workflow_run_id"] for e in events}) == 1
        run_ids.add(events[0]["workflow_run_id"])
    assert len(run_ids) == 8


@pytest.mark.parametrize("value", ["", "x", "2025-01-01", "2025-13-01T00:00:00Z", "2025-01-01 00:00:00"])
@pytest.mark.parametrize("name", ["created_at__before", "created_at__after"])
def test_logs_refuse_a_query_date_time_that_is_not_one(server: str, name: str, value: str) -> None:
    """The document says `format: date-time` (RFC 3339); an invalid or empty value is the client's error."""
    response = httpx.get(f"{server}/ext/v1/workflows/logs", headers=AUTH, params={name: value})
    assert name in assert_envelope(response, 400, "invalid_param")["message"]


def test_logs_accept_a_query_date_time(server: str) -> None:
    response = httpx.get(f"{server}/ext/v1/workflows/logs", headers=AUTH,
                         params={"created_at__before": "2999-01-01T00:00:00Z", "created_at__after": "2000-01-01T00:00:00+09:00"})
    assert response.status_code == 200, response.text


def test_upload_refuses_a_repeated_user_field(server: str) -> None:
    """`user` is one string in the document; a repeated form field is an array."""
    response = httpx.post(f"{server}/ext/v1/files/upload", headers=AUTH, files={"file": ("a.txt", b"a")},
                          data={"user": ["one", "two"]})
    assert "user" in assert_envelope(response, 400, "invalid_param")["message"]


def test_a_streamed_run_reports_the_time_its_stream_takes(server: str, paced_server: str) -> None:
    """At `--pace 0` the stream is instant and says so (elapsed_time 0); at the default pace it says what it took.
    A run that claimed seconds but arrived at once would look like a buffering proxy to a careful client."""
    body = {"inputs": {"query": "pace"}, "mode": "streaming", "user": "pace"}
    instant = [e for e in events_of(run(server, body)) if e.get("event") == "workflow_finished"][0]
    assert instant["data"]["elapsed_time"] == 0
    started = time.monotonic()
    paced = [e for e in events_of(run(paced_server, body)) if e.get("event") == "workflow_finished"][0]
    took = time.monotonic() - started
    assert 0.3 < paced["data"]["elapsed_time"] <= took + 0.05
