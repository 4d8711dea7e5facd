"""A minimal, correct imprun workflows v2 server, and its one-bug mutations (`bugs`)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.contract.gallery.base import allowed_methods, body_problems, load_contract, parameter_problems
from wfmock.data import imprun_result  # result payloads as the contract's result schemas describe them

BUGS = {
    "status_casing": "a new run is 'running', not 'RUNNING'",
    "missing_field": "the create response has no progressUrl",
    "wrong_type": "createdAt is an integer, not a date-time string",
    "bad_envelope": "errors come back as {detail}, not {error, message, code}",
    "no_auth": "any key is accepted",
    "no_429": "the rate limit is never enforced",
    "early_429": "429 from the 6th request in a second",
    "result_while_running": "a RUNNING run already carries result",
    "backwards": "a finished run goes back to RUNNING",
    "failed_without_error": "a FAILED run has no error",
    "429_without_retry_after": "the 429 has no Retry-After header",
    "error_code_unknown": "an unknown run's 404 carries code WORKFLOW_NOT_FOUND, not in the catalogue",
    "progress_url_stale": "every create answers the first run's progressUrl",
    "readback_newest": "reading any run id answers the newest run, under its own id",
    "limit_never_lifts": "once limited, a key stays limited for a minute, whatever its 429 said (Retry-After: 1)",
    "created_at_renamed": "the create response says created_at, not the seed's createdAt",
    "auth_code_wrong": "a bad or missing X-API-Key is refused with code UNAUTHORIZED, not INVALID_API_KEY",
    "validation_code_wrong": "a HOMETAX scrape without credentialId is refused with code BAD_REQUEST, not "
                             "VALIDATION_ERROR",
    "credit_code_wrong": "exhausted credit (크레딧 부족) is answered with code CREDIT_EXHAUSTED, not INSUFFICIENT_CREDIT",
}
SECRETS = ("sessionToken", "imageBase64")  # never echoed back
TITLES = {400: "Invalid request", 401: "Unauthorized", 402: "Payment Required", 404: "Not Found",
          405: "Method Not Allowed", 415: "Unsupported Media Type", 429: "Too Many Requests"}
CODES = {400: "VALIDATION_ERROR", 401: "INVALID_API_KEY", 402: "INSUFFICIENT_CREDIT", 404: "NOT_FOUND",
         405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMIT_EXCEEDED"}
WRONG_CODES = {"auth_code_wrong": (401, "UNAUTHORIZED"), "validation_code_wrong": (400, "BAD_REQUEST"),
               "credit_code_wrong": (402, "CREDIT_EXHAUSTED")}  # a bug's own code for the seed's situation


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_app(key: str, bugs: frozenset[str] = frozenset(), *, rate_limit: bool = False,
              run_duration: float = 0.3, credits: int | None = None) -> Starlette:
    """`credits`: how many runs the key can pay for; the next create is refused 402 INSUFFICIENT_CREDIT."""
    contract = load_contract("imprun")
    balance = [credits]
    runs: dict[str, dict[str, Any]] = {}
    counter = itertools.count(1)
    window: deque[float] = deque()
    lock = threading.Lock()
    reads: dict[str, int] = {}
    blocked_until = [0.0]

    def error(status: int, message: str, headers: dict[str, str] | None = None, code: str | None = None) -> Response:
        if "bad_envelope" in bugs:
            return JSONResponse({"detail": message}, status, headers=headers)
        wrong = [bad for bug, (at, bad) in WRONG_CODES.items() if bug in bugs and at == status]
        return JSONResponse({"error": TITLES[status], "message": message,
                             "code": code or (wrong[0] if wrong else CODES[status])}, status, headers=headers)

    def gate(request: Request) -> Response | None:
        if "no_auth" not in bugs and request.headers.get("x-api-key") != key:
            return error(401, "유효하지 않은 API 키")
        if rate_limit and "no_429" not in bugs:
            limit = 5 if "early_429" in bugs else 10
            with lock:
                now = time.monotonic()
                if now < blocked_until[0]:
                    return error(429, "rate limit exceeded", {"Retry-After": "1"})
                while window and now - window[0] >= 1:
                    window.popleft()
                if len(window) >= limit:
                    headers = {"Retry-After": "1", "RateLimit-Limit": str(limit), "RateLimit-Remaining": "0",
                               "RateLimit-Reset": "1"}
                    if "429_without_retry_after" in bugs:
                        del headers["Retry-After"]
                    if "limit_never_lifts" in bugs:
                        blocked_until[0] = now + 60
                    return error(429, "rate limit exceeded", headers)
                window.append(now)
        return None

    def run_view(run: dict[str, Any], request: Request) -> dict[str, Any]:
        now = time.time()
        done = now >= run["finishes"]
        status = run["outcome"] if done else "RUNNING"
        if "backwards" in bugs and done:
            reads[run["id"]] = reads.get(run["id"], 0) + 1
            if reads[run["id"]] % 2 == 0:
                status, done = "RUNNING", False
        body = {"id": run["id"], "type": run["type"], "status": status, "createdAt": iso(run["created"]),
                "updatedAt": iso(run["finishes"] if done else run["created"]),
                "finishedAt": iso(run["finishes"]) if done else None,
                "progressUrl": f"{str(request.base_url).rstrip('/')}/console/workflows/{run['id']}",
                "params": {k: v for k, v in run["params"].items() if k not in SECRETS}}
        if status == "SUCCEEDED" or (status == "RUNNING" and "result_while_running" in bugs):
            body["result"] = imprun_result(run["params"], f"gallery:{run['id']}", workflow_type=run["type"])
        elif status in ("FAILED", "TIMED_OUT") and "failed_without_error" not in bugs:
            body["error"] = {"code": "AUTHENTICATION_FAILED", "message": "로그인 실패"}
        if "status_casing" in bugs:
            body["status"] = body["status"].lower()
        return body

    async def create(request: Request) -> Response:
        if (refused := gate(request)) is not None:
            return refused
        if "json" not in request.headers.get("content-type", ""):
            return error(415, "Content-Type must be application/json")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "the body is not valid JSON")
        problems = body_problems(contract, "createWorkflow", body)
        if problems:
            return error(400, problems[0])
        if balance[0] is not None:
            if balance[0] <= 0:
                return error(402, "크레딧 부족")
            balance[0] -= 1
        run_id = f"wf_{next(counter):012d}"
        now = time.time()
        site = (body.get("params") or {}).get("siteCode")
        runs[run_id] = {"id": run_id, "type": body["type"], "params": body["params"], "created": now,
                        "finishes": now + run_duration, "outcome": "FAILED" if site == "WEHAGO" else "SUCCEEDED"}
        created = {"id": run_id, "status": "RUNNING", "createdAt": iso(now),
                   "progressUrl": f"{str(request.base_url).rstrip('/')}/console/workflows/{run_id}"}
        if "status_casing" in bugs:
            created["status"] = "running"
        if "missing_field" in bugs:
            del created["progressUrl"]
        if "progress_url_stale" in bugs:
            created["progressUrl"] = created["progressUrl"].replace(run_id, "wf_000000000001")
        if "wrong_type" in bugs:
            created["createdAt"] = int(now)
        if "created_at_renamed" in bugs:
            created["created_at"] = created.pop("createdAt")
        return JSONResponse(created)

    async def read(request: Request) -> Response:
        if (refused := gate(request)) is not None:
            return refused
        problems = parameter_problems(contract, "getWorkflow", request.query_params, request.path_params)
        run = runs.get(request.path_params["id"])
        if problems or run is None:
            return error(404, f"Workflow {request.path_params['id']} not found",
                         code="WORKFLOW_NOT_FOUND" if "error_code_unknown" in bugs else None)
        if "readback_newest" in bugs:
            run = runs[max(runs)]
        return JSONResponse(run_view(run, request))

    async def page(request: Request) -> Response:
        run = runs.get(request.path_params["id"])
        if run is None:
            return HTMLResponse("<html><body>not found</body></html>", 404)
        return HTMLResponse(f"<html><body><h1>{run['id']}</h1></body></html>")

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, f"No route matches {request.url.path}")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error(405, f"Method {request.method} is not allowed",
                     {"Allow": allowed_methods(request.app, request.url.path)})

    routes = [Route("/v2/workflows", create, methods=["POST"]), Route("/v2/workflows/{id}", read, methods=["GET"]),
              Route("/console/workflows/{id}", page, methods=["GET"])]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
