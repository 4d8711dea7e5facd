"""imprun workflows v2: its error envelope and the lifecycle of a run.

Envelope `{error, message, code}`. A run is created `RUNNING` and moves forward, once, to
`SUCCEEDED`, `FAILED` or `TIMED_OUT`; `result` only when `SUCCEEDED`, `error` when it failed.
The status names and which fields go with them come from the contract's `WorkflowRun`-like
response schema where it says so; the rules about moving forward are this module's.
"""

from __future__ import annotations

import time
from typing import Any

from wfmock.contract.checks.http import GATE_STATUSES
from wfmock.contract.checks.registry import History, Judging, Note, Result, recorder, register
from wfmock.contract.envelope import (
    catalogue_problems, envelope_schema_problems, request_examples, seed_catalogue_problems,
)
from wfmock.contract.exchange import Exchange
from wfmock.contract.suite import CONFORMANCE, Check, Context, Probe
from wfmock.openapi.profiles import Contract

CREATE, READ, PAGE = "createWorkflow", "getWorkflow", "getWorkflowProgressPage"
RUNNING = "RUNNING"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT")
FAILED = ("FAILED", "TIMED_OUT")
SEED_EXAMPLES = [
    {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                    "credentialId": "cred_abc123", "year": 2025}},
    {"type": "scraping", "params": {"siteCode": "WEHAGO", "credentialId": "cred_abc123", "group": "financial",
                                    "endpoint": "balance-sheet"}},
]
AUTH_CODE = "INVALID_API_KEY"  # the seed's 에러 코드 table: 유효하지 않은 API 키 (모든 요청에 X-API-Key 헤더 필수)
POLL_INTERVAL = 0.25
RUN_DEADLINE = 60.0


def envelope_problems(contract: Contract, status: int, content: bytes, headers: Any) -> list[str]:
    body, problems = envelope_schema_problems(contract, status, content, headers)
    if isinstance(body, dict):
        for name in ("error", "message", "code"):
            if not isinstance(body.get(name), str) or not body.get(name):
                problems.append(f"envelope field {name!r} must be a non-empty string, got {body.get(name)!r}")
        problems += seed_catalogue_problems(contract, status, body.get("code"), body.get("message"))
        if contract.strict:
            problems += catalogue_problems(contract, status, body.get("code"))
    return _unique(problems)


def create_bodies(contract: Contract) -> list[dict[str, Any]]:
    examples = [e for e in request_examples(contract, CREATE) if isinstance(e, dict) and e.get("params")]
    return examples or SEED_EXAMPLES


def auth_probes(ctx: Context) -> list[Probe]:
    probes = [Probe(CREATE, "/v2/workflows", "post", create_bodies(ctx.contract)[0])]
    if ctx.contract.operation(READ):
        probes.append(Probe(READ, "/v2/workflows/wf_wfmockauthprobe", "get"))
    return probes


def rate_limit_probe(ctx: Context) -> Probe:
    if ctx.contract.operation(READ):
        return Probe(READ, "/v2/workflows/wf_wfmockratelimit", "get")
    return Probe(CREATE, "/v2/workflows", "post", {"type": "scraping", "params": {}})


def error_probes(ctx: Context) -> list[tuple[Probe, str]]:
    probes = [
        (Probe(CREATE, "/v2/workflows", "POST", b'{"type": "scraping", "params": '), "malformed JSON"),
        (Probe(CREATE, "/v2/workflows", "POST", {"type": "scraping", "params": {"siteCode": "HOMETAX"}},
               code="VALIDATION_ERROR"),
         "a HOMETAX scrape without credentialId (the seed's own VALIDATION_ERROR example)"),
    ]
    if ctx.strict:
        probes += [
            (Probe(READ, "/v2/workflows/wf_wfmocknosuchrun", "GET"), "an unknown run id"),
            (Probe(CREATE, "/v2/no-such-resource", "GET"), "an unknown path"),
            (Probe(CREATE, "/v2/workflows", "DELETE"), "a method the path does not have"),
        ]
    return probes


# --- lifecycle: the flow (it only sends; the registry's `lifecycle` below judges each answer) --------------------

def check_lifecycle(ctx: Context) -> None:
    """Create a run per seed example; read each back until it is no longer RUNNING, then twice more (a finished run
    stays as it is), and open the first run's progress page."""
    runs: dict[str, dict[str, Any]] = {}
    for body in create_bodies(ctx.contract):
        created = _json_object(ctx.call(CREATE, "/v2/workflows", json_body=body), 200)
        if created is not None and isinstance(created.get("id"), str):
            runs[created["id"]] = created
    read = ctx.contract.operation(READ)
    if read is None:
        ctx.not_verified("reading a run back is an inferred operation the documented profile skips; only the "
                         "create responses were judged (use --profile strict)")
        return
    deadline = time.monotonic() + RUN_DEADLINE
    pending, last = set(runs), {}
    while pending and time.monotonic() < deadline:
        for run_id in sorted(pending):
            last[run_id] = ctx.call(READ, f"/v2/workflows/{run_id}")
            read_back = _json_object(last[run_id], 200)
            status = read_back.get("status") if read_back is not None else None
            if status == RUNNING:
                continue
            pending.discard(run_id)
            if status in TERMINAL:
                _read_twice_more(ctx, run_id, status)
        if pending:
            time.sleep(POLL_INTERVAL)
    for run_id in sorted(pending):
        _never_finished(ctx, read.label, run_id, last[run_id])
    _open_progress_page(ctx, runs)


def _json_object(exchange: Exchange, status: int) -> dict[str, Any] | None:
    """The answer's JSON object when it came with `status`; None otherwise (the checks have judged it already)."""
    body = exchange.json_or_none() if exchange.status == status else None
    return body if isinstance(body, dict) else None


def _read_twice_more(ctx: Context, run_id: str, status: str) -> None:
    """A finished run is read twice more; the lifecycle check judges whether it stayed as it was."""
    for _ in range(2):
        again = _json_object(ctx.call(READ, f"/v2/workflows/{run_id}"), 200)
        if again is None or again.get("status") != status:
            return


def _never_finished(ctx: Context, label: str, run_id: str, last: Exchange) -> None:
    """The flow's own time-out: a run still RUNNING when the kit stopped waiting for it."""
    ctx.fail(label, f"run {run_id} is still {RUNNING!r} after {RUN_DEADLINE:.0f} s", last)


def create_problems(created: dict[str, Any], seen_before: bool) -> list[str]:
    """Every create answers a new run, `RUNNING` (the seed's example), no earlier create answered, and its
    `progressUrl` names that run (the seed's example: `.../console/workflows/wf_abc123xyz` for run `wf_abc123xyz`)."""
    run_id, url, problems = created.get("id"), created.get("progressUrl"), []
    if not isinstance(run_id, str):
        return [f"create: the response carries no run id: {str(created)[:200]}"]
    if created.get("status") != RUNNING:
        problems.append(f"create: a new run is {RUNNING!r} (the seed's example), got {created.get('status')!r}")
    if seen_before:
        problems.append(f"create: run id {run_id!r} was already answered by an earlier create: every create is a new "
                        "run")
    if isinstance(url, str) and url.rstrip("/").rsplit("/", 1)[-1] != run_id:
        problems.append(f"create: progressUrl {url!r} does not lead to run {run_id!r} (the seed's progressUrl ends "
                        "with the run's id)")
    return problems


def run_state_problems(body: dict[str, Any]) -> list[str]:
    """What a run's view says that its status forbids: `result` only when SUCCEEDED, `error` only when it failed.
    Pure (the kit's lifecycle check and the validating proxy both judge reads with it)."""
    status = body.get("status")
    has_result, has_error = body.get("result") is not None, body.get("error") is not None
    if status == RUNNING:
        return [text for bad, text in ((has_result, "`result` present while RUNNING"),
                                       (has_error, "`error` present while RUNNING")) if bad]
    if status == "SUCCEEDED":
        return [text for bad, text in ((not has_result, "SUCCEEDED without a `result`"),
                                       (has_error, "SUCCEEDED with an `error`")) if bad]
    if status in FAILED:
        return [text for bad, text in ((not has_error, f"{status} without an `error`"),
                                       (has_result, f"{status} with a `result`")) if bad]
    return []


def _open_progress_page(ctx: Context, runs: dict[str, dict[str, Any]]) -> None:
    """Opens the first run's progressUrl when this server serves it (the lifecycle check judges the page)."""
    if ctx.contract.operation(PAGE) is None:
        return
    for created in list(runs.values())[:1]:
        url = created.get("progressUrl")
        if isinstance(url, str) and url.startswith(ctx.settings.base_url):  # else the real console's, not ours
            ctx.call(PAGE, url[len(ctx.settings.base_url):])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))



# --- the registry's checks: pure functions of one exchange and the history before it ------------------------------
RUNS = "imprun-runs"  # history: run id -> the last status seen
UNSEEN = object()


@register("lifecycle", api="imprun", operations=(CREATE, READ, PAGE))
def lifecycle(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A create of the contract's own example is accepted, and answers a new RUNNING run no earlier create did,
    whose progressUrl leads to it; a run seen created reads back (200), moves only forward, and carries
    `result`/`error` as its status says; its progress page is a page."""
    if exchange.status in GATE_STATUSES:
        return None  # refused before the operation ran: auth's and the rate limit's to judge
    body = exchange.json_or_none()
    if judging.operation_id == CREATE:
        if exchange.status != 200:
            example = exchange.request_json() in create_bodies(judging.contract)
            return Result([f"create: expected 200, got {exchange.status}"]) if example else None
        if not isinstance(body, dict):
            return Result([f"create: the response carries no run id: {exchange.text[:200]}"])
        return Result(create_problems(body, history.recall(RUNS, body.get("id"), UNSEEN) is not UNSEEN))
    run_id = judging.params.get("id")
    previous = history.recall(RUNS, run_id, UNSEEN)
    if previous is UNSEEN:
        return None
    if judging.operation_id == PAGE:
        if exchange.status == 200 and "text/html" in exchange.content_type:
            return Result()
        return Result([f"progressUrl {exchange.url}: expected 200 text/html, got {exchange.status} "
                       f"{exchange.content_type!r}"])
    if exchange.status == 404:
        return Result([f"read {run_id}: 404 for a run seen created"])
    if exchange.status != 200:
        return Result([f"read {run_id}: expected 200, got {exchange.status}"])
    return Result(read_problems(run_id, previous, body) if isinstance(body, dict) else [])


def read_problems(run_id: str, previous: Any, body: dict[str, Any]) -> list[str]:
    """A run read back against the status it had: its id, a known status, no way back from a terminal one, and the
    fields its status allows."""
    status, problems = body.get("status"), []
    if body.get("id") != run_id:
        problems.append(f"read {run_id}: the run came back with id {body.get('id')!r}")
    if status not in (RUNNING, *TERMINAL):
        return [*problems, f"read {run_id}: status {status!r} is not one of {[RUNNING, *TERMINAL]}"]
    if previous in TERMINAL and status != previous:
        problems.append(f"read {run_id}: the run moved from terminal {previous!r} to {status!r}")
    return problems + [f"read {run_id}: {problem}" for problem in run_state_problems(body)]


@recorder(api="imprun")
def runs(judging: Judging, exchange: Exchange, history: History) -> list[Note]:
    """Each run's status as created or read back, for the lifecycle check of later reads."""
    body = exchange.json_or_none() if exchange.status == 200 else None
    if not isinstance(body, dict) or judging.operation_id not in (CREATE, READ):
        return []
    run_id = body.get("id") if judging.operation_id == CREATE else judging.params.get("id")
    if not isinstance(run_id, str) or judging.operation_id == READ and (
            history.recall(RUNS, run_id, UNSEEN) is UNSEEN or body.get("status") not in (RUNNING, *TERMINAL)):
        return []
    return [Note(RUNS, run_id, body.get("status"))]

CHECKS = (
    Check("lifecycle", "lifecycle", check_lifecycle,
          "a run moves RUNNING -> one terminal status; result only when SUCCEEDED, error when it failed",
          judged_by=("lifecycle", *CONFORMANCE)),
)
