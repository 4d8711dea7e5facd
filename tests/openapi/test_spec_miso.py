"""openapi/miso.yaml: a valid OAS 3.2 document whose schemas say exactly what Dify/MISO send."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from wfmock.openapi import document as openapi_document
from wfmock.openapi.operations import operation_nodes
from wfmock.openapi.pointer import walk

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "miso.yaml"
DOC: dict[str, Any] = openapi_document.load_yaml(SPEC_PATH)
OPERATIONS = {"runWorkflow", "uploadFile", "getWorkflowRun", "stopWorkflowTask", "listWorkflowLogs"}

RUN_ID, TASK_ID = "a4959eb4-c852-4e0c-ac7a-348233f7f345", "0399c5c2-181b-4493-a78e-1421914e8a25"
WORKFLOW_ID = "e46514f1-c008-41ff-94b0-4f33d4b97d36"

# The seed's blocking response, verbatim.
SEED_BLOCKING = {
    "task_id": "ac5490c1-e11e-4d3d-9908-b7fef781b38f",
    "workflow_run_id": "96d07072-3821-449f-a78b-1849f1f685bf",
    "data": {
        "id": "96d07072-3821-449f-a78b-1849f1f685bf",
        "workflow_id": "ea02f355-68fb-4127-b3c4-732031ade2d2",
        "status": "succeeded",
        "outputs": {"(사용자가 설정한 출력 변수)": "(사용자가 설정한 출력 변수의 값)"},
        "error": None,
        "elapsed_time": 10.40780525514856,
        "total_tokens": 1306,
        "total_steps": 3,
        "created_at": 1755503477,
        "finished_at": 1755503487,
    },
}


# --- helpers ----------------------------------------------------------------------------------------------------

def validator(ref: str, document: dict[str, Any] = DOC) -> Draft202012Validator:
    """A Draft 2020-12 validator for `#/components/schemas/<ref>`, with the document's components bundled."""
    schema = {"$ref": f"#/components/schemas/{ref}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def errors(ref: str, instance: Any, document: dict[str, Any] = DOC) -> list[str]:
    return [e.message for e in validator(ref, document).iter_errors(instance)]


def resolve(node: Any) -> Any:
    return openapi_document.resolve(DOC, node)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    return operation_nodes(DOC)




def envelope(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "workflow_run_id": RUN_ID, "task_id": TASK_ID, "data": data}


def node_started_015(index: int, node_type: str) -> dict[str, Any]:
    return {"id": f"7d9bb041-5ecb-497f-a674-d8706eed0a{index:02d}", "node_id": f"17117266236{index:02d}",
            "node_type": node_type, "title": node_type.upper(), "index": index,
            "predecessor_node_id": None if index == 1 else f"17117266236{index - 1:02d}", "inputs": None,
            "created_at": 1776129228, "extras": {}, "parallel_id": None, "parallel_start_node_id": None,
            "parent_parallel_id": None, "parent_parallel_start_node_id": None, "iteration_id": None,
            "parallel_run_id": None}


def node_finished_015(index: int, node_type: str, status: str = "succeeded") -> dict[str, Any]:
    data = {k: v for k, v in node_started_015(index, node_type).items() if k not in ("extras", "parallel_run_id")}
    data.update({"inputs": {"query": "hi"}, "process_data": {"model_mode": "chat"},
                 "outputs": {"text": "Hello!"} if status == "succeeded" else None, "status": status,
                 "error": None if status == "succeeded" else "Node LLM run failed: timeout",
                 "elapsed_time": 1.2345,
                 "execution_metadata": {"total_tokens": 20, "total_price": 0.00004, "currency": "USD"},
                 "finished_at": 1776129229, "files": []})
    return data


def dify_015_stream() -> list[dict[str, Any]]:
    """A Dify v0.15 stream of a linear start -> llm -> end run, with an iteration and a parallel branch."""
    return [
        envelope("workflow_started", {"id": RUN_ID, "workflow_id": WORKFLOW_ID, "sequence_number": 12,
                                      "inputs": {"query": "hi", "sys.files": [], "sys.user_id": "abc-123"},
                                      "created_at": 1776129228}),
        envelope("node_started", node_started_015(1, "start")),
        envelope("node_finished", {**node_finished_015(1, "start"), "process_data": None,
                                   "execution_metadata": None}),
        envelope("parallel_branch_started", {"parallel_id": "p1", "parallel_branch_id": "b1",
                                             "parent_parallel_id": None, "parent_parallel_start_node_id": None,
                                             "iteration_id": None, "created_at": 1776129228}),
        envelope("iteration_started", {"id": "it-1", "node_id": "17000", "node_type": "iteration",
                                       "title": "Iteration", "created_at": 1700000000, "extras": {},
                                       "metadata": {"iterator_length": 3},
                                       "inputs": {"iterator_selector": ["a", "b", "c"]},
                                       "parallel_id": None, "parallel_start_node_id": None}),
        envelope("iteration_next", {"id": "it-1", "node_id": "17000", "node_type": "iteration",
                                    "title": "Iteration", "index": 1, "created_at": 1700000001,
                                    "pre_iteration_output": None, "extras": {}, "parallel_id": None,
                                    "parallel_start_node_id": None, "parallel_mode_run_id": None,
                                    "duration": 0.5}),
        envelope("iteration_completed", {"id": "it-1", "node_id": "17000", "node_type": "iteration",
                                         "title": "Iteration", "outputs": {"output": ["x", "y", "z"]},
                                         "created_at": 1700000000, "extras": {},
                                         "inputs": {"iterator_selector": ["a", "b", "c"]},
                                         "status": "succeeded", "error": None, "elapsed_time": 2.1,
                                         "total_tokens": 0, "execution_metadata": {}, "finished_at": 1700000002,
                                         "steps": 3, "parallel_id": None, "parallel_start_node_id": None}),
        envelope("parallel_branch_finished", {"parallel_id": "p1", "parallel_branch_id": "b1",
                                              "parent_parallel_id": None, "parent_parallel_start_node_id": None,
                                              "iteration_id": None, "status": "succeeded", "error": None,
                                              "created_at": 1776129228}),
        envelope("node_started", node_started_015(2, "llm")),
        envelope("node_retry", {**node_finished_015(2, "llm", "retry"), "retry_index": 0}),
        envelope("text_chunk", {"text": "\u4e3a\u4e86", "from_variable_selector": ["1711526623602", "text"]}),
        envelope("text_replace", {"text": "[moderated]"}),
        envelope("node_finished", node_finished_015(2, "llm")),
        envelope("node_started", node_started_015(3, "end")),
        envelope("node_finished", node_finished_015(3, "end")),
        envelope("workflow_finished", {"id": RUN_ID, "workflow_id": WORKFLOW_ID, "sequence_number": 12,
                                       "status": "succeeded", "outputs": {"output": "Hello!"}, "error": None,
                                       "elapsed_time": 0.364935, "total_tokens": 20, "total_steps": 3,
                                       "created_by": {"id": "7932d34c-dcf4-4fba-b770-f2a9de88c0a0",
                                                      "user": "abc-123"},
                                       "created_at": 1776129228, "finished_at": 1776129229,
                                       "exceptions_count": 0, "files": []}),
        {"event": "tts_message", "workflow_run_id": RUN_ID, "task_id": TASK_ID, "audio": "SUQzBAAAAAAA"},
        {"event": "tts_message_end", "workflow_run_id": RUN_ID, "task_id": TASK_ID, "audio": ""},
    ]


def dify_1x_stream() -> list[dict[str, Any]]:
    """A Dify 1.x stream: no sequence_number / parallel_*, *_truncated flags, loops and agent logs."""
    started = {"id": "n-1", "node_id": "1", "node_type": "agent", "title": "Agent", "index": 1,
               "predecessor_node_id": None, "inputs": {}, "inputs_truncated": False, "created_at": 1776129228,
               "extras": {}, "iteration_id": None, "loop_id": None, "agent_strategy": {"name": "react", "icon": ""}}
    finished = {k: v for k, v in started.items() if k not in ("extras", "agent_strategy")}
    finished.update({"process_data": None, "process_data_truncated": False, "outputs": {"text": "ok"},
                     "outputs_truncated": False, "status": "succeeded", "error": None, "elapsed_time": 0.5,
                     "execution_metadata": {"total_tokens": 5, "total_price": "0.0000100", "currency": "USD"},
                     "finished_at": 1776129229, "files": []})
    loop = {"id": "l-1", "node_id": "9", "node_type": "loop", "title": "Loop"}
    return [
        envelope("workflow_started", {"id": RUN_ID, "workflow_id": WORKFLOW_ID, "inputs": {"query": "hi"},
                                      "created_at": 1776129228}),
        envelope("node_started", started),
        envelope("agent_log", {"node_execution_id": "n-1", "id": "log-1", "label": "ROUND 1", "parent_id": None,
                               "error": None, "status": "success", "data": {}, "metadata": {}, "node_id": "1"}),
        envelope("node_finished", finished),
        envelope("loop_started", {**loop, "created_at": 1776129228, "extras": {}, "metadata": {},
                                  "inputs": {}, "inputs_truncated": False}),
        envelope("loop_next", {**loop, "index": 1, "created_at": 1776129228, "extras": {},
                               "pre_loop_output": None}),
        envelope("loop_completed", {**loop, "outputs": {}, "outputs_truncated": False, "created_at": 1776129228,
                                    "extras": {}, "inputs": {}, "inputs_truncated": False, "status": "succeeded",
                                    "error": None, "elapsed_time": 0.1, "total_tokens": 0,
                                    "execution_metadata": None, "finished_at": 1776129229, "steps": 1}),
        envelope("workflow_finished", {"id": RUN_ID, "workflow_id": WORKFLOW_ID, "status": "partial-succeeded",
                                       "outputs": {"text": "ok"}, "error": None, "elapsed_time": 0.6,
                                       "total_tokens": 5, "total_steps": 2, "created_by": {},
                                       "created_at": 1776129228, "finished_at": 1776129229,
                                       "exceptions_count": 1, "files": []}),
    ]


# --- the document -----------------------------------------------------------------------------------------------

def test_document_is_valid_openapi_3_2() -> None:
    from openapi_spec_validator import validate

    assert DOC["openapi"] == "3.2.0"
    validate(copy.deepcopy(DOC))


def test_schemathesis_loads_every_operation() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {
        "POST /ext/v1/workflows/run", "POST /ext/v1/files/upload", "GET /ext/v1/workflows/run/{workflow_run_id}",
        "POST /ext/v1/workflows/tasks/{task_id}/stop", "GET /ext/v1/workflows/logs",
    }


def test_operations_ids_and_bearer_security() -> None:
    assert DOC["components"]["securitySchemes"]["BearerAuth"] == {
        **DOC["components"]["securitySchemes"]["BearerAuth"], "type": "http", "scheme": "bearer"}
    found = set()
    for _, _, op in operations():
        found.add(op["operationId"])
        assert op["security"] == [{"BearerAuth": []}], op["operationId"]
        assert "401" in op["responses"], op["operationId"]
    assert found == OPERATIONS


def test_every_catalogued_code_is_an_example_under_its_status() -> None:
    examples_by_status: dict[int, set[str]] = {}
    for _, _, op in operations():
        for status, response in op["responses"].items():
            response = resolve(response)
            for media in (response.get("content") or {}).values():
                for example in (media.get("examples") or {}).values():
                    value = resolve(example).get("value")
                    if isinstance(value, dict) and "code" in value:
                        assert value["status"] == int(status), (status, value)
                        examples_by_status.setdefault(int(status), set()).add(value["code"])
    catalogue = DOC["x-wfmock-errors"]
    missing = [f"{code} ({entry['status']})" for code, entry in catalogue.items()
               if code not in examples_by_status.get(entry["status"], set())
               and entry["status"] != 405]  # answers a method the path lacks: no operation to document it on
    assert not missing, f"catalogued codes without an example under their status: {missing}"
    uncatalogued = {code for codes in examples_by_status.values() for code in codes} - set(catalogue)
    assert not uncatalogued


def test_catalogue_entries_are_complete() -> None:
    seed_codes = {
        "invalid_param": 400, "app_unavailable": 400, "provider_not_initialize": 400, "provider_quota_exceeded": 400,
        "model_currently_not_support": 400, "workflow_request_error": 400, "internal_server_error": 500,
        "no_file_uploaded": 400, "too_many_files": 400, "unsupported_preview": 400, "unsupported_estimate": 400,
        "file_too_large": 413, "unsupported_file_type": 415, "s3_connection_failed": 503,
        "s3_permission_denied": 503, "s3_file_too_large": 503,
    }
    catalogue = DOC["x-wfmock-errors"]
    for code, status in seed_codes.items():
        assert catalogue[code]["status"] == status and catalogue[code]["documented"] is True, code
    for code, entry in catalogue.items():
        assert isinstance(entry["message"], str) and entry["message"], code
        assert "error" not in entry, code
        if code not in seed_codes:
            assert entry["documented"] is False and entry.get("x-wfmock-inferred") is True, code
    for code, status in {"unauthorized": 401, "not_workflow_app": 400, "unsupported_media_type": 415,
                         "not_found": 404, "too_many_requests": 429}.items():
        assert catalogue[code]["status"] == status


def test_every_inferred_node_gives_a_reason() -> None:
    inferred = [(pointer, node) for pointer, node in walk(DOC)
                if isinstance(node, dict) and node.get("x-wfmock-inferred") is True]
    assert len(inferred) > 20
    for pointer, node in inferred:
        reason = node.get("x-wfmock-reason")
        assert isinstance(reason, str) and reason.strip(), pointer
    for pointer, node in walk(DOC):
        if isinstance(node, dict) and "x-wfmock-inferred" in node:
            assert node["x-wfmock-inferred"] is True, pointer


def test_links_follow_the_conventions() -> None:
    links = DOC["paths"]["/ext/v1/workflows/run"]["post"]["responses"]["200"]["links"]
    assert links["GetWorkflowRun"]["operationId"] == "getWorkflowRun"
    assert links["GetWorkflowRun"]["parameters"] == {"workflow_run_id": "$response.body#/workflow_run_id"}
    assert links["StopWorkflowTask"]["operationId"] == "stopWorkflowTask"
    assert links["StopWorkflowTask"]["parameters"] == {"task_id": "$response.body#/task_id"}
    assert links["StopWorkflowTask"]["requestBody"] == {"user": "$request.body#/user"}


def test_upload_file_types_and_limits() -> None:
    op = DOC["paths"]["/ext/v1/files/upload"]["post"]
    assert op["x-wfmock-file-types"] == {
        "document": ["txt", "md", "markdown", "pdf", "html", "xlsx", "xls", "docx", "csv", "eml", "msg", "pptx",
                     "ppt", "xml", "epub"],
        "image": ["jpg", "jpeg", "png", "gif", "webp", "svg"],
        "audio": ["mp3", "m4a", "wav", "webm", "amr"],
        "video": ["mp4", "mov", "mpeg", "mpga"],
    }
    limits = op["x-wfmock-file-size-limits"]
    mb = 1024 * 1024
    assert (limits["image"], limits["video"], limits["audio"], limits["default"]) == (10 * mb, 100 * mb, 50 * mb,
                                                                                      15 * mb)
    assert "201" in op["responses"] and "200" not in op["responses"]
    body = op["requestBody"]["content"]["multipart/form-data"]
    schema = resolve(body["schema"])
    assert schema["required"] == ["file", "user"] and "type" not in schema["properties"]["file"]
    assert schema["properties"]["file"]["contentMediaType"] == "application/octet-stream"


def test_every_embedded_example_matches_its_schema() -> None:
    checked = 0
    for _, _, op in operations():
        sources = [op.get("requestBody") or {}] + [resolve(r) for r in op["responses"].values()]
        for source in sources:
            for media_type, media in (resolve(source).get("content") or {}).items():
                if "schema" not in media:
                    continue
                schema = {**media["schema"], "components": DOC["components"]}
                check = Draft202012Validator(schema, format_checker=FormatChecker())
                for name, example in (media.get("examples") or {}).items():
                    value = resolve(example)["value"]
                    if media_type.startswith("multipart/"):
                        continue  # a file part is bytes on the wire, not a JSON value
                    problems = [e.message for e in check.iter_errors(value)]
                    assert not problems, (op["operationId"], media_type, name, problems)
                    checked += 1
    assert checked >= 40


# --- run: request -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"inputs": {"query": "hi"}, "mode": "streaming", "user": "abc-123"},
    {"inputs": {"query": "hi"}, "response_mode": "blocking", "user": "abc-123"},
    {"inputs": {"query": "hi"}, "mode": "blocking", "response_mode": "blocking", "user": "u"},
    {"inputs": {"doc": {"type": "document", "transfer_method": "local_file", "upload_file_id": "f-1"}, "n": 3},
     "mode": "blocking", "user": "u",
     "files": [{"type": "image", "transfer_method": "remote_url", "url": "https://example.com/a.png"}]},
    {"inputs": {"docs": [{"type": "custom", "transfer_method": "local_file", "upload_file_id": "f-1"}]},
     "mode": "blocking", "user": "u"},
])
def test_run_request_accepts(body: dict[str, Any]) -> None:
    assert errors("RunWorkflowRequest", body) == []


@pytest.mark.parametrize("why, body", [
    ("the seed's literal example: inputs {}", {"inputs": {}, "mode": "streaming", "user": "abc-123"}),
    ("no mode and no response_mode", {"inputs": {"q": "x"}, "user": "u"}),
    ("mode and response_mode disagree", {"inputs": {"q": "x"}, "mode": "blocking", "response_mode": "streaming",
                                         "user": "u"}),
    ("unknown mode", {"inputs": {"q": "x"}, "mode": "sync", "user": "u"}),
    ("empty user", {"inputs": {"q": "x"}, "mode": "blocking", "user": ""}),
    ("no user", {"inputs": {"q": "x"}, "mode": "blocking"}),
    ("remote_url without url", {"inputs": {"q": "x"}, "mode": "blocking", "user": "u",
                                "files": [{"type": "image", "transfer_method": "remote_url"}]}),
    ("local_file without upload_file_id", {"inputs": {"f": {"type": "document", "transfer_method": "local_file"}},
                                           "mode": "blocking", "user": "u"}),
    ("unknown file type", {"inputs": {"q": "x"}, "mode": "blocking", "user": "u",
                           "files": [{"type": "pdf", "transfer_method": "local_file", "upload_file_id": "x"}]}),
    ("inputs not an object", {"inputs": ["x"], "mode": "blocking", "user": "u"}),
])
def test_run_request_rejects(why: str, body: dict[str, Any]) -> None:
    assert errors("RunWorkflowRequest", body), why


# --- run: blocking response -------------------------------------------------------------------------------------

def test_seed_blocking_example_is_embedded_verbatim_and_valid() -> None:
    media = DOC["paths"]["/ext/v1/workflows/run"]["post"]["responses"]["200"]["content"]["application/json"]
    assert media["examples"]["seed"]["value"] == SEED_BLOCKING
    assert json.dumps(media["examples"]["seed"]["value"]) == json.dumps(SEED_BLOCKING)  # same key order
    assert errors("CompletionResponse", SEED_BLOCKING) == []


@pytest.mark.parametrize("status, ok", [("succeeded", True), ("failed", True), ("stopped", True),
                                        ("partial-succeeded", True), ("running", False), ("done", False)])
def test_blocking_status(status: str, ok: bool) -> None:
    body = copy.deepcopy(SEED_BLOCKING)
    body["data"]["status"] = status
    assert (errors("CompletionResponse", body) == []) is ok


def test_blocking_failed_run_has_null_outputs_and_an_error() -> None:
    body = copy.deepcopy(SEED_BLOCKING)
    body["data"].update(status="failed", outputs=None, error="Node LLM run failed: timeout")
    assert errors("CompletionResponse", body) == []
    del body["data"]["finished_at"]
    assert errors("CompletionResponse", body)


# --- run: the event stream ----------------------------------------------------------------------------------------

def test_stream_item_schema_is_a_ping_or_a_message_frame() -> None:
    media = DOC["paths"]["/ext/v1/workflows/run"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    assert "schema" not in media  # in 3.2, `schema` would cover the whole stream
    frame = resolve(media["itemSchema"])
    assert [b["$ref"].rsplit("/", 1)[-1] for b in frame["oneOf"]] == ["SseMessageFrame", "SsePingFrame"]
    data = DOC["components"]["schemas"]["SseMessageFrame"]["properties"]["data"]
    assert data["contentMediaType"] == "application/json"
    assert data["contentSchema"] == {"$ref": "#/components/schemas/WorkflowStreamEvent"}


def test_every_event_schema_is_named_and_discriminated() -> None:
    union = DOC["components"]["schemas"]["WorkflowStreamEvent"]
    names = {
        "workflow_started", "node_started", "node_finished", "node_retry", "text_chunk", "text_replace",
        "iteration_started", "iteration_next", "iteration_completed", "loop_started", "loop_next", "loop_completed",
        "parallel_branch_started", "parallel_branch_finished", "agent_log", "tts_message", "tts_message_end",
        "workflow_finished", "error",
    }
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "event" and set(mapping) == names
    assert sorted(b["$ref"] for b in union["oneOf"]) == sorted(mapping.values())
    for name, ref in mapping.items():
        schema = resolve({"$ref": ref})
        assert schema["properties"]["event"] == {"const": name}
        assert "event" in schema["required"]


@pytest.mark.parametrize("stream", [dify_015_stream, dify_1x_stream])
def test_a_full_dify_stream_validates_event_by_event(stream: Any) -> None:
    check = validator("WorkflowStreamEvent")
    frame = validator("SseFrame")
    for index, event in enumerate(stream()):
        assert [e.message for e in check.iter_errors(event)] == [], (index, event["event"])
        # the frame as an SSE parser hands it over (jsonschema treats contentSchema as an annotation)
        assert [e.message for e in frame.iter_errors({"event": "message", "data": json.dumps(event)})] == []


def test_error_event_before_workflow_started() -> None:
    event = {"event": "error", "workflow_run_id": None, "code": "internal_server_error",
             "message": "Internal Server Error, please contact support.", "status": 500}
    assert errors("WorkflowStreamEvent", event) == []


def test_ping_frames() -> None:
    assert errors("SseFrame", {"event": "ping"}) == []
    assert errors("SseFrame", {"event": "ping", "data": ""}) == []
    assert errors("SseFrame", {"event": "ping", "data": '{"event": "ping"}'}), "Dify sends no data with a ping"
    assert errors("SseFrame", {"event": "workflow_started", "data": "{}"}), "Dify never sets the SSE event field"


def _without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    target = event
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return event


@pytest.mark.parametrize("why, event", [
    ("node_finished without status", _without(envelope("node_finished", node_finished_015(2, "llm")),
                                              "data", "status")),
    ("node_finished with an unknown status", envelope("node_finished", {**node_finished_015(2, "llm"),
                                                                        "status": "done"})),
    ("node_started with a string index", envelope("node_started", {**node_started_015(1, "start"), "index": "1"})),
    ("node_started without task_id", _without(envelope("node_started", node_started_015(1, "start")), "task_id")),
    ("workflow_started without data", _without(dify_015_stream()[0], "data")),
    ("workflow_started with a null run id", {**dify_015_stream()[0], "workflow_run_id": None}),
    ("workflow_finished still running", envelope("workflow_finished", {**dify_015_stream()[-3]["data"],
                                                                       "status": "running"})),
    ("workflow_finished with a string created_at", envelope("workflow_finished", {
        **dify_015_stream()[-3]["data"], "created_at": "Thu, 18 Jul 2024 03:17:40 -0000"})),
    ("text_chunk without text", envelope("text_chunk", {"from_variable_selector": ["1", "text"]})),
    ("node_retry without retry_index", envelope("node_retry", node_finished_015(2, "llm", "retry"))),
    ("tts_message without audio", {"event": "tts_message", "workflow_run_id": RUN_ID, "task_id": TASK_ID}),
    ("an event Dify workflows never send", envelope("message", {"answer": "hi"})),
    ("no event name", {"workflow_run_id": RUN_ID, "task_id": TASK_ID, "data": {}}),
    ("error with a task_id (Dify sends none; strict)", {
        "event": "error", "workflow_run_id": RUN_ID, "task_id": TASK_ID, "code": "internal_server_error",
        "message": "Internal Server Error, please contact support.", "status": 500}),
    ("error without status", {"event": "error", "workflow_run_id": RUN_ID, "code": "x", "message": "y"}),
])
def test_wrong_events_fail(why: str, event: dict[str, Any]) -> None:
    assert errors("WorkflowStreamEvent", event), why


def test_documented_profile_relaxes_only_the_inferred_stream_details() -> None:
    """The contract kit's documented view tolerates a task_id on error and data on ping, nothing else."""
    document = pytest.importorskip("wfmock.openapi.profiles")
    view = document.documented_view(DOC)
    error_with_task = {"event": "error", "workflow_run_id": RUN_ID, "task_id": TASK_ID, "code": "x",
                       "message": "y", "status": 500}
    assert errors("WorkflowStreamEvent", error_with_task, view) == []
    assert errors("SseFrame", {"event": "ping", "data": '{"event": "ping"}'}, view) == []
    bad = _without(envelope("node_finished", node_finished_015(2, "llm")), "data", "status")
    assert errors("WorkflowStreamEvent", bad, view)
    for event in dify_015_stream() + dify_1x_stream():
        assert errors("WorkflowStreamEvent", event, view) == []


# --- read a run, stop, logs, upload -------------------------------------------------------------------------------

DETAIL_1X = {"id": RUN_ID, "workflow_id": WORKFLOW_ID, "status": "succeeded", "inputs": {"query": "hi"},
             "outputs": {"text": "hello"}, "error": None, "total_steps": 3, "total_tokens": 0,
             "created_at": 1705407629, "finished_at": 1727807631, "elapsed_time": 30.1}


@pytest.mark.parametrize("change", [
    {},
    {"inputs": '{"sys.files": [], "sys.user_id": "abc-123"}', "outputs": '{"text": "hello"}'},
    {"created_at": "Thu, 18 Jul 2024 03:17:40 -0000", "finished_at": "Thu, 18 Jul 2024 03:18:10 -0000"},
    {"status": "running", "outputs": None, "finished_at": None},
    {"status": "partial-succeeded"},
    {"status": "failed", "outputs": None, "error": "Node LLM run failed: timeout"},
])
def test_run_detail_accepts_both_dify_generations(change: dict[str, Any]) -> None:
    assert errors("WorkflowRunDetail", {**DETAIL_1X, **change}) == []


@pytest.mark.parametrize("change", [
    {"status": None},  # Dify's 200-with-nulls for an unknown id: this contract answers 404 instead
    {"status": "paused"},
    {"created_at": "2024-07-18T03:17:40Z"},
    {"total_steps": "3"},
])
def test_run_detail_rejects(change: dict[str, Any]) -> None:
    assert errors("WorkflowRunDetail", {**DETAIL_1X, **change})


def test_run_detail_requires_every_seed_field() -> None:
    for field in DETAIL_1X:
        assert errors("WorkflowRunDetail", _without(DETAIL_1X, field)), field


def test_stop_result_is_always_success() -> None:
    assert errors("StopTaskResult", {"result": "success"}) == []
    assert errors("StopTaskResult", {"result": "failed"})
    assert errors("StopTaskRequest", {})
    assert errors("StopTaskRequest", {"user": "abc-123"}) == []


def test_logs_parameters() -> None:
    params = {p["name"]: p for p in DOC["paths"]["/ext/v1/workflows/logs"]["get"]["parameters"]}
    assert set(params) == {"keyword", "status", "page", "limit", "created_at__before", "created_at__after",
                           "created_by_end_user_session_id", "created_by_account"}
    assert params["status"]["schema"]["enum"] == ["succeeded", "failed", "stopped"]
    assert params["page"]["schema"]["default"] == 1 and params["limit"]["schema"]["default"] == 20
    bounds = params["limit"]["schema"]["allOf"][0]
    assert (bounds["minimum"], bounds["maximum"], bounds["x-wfmock-inferred"]) == (1, 100, True)
    assert params["page"]["schema"]["allOf"][0]["maximum"] == 99999
    for name in ("created_at__before", "created_at__after", "created_by_end_user_session_id", "created_by_account"):
        assert params[name]["x-wfmock-inferred"] is True
    assert params["created_at__after"]["schema"]["format"] == "date-time"


def test_log_items() -> None:
    page = resolve(DOC["paths"]["/ext/v1/workflows/logs"]["get"]["responses"]["200"])[
        "content"]["application/json"]["examples"]["one_page"]["value"]
    item = page["data"][0]
    assert errors("WorkflowLogPage", page) == []
    for account in (None, "admin@example.com", {"id": "a", "name": "Admin", "email": "admin@example.com"}):
        assert errors("WorkflowLog", {**item, "created_by_account": account}) == []
    assert errors("WorkflowLog", _without(item, "created_by_account")) == []  # [선택]
    assert errors("WorkflowLog", _without(item, "workflow_run", "error")) == []  # [선택]
    assert errors("WorkflowLog", _without(item, "created_by_end_user", "created_at"))  # the seed lists it (Dify omits)
    assert errors("WorkflowLog", _without(item, "workflow_run", "version"))
    assert errors("WorkflowLog", {**item, "workflow_run": {**item["workflow_run"], "status": "queued"}})
    assert errors("WorkflowLogPage", _without(page, "has_more"))


def test_uploaded_file() -> None:
    meta = {"id": "72fa9618-8f89-4a37-9b33-7e1178a24a67", "name": "my_file.pdf", "size": 1024, "extension": "pdf",
            "mime_type": "application/pdf", "created_by": "6ad1ab0a-73ff-4ac1-b9e4-cdb312f71f13",
            "created_at": 1755503477}
    assert errors("UploadedFile", meta) == []
    assert errors("UploadedFile", {**meta, "id": "not-a-uuid"})
    assert errors("UploadedFile", {**meta, "created_by": "FILE UPLOAD TEST"})  # the end user's uuid, not `user`
    assert errors("UploadedFile", {**meta, "created_at": "2025-08-18T07:51:17Z"})
    for field in meta:
        assert errors("UploadedFile", _without(meta, field)), field


def test_error_envelope() -> None:
    assert errors("Error", {"code": "invalid_param", "message": "Arg user must be provided.", "status": 400}) == []
    assert errors("Error", {"code": "invalid_param", "message": "x", "params": "user"})
    assert errors("Error", {"error": "Bad", "message": "x", "status": 400})
