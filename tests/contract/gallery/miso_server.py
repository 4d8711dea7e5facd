"""A minimal, correct MISO (/ext/v1, Dify-style) server, and its one-bug mutations (`bugs`)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.contract.gallery.base import allowed_methods, body_problems, load_contract, parameter_problems

BUGS = {
    "sse_framing": "stream frames are separated by one newline, not a blank line",
    "no_terminal": "the stream ends without workflow_finished",
    "task_id_changes": "task_id changes in the middle of the stream",
    "event_wrong_type": "node_started carries data.index as a string",
    "paging_ignores_limit": "logs return every item whatever the limit",
    "logs_oldest_first": "logs are oldest first",
    "status_filter_ignored": "logs ignore the status filter",
    "keyword_ignored": "logs ignore the keyword filter",
    "envelope_status_mismatch": "the envelope's status is always 400",
    "stop_ignored": "stop answers success but the stream runs on to succeeded",
    "readback_differs": "a run reads back with other outputs",
    "no_auth": "any key is accepted",
    "upload_200": "upload answers 200, not 201",
    "unpaired_nodes": "the LLM node gets node_started but never node_finished",
    "events_after_terminal": "a text_chunk is sent after workflow_finished",
    "error_event_with_task_id": "the run fails with an `error` event that carries task_id",
    "has_more_wrong": "logs' has_more is always false, even when more pages exist",
    "stop_other_user": "a stop by another user stops the stream",
    "buffered_stream": "the stream is written only when the run is done, in one burst (a buffering proxy)",
    "stop_wrong_task": "stop ends the user's oldest running task, whatever task id it names",
    "readback_wrong_run": "reading any run id answers the newest run's detail under the id asked for",
    "upload_replaces_previous": "a new upload forgets the previous file: only the latest id is accepted as input",
    "logs_total_stale": "logs' total is cached for a minute: a new run is not counted",
    "logs_missing_new_run": "logs list a run only a minute after it finished (an indexing lag)",
    "run_drops_workflow_run_id": "the blocking answer has no workflow_run_id (the seed's example has it)",
    "upload_drops_mime_type": "the upload answer has no mime_type (the seed's response table lists it)",
    "file_too_large_code": "a file over the size limit is refused 413 with code payload_too_large, not file_too_large",
    "unsupported_type_code": "a file type not allowed is refused 415 with code unsupported_media_type, not "
                             "unsupported_file_type",
    "two_files_accepted": "an upload of two files stores the first, not 400 too_many_files",
    "logs_end_user_without_created_at": "a log's created_by_end_user has no created_at (the seed lists it)",
    "stop_refused_for_other_user": "a stop by another user than the task's is refused 404 task_not_found (Dify's "
                                   "stop always succeeds, and says nothing of whose task it is)",
    "logs_status_filter_refused": "logs refuse the status filter `stopped` with 400 invalid_param (the seed lists it)",
}
NODES = [("start", "시작"), ("llm", "요약 LLM"), ("end", "종료")]
WORKFLOW_ID = "ea02f355-68fb-4127-b3c4-732031ade2d2"


def build_app(key: str, bugs: frozenset[str] = frozenset(), *, event_delay: float = 0.0,
              dify_015: bool = False, clamp_limit: bool = False, upload_limit: int | None = None) -> Starlette:
    """`dify_015`: run details the way Dify <= 0.15 writes them (RFC-822 times, JSON-string inputs/outputs).
    `clamp_limit`: logs clamp `limit` into 1..100 the way the seed words it, instead of Dify's 400 (the contract's
    decision): documented behaviour, not a bug. `upload_limit`: one size limit (bytes) for every file type instead
    of the contract's, so that ordinary small uploads meet it."""
    contract = load_contract("miso")
    upload_op = contract.operation("uploadFile").node
    file_types = {ext: kind for kind, exts in upload_op["x-wfmock-file-types"].items() for ext in exts}
    size_limits = upload_op["x-wfmock-file-size-limits"] if upload_limit is None else {"default": upload_limit}

    def file_kind(name: str) -> str | None:
        return file_types.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    runs: dict[str, dict[str, Any]] = {}
    stops: dict[str, asyncio.Event] = {}
    owners: dict[str, str] = {}  # task_id -> the user who started it: only that user may stop it
    task_runs: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    clock = itertools.count(int(time.time()))  # strictly increasing creation times: order is unambiguous

    def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        shown = 400 if "envelope_status_mismatch" in bugs else status
        return JSONResponse({"code": code, "message": message, "status": shown}, status, headers=headers)

    def authorized(request: Request) -> bool:
        return "no_auth" in bugs or request.headers.get("authorization", "") == f"Bearer {key}"

    def unauthorized() -> Response:
        return error(401, "unauthorized", "Access token is invalid")

    async def json_body(request: Request) -> tuple[Any, Response | None]:
        if "json" not in request.headers.get("content-type", ""):
            return None, error(415, "unsupported_media_type", "Content-Type must be application/json")
        try:
            return json.loads(await request.body()), None
        except ValueError:
            return None, error(400, "invalid_param", "the body is not valid JSON")

    def new_run(inputs: dict[str, Any], user: str) -> dict[str, Any]:
        run_id, created = str(uuid.uuid4()), next(clock)
        run = {"id": run_id, "task_id": str(uuid.uuid4()), "inputs": inputs, "user": user, "status": "running",
               "outputs": None, "error": None, "created_at": created, "finished_at": None, "elapsed_time": 0.0,
               "total_tokens": 0, "total_steps": 0}
        runs[run_id] = run
        return run

    def finish(run: dict[str, Any], status: str, error_text: str | None = None) -> None:
        run.update(status=status, finished_at=run["created_at"] + 1, total_steps=len(NODES),
                   elapsed_time=round(time.time() - run["started"], 4), error=error_text,
                   total_tokens=42 if status == "succeeded" else 0,
                   outputs={"text": f"요약: {json.dumps(run['inputs'], ensure_ascii=False)}"}
                   if status == "succeeded" else None)

    async def user_body(request: Request, operation_id: str) -> tuple[Any, Response | None]:
        """A keyed request's JSON body with its `user`, valid for `operation_id`; or the refusal to answer."""
        if not authorized(request):
            return None, unauthorized()
        body, refused = await json_body(request)
        if refused is not None:
            return None, refused
        if not isinstance(body, dict) or not body.get("user"):
            return None, error(400, "invalid_param", "Arg user must be provided.")
        problems = body_problems(contract, operation_id, body)
        if problems:
            return None, error(400, "invalid_param", problems[0])
        return body, None

    async def run_workflow(request: Request) -> Response:
        body, refused = await user_body(request, "runWorkflow")
        if refused is not None:
            return refused
        inputs = body.get("inputs")
        if not isinstance(inputs, dict) or not inputs:
            return error(400, "invalid_param", "inputs must have at least one key")
        for value in [*inputs.values(), *(body.get("files") or [])]:
            if isinstance(value, dict) and value.get("transfer_method") == "local_file" \
                    and value.get("upload_file_id") not in files:
                return error(400, "invalid_param", "Invalid upload file id")
        run = new_run(inputs, body["user"])
        run["started"] = time.time()
        if (body.get("mode") or body.get("response_mode")) == "streaming":
            stops[run["task_id"]] = asyncio.Event()
            owners[run["task_id"]] = body["user"]
            task_runs[run["task_id"]] = run
            frames = buffered(stream(run)) if "buffered_stream" in bugs else stream(run)
            return StreamingResponse(frames, media_type="text/event-stream; charset=utf-8")
        finish(run, "succeeded")
        answer = {"task_id": run["task_id"], "workflow_run_id": run["id"], "data": blocking_data(run)}
        if "run_drops_workflow_run_id" in bugs:
            del answer["workflow_run_id"]
        return JSONResponse(answer)

    def blocking_data(run: dict[str, Any]) -> dict[str, Any]:
        return {"id": run["id"], "workflow_id": WORKFLOW_ID, "status": run["status"], "outputs": run["outputs"],
                "error": run["error"], "elapsed_time": run["elapsed_time"], "total_tokens": run["total_tokens"],
                "total_steps": run["total_steps"], "created_at": run["created_at"], "finished_at": run["finished_at"]}

    async def buffered(frames):
        yield "".join([frame async for frame in frames])

    async def stream(run: dict[str, Any]):
        separator = "\n" if "sse_framing" in bugs else "\n\n"
        task_id = run["task_id"]

        def frame(event: str, data: dict[str, Any], count: int = 0) -> str:
            shown = str(uuid.uuid4()) if "task_id_changes" in bugs and count >= 2 else task_id
            payload = {"event": event, "workflow_run_id": run["id"], "task_id": shown, "data": data}
            return "data: " + json.dumps(payload, ensure_ascii=False) + separator

        yield frame("workflow_started", {"id": run["id"], "workflow_id": WORKFLOW_ID, "sequence_number": 1,
                                         "inputs": run["inputs"], "created_at": run["created_at"]})
        stopped = stops[task_id]
        sent = 1
        predecessor = None
        for index, (node_type, title) in enumerate(NODES, start=1):
            if event_delay:
                await asyncio.sleep(event_delay)
            if stopped.is_set() and "stop_ignored" not in bugs:
                break
            node_id, execution = f"17555034700{index:02d}", str(uuid.uuid4())
            started = {"id": execution, "node_id": node_id, "node_type": node_type, "title": title,
                       "index": str(index) if "event_wrong_type" in bugs else index,
                       "predecessor_node_id": predecessor, "inputs": None, "created_at": run["created_at"],
                       "extras": {}}
            yield frame("node_started", started, sent)
            sent += 1
            if node_type == "llm":
                yield "event: ping\n\n"
                yield frame("text_chunk", {"text": "요약", "from_variable_selector": [node_id, "text"]}, sent)
                sent += 1
            if node_type == "llm" and "unpaired_nodes" in bugs:
                predecessor = node_id
                continue
            yield frame("node_finished", {**started, "index": index, "process_data": None,
                                          "outputs": {"text": "요약"}, "status": "succeeded", "error": None,
                                          "elapsed_time": 0.01, "execution_metadata": None,
                                          "finished_at": run["created_at"] + 1, "files": []}, sent)
            sent += 1
            predecessor = node_id
        if stopped.is_set() and "stop_ignored" not in bugs:
            finish(run, "stopped", "Stopped by user.")
        else:
            finish(run, "succeeded")
        if "no_terminal" in bugs:
            return
        if "error_event_with_task_id" in bugs:
            finish(run, "failed", "Model quota exceeded.")
            payload = {"event": "error", "workflow_run_id": run["id"], "task_id": task_id,
                       "code": "internal_server_error", "message": "Model quota exceeded.", "status": 500}
            yield "data: " + json.dumps(payload, ensure_ascii=False) + separator
            return
        yield frame("workflow_finished", {**blocking_data(run), "created_by": {"id": str(uuid.uuid4()),
                                                                               "user": run["user"]},
                                          "exceptions_count": 0, "files": []}, sent)
        if "events_after_terminal" in bugs:
            yield frame("text_chunk", {"text": "늦은 조각", "from_variable_selector": ["1755503470002", "text"]},
                        sent + 1)

    async def upload(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        if "multipart/form-data" not in request.headers.get("content-type", ""):
            return error(415, "unsupported_media_type", "multipart/form-data expected")
        try:
            form = await request.form()
        except Exception as exc:  # a malformed multipart body is the client's error, in the envelope
            return error(400, "invalid_param", f"malformed multipart body: {exc}")
        upload_file = form.get("file")
        if upload_file is None or isinstance(upload_file, str):
            return error(400, "no_file_uploaded", "Please upload your file.")
        if len(form.getlist("file")) > 1 and "two_files_accepted" not in bugs:
            return error(400, "too_many_files", "Only one file is allowed.")
        users = form.getlist("user")  # a repeated part is an array; the contract's user is one string
        if len(users) != 1 or not isinstance(users[0], str):
            return error(400, "invalid_param", "user is required, once")
        content = await upload_file.read()
        name = upload_file.filename or "file"
        kind = file_kind(name)
        if kind is None:
            code = "unsupported_media_type" if "unsupported_type_code" in bugs else "unsupported_file_type"
            return error(415, code, "File type not allowed.")
        if len(content) > size_limits.get(kind, size_limits["default"]):
            code = "payload_too_large" if "file_too_large_code" in bugs else "file_too_large"
            return error(413, code, "File size exceeded.")
        meta = {"id": str(uuid.uuid4()), "name": name, "size": len(content),
                "extension": name.rsplit(".", 1)[-1].lower() if "." in name else "",
                "mime_type": upload_file.content_type or "application/octet-stream",
                "created_by": str(uuid.uuid5(uuid.NAMESPACE_URL, str(form.get("user") or "DEFAULT-USER"))),
                "created_at": int(time.time())}
        if "upload_drops_mime_type" in bugs:
            del meta["mime_type"]
        if "upload_replaces_previous" in bugs:
            files.clear()
        files[meta["id"]] = meta
        return JSONResponse(meta, 200 if "upload_200" in bugs else 201)

    async def read_run(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        run = runs.get(request.path_params["workflow_run_id"])
        if run is None:
            return error(404, "not_found", "Workflow run not found")
        if "readback_wrong_run" in bugs:
            run = {**max(runs.values(), key=lambda r: r["created_at"]), "id": run["id"]}
        outputs = run["outputs"]
        if "readback_differs" in bugs and outputs:
            outputs = {"text": "다른 결과"}
        detail = {"id": run["id"], "workflow_id": WORKFLOW_ID, "status": run["status"], "inputs": run["inputs"],
                  "outputs": outputs, "error": run["error"], "total_steps": run["total_steps"],
                  "total_tokens": run["total_tokens"], "created_at": run["created_at"],
                  "finished_at": run["finished_at"], "elapsed_time": run["elapsed_time"]}
        if dify_015:
            detail["inputs"] = json.dumps(detail["inputs"], ensure_ascii=False)
            detail["outputs"] = json.dumps(detail["outputs"], ensure_ascii=False) if outputs is not None else None
            for name in ("created_at", "finished_at"):
                if detail[name] is not None:
                    detail[name] = formatdate(detail[name], usegmt=False).replace("+0000", "-0000")
        return JSONResponse(detail)

    async def stop(request: Request) -> Response:
        body, refused = await user_body(request, "stopWorkflowTask")
        if refused is not None:
            return refused
        task_id = request.path_params["task_id"]
        if "stop_wrong_task" in bugs:
            task_id = next((task for task, run in task_runs.items()
                            if run["status"] == "running" and owners[task] == body["user"]), task_id)
        event = stops.get(task_id)
        owner = owners.get(task_id)
        if "stop_refused_for_other_user" in bugs and owner != body["user"]:
            return error(404, "task_not_found", "Task not found.")
        if event is not None and (owner == body["user"] or "stop_other_user" in bugs):
            event.set()
        return JSONResponse({"result": "success"})

    async def logs(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        query = dict(request.query_params)
        if clamp_limit and query.get("limit", "").lstrip("-").isdigit():
            query["limit"] = str(min(max(int(query["limit"]), 1), 100))
        problems = parameter_problems(contract, "listWorkflowLogs", query, {})
        if "logs_status_filter_refused" in bugs and query.get("status") == "stopped":
            problems = ["status: 'stopped' is not one of ['succeeded', 'failed']"]
        if problems:
            return error(400, "invalid_param", problems[0])
        page, limit = int(query.get("page", 1)), int(query.get("limit", 20))
        items = [r for r in runs.values() if r["status"] != "running"]
        if "logs_missing_new_run" in bugs:
            items = [r for r in items if time.time() - r["started"] > 60]
        if query.get("status") and "status_filter_ignored" not in bugs:
            items = [r for r in items if r["status"] == query["status"]]
        if query.get("keyword") and "keyword_ignored" not in bugs:
            items = [r for r in items if query["keyword"].lower() in json.dumps(r["inputs"], ensure_ascii=False).lower()]
        items.sort(key=lambda r: r["created_at"], reverse="logs_oldest_first" not in bugs)
        window = items if "paging_ignores_limit" in bugs else items[(page - 1) * limit: page * limit]
        has_more = page * limit < len(items) and "has_more_wrong" not in bugs
        total = len(items)
        if "logs_total_stale" in bugs:
            if time.monotonic() - cached_total.get("at", -1e9) > 60:
                cached_total.update(at=time.monotonic(), total=total)
            total = cached_total["total"]
        return JSONResponse({"page": page, "limit": limit, "total": total,
                             "has_more": has_more, "data": [log_entry(r) for r in window]})

    cached_total: dict[str, Any] = {}

    def log_entry(run: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, run["id"])),
                "workflow_run": {"id": run["id"], "version": "2025-08-18 09:51:17.771832", "status": run["status"],
                                 "error": run["error"], "elapsed_time": run["elapsed_time"],
                                 "total_tokens": run["total_tokens"], "total_steps": run["total_steps"],
                                 "created_at": run["created_at"], "finished_at": run["finished_at"],
                                 "exceptions_count": 0},
                "created_from": "service-api", "created_by_role": "end_user", "created_by_account": None,
                "created_by_end_user": {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, run["user"])),
                                        "type": "service_api", "is_anonymous": False, "session_id": run["user"],
                                        **({} if "logs_end_user_without_created_at" in bugs
                                           else {"created_at": run["created_at"]})},
                "created_at": run["created_at"]}

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, "not_found", f"No route matches {request.url.path}")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error(405, "method_not_allowed", f"Method {request.method} is not allowed",
                     {"Allow": allowed_methods(request.app, request.url.path)})

    routes = [
        Route("/ext/v1/workflows/run", run_workflow, methods=["POST"]),
        Route("/ext/v1/files/upload", upload, methods=["POST"]),
        Route("/ext/v1/workflows/run/{workflow_run_id}", read_run, methods=["GET"]),
        Route("/ext/v1/workflows/tasks/{task_id}/stop", stop, methods=["POST"]),
        Route("/ext/v1/workflows/logs", logs, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
