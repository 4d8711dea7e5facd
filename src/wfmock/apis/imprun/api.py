"""imprun workflows v2: runs that start RUNNING and finish on their own clock, in `{error, message, code}`."""

from __future__ import annotations

import html
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from wfmock import errors
from wfmock.apis.base import Api
from wfmock.apis.imprun.unit import UNIT, ImprunOutcome
from wfmock.apis.unit import BuildContext
from wfmock.errors import ApiError
from wfmock.pipeline.replies import Reply, StreamReply
from wfmock.pipeline.request import Request
from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES
from wfmock.openapi.spec import ApiSpec
from wfmock.scenario.plan import Credentials, RunOutcome
from wfmock.state import Session
from wfmock.store import Codec, MemoryStore, Store

RUNNING, SUCCEEDED, FAILED, TIMED_OUT = "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT"
SECRET_PARAMS = ("sessionToken", "imageBase64")
RESULT_CACHE = 4096  # results of finished runs kept per process on a shared store
CREDENTIAL_FAILURES = {"expired": "CREDENTIAL_EXPIRED", "wrong_password": "AUTHENTICATION_FAILED"}


def iso(timestamp: float) -> str:
    return _iso_second(int(timestamp))


@lru_cache(maxsize=4096)
def _iso_second(second: int) -> str:
    """Formatting a datetime costs more than the rest of a read; most requests share a few seconds."""
    return datetime.fromtimestamp(second, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Run:
    """One workflow run; its status is a function of time, so no background task drives it."""

    id: str
    type: str
    params: dict[str, Any]
    owner: str | None
    created_at: float
    finishes_at: float
    outcome: str = SUCCEEDED
    error_code: str | None = None
    error_message: str | None = None
    fixture: str | None = None
    result: Any = field(default=None, repr=False)

    def status(self, now: float) -> str:
        return RUNNING if now < self.finishes_at else self.outcome


_RUN_FIELDS = tuple(f.name for f in fields(Run) if f.name != "result")  # the result is rebuilt from params
RUN_CODEC: Codec[Run] = Codec(
    dump=lambda run: {name: getattr(run, name) for name in _RUN_FIELDS},
    load=lambda data: Run(**data),
)


class ImprunApi(Api):
    unit = UNIT

    def __init__(self, spec: ApiSpec, *, run_duration: float = 2.0, retain: int = DEFAULT_RETAIN,
                 retain_bytes: int = DEFAULT_RETAIN_BYTES, store: Store | None = None) -> None:
        super().__init__(spec)
        self.run_duration = run_duration
        self.retain = retain
        store = store or MemoryStore()
        self.runs = store.records("imprun:runs", RUN_CODEC, retain, retain_bytes)
        self.shared_store = store.shared
        # results are a pure function of (seed, id, params): a shared store keeps params, this process the
        # newest results it built, so polling a finished run does not generate its payload again
        self._results: OrderedDict[str, Any] = OrderedDict()  # oldest first, popped in O(1)

    def reset(self) -> None:
        self.runs.clear()
        self._results.clear()

    def error_reply(self, error: ApiError) -> Reply:
        code = self.code_for(error)
        status = self.status_for(error, code)
        entry = self.spec.errors.get(code, {})
        title = entry.get("error") or HTTPStatus(status).phrase
        body = {"error": title, "message": self.message_for(error, code, status), "code": code}
        return Reply(status, body, headers=error.headers)

    async def handle(self, request: Request, session: Session) -> Reply | StreamReply:
        operation_id = request.operation_id
        if operation_id == "createWorkflow":
            return await self.create(request, session)
        if operation_id == "getWorkflow":
            return await self.read(request, session)
        if operation_id == "getWorkflowProgressPage":
            return await self.progress_page(request, session)
        raise ApiError(errors.NOT_FOUND, f"{operation_id} is not simulated", status=404)

    # -- behaviour -----------------------------------------------------------------------------

    async def create(self, request: Request, session: Session) -> Reply:
        body = request.body
        params = dict(body["params"])
        await request.plan.charge_run()
        now = session.clock.now()
        run = Run(
            id=session.ids.token("wf_", 12),
            type=body["type"],
            params=params,
            owner=request.api_key,
            created_at=now,
            finishes_at=now + self.run_duration,
            fixture=request.plan.fixture,
        )
        self._apply_credentials(run, request.plan.credentials)
        self._apply_outcome(run, request.plan.run)
        await self.runs.put(run.id, run, 2 * len(request.raw_body))  # params, and the result built from them
        return Reply(200, {
            "id": run.id,
            "status": RUNNING,
            "createdAt": iso(run.created_at),
            "progressUrl": self._progress_url(request.base_url, run.id),
        })

    async def read(self, request: Request, session: Session) -> Reply:
        run = await self._owned_run(request)
        return Reply(200, self.render_run(run, request, session))

    def render_run(self, run: Run, request: Request, session: Session) -> dict[str, Any]:
        status = run.status(session.clock.now())
        finished = status != RUNNING
        body: dict[str, Any] = {
            "id": run.id,
            "type": run.type,
            "status": status,
            "createdAt": iso(run.created_at),
            "updatedAt": iso(run.finishes_at if finished else run.created_at),
            "finishedAt": iso(run.finishes_at) if finished else None,
            "progressUrl": self._progress_url(request.base_url, run.id),
            "params": {k: v for k, v in run.params.items() if k not in SECRET_PARAMS},
        }
        if status == SUCCEEDED:
            body["result"] = self._result(run, session)
        elif finished:
            body["error"] = {
                "code": run.error_code,
                "message": run.error_message or self.spec.errors.get(run.error_code or "", {}).get("message", ""),
            }
        return body

    async def progress_page(self, request: Request, session: Session) -> Reply:
        run = await self.runs.fetch(request.path_params["id"])
        if run is None:
            page = _page("Workflow not found", "<p>No workflow run has this id.</p>")
            return Reply(404, page, media_type="text/html; charset=utf-8")
        status = run.status(session.clock.now())
        refresh = LIVE_WHILE_RUNNING if status == RUNNING else ""
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in {"id": run.id, "type": run.type, "status": status, **run.params}.items()
            if k not in SECRET_PARAMS
        )
        content = f'<p>Status: <strong id="status" class="{status}">{status}</strong></p><table>{rows}</table>'
        return Reply(200, _page(f"Workflow {run.id}", content, refresh, status), media_type="text/html; charset=utf-8")

    async def recent_runs(self, now: float, base_url: str, limit: int) -> list[dict[str, Any]]:
        newest = sorted(await self.runs.newest(limit), key=lambda run: run.created_at, reverse=True)
        return [{
            "id": run.id, "type": run.type, "status": run.status(now), "createdAt": iso(run.created_at),
            "finishedAt": iso(run.finishes_at) if run.status(now) != RUNNING else None,
            "progressUrl": self._progress_url(base_url, run.id),
        } for run in newest]

    # -- helpers -------------------------------------------------------------------------------

    async def _owned_run(self, request: Request) -> Run:
        run = await self.runs.fetch(request.path_params["id"])
        if run is None or (run.owner is not None and run.owner != request.api_key):
            raise ApiError(errors.NOT_FOUND, f"Workflow {request.path_params['id']} not found", status=404)
        return run

    def _apply_credentials(self, run: Run, credentials: Credentials) -> None:
        credential = run.params.get("credentialId")
        if not credential:
            return
        failure = CREDENTIAL_FAILURES.get(credentials.state(credential))
        if failure:
            run.outcome, run.error_code = FAILED, failure

    def _apply_outcome(self, run: Run, outcome: RunOutcome | None) -> None:
        if not isinstance(outcome, ImprunOutcome):
            return
        if outcome.after is not None:
            run.finishes_at = run.created_at + float(outcome.after)
        if outcome.status is not None:
            run.outcome = outcome.status
            run.error_code = outcome.error_code or _default_error(outcome.status, run.error_code)
            run.error_message = outcome.error_message

    def _result(self, run: Run, session: Session) -> Any:
        if run.result is None:
            cached = self._results.get(run.id)  # a run read from a shared store is a fresh copy each time
            if cached is not None:
                run.result = cached
            elif run.fixture:
                run.result = session.fixture(run.fixture)
            else:
                from wfmock.data import imprun_result

                run.result = imprun_result(run.params, f"{session.data_seed}:{run.id}")
            if self.shared_store and cached is None:
                self._results[run.id] = run.result
                while len(self._results) > RESULT_CACHE:
                    self._results.popitem(last=False)
        return run.result

    @staticmethod
    def _progress_url(base_url: str, run_id: str) -> str:
        return f"{base_url}/console/workflows/{run_id}"


def _default_error(status: str, credential_error: str | None) -> str | None:
    """A forced end's error code when the scenario names none: TIMEOUT, the credential's failure, or a login's."""
    if status == TIMED_OUT:
        return "TIMEOUT"
    if status == FAILED:
        return credential_error or "AUTHENTICATION_FAILED"
    return credential_error


# While a run is RUNNING its page re-reads itself every second and swaps in the new body, until the run ends
# (without JavaScript, a meta refresh does the same).
LIVE_WHILE_RUNNING = (
    '<noscript><meta http-equiv="refresh" content="1"></noscript>'
    "<script>(function poll(){setTimeout(async function(){try{"
    "const r=await fetch(location.href,{cache:'no-store'});"
    "const d=new DOMParser().parseFromString(await r.text(),'text/html');"
    "document.body.replaceWith(d.body);document.title=d.title;"
    "if(d.body.dataset.status==='RUNNING')poll();}catch(e){poll();}},1000);})();</script>"
)
PAGE_STYLE = ("<style>body{font:15px/1.5 system-ui,sans-serif;margin:2em}th{text-align:left;padding-right:1em}"
              ".RUNNING{color:#0b62a4}.SUCCEEDED{color:#1f7a3d}.FAILED,.TIMED_OUT{color:#b3261e}</style>")


def _page(title: str, content: str, head: str = "", status: str = "") -> str:
    return (
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">"
        f"{head}{PAGE_STYLE}<title>{html.escape(title)}</title></head>"
        f"<body data-status=\"{html.escape(status)}\"><h1>{html.escape(title)}</h1>{content}"
        "<p>wfmock — imprun workflows v2 simulator</p></body></html>"
    )


def build(spec: ApiSpec, context: BuildContext) -> ImprunApi:
    """The unit's factory (`UNIT.build` names it): imprun's behaviour for one server."""
    return ImprunApi(spec, run_duration=context.run_duration, retain=context.retain,
                     retain_bytes=context.retain_bytes, store=context.store)
