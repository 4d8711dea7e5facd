"""MISO workflow API (Dify-derived, under /ext/v1): run, upload, read a run, stop a task, read logs.

Errors use Dify's envelope `{code, message, status}`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wfmock import errors
from wfmock.apis.base import Api
from wfmock.apis.miso.apps import App, AppRegistry
from wfmock.apis.miso.inputs import check_files, check_inputs
from wfmock.apis.miso.runner import (
    SHUTTING_DOWN, STOPPED_BY_USER, EventIds, RunFacts, RunScript, StopSignal, StreamOptions, pace_script,
    script_run, stream_run,
)
from wfmock.apis.miso.store import AppStore, WorkflowRun
from wfmock.apis.miso.unit import UNIT, MisoOutcome
from wfmock.apis.unit import BuildContext
from wfmock.apis.miso.uploads import accept_upload
from wfmock.clock import Clock
from wfmock.data.miso_outputs import demo_answer
from wfmock.errors import ApiError
from wfmock.pipeline.replies import Reply, StreamReply
from wfmock.pipeline.request import Request
from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES
from wfmock.openapi.spec import ApiSpec
from wfmock.scenario.plan import RunOutcome, StreamShape
from wfmock.state import Session
from wfmock.store import MemoryStore, Store


class MisoApi(Api):
    unit = UNIT

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

    async def handle(self, request: Request, session: Session) -> Reply | StreamReply:
        handler = {
            "runWorkflow": self.run,
            "uploadFile": self.upload,
            "getWorkflowRun": self.read_run,
            "stopWorkflowTask": self.stop_task,
            "listWorkflowLogs": self.logs,
        }.get(request.operation_id)
        if handler is None:
            raise ApiError(errors.NOT_FOUND, f"{request.operation_id} is not simulated", status=404)
        return await handler(request, session)

    def accepted_keys(self, configured: Collection[str]) -> set[str]:
        """With keys configured, each app's own declared keys too (open mode stays open)."""
        return set(configured) | self.apps.declared_keys if configured else set()

    async def recent_runs(self, now: float, base_url: str, limit: int) -> list[dict[str, Any]]:
        runs = [run for app in self.apps.apps for run in await self.store(app).newest_runs(limit, now)]
        newest = sorted(runs, key=lambda run: run.created_at, reverse=True)[:limit]
        return [{
            "id": run.id, "task_id": run.task_id, "app": run.app, "user": run.user, "status": run.status,
            "created_at": int(run.created_at), "elapsed_time": run.elapsed_time, "total_tokens": run.total_tokens,
        } for run in newest]

    # -- workflows/run ---------------------------------------------------------------------------

    async def run(self, request: Request, session: Session) -> Reply | StreamReply:
        body = request.body
        mode = _mode(body)
        streamed = mode != "blocking"
        app = self.apps.for_key(request.api_key)
        store = self.store(app)
        inputs = dict(body["inputs"])
        files = await _known_files(store, inputs, body.get("files") or [])
        check_inputs(app, inputs, files)
        check_files(body.get("files") or [], files)
        await request.plan.charge_run()
        ids, now, user = session.ids, session.clock.now(), body["user"]
        end_user_id = await store.end_user(user, ids.uuid4())
        run_id, task_id = ids.uuid4(), ids.uuid4()
        options = self._options(request.plan.stream)
        answer = demo_answer(inputs, files, f"{session.data_seed}:{run_id}")
        facts = RunFacts(run_id=run_id, inputs=inputs, system=_system_inputs(body, app, run_id), created_at=now,
                         created_by={"id": end_user_id, "user": user})
        outcome = request.plan.run
        script = script_run(app, facts, answer, ids, options, failed_node=_failed_node(outcome),
                            failure_message=outcome.error_message if outcome else None,
                            timeline=streamed)  # a blocking run never streams: its events are never built
        if streamed:
            pace_script(script, options)  # before the record: a streamed run's planned end is its real duration
        log_id = ids.uuid4()
        # only a stream can outlive the process holding it: a blocking run ends before it answers
        planned = finish_arguments(script, planned_status(script, options, len(script.steps)), script.elapsed,
                                   log_id) if streamed else None
        record = WorkflowRun(
            id=run_id, task_id=task_id, app=app.name, workflow_id=app.workflow_id, version=app.version,
            user=user, end_user_id=end_user_id, inputs=inputs, created_at=now, planned=planned,
        )
        # inputs, their lower-cased copy in the search text, and the outputs that restate them (and plan them)
        size = 3 * len(request.raw_body) + (4 if streamed else 3) * len(answer.text)
        await store.remember_run(record, size)
        ending = RunEnding(self.shared, store, record, script.without_steps(), size, log_id=log_id,
                           clock=session.clock)
        if not streamed:
            await ending(script.status)
            return Reply(200, {"task_id": task_id, "workflow_run_id": run_id, "data": _blocking_data(record)})
        stop = StopSignal()
        await self.shared.tasks.register(task_id, app.name, user, stop)
        return StreamReply(stream_run(script, EventIds(workflow_run_id=run_id, task_id=task_id), options, stop,
                                      ending))

    def _options(self, shape: StreamShape | None) -> StreamOptions:
        options = StreamOptions(pace=self.pace)
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

    async def upload(self, request: Request, session: Session) -> Reply:
        app = self.apps.for_key(request.api_key)
        store = self.store(app)
        form = request.form
        if form is not None and len(form.getlist("user")) > 1:  # repeated parts are an array; user is a string
            raise ApiError(errors.INVALID_REQUEST, "user must be sent once, not as repeated form fields", status=400)
        user = str((form.get("user") if form is not None else None) or "DEFAULT-USER")
        end_user_id = await store.end_user(user, session.ids.uuid4())
        upload = await accept_upload(request.operation, form, file_id=session.ids.uuid4(),
                                     created_by=end_user_id, created_at=int(session.clock.now()))
        await store.remember_file(upload.meta, upload.content)
        return Reply(201, upload.meta)

    # -- workflows/run/{id} ----------------------------------------------------------------------

    async def read_run(self, request: Request, session: Session) -> Reply:
        run_id = request.path_params["workflow_run_id"]
        run = await self.store(self.apps.for_key(request.api_key)).run(run_id, session.clock.now())
        if run is None:
            raise ApiError(errors.NOT_FOUND, f"Workflow run {run_id} not found", status=404)
        return Reply(200, run.detail())

    # -- workflows/tasks/{task_id}/stop ----------------------------------------------------------

    async def stop_task(self, request: Request, session: Session) -> Reply:
        app = self.apps.for_key(request.api_key)
        # another app's task is answered like an unknown one (Dify's stop never says which); a shared store
        # reaches the process that holds the stream
        await self.shared.tasks.stop(request.path_params["task_id"], app.name, request.body["user"])
        return Reply(200, {"result": "success"})

    # -- workflows/logs --------------------------------------------------------------------------

    async def logs(self, request: Request, session: Session) -> Reply:
        query = request.typed_query
        page, limit = int(query.get("page", 1)), int(query.get("limit", 20))
        start = (page - 1) * limit
        total, window = await self.store(self.apps.for_key(request.api_key)).logs(
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


def _mode(body: dict[str, Any]) -> str:
    mode, alias = body.get("mode"), body.get("response_mode")
    if mode and alias and mode != alias:
        raise ApiError(errors.INVALID_REQUEST, f"mode ({mode}) and response_mode ({alias}) disagree", status=400)
    return mode or alias or "blocking"


def _system_inputs(body: dict[str, Any], app: App, run_id: str) -> dict[str, Any]:
    """The `sys.*` inputs Dify adds to a run's own (`workflow_started` reports them)."""
    return {
        "sys.files": body.get("files") or [],
        "sys.user_id": body["user"],
        "sys.app_id": app.workflow_id,
        "sys.workflow_id": app.workflow_id,
        "sys.workflow_run_id": run_id,
    }


@dataclass(slots=True)
class RunEnding:
    """Finishes a run's record once, in the status it ends in, and writes its log entry (`on_end` of a stream;
    called directly for a blocking run)."""

    shared: Store
    store: AppStore
    record: WorkflowRun
    script: RunScript
    size: int
    log_id: str
    clock: Clock

    async def __call__(self, status: str) -> None:
        await self.shared.tasks.discard(self.record.task_id)
        if self.record.finished:
            return  # ended already (a stream's end comes once, whether it ran out, failed or was stopped)
        elapsed = self.script.elapsed
        if status == "stopped":
            elapsed = min(self.script.elapsed, self.clock.now() - self.record.created_at)
        self.record.finish(**finish_arguments(self.script, status, elapsed, self.log_id))
        # on a shared store a reader may have settled the run first, as planned (see `WorkflowRun.as_of`)
        await self.store.end_run(self.record, self.size)


def finish_arguments(script: RunScript, status: str, elapsed: float, log_id: str) -> dict[str, Any]:
    """`WorkflowRun.finish`'s arguments for a run of `script` that ends in `status` after `elapsed` seconds."""
    succeeded = status == "succeeded"
    return {"status": status, "outputs": script.outputs if succeeded else None, "error": _run_error(status, script),
            "tokens": script.total_tokens if succeeded else 0, "steps": script.total_steps, "elapsed": elapsed,
            "log_id": log_id}


def planned_status(script: RunScript, options: StreamOptions, events: int) -> str:
    """How the run ends unless stopped: failed when the scenario's error event comes before the stream's end
    (and before any cut connection, which leaves the script's status), else the script's status."""
    error_after, cut_after = options.error_after, options.disconnect_after
    if error_after is not None and error_after < events and (cut_after is None or error_after <= cut_after):
        return "failed"
    return script.status


def _run_error(status: str, script: RunScript) -> str | None:
    """A finished run's `error`: none when it succeeded, the stop's, the failing node's, or a generic one."""
    if status == "succeeded":
        return None
    if status == "stopped":
        return STOPPED_BY_USER
    if status == "failed" and script.error:
        return script.error
    return "Internal Server Error, please contact support."


def _failed_node(outcome: RunOutcome | None) -> str | int | None:
    """The node a scenario makes the run fail at (the second when it names none), or None."""
    if not isinstance(outcome, MisoOutcome) or outcome.status != "failed":
        return None
    return outcome.failed_node if outcome.failed_node is not None else 2


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


def build(spec: ApiSpec, context: BuildContext) -> MisoApi:
    """The unit's factory (`UNIT.build` names it): MISO's behaviour for one server, with the apps its fixtures
    declare."""
    return MisoApi(spec, AppRegistry.load(context.fixtures / "apps"), pace=context.pace, retain=context.retain,
                   retain_bytes=context.retain_bytes, store=context.store)
