"""MISO (Dify-derived, /ext/v1): its error envelope, the SSE event stream, runs, stop, upload, logs.

Envelope `{code, message, status}` with `status` equal to the HTTP status. A stream is
`workflow_started` first, `node_started`/`node_finished` paired, exactly one terminal
`workflow_finished` (or an `error` event), last; `ping` anywhere; the same `task_id` and
`workflow_run_id` throughout, arriving as the run progresses. Streams are read whole, each event
timed as it arrives (`wfmock.contract.live`). Shapes come from the contract; the documented profile
accepts both Dify generations where the contract lets it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

from wfmock.contract.checks.form import form_parts
from wfmock.contract.checks.http import GATE_STATUSES
from wfmock.contract.checks.registry import History, Judging, Note, Result, recorder, register
from wfmock.contract.checks.stream import PING, event_name, meaningful, streamed
from wfmock.contract.envelope import (
    catalogue_problems, envelope_schema_problems, request_examples, seed_catalogue_problems,
    situation_code_problems,
)
from wfmock.contract.exchange import Exchange
from wfmock.contract.live import LiveStream
from wfmock.contract.suite import CONFORMANCE, Check, Context, Probe
from wfmock.openapi import sse
from wfmock.openapi.profiles import Contract

RUN, UPLOAD, READ, STOP, LOGS = "runWorkflow", "uploadFile", "getWorkflowRun", "stopWorkflowTask", "listWorkflowLogs"
STARTED, FINISHED, ERROR = "workflow_started", "workflow_finished", "error"
NODE_STARTED, NODE_FINISHED = "node_started", "node_finished"
LOG_STATUSES = ("succeeded", "failed", "stopped")
# A stream whose events arrive spread over less than this share of the run's own elapsed_time came in one burst.
# A streaming server spreads them over nearly all of it (the first event at the start, the last at the end).
PROGRESSIVE_SHARE = 0.3
PROGRESSIVE_MIN_ELAPSED = 0.25  # seconds of the run's own time below which streaming cannot be told from a burst
# How long after the stop's answer the kit's own reader may still be catching up with bytes already received:
# a terminal event read within it may have been sent before the stop arrived, so it cannot be judged. It bounds
# the kit's own reading (a thread on a loaded machine), not the server's speed.
READER_SETTLE = 0.25
STREAM_START_TIMEOUT = 30.0
USER = "wfmock-contract"
AUTH_CODE = None  # the seed states no auth failure (Dify's 401 `unauthorized` is inferred: strict's catalogue)


def envelope_problems(contract: Contract, status: int, content: bytes, headers: Any) -> list[str]:
    body, problems = envelope_schema_problems(contract, status, content, headers)
    if isinstance(body, dict):
        if not isinstance(body.get("code"), str) or not body.get("code"):
            problems.append(f"envelope field 'code' must be a non-empty string, got {body.get('code')!r}")
        if not isinstance(body.get("message"), str):
            problems.append(f"envelope field 'message' must be a string, got {body.get('message')!r}")
        if body.get("status") != status:
            problems.append(f"envelope field 'status' is {body.get('status')!r}, the HTTP status is {status}")
        problems += seed_catalogue_problems(contract, status, body.get("code"))
        if contract.strict:
            problems += catalogue_problems(contract, status, body.get("code"))
    return list(dict.fromkeys(problems))


def documented_overrides(contract: Contract) -> None:
    """The documented profile accepts both Dify generations in a run's detail: timestamps as integers or
    RFC-822 strings (Dify <= 0.15), `inputs`/`outputs` as objects or JSON strings."""
    schema = contract.resolve(contract.response_schema(READ, 200) or {})
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return
    for name in ("created_at", "finished_at"):
        if name in properties:
            properties[name] = {"anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "string"},
                                          {"type": "null"}]}
    for name in ("inputs", "outputs"):
        if name in properties:
            properties[name] = {"anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}]}


def example_inputs(contract: Contract, marker: str | None = None) -> dict[str, str]:
    """Inputs for a run: the contract's first non-empty all-text example, with a marker the logs can search for."""
    for example in request_examples(contract, RUN):
        if isinstance(example, dict) and isinstance(example.get("inputs"), dict) and example["inputs"]:
            if all(isinstance(v, str) for v in example["inputs"].values()):
                values = dict(example["inputs"])
                break
    else:
        values = {"query": "wfmock contract"}
    if marker:
        values["query"] = marker
    return values


def run_body(ctx: Context, mode: str, marker: str | None = None) -> dict[str, Any]:
    return {"inputs": example_inputs(ctx.contract, marker), "mode": mode, "user": USER}


def auth_probes(ctx: Context) -> list[Probe]:
    return [
        Probe(RUN, "/ext/v1/workflows/run", "post", run_body(ctx, "blocking")),
        Probe(READ, f"/ext/v1/workflows/run/{uuid.uuid4()}", "get"),
        Probe(STOP, f"/ext/v1/workflows/tasks/{uuid.uuid4()}/stop", "post", {"user": USER}),
        Probe(LOGS, "/ext/v1/workflows/logs", "get"),
    ]


def rate_limit_probe(ctx: Context) -> Probe:
    return Probe(LOGS, "/ext/v1/workflows/logs", "get")


def error_probes(ctx: Context) -> list[tuple[Probe, str]]:
    probes = [
        (Probe(RUN, "/ext/v1/workflows/run", "POST", b'{"inputs": {"query": '), "malformed JSON"),
        (Probe(RUN, "/ext/v1/workflows/run", "POST", {"inputs": {"query": "x"}, "mode": "blocking"},
               code="invalid_param"), "a run without `user` (the seed: 400, invalid_param 잘못된 파라미터 입력)"),
    ]
    if ctx.strict:
        probes += [
            (Probe(RUN, "/ext/v1/workflows/run", "POST", {"inputs": {}, "mode": "blocking", "user": USER}),
             "empty inputs (the seed: at least one key)"),
            (Probe(LOGS, "/ext/v1/workflows/logs?limit=0", "GET"), "limit outside 1-100"),
            (Probe(LOGS, "/ext/v1/no-such-resource", "GET"), "an unknown path"),
            (Probe(LOGS, "/ext/v1/workflows/logs", "DELETE"), "a method the path does not have"),
        ]
    return probes


# --- streams -----------------------------------------------------------------------------------------------------

def terminal(exchange: Exchange) -> dict[str, Any] | None:
    """The stream's `workflow_finished` payload, None when it has none."""
    return next((e.payload for e in exchange.events
                 if isinstance(e.payload, dict) and e.payload.get("event") == FINISHED), None)


def proceeds(ctx: Context, what: str, sent: tuple[Exchange, Any], status: int = 200) -> bool:
    """Whether the flow can go on: its own well-formed request (`ctx.send`'s exchange and verdict) was answered
    `status`. Judging the answer is the registry checks' (a correct server accepts what the kit sends); an answer
    they let pass (a refusal the seed documents for a well-formed request) leaves the rest of the flow unchecked,
    said so."""
    exchange, verdict = sent
    if exchange.status == status:
        return True
    if not verdict.problems:
        ctx.not_verified(f"{what} was answered {exchange.status} ({_code(exchange)}), not {status}: the rest of "
                         "this check could not run")
    return False


def _code(exchange: Exchange) -> str:
    body = exchange.json_or_none()
    return f"code {body.get('code')!r}" if isinstance(body, dict) and "code" in body else exchange.text[:80] or "empty"


def start_stream(ctx: Context, body: dict[str, Any], extra_headers: dict[str, str] | None = None) -> LiveStream:
    """POSTs a streaming run; read it in the background (`with start_stream(...) as live:`), then hand it to the
    checks with `streamed_run`."""
    return LiveStream(ctx.client, "POST", "/ext/v1/workflows/run", headers={**ctx.credentials(RUN), **(extra_headers or {})},
                      json_body=body)


def streamed_run(ctx: Context, live: LiveStream, report_unjudged: bool = True) -> tuple[Exchange, Any]:
    """A stream read to its end, judged by the running flow's checks: the exchange and the verdict."""
    exchange = live.exchange()
    return exchange, ctx.produced(RUN, exchange, report_unjudged)


def read_stream(ctx: Context, body: dict[str, Any]) -> Exchange:
    """POSTs a streaming run, reads it whole (timing each event) and hands it to the running flow's checks."""
    with start_stream(ctx, body) as live:
        pass
    return streamed_run(ctx, live)[0]


def _is_started(event: sse.Event) -> bool:
    return isinstance(event.payload, dict) and event.payload.get("event") == STARTED


def _is_terminal(event: sse.Event) -> bool:
    return isinstance(event.payload, dict) and event.payload.get("event") in (FINISHED, ERROR)


def grammar_problems(events: list[sse.Event]) -> list[str]:
    """The order of a stream's events (keep-alives left out): started first, nodes paired, one terminal, last."""
    problems = []
    meaningful = [(event_name(e), e) for e in events]
    if not meaningful:
        return ["the stream carried no events"]
    if meaningful[0][0] != STARTED and meaningful[0][0] != ERROR:
        problems.append(f"the first event is {meaningful[0][0]!r}, expected {STARTED!r}")
    if sum(1 for n, _ in meaningful if n == STARTED) > 1:
        problems.append(f"more than one {STARTED!r}")
    terminals = [i for i, (n, _) in enumerate(meaningful) if n in (FINISHED, ERROR)]
    if not terminals:
        problems.append(f"the stream ended without a terminal {FINISHED!r} (or {ERROR!r}) event")
    else:
        if len(terminals) > 1:
            problems.append(f"{len(terminals)} terminal events; exactly one is allowed")
        after = [n for n, _ in meaningful[terminals[0] + 1:]]
        if after:
            problems.append(f"events after the terminal {meaningful[terminals[0]][0]!r}: {after[:5]}")
    open_nodes: dict[Any, int] = {}
    for position, (name, event) in enumerate(meaningful):
        data = event.payload.get("data") if isinstance(event.payload, dict) else None
        node = data.get("id") if isinstance(data, dict) else None
        if name == NODE_STARTED:
            if node in open_nodes:
                problems.append(f"event #{event.index}: node execution {node!r} started twice")
            open_nodes[node] = event.index
        elif name == NODE_FINISHED:
            if node not in open_nodes:
                problems.append(f"event #{event.index}: {NODE_FINISHED!r} for {node!r}, which never started")
            open_nodes.pop(node, None)
        elif name == FINISHED and open_nodes:
            status = data.get("status") if isinstance(data, dict) else None
            if status == "succeeded":
                problems.append(f"{FINISHED!r} (succeeded) while nodes {list(open_nodes)[:3]} never finished")
    return problems


def id_problems(events: list[sse.Event]) -> list[str]:
    problems = []
    seen: dict[str, Any] = {}
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        name = payload.get("event")
        for key in ("task_id", "workflow_run_id"):
            if key not in payload or (name == ERROR and key == "task_id"):
                continue
            value = payload[key]
            if value is None and name == ERROR:
                continue
            if key not in seen:
                seen[key] = value
            elif value != seen[key]:
                problems.append(f"event #{event.index} ({name}): {key} {value!r} differs from {seen[key]!r}")
        if name in (STARTED, FINISHED) and isinstance(payload.get("data"), dict):
            run_id = payload["data"].get("id")
            if run_id is not None and "workflow_run_id" in seen and run_id != seen["workflow_run_id"]:
                problems.append(f"event #{event.index} ({name}): data.id {run_id!r} is not the workflow_run_id "
                                f"{seen['workflow_run_id']!r}")
    return problems


def check_stream(ctx: Context) -> None:
    """One streaming run, read whole; the stream checks judge its framing, grammar, per-event schema, ids, and
    arrival over time."""
    with start_stream(ctx, run_body(ctx, "streaming")) as live:
        pass
    proceeds(ctx, "the streaming run", streamed_run(ctx, live))  # a refusal: no stream to judge


def progressive_problem(exchange: Exchange) -> tuple[str | None, str | None]:
    """(a violation, or why it cannot be judged): did the events arrive spread over the run, or in one burst?

    The run's own `elapsed_time` says how long it took; a stream that streams spreads its events over
    about that long (the first event when the run starts, the last when it ends). A buffering proxy, or a
    server that writes the stream only when the run is done, delivers them all within milliseconds. A run
    too short to tell the two apart (the mock at `--pace 0`) is inconclusive, not a violation.
    """
    final = terminal(exchange)
    data = final.get("data") if isinstance(final, dict) else None
    elapsed = data.get("elapsed_time") if isinstance(data, dict) else None
    if not isinstance(elapsed, (int, float)) or isinstance(elapsed, bool):
        return None, f"the stream's {FINISHED!r} carries no numeric data.elapsed_time to compare its arrival with"
    arrivals = exchange.event_arrivals
    if not arrivals:
        return None, "the events could not be timed (the stream's framing is broken)"
    if elapsed < PROGRESSIVE_MIN_ELAPSED:
        return None, (f"the run's own elapsed_time is {elapsed:.3f} s, too short to tell a stream from one burst "
                      f"(judged from {PROGRESSIVE_MIN_ELAPSED} s; a model-backed run or `wfmock serve` at its default "
                      "pace takes longer)")
    timed = [(event, at) for event, at in zip(exchange.events, arrivals) if event_name(event) != PING]
    spread = timed[-1][1] - timed[0][1] if len(timed) > 1 else 0.0
    if spread >= PROGRESSIVE_SHARE * elapsed:
        return None, None
    return (f"the run took {elapsed:.2f} s by its own elapsed_time, but its {len(timed)} events arrived within "
            f"{spread * 1000:.0f} ms of each other: the stream was delivered in one burst, not as the run "
            f"progressed (a buffering reverse proxy, or a server that writes the stream only at the end); expected "
            f"the first and the last event at least {PROGRESSIVE_SHARE:.0%} of the run apart"), None


# --- runs: read back, stop, upload ---------------------------------------------------------------------------------

def _decode(value: Any) -> Any:
    """`inputs`/`outputs` as objects or (Dify <= 0.15) JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def check_readback(ctx: Context) -> None:
    """Two blocking runs, then each read back by its id (only after both exist: an id must lead to its own run, not
    merely to the latest), then a streamed run read back by its stream's id. `run_readback` judges them."""
    made = []
    for _ in range(2):
        marker = f"wfmock-run-{uuid.uuid4().hex[:10]}"
        sent = ctx.send(RUN, "/ext/v1/workflows/run", json_body=run_body(ctx, "blocking", marker))
        if not proceeds(ctx, "the blocking run", sent):
            return
        exchange = sent[0]
        body = exchange.json_or_none()
        made.append(body.get("workflow_run_id") if isinstance(body, dict) else None)
    final = terminal(read_stream(ctx, run_body(ctx, "streaming")))
    for run_id in [*made, final.get("workflow_run_id") if final else None]:
        if isinstance(run_id, str):  # a run without one is the schema's finding
            ctx.call(READ, f"/ext/v1/workflows/run/{run_id}")


def check_stop(ctx: Context) -> None:
    """A stop takes effect, on the task it names only, and only for the user who started it.

    Judged without depending on the server's speed: two streams run at once; right after the second one's
    first event the kit stops it. That stream must end `stopped` unless its terminal event had already been
    received before the stop was sent (or while the stop was in flight): then nothing could be stopped, and
    the result is inconclusive, said as such. The other stream must run on to its own end. A stop by another
    user than the one who started a stream must not stop it (the seed: the same `user`).
    """
    _stop_by_another_user(ctx)
    undecided = _stop_one_of_two(ctx)
    if undecided and ctx.settings.wfmock_target:
        # A wfmock mock can hold the stream open (a bundled scenario, by request header), so its stop is judged
        # whatever its pace: a run too fast to stop at `--pace 0` is no reason to leave the stop unverified.
        undecided = _stop_one_of_two(ctx, HELD_OPEN)
    for reason in undecided:
        ctx.not_verified(reason)


HELD_OPEN = {"X-Wfmock-Scenario": "stalled-stream"}  # wfmock only: the stream goes quiet after 3 events for 60 s


def _stop_one_of_two(ctx: Context, extra_headers: dict[str, str] | None = None) -> list[str]:
    """Stops the second of two running streams right after its first event; `stream_stop` judges both streams
    (the stopped one ends `stopped`, the other runs on). Returns why the stop could not be judged (the run ended
    before the stop could reach it), if it could not."""
    with start_stream(ctx, run_body(ctx, "streaming")) as bystander:
        bystander.wait_for(_is_started, STREAM_START_TIMEOUT)
        with start_stream(ctx, run_body(ctx, "streaming"), extra_headers) as target:
            first = target.wait_for(_is_started, STREAM_START_TIMEOUT)
            if first is None:  # `run_accepted` and `sse_grammar` judge why
                target.finish()
                if not streamed_run(ctx, target)[1].problems:
                    ctx.not_verified(f"the stream sent no {STARTED!r} within {STREAM_START_TIMEOUT:.0f} s: there was "
                                     "no task to stop")
                return []
            _send_stop(ctx, first.payload.get("task_id"), USER)
    verdict = streamed_run(ctx, target, report_unjudged=False)[1]
    streamed_run(ctx, bystander)
    return [reason for check, reason in verdict.unjudged if check == "stream_stop"]


def _send_stop(ctx: Context, task_id: Any, user: str) -> None:
    """Stops `task_id` as `user` (`stream_stop` judges its answer)."""
    proceeds(ctx, "the stop", ctx.send(STOP, f"/ext/v1/workflows/tasks/{task_id}/stop", json_body={"user": user}))


def _final_status(read: Exchange) -> Any:
    final = terminal(read)
    return (final.get("data") or {}).get("status") if isinstance(final, dict) else None


def _stop_by_another_user(ctx: Context) -> None:
    """Another user's stop answers as Dify does (success, silently), and the stream runs on to its own end."""
    with start_stream(ctx, run_body(ctx, "streaming")) as live:
        first = live.wait_for(_is_started, STREAM_START_TIMEOUT)
        if first is not None:  # no workflow_started: the stop of the kit's own user reports it
            _send_stop(ctx, first.payload.get("task_id"), f"{USER}-other")
    streamed_run(ctx, live)


UPLOAD_CONTENT = "wfmock 계약 점검용 문서입니다.\n".encode() * 4
UPLOADS = [("wfmock-contract.txt", UPLOAD_CONTENT), ("wfmock-contract-2.txt", "두 번째 문서입니다.\n".encode() * 3)]


def upload(ctx: Context, name: str = "wfmock-contract.txt", content: bytes = UPLOAD_CONTENT
           ) -> tuple[Exchange, Any]:
    """Uploads a small text document as the kit's user: the exchange and its verdict."""
    return ctx.send(UPLOAD, "/ext/v1/files/upload", files=[("file", (name, content, "text/plain"))],
                    form={"user": USER})


def create_resource(ctx: Context, operation_id: str) -> Any:
    """The result of creating what an `x-wfmock-references` property names (an uploaded file), or None."""
    if operation_id != UPLOAD or ctx.contract.operation(UPLOAD) is None:
        return None
    exchange = upload(ctx)[0]
    if not 200 <= exchange.status < 300:
        return None
    try:
        return exchange.json()
    except ValueError:
        return None


def check_upload(ctx: Context) -> None:
    """Two uploads, then a run with each file as input (the first must still be accepted after the second was
    made); `upload_as_input` judges each upload (201, a new id, its size and extension) and each run."""
    file_ids = []
    for name, content in UPLOADS:
        sent = upload(ctx, name, content)
        exchange = sent[0]
        if not 200 <= exchange.status < 300 and not proceeds(ctx, f"the upload of {name}", sent, status=201):
            return  # a 2xx other than 201 is `upload_as_input`'s finding
        uploaded = exchange.json_or_none()
        if not isinstance(uploaded, dict) or not isinstance(uploaded.get("id"), str):
            return  # no id to use: the schema's finding
        file_ids.append(uploaded["id"])
    for file_id in file_ids:
        document = {"transfer_method": "local_file", "upload_file_id": file_id, "type": "document"}
        body = {"inputs": {**example_inputs(ctx.contract), "document": document},
                "mode": "blocking", "user": USER}
        ctx.call(RUN, "/ext/v1/workflows/run", json_body=body)


def _smallest_limit(contract: Contract) -> tuple[str, int] | None:
    """An extension of the file type with the smallest size limit, and that limit."""
    limits, kinds = upload_limits(contract)
    sized = [(limit, kind) for kind, limit in limits.items() if isinstance(limit, int) and kinds.get(kind)]
    if not sized:
        return None
    limit, kind = min(sized)
    return kinds[kind][0], limit


def upload_limits(contract: Contract) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The size limit per file type, and each type's extensions (the contract's decision, read from the raw
    document: the documented view drops it with the other inferred nodes)."""
    raw = ((contract.raw.get("paths") or {}).get("/ext/v1/files/upload") or {}).get("post") or {}
    limits, kinds = raw.get("x-wfmock-file-size-limits") or {}, raw.get("x-wfmock-file-types") or {}
    return limits, {kind: [str(e).lower() for e in extensions] for kind, extensions in kinds.items()
                    if isinstance(extensions, list)}


def check_upload_errors(ctx: Context) -> None:
    """Sends the upload situations the seed's table pairs with a code (no file, two files, a type not allowed, a
    file too large); `upload_errors` judges each refusal."""
    if ctx.contract.operation(UPLOAD) is None:
        return
    one = ("file", ("wfmock-contract.txt", UPLOAD_CONTENT, "text/plain"))
    no_file = [("user", (None, USER.encode(), "text/plain"))]  # multipart, with the user field and no file part
    for files in (no_file, [one, ("file", one[1])],
                  [("file", ("wfmock-contract.wfmockbin", UPLOAD_CONTENT, "application/octet-stream"))]):
        _upload_probe(ctx, files)
    smallest = _smallest_limit(ctx.contract)
    if smallest is None:
        ctx.not_verified("the contract states no upload size limit: a too-large upload was not tried")
        return
    extension, limit = smallest
    _upload_probe(ctx, [("file", (f"wfmock-contract.{extension}", b"0" * (limit + 1), "application/octet-stream"))])


def _upload_probe(ctx: Context, files: list) -> None:
    form = None if any(name == "user" for name, _ in files) else {"user": USER}
    ctx.call(UPLOAD, "/ext/v1/files/upload", files=files, form=form)


# --- logs --------------------------------------------------------------------------------------------------------

def _timestamp(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            try:
                from datetime import datetime

                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return None
    return None


def _logs(ctx: Context, **params: Any) -> dict[str, Any] | None:
    """One logs page, judged by the logs checks; None when the flow cannot read on (said as its finding)."""
    sent = ctx.send(LOGS, "/ext/v1/workflows/logs", params=params)
    exchange = sent[0]
    if not proceeds(ctx, f"the logs page {params}", sent):
        return None
    body = exchange.json_or_none()
    return body if isinstance(body, dict) and isinstance(body.get("data"), list) else None


def check_logs(ctx: Context) -> None:
    """Logs around runs the flow makes itself (no reliance on other checks having run): before and after one run,
    then pages 1, 2 and one past the end at limit 2, the newest, and the `status` and `keyword` filters. The logs
    checks judge each page against the runs the history saw (paging, newest first, filters, counting)."""
    _logs(ctx, page=1, limit=1)
    ctx.call(RUN, "/ext/v1/workflows/run", json_body=run_body(ctx, "blocking"))
    _logs(ctx, page=1, limit=20)
    marker = f"wfmock-kw-{uuid.uuid4().hex[:10]}"
    for index in range(3):
        ctx.call(RUN, "/ext/v1/workflows/run", json_body=run_body(ctx, "blocking", marker if index == 1 else None))
    page1 = _logs(ctx, page=1, limit=2)
    if page1 is None:
        return
    total = page1.get("total")
    if isinstance(total, int) and total > 2:
        _logs(ctx, page=2, limit=2)
    if isinstance(total, int) and total >= 1:
        _logs(ctx, page=total // 2 + 2, limit=2)
    _logs(ctx, page=1, limit=1)
    for status in LOG_STATUSES:
        _logs(ctx, status=status, limit=20)
    _logs(ctx, keyword=marker, limit=20)
    _logs(ctx, keyword=f"wfmock-none-{uuid.uuid4().hex[:8]}", limit=20)


def page_problems(page: dict[str, Any], number: int, limit: int) -> list[str]:
    """A logs page against the page and limit asked for: size, page number, `has_more` and `total` agreeing.
    Pure (the kit's logs check and the validating proxy share it)."""
    problems = []
    data, total, has_more = page["data"], page.get("total"), page.get("has_more")
    if len(data) > limit:
        problems.append(f"page {number} with limit {limit} returned {len(data)} items")
    if page.get("page") != number:
        problems.append(f"page {number} answered page {page.get('page')!r}")
    if isinstance(total, int) and isinstance(has_more, bool):
        expected = number * limit < total
        if has_more != expected:
            problems.append(f"page {number}, limit {limit}, total {total}: has_more is {has_more}, expected {expected}")
        if number * limit <= total and len(data) != limit:
            problems.append(f"page {number}, limit {limit}, total {total}: {len(data)} items, expected {limit}")
    if isinstance(total, int) and number > 1 and (number - 1) * limit >= total and data:
        problems.append(f"page {number} of {total} items at limit {limit}: expected no items and has_more false, got "
                        f"{len(data)} items, has_more {has_more!r}")
    return problems


def order_problem(items: list[Any]) -> str | None:
    """Logs are newest first: the first pair of `created_at` that rises, said; None when in order. Pure."""
    stamps = []
    for item in items:
        if not isinstance(item, dict):
            continue
        run = item.get("workflow_run") if isinstance(item.get("workflow_run"), dict) else {}
        stamps.append(_timestamp(item.get("created_at", run.get("created_at"))))
    known = [s for s in stamps if s is not None]
    for earlier, later in zip(known, known[1:]):
        if later > earlier:
            return f"logs are not newest first: created_at {earlier:.0f} is followed by {later:.0f}"
    return None



# --- the registry's checks: pure functions of one exchange and the history before it ------------------------------
# The kit's flows above and the validating proxy's live traffic are judged by these. History indexes:
RUNS, UPLOADS_SEEN = "miso-runs", "miso-uploads"   # workflow_run_id -> RunSeen; upload_file_id -> file name
TASKS = "miso-tasks"  # task_id -> the workflow_run_id of the run that answered it
LOG_PAGES = "miso-log-pages"  # (key, filters, page, limit) -> (total, the items' ids)
STREAM_CHECKS = ("sse_framing", "sse_grammar", "sse_event_schema", "sse_ids", "sse_progressive")


class RunSeen(NamedTuple):
    """A run as its own answer said."""

    status: Any
    outputs: Any
    inputs: str  # its inputs, as text (what `keyword=` searches)
    values: Any = None  # its inputs as sent


def _inputs_text(exchange: Exchange) -> str:
    request = exchange.request_json()
    values = request.get("inputs") if isinstance(request, dict) else None
    return json.dumps(values, ensure_ascii=False) if values is not None else ""


def _user(exchange: Exchange) -> Any:
    request = exchange.request_json()
    return request.get("user") if isinstance(request, dict) else None


@register("sse_grammar", api="miso", operations=(RUN,))
def sse_grammar(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    return Result(grammar_problems(meaningful(exchange))) if streamed(exchange) else None


@register("sse_ids", api="miso", operations=(RUN,))
def sse_ids(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    return Result(id_problems(meaningful(exchange))) if streamed(exchange) else None


@register("sse_progressive", api="miso", operations=(RUN,))
def sse_progressive(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    if not streamed(exchange):
        return None
    if _final_status(exchange) == "stopped":
        return Result(unjudged=["a stopped run: its elapsed_time is not the time its stream took"])
    problem, why_not = progressive_problem(exchange)
    return Result([problem] if problem else [], [why_not] if why_not else [])


@register("stream_stop", api="miso", operations=(RUN, STOP))
def stream_stop(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A stop answers `{"result": "success"}`; a stream ends `stopped` only when a stop for its task, by its user,
    arrived; and a stop answered 200 well before the stream ended does end it `stopped` (a stream that ended
    before the stop could reach the server cannot be judged: said so)."""
    if judging.operation_id == STOP:
        if exchange.status != 200:
            return _refused_stop(exchange)
        body = exchange.json_or_none()
        return Result([] if body == {"result": "success"} else
                      [f"stop: expected {{'result': 'success'}}, got {exchange.text[:200]}"])
    if not streamed(exchange):
        return None
    final = terminal(exchange)
    if not final or not isinstance(final.get("data"), dict):
        return _stopped_without_end(exchange, history)
    status, task_id = final["data"].get("status"), final.get("task_id")
    stop = history.arrival(STOP, task_id=str(task_id))
    if stop is None:
        if status == "stopped":
            return Result([f"task {task_id} ended `stopped`, but no stop for it was seen (a stop for another task "
                           "ended this one?)"])
        return None
    request = stop.request_json()
    stop_user, user = (request.get("user") if isinstance(request, dict) else None), _user(exchange)
    if stop_user is not None and user is not None and stop_user != user:
        if status == "stopped":
            return Result([f"task {task_id} of user {user!r} was stopped by user {stop_user!r}: only the user who "
                           "started a task may stop it"])
        return Result()
    arrivals = exchange.event_arrivals
    if status == "stopped" or stop.status != 200 or not arrivals or stop.answered <= 0:
        return Result()
    return _stop_ran_on(task_id, status, arrivals[0], arrivals[-1], stop)


def _refused_stop(exchange: Exchange) -> Result | None:
    """A well-formed stop (a `user` in its body) is always answered success (the seed; Dify's stop only sets a flag,
    whatever the task)."""
    request = exchange.request_json()
    user = request.get("user") if isinstance(request, dict) else None
    if not isinstance(user, str) or not user or exchange.status in GATE_STATUSES:
        return None
    return Result([f"stop of {exchange.path.rsplit('/', 2)[-2]} by user {user!r}: expected 200 "
                   f"{{'result': 'success'}} (a stop always succeeds), got {exchange.status} ({_code(exchange)})"])


def _stopped_without_end(exchange: Exchange, history: History) -> Result | None:
    """A stream whose task a stop (answered 200) named, that ended without any terminal event."""
    task_id = next((e.payload.get("task_id") for e in exchange.events
                    if isinstance(e.payload, dict) and e.payload.get("task_id") is not None), None)
    stop = history.arrival(STOP, task_id=str(task_id)) if task_id is not None else None
    if stop is None or stop.status != 200 or any(_is_terminal(e) for e in exchange.events):
        return None
    return Result([f"the stopped stream ended without {FINISHED!r}"])


def _stop_ran_on(task_id: Any, status: Any, first_at: float, ended_at: float, stop: Any) -> Result:
    """A stream that ended `status` (not `stopped`) at `ended_at` although its stop was answered 200: a finding
    when it ended well after the stop's answer; not judged when it ended before the stop left, or while it was in
    flight (which came first cannot be told)."""
    if ended_at <= stop.started:
        return Result(unjudged=[
            f"the run ended ({FINISHED!r} status {status!r}) {(ended_at - first_at) * 1000:.0f} ms after its first "
            "event, before the stop was sent: there was nothing left to stop (a run that lasts longer makes this "
            "check meaningful)"])
    if ended_at <= stop.answered + READER_SETTLE:
        return Result(unjudged=[
            f"the run ended ({FINISHED!r} status {status!r}) while the stop was in flight "
            f"({(ended_at - stop.started) * 1000:.0f} ms after it was sent, the stop took "
            f"{(stop.answered - stop.started) * 1000:.0f} ms): which came first cannot be told"])
    return Result([f"task {task_id}: a stop was answered 200, yet the stream ran on and ended {status!r} "
                   f"{ended_at - stop.answered:.2f} s later, not `stopped`"])


@register("upload_as_input", api="miso", operations=(RUN, UPLOAD))
def upload_as_input(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """Each accepted upload is a new file (201, an id no upload answered before, its size and extension as sent);
    a run naming an uploaded file (any of them, not only the latest) is not refused for it."""
    if judging.operation_id == UPLOAD:
        return _upload_answer(exchange, history) if 200 <= exchange.status < 300 else \
            _refused_upload(judging.contract, exchange)
    request = exchange.request_json()
    if not isinstance(request, dict) or not isinstance(request.get("inputs"), dict) or \
            exchange.status in GATE_STATUSES:
        return None
    values = [*request["inputs"].values(), *(request.get("files") or [])]
    named = [v.get("upload_file_id") for v in values if isinstance(v, dict)
             and history.recall(UPLOADS_SEEN, v.get("upload_file_id")) is not None]
    if not named:
        return None
    if exchange.status == 400:
        return Result([f"a run with uploaded file {named[0]} as input was refused (400): every uploaded file is a "
                       "valid input, not only the latest"])
    if exchange.status != 200:
        return Result([f"a run with uploaded file {named[0]} ({history.recall(UPLOADS_SEEN, named[0])}) as input: "
                       f"expected 200, got {exchange.status}"])
    return Result()


def _refused_upload(contract: Contract, exchange: Exchange) -> Result | None:
    """One file of a type the contract allows, within its size limit, with a `user`, is accepted (201)."""
    parts = form_parts(exchange)
    files = [part for part in parts or () if part.filename is not None]
    has_user = any(part.name == "user" and part.filename is None and part.size for part in parts or ())
    if upload_situation(contract, parts) is not None or len(files) != 1 or not has_user or \
            not upload_limits(contract)[1] or exchange.status in GATE_STATUSES:
        return None  # not one allowed file (`upload_errors`' to judge), or the contract allows no type by name
    return Result([f"upload {files[0].filename}: expected 201, got {exchange.status} ({_code(exchange)})"])


def _upload_answer(exchange: Exchange, history: History) -> Result:
    uploaded = exchange.json_or_none()
    files = [part for part in form_parts(exchange) or () if part.filename is not None]
    sent = files[0] if len(files) == 1 else None
    name = sent.filename if sent else "a file"
    problems = [] if exchange.status == 201 else [f"upload {name}: expected 201, got {exchange.status}"]
    if not isinstance(uploaded, dict):
        return Result(problems)
    file_id = uploaded.get("id")
    if isinstance(file_id, str) and history.recall(UPLOADS_SEEN, file_id) is not None:
        problems.append(f"upload {name}: the same id {file_id!r} as a previous upload: every upload is a new file")
    if sent is not None and uploaded.get("size") != sent.size:
        problems.append(f"upload {name}: size {uploaded.get('size')!r}, the file has {sent.size} bytes")
    if sent is not None and sent.extension and uploaded.get("extension") != sent.extension:
        problems.append(f"upload {name}: extension {uploaded.get('extension')!r}, the file is {name}")
    return Result(problems)


@register("upload_errors", api="miso", operations=(UPLOAD,))
def upload_errors(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """The upload situations the seed's table pairs with a code get that code: no file `400 no_file_uploaded`, two
    files `400 too_many_files`, a type not allowed `415 unsupported_file_type`, a file too large `413
    file_too_large`. What is allowed and how large is the contract's decision: the strict profile expects the
    refusal; the documented one judges the code of any refusal with the seed's status (413, 415)."""
    situation = upload_situation(judging.contract, form_parts(exchange))
    if situation is None or exchange.status in GATE_STATUSES:
        return None
    what, status, code, always = situation
    if exchange.status != status:
        return Result([f"{what}: expected {status} {code}, got {exchange.status}"] if always or
                      judging.contract.strict else [])
    return Result(situation_code_problems(what, code, exchange.json_or_none()))


def upload_situation(contract: Contract, parts: list[Any] | None) -> tuple[str, int, str, bool] | None:
    """What an upload's parts make of it, if the seed pairs it with a code: (the situation, its status, its code,
    whether the documented profile expects the refusal too); None for one allowed file of an allowed size."""
    if parts is None:
        return None
    files = [part for part in parts if part.filename is not None]
    if not files:
        return "an upload without a file part", 400, "no_file_uploaded", True
    if len(files) > 1:
        return "an upload of two files", 400, "too_many_files", True
    limits, kinds = upload_limits(contract)
    kind = next((kind for kind, extensions in kinds.items() if files[0].extension in extensions), None)
    if kinds and kind is None:
        return "an upload of a file type not allowed", 415, "unsupported_file_type", False
    limit = limits.get(kind, limits.get("default"))
    if isinstance(limit, int) and files[0].size > limit:
        return (f"an upload of {files[0].size} bytes ({files[0].extension}, limit {limit})", 413, "file_too_large",
                False)
    return None


@register("run_readback", api="miso", operations=(RUN, READ))
def run_readback(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A blocking run is a new resource (run and task ids no run answered before, `workflow_run_id` its `data.id`);
    a run seen finished reads back (200) as itself: its id, status, outputs, and the inputs it was made with."""
    if judging.operation_id == RUN:
        body = exchange.json_or_none() if exchange.status == 200 else None
        return Result(new_run_problems(body, history)) if isinstance(body, dict) else None
    run_id = judging.params.get("workflow_run_id")
    known = history.recall(RUNS, run_id)
    if known is None or exchange.status in GATE_STATUSES:
        return None
    if exchange.status != 200:
        return Result([f"read back {run_id}: expected 200, got {exchange.status}"])
    detail = exchange.json_or_none()
    if not isinstance(detail, dict):
        return Result()
    return Result(readback_problems(run_id, detail, known.status, known.outputs)
                  + inputs_problems(run_id, detail, known.values))


# The seed's refusals of a well-formed run: the model provider's state, not the request (400 each).
SERVICE_REFUSALS = ("provider_not_initialize", "provider_quota_exceeded", "model_currently_not_support",
                    "completion_request_error", "workflow_request_error")


@register("run_accepted", api="miso", operations=(RUN,))
def run_accepted(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A run of the contract's own example (its inputs' names, text values, a mode, a user, no files) is accepted;
    a refusal the seed documents for a well-formed run (the provider's state) may be right, and a refusal before
    the operation ran is auth's and the rate limit's to judge."""
    request = exchange.request_json()
    if exchange.status == 200 or not isinstance(request, dict) or exchange.status in GATE_STATUSES or \
            request.get("files"):
        return None
    values, user = request.get("inputs"), request.get("user")
    names = example_inputs(judging.contract, "marker").keys()  # the example's names, with the kit's marker's `query`
    if request.get("mode") not in ("blocking", "streaming") or not isinstance(user, str) or not user or \
            not isinstance(values, dict) or values.keys() != names or \
            not all(isinstance(value, str) for value in values.values()):
        return None
    body = exchange.json_or_none()
    if exchange.status == 400 and isinstance(body, dict) and body.get("code") in SERVICE_REFUSALS:
        return None
    return Result([f"a {request['mode']} run of the contract's example: expected 200, got {exchange.status} "
                   f"({_code(exchange)})"])


def new_run_problems(body: dict[str, Any], history: History) -> list[str]:
    """A blocking run's answer: `workflow_run_id` is its `data.id`, and neither id was answered by a run before."""
    data, problems = body.get("data"), []
    if isinstance(data, dict) and body.get("workflow_run_id") != data.get("id"):
        problems.append(f"blocking run: workflow_run_id {body.get('workflow_run_id')!r} is not data.id "
                        f"{data.get('id')!r}")
    for key, index in (("workflow_run_id", RUNS), ("task_id", TASKS)):
        if body.get(key) is not None and history.recall(index, body.get(key)) is not None:
            problems.append(f"two runs answered the same {key} {body.get(key)!r}: every run is a new resource")
    return problems


def inputs_problems(run_id: str, detail: dict[str, Any], values: Any) -> list[str]:
    """A run read back carries the text inputs it was made with (a read that leads to another run does not)."""
    read = _decode(detail.get("inputs"))
    if not isinstance(values, dict) or not isinstance(read, dict):
        return []
    differing = [key for key, value in values.items() if isinstance(value, str) and key in read and read[key] != value]
    if not differing:
        return []
    key = differing[0]
    return [f"read back {run_id}: its inputs {str(detail.get('inputs'))[:200]} are not the ones that run was made "
            f"with ({key} {values[key]!r}): the id leads to another run"]


def readback_problems(run_id: str, detail: dict[str, Any], status: Any, outputs: Any) -> list[str]:
    """A run's detail against what the run itself answered: its id, status and outputs."""
    problems = []
    if detail.get("id") != run_id:
        problems.append(f"read back {run_id}: id is {detail.get('id')!r}")
    if detail.get("status") != status:
        problems.append(f"read back {run_id}: status {detail.get('status')!r}, the run answered {status!r}")
    if _decode(detail.get("outputs")) != _decode(outputs):
        problems.append(f"read back {run_id}: outputs {str(detail.get('outputs'))[:200]} differ from the run's "
                        f"{str(outputs)[:200]}")
    return problems


def _logs_page(exchange: Exchange) -> dict[str, Any] | None:
    page = exchange.json_or_none() if exchange.status == 200 else None
    return page if isinstance(page, dict) and isinstance(page.get("data"), list) else None


def _int(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return None


def _page_and_limit(query: Mapping[str, str]) -> tuple[int | None, int | None]:
    """A logs query's page and limit, with their defaults (1 and 20); None where one is not a number."""
    return _int(query.get("page"), 1), _int(query.get("limit"), 20)


def _run_of(item: Any) -> dict[str, Any]:
    run = item.get("workflow_run") if isinstance(item, dict) else None
    return run if isinstance(run, dict) else {}


LOG_FILTERS = ("page", "limit", "status", "keyword")


@register("logs_paging", api="miso", operations=(LOGS,))
def logs_paging(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A valid query (page 1 or more, limit 1-100, a known status, any keyword) is answered a page; its items do
    not repeat on the next page while nothing was added."""
    page = _logs_page(exchange)
    if page is None:
        return _refused_logs(exchange)
    query = exchange.query_params()
    number, limit = _page_and_limit(query)
    if number is None or limit is None or not 1 <= limit <= 100:
        return Result()
    problems = page_problems(page, number, limit)
    before = history.recall(LOG_PAGES, _page_key(exchange, number - 1, limit))
    if before is not None and before[0] == page.get("total"):  # nothing was added in between: pages cannot shift
        ids = [item.get("id") for item in page["data"] if isinstance(item, dict)]
        if set(ids) & set(before[1]):
            problems.append(f"pages {number - 1} and {number} (limit {limit}) share items: {[*before[1], *ids]}")
    return Result(problems)


def _refused_logs(exchange: Exchange) -> Result | None:
    """A logs query the seed says is valid refused."""
    query = exchange.query_params()
    page, limit = _page_and_limit(query)
    if exchange.status in (200, *GATE_STATUSES) or not set(query) <= set(LOG_FILTERS) or page is None or page < 1 \
            or limit is None or not 1 <= limit <= 100 or query.get("status", LOG_STATUSES[0]) not in LOG_STATUSES:
        return None  # a 200 that is not a page is the schema's finding
    return Result([f"logs {dict(sorted(query.items()))}: expected 200, got {exchange.status} ({_code(exchange)})"])


def _page_key(exchange: Exchange, number: int, limit: int) -> tuple[Any, ...]:
    """A logs page by its filters, page and limit (the credential's view: another key may see other runs)."""
    filters = sorted((k, v) for k, v in exchange.query_params().items() if k not in ("page", "limit"))
    return exchange.header("authorization"), tuple(filters), number, limit


@register("logs_order", api="miso", operations=(LOGS,))
def logs_order(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    page = _logs_page(exchange)
    if page is None:
        return None
    problems = [problem] if (problem := order_problem(page["data"])) else []
    query, seen = exchange.query_params(), history.keys(RUNS)
    newest = _run_of(page["data"][0]).get("id") if page["data"] else None
    if not query.keys() - {"page", "limit"} and _int(query.get("page"), 1) == 1 and seen and \
            newest != seen[-1] and newest in seen:
        problems.append(f"the newest log is run {newest!r}, but the run just made was {seen[-1]!r} (logs are newest "
                        "first)")
    return Result(problems)


@register("logs_filter", api="miso", operations=(LOGS,))
def logs_filter(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """`status=` lists only runs of that status; `keyword=` no run whose inputs (as seen) lack the keyword."""
    page, query = _logs_page(exchange), exchange.query_params()
    status, keyword = query.get("status"), query.get("keyword")
    if page is None or status not in LOG_STATUSES and not keyword:
        return None
    problems = []
    if status in LOG_STATUSES:
        wrong = sorted({str(_run_of(item).get("status")) for item in page["data"]
                        if isinstance(item, dict) and _run_of(item).get("status") != status})
        if wrong:
            problems.append(f"status={status}: items with status {wrong}")
    if keyword:
        for item in page["data"]:
            run_id = _run_of(item).get("id")
            known = history.recall(RUNS, run_id)
            if known is not None and keyword.lower() not in known.inputs.lower():
                problems.append(f"keyword={keyword}: lists run {run_id}, whose inputs (as seen) do not carry it")
                break
        listed = {_run_of(item).get("id") for item in page["data"]}
        limit = _int(query.get("limit"), 20)
        carrying = [run_id for run_id in history.keys(RUNS) if run_id not in listed
                    and keyword.lower() in history.recall(RUNS, run_id, RunSeen(None, None, "")).inputs.lower()]
        if carrying and limit is not None and len(page["data"]) < limit and _int(query.get("page"), 1) == 1:
            problems.append(f"keyword={keyword}: the run made with that input ({carrying[-1]}) is not listed")
    return Result(problems)


@register("logs_count", api="miso", operations=(LOGS,))
def logs_count(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """An unfiltered first page counts every run seen before, and lists them when it has room."""
    page, query = _logs_page(exchange), exchange.query_params()
    if page is None or query.keys() - {"page", "limit"} or not isinstance(page.get("total"), int) or \
            _int(query.get("page"), 1) != 1:
        return None
    seen, limit = history.keys(RUNS), _int(query.get("limit"), 20)
    problems = []
    if page["total"] < len(seen):
        problems.append(f"total is {page['total']}, but {len(seen)} runs were seen before: runs are not counted")
    listed = {_run_of(item).get("id") for item in page["data"]}
    if limit is not None and len(page["data"]) < limit:
        missing = [run_id for run_id in seen if run_id not in listed]
        if missing:
            problems.append(f"{len(missing)} run(s) seen finished before are not on a first page with room for them, "
                            f"e.g. {missing[-1]}")
    return Result(problems)


@recorder(api="miso")
def runs_and_uploads(judging: Judging, exchange: Exchange, history: History) -> list[Note]:
    """Each finished run (blocking answer, or a stream's `workflow_finished`) and each uploaded file, for the checks
    of later exchanges."""
    if judging.operation_id == UPLOAD and exchange.status in (200, 201):
        body = exchange.json_or_none()
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            return [Note(UPLOADS_SEEN, body["id"], body.get("name") or "")]
    if judging.operation_id != RUN or exchange.status != 200:
        return []
    if exchange.is_stream:
        final = terminal(exchange)
        run_id, data = (final.get("workflow_run_id"), final.get("data")) if final else (None, None)
    else:
        body = exchange.json_or_none()
        data = body.get("data") if isinstance(body, dict) else None
        run_id = body.get("workflow_run_id") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(run_id, str):
        return []
    request = exchange.request_json()
    values = request.get("inputs") if isinstance(request, dict) else None
    notes = [Note(RUNS, run_id, RunSeen(data.get("status"), data.get("outputs"), _inputs_text(exchange), values))]
    task_id = (final if exchange.is_stream else body).get("task_id")
    return notes + ([Note(TASKS, task_id, run_id)] if isinstance(task_id, str) else [])

@recorder(api="miso")
def log_pages(judging: Judging, exchange: Exchange, history: History) -> list[Note]:
    """Each logs page's total and items, for the paging check of the next page."""
    page = _logs_page(exchange) if judging.operation_id == LOGS else None
    query = exchange.query_params()
    number, limit = _page_and_limit(query)
    if page is None or number is None or limit is None:
        return []
    ids = [item.get("id") for item in page["data"] if isinstance(item, dict)]
    return [Note(LOG_PAGES, _page_key(exchange, number, limit), (page.get("total"), ids))]


CHECKS = (
    Check("sse", "sse", check_stream,
          "a streaming run: framing, grammar, per-event schema, the same ids, events spread over the run",
          judged_by=(*STREAM_CHECKS, "run_accepted")),
    Check("run_readback", "lifecycle", check_readback,
          "every run gets new run and task ids, and each id reads back as that run (inputs, status, outputs)",
          judged_by=("run_readback", "run_accepted", *CONFORMANCE)),
    Check("stream_stop", "lifecycle", check_stop,
          "a stop right after the first event ends that stream `stopped` (unless it had already ended: "
          "inconclusive); the other running task and another user's stop do not",
          judged_by=("stream_stop", "run_accepted", "sse_grammar", *CONFORMANCE)),
    Check("upload_as_input", "lifecycle", check_upload,
          "every uploaded file gets a new id, and each (not only the latest) is accepted as a run input",
          judged_by=("upload_as_input", *CONFORMANCE)),
    Check("upload_errors", "error-envelope", check_upload_errors,
          "the seed's upload situations get the seed's codes: no file, two files, a type not allowed, too large",
          judged_by=("upload_errors",)),
    Check("logs_paging", "logs", check_logs,
          "logs list and count a run made just before; paging, newest first, status and keyword filters",
          judged_by=("logs_paging", "logs_order", "logs_filter", "logs_count", *CONFORMANCE)),
)
