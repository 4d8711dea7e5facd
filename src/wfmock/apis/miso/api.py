"""MISO workflow API (Dify-derived, under /ext/v1): run, upload, read a run, stop a task, read logs.

Errors use Dify's envelope `{code, message, status}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from wfmock import errors
from wfmock.apis.base import Api, Call
from wfmock.apis.miso.apps import App, AppRegistry
from wfmock.apis.miso.inputs import check_files, check_inputs
from wfmock.apis.miso.runner import (
    SHUTTING_DOWN, Envelope, RunPlan, StopSignal, StreamOptions, pace_plan, plan_run, stream_run,
)
from wfmock.apis.miso.store import AppStore, WorkflowRun
from wfmock.apis.miso.uploads import accept_upload
from wfmock.data.miso_outputs import demo_answer
from wfmock.errors import ApiError
from wfmock.render import Reply, StreamReply
from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES
from wfmock.spec import ApiSpec
from wfmock.store import MemoryStore, Store


class MisoApi(Api):
    name = "miso"
    prefixes = ("/ext/",)
    generic_codes = {
        errors.NOT_FOUND: "not_found",
        errors.METHOD_NOT_ALLOWED: "method_not_allowed",
        errors.UNAUTHORIZED: "unauthorized",
        errors.RATE_LIMITED: "too_many_requests",
        errors.INVALID_REQUEST: "invalid_param",
        errors.UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
        errors.PAYLOAD_TOO_LARGE: "file_too_large",
        errors.INTERNAL: "internal_server_error",
        errors.UNAVAILABLE: "service_unavailable",
    }

    def __init__(self, spec: ApiSpec, apps: AppRegistry, *, pace: float = 1.0, retain: int = DEFAULT_RETAIN,
                 retain_bytes: int = DEFAULT_RETAIN_BYTES, store: Store | None = None) -> None:
        super().__init__(spec)
        self.apps = apps
        self.pace = pace
        self.retain = retain
        self.retain_bytes = retain_bytes
        self.shared = store or MemoryStore()
        self.stores: dict[str, AppStore] = {}
        # streams this process holds: a stop request can reach one only from its own app and end user
        self.tasks = self.shared.tasks.live

    def close_streams(self) -> None:
        """Graceful shutdown: every open stream ends now with a final `workflow_finished` (stopped)."""
        for _, _, signal in list(self.tasks.values()):
            signal.stop(SHUTTING_DOWN)

    def reset(self) -> None:
        for store in self.stores.values():
            store.release()
        self.stores.clear()
        for _, _, signal in self.tasks.values():
            signal.set()
        self.tasks.clear()

    def error_reply(self, error: ApiError) -> Reply:
        code = self.code_for(error)
        status = self.status_for(error, code)
        return Reply(status, {"code": code, "message": self.message_for(error, code, status), "status": status},
                     headers=error.headers)

    def store(self, app: App) -> AppStore:
        store = self.stores.get(app.name)
        if store is None:
            store = self.stores[app.name] = AppStore(app.name, retain=self.retain, retain_bytes=self.retain_bytes,
                                                     store=self.shared)
        return store

    async def handle(self, call: Call) -> Reply | StreamReply:
        handler = {
            "runWorkflow": self.run,
            "uploadFile": self.upload,
            "getWorkflowRun": self.read_run,
            "stopWorkflowTask": self.stop_task,
            "listWorkflowLogs": self.logs,
        }.get(call.operation.operation_id)
        if handler is None:
            raise ApiError(errors.NOT_FOUND, f"{call.operation.operation_id} is not simulated", status=404)
        return await handler(call)

    # -- workflows/run ---------------------------------------------------------------------------

    async def run(self, call: Call) -> Reply | StreamReply:
        body = call.request.body
        mode = _mode(body)
        streamed = mode != "blocking"
        app = self.apps.for_key(call.api_key)
        store = self.store(app)
        inputs = dict(body["inputs"])
        files = await _known_files(store, inputs, body.get("files") or [])
        check_inputs(app, inputs, files)
        check_files(body.get("files") or [], files)
        await call.session.charge_credits(self.name, call.api_key, call.engine)
        session = call.session
        user = body["user"]
        end_user_id = await store.end_user(user, session.ids.uuid4())
        run_id, task_id = session.ids.uuid4(), session.ids.uuid4()
        now = session.clock.now()
        system = {
            "sys.files": body.get("files") or [],
            "sys.user_id": user,
            "sys.app_id": app.workflow_id,
            "sys.workflow_id": app.workflow_id,
            "sys.workflow_run_id": run_id,
        }
        options = self._options(call)
        outcome = call.plan.run
        answer = demo_answer(inputs, files, f"{session.seed}:{run_id}")
        plan = plan_run(
            app, run_id=run_id, inputs=inputs, system=system,
            answer=answer,
            created_at=now, ids=session.ids, options=options,
            created_by={"id": end_user_id, "user": user},
            failed_node=_failed_node(outcome),
            failure_message=getattr(outcome, "error_message", None) if outcome else None,
            timeline=streamed,  # a blocking run never streams: its events are never built
        )
        if streamed:
            pace_plan(plan, options)  # before the record: a streamed run's planned end is its real duration
        log_id = session.ids.uuid4()

        def ending(status: str, elapsed: float) -> dict[str, Any]:
            """`WorkflowRun.finish`'s arguments for a run of this plan that ends in `status` after `elapsed`."""
            stopped = status == "stopped"
            return {
                "status": status,
                "outputs": None if status != "succeeded" else plan.outputs,
                "error": "Stopped by user." if stopped else plan.error if status == "failed" and plan.error else
                (None if status == "succeeded" else "Internal Server Error, please contact support."),
                "tokens": plan.total_tokens if status == "succeeded" else 0,
                "steps": plan.total_steps, "elapsed": elapsed, "log_id": log_id,
            }

        # only a stream can outlive the process holding it: a blocking run ends before it answers
        planned = ending(planned_status(plan, options, len(plan.steps)), plan.elapsed) if streamed else None
        record = WorkflowRun(
            id=run_id, task_id=task_id, app=app.name, workflow_id=app.workflow_id, version=app.version,
            user=user, end_user_id=end_user_id, inputs=inputs, created_at=now, planned=planned,
        )
        # inputs, their lower-cased copy in the search text, and the outputs that restate them (and plan them)
        size = 3 * len(call.incoming.raw_body) + (4 if streamed else 3) * len(answer.text)
        await store.remember_run(record, size)

        async def end(status: str) -> None:
            await self.shared.tasks.discard(task_id)
            if record.finished or (streamed and not await store.claim_end(run_id)):  # a reader may have settled it
                return
            elapsed = min(plan.elapsed, session.clock.now() - now) if status == "stopped" else plan.elapsed
            record.finish(**ending(status, elapsed))
            if self.shared.shared:  # a record in Redis is a copy: write the finished run back
                await store.remember_run(record, size)
            await store.log(record)

        if not streamed:
            await end(plan.status)
            return Reply(200, {"task_id": task_id, "workflow_run_id": run_id, "data": _blocking_data(record)})
        stop = StopSignal()
        await self.shared.tasks.register(task_id, app.name, user, stop)
        envelope = Envelope(workflow_run_id=run_id, task_id=task_id)
        return StreamReply(stream_run(plan, envelope, options, stop, end))

    def _options(self, call: Call) -> StreamOptions:
        options = StreamOptions(pace=self.pace)
        shape = call.plan.stream
        if shape is None:
            return options
        for name in ("event_delay", "chunk_size", "chunk_interval", "ping_interval", "error_after",
                     "disconnect_after", "stall_after", "stall_seconds"):
            value = getattr(shape, name, None)
            if value is not None:
                setattr(options, name, value)
        code = getattr(shape, "error_code", None)
        if code:
            entry = self.spec.errors.get(code, {})
            options.error_code = code
            options.error_status = int(entry.get("status", 500))
            options.error_message = str(entry.get("message", options.error_message))
        return options

    # -- files/upload ----------------------------------------------------------------------------

    async def upload(self, call: Call) -> Reply:
        app = self.apps.for_key(call.api_key)
        store = self.store(app)
        session = call.session
        form = call.request.form
        if form is not None and len(form.getlist("user")) > 1:  # repeated parts are an array; user is a string
            raise ApiError(errors.INVALID_REQUEST, "user must be sent once, not as repeated form fields", status=400)
        user = str((form.get("user") if form is not None else None) or "DEFAULT-USER")
        end_user_id = await store.end_user(user, session.ids.uuid4())
        upload = await accept_upload(call.operation, form, file_id=session.ids.uuid4(),
                                     created_by=end_user_id, created_at=int(session.clock.now()))
        await store.remember_file(upload.meta, upload.content)
        return Reply(201, upload.meta)

    # -- workflows/run/{id} ----------------------------------------------------------------------

    async def read_run(self, call: Call) -> Reply:
        run_id = call.request.path_params["workflow_run_id"]
        run = await self.store(self.apps.for_key(call.api_key)).run(run_id, call.session.clock.now())
        if run is None:
            raise ApiError(errors.NOT_FOUND, f"Workflow run {run_id} not found", status=404)
        return Reply(200, run.detail())

    # -- workflows/tasks/{task_id}/stop ----------------------------------------------------------

    async def stop_task(self, call: Call) -> Reply:
        app = self.apps.for_key(call.api_key)
        # another app's task is answered like an unknown one (Dify's stop never says which); a shared store
        # reaches the process that holds the stream
        await self.shared.tasks.stop(call.request.path_params["task_id"], app.name, call.request.body["user"])
        return Reply(200, {"result": "success"})

    # -- workflows/logs --------------------------------------------------------------------------

    async def logs(self, call: Call) -> Reply:
        query = call.request.query
        page, limit = int(query.get("page", 1)), int(query.get("limit", 20))
        start = (page - 1) * limit
        total, window = await self.store(self.apps.for_key(call.api_key)).logs(
            status=query.get("status"),
            keyword=query.get("keyword"),
            created_after=_timestamp(query.get("created_at__after")),
            created_before=_timestamp(query.get("created_at__before")),
            session_id=query.get("created_by_end_user_session_id"),
            offset=start, limit=limit,
        )
        if query.get("created_by_account"):
            total, window = 0, []  # service-API runs are made by end users, never by console accounts
        return Reply(200, {
            "page": page,
            "limit": limit,
            "total": total,
            "has_more": start + limit < total,
            "data": [run.log_entry() for run in window],
        })


async def _known_files(store: AppStore, inputs: Mapping[str, Any], items: Any) -> Mapping[str, Any]:
    """The app's uploaded files a run refers to (the memory store is itself that mapping)."""
    if isinstance(store.files, dict):
        return store.files
    wanted: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if "upload_file_id" in value:
                wanted.add(str(value["upload_file_id"]))
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(list(inputs.values()))
    collect(items)
    return await store.files.fetch_many(sorted(wanted)) if wanted else {}


def planned_status(plan: RunPlan, options: StreamOptions, events: int) -> str:
    """How the run ends unless stopped: failed when the scenario's error event comes before the stream's end
    (and before any cut connection, which leaves the plan's status), else the plan's status."""
    error_after, cut_after = options.error_after, options.disconnect_after
    if error_after is not None and error_after < events and (cut_after is None or error_after <= cut_after):
        return "failed"
    return plan.status


def _mode(body: dict[str, Any]) -> str:
    mode, alias = body.get("mode"), body.get("response_mode")
    if mode and alias and mode != alias:
        raise ApiError(errors.INVALID_REQUEST, f"mode ({mode}) and response_mode ({alias}) disagree", status=400)
    return mode or alias or "blocking"


def _failed_node(outcome: Any) -> str | int | None:
    if outcome is None or getattr(outcome, "status", None) not in ("failed", "FAILED"):
        return None
    node = getattr(outcome, "failed_node", None)
    return node if node is not None else 2


def _blocking_data(run: WorkflowRun) -> dict[str, Any]:
    return {
        "id": run.id, "workflow_id": run.workflow_id, "status": run.status, "outputs": run.outputs,
        "error": run.error, "elapsed_time": run.elapsed_time, "total_tokens": run.total_tokens,
        "total_steps": run.total_steps, "created_at": int(run.created_at),
        "finished_at": int(run.finished_at) if run.finished_at is not None else None,
    }


def _timestamp(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ApiError(errors.INVALID_REQUEST, f"{value!r} is not an ISO 8601 date-time", status=400) from None
