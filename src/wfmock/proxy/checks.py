"""Judges recorded exchanges against the contracts: pure functions of the exchange, plus `Traffic`, the little
state that the checks across calls need (runs seen, stops sent). The per-exchange checks reuse the contract kit's
own functions (envelope, SSE stream, logs page, run state), so the kit and the proxy cannot disagree.

Check names are the kit's: `status_code_conformance`, `content_type_conformance`, `response_schema_conformance`,
`response_headers_conformance`, `error_envelope`, `sse_framing`, `sse_grammar`, `sse_event_schema`, `sse_ids`,
`sse_progressive`, `lifecycle`, `run_readback`, `stream_stop`, `logs_paging`, `logs_order`, `logs_filter`,
`logs_count`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from wfmock.contract import apis
from wfmock.apis.imprun import checks as imprun_checks
from wfmock.apis.miso import checks as miso_checks
from wfmock.contract.document import Contract
from wfmock.contract.envelope import situation_code_problems
from wfmock.contract.findings import Finding
from wfmock.contract.suite import secret_header_names
from wfmock.proxy.exchange import Recorded
from wfmock.proxy.routes import Router

REMEMBERED_RUNS = 10_000  # runs and stops the checks across calls keep, oldest forgotten first
SHED_BACKLOG = 200  # exchanges waiting to be judged beyond which streams are judged without per-event schemas
RATE_MEMORY = 1000  # recent requests per credential the rate-limit check looks back over
RATE_SLACK = 2  # requests of a concurrent burst may finish (and be judged) in another order than they started


@dataclass(frozen=True)
class Verdict:
    """What one exchange was judged by (check names) and what it broke."""

    api: str | None
    operation_id: str | None
    ran: tuple[str, ...]
    findings: tuple[Finding, ...]
    unjudged: tuple[tuple[str, str], ...] = ()  # (check, why not)


class _Bounded(OrderedDict):
    def remember(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > REMEMBERED_RUNS:
            self.popitem(last=False)


class Traffic:
    """What the checks across calls remember: runs by id (status, outputs), stops by task id, logs seen."""

    def __init__(self) -> None:
        self.imprun_runs: _Bounded = _Bounded()   # id -> last status seen
        self.miso_runs: _Bounded = _Bounded()     # workflow_run_id -> (status, outputs, finished at)
        self.stops: _Bounded = _Bounded()         # task_id -> the stop request (recorded as it arrived)
        self.uploads: _Bounded = _Bounded()       # upload_file_id -> name
        self.limited_since: dict[str, float] = {}


class Judge:
    """Judges one exchange at a time (thread-safe: one lock over the state the checks across calls share)."""

    def __init__(self, contracts: Mapping[str, Contract]) -> None:
        self.contracts = dict(contracts)
        self.modules: dict[str, ModuleType] = {api: apis.load(api) for api in contracts}
        self.router = Router(self.contracts)
        self.secret = tuple(h.lower() for c in contracts.values() for h in secret_header_names(c))
        self.traffic = Traffic()
        self._lock = threading.Lock()
        self._arrivals: dict[str, deque[Recorded]] = {}
        self._arrivals_lock = threading.Lock()
        self._light = False

    def judge(self, exchange: Recorded, light: bool = False) -> Verdict:
        """`light`: skip the per-event schema of streams (the judge is behind the traffic; said as not verified)."""
        with self._lock:
            self._light = light
            return self._judge(exchange)

    # -- per exchange --------------------------------------------------------------------------------------------

    def _judge(self, ex: Recorded) -> Verdict:
        api, operation_id, params = self.router.match(ex.method, ex.path)
        if api is None:
            return Verdict(None, None, (), ())
        contract, module = self.contracts[api], self.modules[api]
        op = contract.operation(operation_id) if operation_id else None
        label = op.label if op else self.router.labels.get(operation_id or "", f"{ex.method.upper()} {ex.path}")
        found: list[tuple[str, str]] = []
        ran: list[str] = []
        unjudged: list[tuple[str, str]] = []
        if ex.status == 0:
            return Verdict(api, operation_id, (), (), (("upstream", ex.error or "no answer"),))
        if ex.truncated:
            unjudged.append(("response_schema_conformance", f"{label}: a body over the proxy's judging limit"))
        if op is None:
            if operation_id is not None:
                unjudged.append(("profile_scope", f"{label} is not checked: the {contract.profile} profile skips it"))
            elif ex.status >= 400:
                ran.append("error_envelope")
                found += [("error_envelope", f"{ex.status} response: {p}")
                          for p in module.envelope_problems(contract, ex.status, ex.decoded(), ex.response_headers)]
            return self._verdict(api, operation_id, label, ex, ran, found, unjudged)
        self._judge_auth(contract, module, op, ex, ran, found)
        self._judge_rate_limit(contract, ex, ran, found)
        ran.append("status_code_conformance")
        documented = op.response(ex.status)
        if documented is None:
            found.append(("status_code_conformance", f"status {ex.status} is not documented for {op.label}"))
        else:
            self._judge_response(contract, operation_id, contract.resolve(documented), ex, ran, found, unjudged)
        if ex.status >= 400 and "json" in ex.content_type:
            ran.append("error_envelope")
            found += [("error_envelope", f"{ex.status} response: {p}")
                      for p in module.envelope_problems(contract, ex.status, ex.decoded(), ex.response_headers)]
        across = getattr(self, f"_across_{api}")
        across(contract, operation_id, params, ex, ran, found, unjudged)
        return self._verdict(api, operation_id, label, ex, ran, found, unjudged)

    def _verdict(self, api: str, operation_id: str | None, label: str, ex: Recorded, ran: list[str],
                 found: list[tuple[str, str]], unjudged: list[tuple[str, str]]) -> Verdict:
        curl = ex.curl(self.secret) if found else ""
        findings = tuple(Finding(check=check, operation=label, message=message, curl=curl)
                         for check, message in dict.fromkeys(found))
        return Verdict(api, operation_id, tuple(dict.fromkeys(ran)), findings, tuple(unjudged))

    def _judge_response(self, contract: Contract, operation_id: str, documented: Mapping[str, Any], ex: Recorded,
                        ran: list[str], found: list[tuple[str, str]], unjudged: list[tuple[str, str]]) -> None:
        content = documented.get("content") or {}
        media = ex.content_type.split(";")[0].strip().lower()
        if content:
            ran.append("content_type_conformance")
            if media not in content and not any(_media_matches(media, documented) for documented in content):
                found.append(("content_type_conformance",
                              f"{ex.status} answered Content-Type {ex.content_type!r}; documented: {sorted(content)}"))
                return
        ran.append("response_headers_conformance")
        for name, header in (documented.get("headers") or {}).items():
            if contract.resolve(header).get("required") and name.lower() not in ex.response_headers:
                found.append(("response_headers_conformance", f"{ex.status} response lacks the required header {name}"))
        schema = (content.get(media) or {}).get("schema") if "json" in media else None
        if schema is None or ex.truncated:
            return
        ran.append("response_schema_conformance")
        try:
            body = ex.json()
        except ValueError:
            found.append(("response_schema_conformance", f"the body is not JSON: {ex.decoded()[:120]!r}"))
            return
        found += [("response_schema_conformance", f"{ex.status} response: {error}")
                  for error in contract.schema_errors(schema, body)]

    def _judge_auth(self, contract: Contract, module: ModuleType, op: Any, ex: Recorded, ran: list[str],
                    found: list[tuple[str, str]]) -> None:
        """A request that carried none of the operation's credentials must not be served; where the seed names the
        code for it (`AUTH_CODE`), its refusal carries that code."""
        headers = [scheme_header(contract.security_scheme(name)) for name in op.security_schemes]
        headers = [h for h in headers if h]
        if not headers:
            return
        ran.append("auth")
        if any(ex.header(name).strip() for name in headers):
            return
        if ex.status < 400:
            found.append(("auth", f"answered {ex.status} to a request without credentials ({', '.join(headers)} "
                                  "absent): expected 401"))
        elif module.AUTH_CODE and "json" in ex.content_type:
            try:
                body = ex.json()
            except ValueError:
                return  # not JSON: the envelope check reports it
            found += [("auth", problem) for problem in situation_code_problems(
                f"a request without credentials ({', '.join(headers)} absent)", module.AUTH_CODE, body)]

    def arrived(self, exchange: Recorded) -> None:
        """Called as each request arrives (before its answer): the rate-limit check counts requests in the order
        they reached the server, not the order their answers finished (a 429 is answered before the runs it
        limits)."""
        if exchange.method == "POST" and exchange.path.endswith("/stop"):
            api, operation_id, params = self.router.match(exchange.method, exchange.path)
            if operation_id == miso_checks.STOP:  # known before its answer: a stream may end before the stop's reply
                with self._arrivals_lock:
                    self.traffic.stops.remember(params.get("task_id"), exchange)
        key = _credential(exchange)
        if key is None:
            return
        with self._arrivals_lock:
            recent = self._arrivals.get(key)
            if recent is None:
                if len(self._arrivals) >= REMEMBERED_RUNS:
                    self._arrivals.pop(next(iter(self._arrivals)))
                recent = self._arrivals[key] = deque(maxlen=RATE_MEMORY)
            recent.append(exchange)

    def _judge_rate_limit(self, contract: Contract, ex: Recorded, ran: list[str],
                          found: list[tuple[str, str]]) -> None:
        """Judged from this proxy's own traffic per credential, against the documented per-second limit: more than
        the limit served within one second (no 429), or a 429 while the second before it held well under the limit
        (an early limit, or one that did not lift). Traffic with the same key that bypasses the proxy is not seen."""
        limits = [entry for entry in contract.extension("x-wfmock-rate-limits") or [] if entry.get("window") == 1]
        key = _credential(ex)
        if not limits or key is None or ex.status in (401, 403):
            return
        limit = int(limits[0]["limit"])
        ran.append("rate_limit")
        with self._arrivals_lock:
            recent = list(self._arrivals.get(key) or ())
        if ex.status == 429:
            # any request that reached the proxy before this 429 was answered may have reached the server first;
            # one still in flight (status 0) may have been served
            window = [r for r in recent if r is not ex and ex.started - 1.0 <= r.started <= ex.answered]
            served = [r for r in window if r.status not in (401, 403, 429)]
            if len(served) < limit - RATE_SLACK:
                found.append(("rate_limit", f"429 while only {len(served)} request(s) of this key were served in the "
                                            f"second before it; the contract allows {limit} per second (an early "
                                            "limit, or one that did not lift)"))
            return
        window = [r for r in recent if r is not ex and ex.started - 1.0 <= r.started <= ex.started]
        served = [r for r in window if r.status and r.status not in (401, 403, 429)]
        if len(served) + 1 > limit + RATE_SLACK and ex.started - self.traffic.limited_since.get(key, -1e9) > 1.0:
            found.append(("rate_limit", f"{len(served) + 1} requests of one key served within one second; the "
                                        f"contract limits a key to {limit} per second (expected 429 beyond it)"))
            self.traffic.limited_since[key] = ex.started  # one finding per burst

    # -- imprun: checks across calls ---------------------------------------------------------------------------

    def _across_imprun(self, contract: Contract, operation_id: str, params: Mapping[str, str], ex: Recorded,
                       ran: list[str], found: list[tuple[str, str]], unjudged: list[tuple[str, str]]) -> None:
        runs = self.traffic.imprun_runs
        body = _json_or_none(ex)
        if operation_id == imprun_checks.CREATE and ex.status == 200 and isinstance(body, dict):
            ran.append("lifecycle")
            run_id = body.get("id")
            if run_id in runs:
                found.append(("lifecycle", f"create: run id {run_id!r} was already answered by an earlier create: "
                                           "every create is a new run"))
            url = body.get("progressUrl")
            if isinstance(url, str) and isinstance(run_id, str) and url.rstrip("/").rsplit("/", 1)[-1] != run_id:
                found.append(("lifecycle", f"create: progressUrl {url!r} does not lead to run {run_id!r}"))
            if isinstance(run_id, str):
                runs.remember(run_id, body.get("status"))
        elif operation_id == imprun_checks.READ:
            run_id = params.get("id")
            if run_id not in runs:
                return
            ran.append("lifecycle")
            if ex.status != 200 or not isinstance(body, dict):
                if ex.status == 404:
                    found.append(("lifecycle", f"read {run_id}: 404 for a run this proxy saw created"))
                return
            status, previous = body.get("status"), runs[run_id]
            if body.get("id") != run_id:
                found.append(("lifecycle", f"read {run_id}: the run came back with id {body.get('id')!r}"))
            if status not in (imprun_checks.RUNNING, *imprun_checks.TERMINAL):
                found.append(("lifecycle", f"read {run_id}: status {status!r} is not one of "
                                           f"{[imprun_checks.RUNNING, *imprun_checks.TERMINAL]}"))
                return
            if previous in imprun_checks.TERMINAL and status != previous:
                found.append(("lifecycle", f"read {run_id}: the run moved from terminal {previous!r} to {status!r}"))
            found += [("lifecycle", f"read {run_id}: {p}") for p in imprun_checks.run_state_problems(body)]
            runs.remember(run_id, status)

    # -- MISO: checks across calls -----------------------------------------------------------------------------

    def _across_miso(self, contract: Contract, operation_id: str, params: Mapping[str, str], ex: Recorded,
                     ran: list[str], found: list[tuple[str, str]], unjudged: list[tuple[str, str]]) -> None:
        if operation_id == miso_checks.RUN:
            self._judge_file_inputs(ex, ran, found)
            if ex.is_stream and ex.status == 200:
                self._judge_stream(contract, ex, ran, found, unjudged)
            elif ex.status == 200:
                body = _json_or_none(ex)
                data = body.get("data") if isinstance(body, dict) else None
                if isinstance(data, dict) and isinstance(body.get("workflow_run_id"), str):
                    self.traffic.miso_runs.remember(body["workflow_run_id"],
                                                    (data.get("status"), data.get("outputs"), _inputs_text(ex)))
        elif operation_id == miso_checks.UPLOAD and ex.status in (200, 201):
            body = _json_or_none(ex)
            if isinstance(body, dict) and isinstance(body.get("id"), str):
                self.traffic.uploads.remember(body["id"], body.get("name"))
        elif operation_id == miso_checks.READ and ex.status == 200:
            self._judge_readback(params.get("workflow_run_id"), ex, ran, found)
        elif operation_id == miso_checks.LOGS and ex.status == 200:
            self._judge_logs(ex, ran, found)

    def _judge_stream(self, contract: Contract, ex: Recorded, ran: list[str], found: list[tuple[str, str]],
                      unjudged: list[tuple[str, str]]) -> None:
        read = miso_checks.StreamRead(ex.status, ex.content_type, ex.decoded(), "", ex.error)
        if len(ex.arrivals) >= len(read.events) - 1:
            read.arrivals = ex.arrivals[:len(read.events)] + [ex.finished] * (len(read.events) - len(ex.arrivals))
        for check, problems in miso_checks.stream_problems(contract, read, event_schemas=not self._light).items():
            if check == "sse_event_schema" and self._light:
                unjudged.append((check, "some streams' events were not checked against their schemas: judging was "
                                        f"more than {SHED_BACKLOG} exchanges behind the traffic"))
                continue
            ran.append(check)
            found += [(check, problem) for problem in problems]
        ran.append("sse_progressive")
        final = read.terminal()
        stopped = isinstance(final, dict) and isinstance(final.get("data"), dict) and \
            final["data"].get("status") == "stopped"
        problem, why_not = (None, "a stopped run: its elapsed_time is not the time its stream took") if stopped \
            else miso_checks.progressive_problem(read)
        if problem:
            found.append(("sse_progressive", problem))
        elif why_not:
            unjudged.append(("sse_progressive", why_not))
        final = read.terminal()
        request = ex.request_json()
        user = request.get("user") if isinstance(request, dict) else None
        if final and isinstance(final.get("data"), dict):
            data = final["data"]
            self.traffic.miso_runs.remember(final.get("workflow_run_id"),
                                            (data.get("status"), data.get("outputs"), _inputs_text(ex)))
            self._judge_stop(final, data.get("status"), user, read, ran, found)

    def _judge_stop(self, final: Mapping[str, Any], status: Any, user: Any, read: miso_checks.StreamRead,
                    ran: list[str], found: list[tuple[str, str]]) -> None:
        task_id = final.get("task_id")
        with self._arrivals_lock:
            stop = self.traffic.stops.get(task_id)
        finished_at = read.arrivals[-1] if read.arrivals else None
        if stop is None:
            if status == "stopped":
                ran.append("stream_stop")
                found.append(("stream_stop", f"task {task_id} ended `stopped`, but no stop for it went through "
                                             "this proxy (a stop for another task ended this one?)"))
            return
        ran.append("stream_stop")
        request = stop.request_json()
        stop_user = request.get("user") if isinstance(request, dict) else None
        if stop_user is not None and user is not None and stop_user != user:
            if status == "stopped":
                found.append(("stream_stop", f"task {task_id} of user {user!r} was stopped by user {stop_user!r}: "
                                             "only the user who started a task may stop it"))
            return
        settled = stop.status == 200 and finished_at is not None and stop.answered > 0 and \
            finished_at > stop.answered + miso_checks.READER_SETTLE
        if settled and status != "stopped":
            found.append(("stream_stop", f"task {task_id}: a stop was answered 200, yet the stream ran on and "
                                         f"ended {status!r} {finished_at - stop.answered:.2f} s later, not `stopped`"))

    def _judge_readback(self, run_id: str | None, ex: Recorded, ran: list[str], found: list[tuple[str, str]]) -> None:
        known = self.traffic.miso_runs.get(run_id)
        detail = _json_or_none(ex)
        if known is None or not isinstance(detail, dict):
            return
        ran.append("run_readback")
        status, outputs, _ = known
        if detail.get("id") != run_id:
            found.append(("run_readback", f"read back {run_id}: id is {detail.get('id')!r}"))
        if detail.get("status") != status:
            found.append(("run_readback", f"read back {run_id}: status {detail.get('status')!r}, the run answered "
                                          f"{status!r}"))
        if miso_checks._decode(detail.get("outputs")) != miso_checks._decode(outputs):
            found.append(("run_readback", f"read back {run_id}: outputs {str(detail.get('outputs'))[:200]} differ "
                                          f"from the run's {str(outputs)[:200]}"))

    def _judge_logs(self, ex: Recorded, ran: list[str], found: list[tuple[str, str]]) -> None:
        page = _json_or_none(ex)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            return
        query = ex.query_params()
        number, limit = _int(query.get("page"), 1), _int(query.get("limit"), 20)
        ran += ["logs_paging", "logs_order"]
        if number is not None and limit is not None and 1 <= limit <= 100:
            found += [("logs_paging", p) for p in miso_checks.page_problems(page, number, limit)]
        problem = miso_checks.order_problem(page["data"])
        if problem:
            found.append(("logs_order", problem))
        status = query.get("status")
        if status in miso_checks.LOG_STATUSES:
            ran.append("logs_filter")
            wrong = sorted({str((item.get("workflow_run") or {}).get("status")) for item in page["data"]
                            if isinstance(item, dict) and (item.get("workflow_run") or {}).get("status") != status})
            if wrong:
                found.append(("logs_filter", f"status={status}: items with status {wrong}"))
        keyword = query.get("keyword")
        if keyword:
            ran.append("logs_filter")
            for item in page["data"]:
                run_id = (item.get("workflow_run") or {}).get("id") if isinstance(item, dict) else None
                known = self.traffic.miso_runs.get(run_id)
                if known is not None and keyword.lower() not in known[2].lower():
                    found.append(("logs_filter", f"keyword={keyword}: lists run {run_id}, whose inputs (seen through "
                                                 "this proxy) do not carry it"))
                    break
        if not query.keys() - {"page", "limit"} and isinstance(page.get("total"), int) and number == 1:
            ran.append("logs_count")
            seen = list(self.traffic.miso_runs)
            if page["total"] < len(seen):
                found.append(("logs_count", f"total is {page['total']}, but {len(seen)} runs went through this proxy "
                                            "before: runs are not counted"))
            listed = {(item.get("workflow_run") or {}).get("id") for item in page["data"] if isinstance(item, dict)}
            if limit is not None and len(page["data"]) < limit:
                missing = [run_id for run_id in seen if run_id not in listed]
                if missing:
                    found.append(("logs_count", f"{len(missing)} run(s) that finished through this proxy before are "
                                                f"not on a first page with room for them, e.g. {missing[-1]}"))


    def _judge_file_inputs(self, ex: Recorded, ran: list[str], found: list[tuple[str, str]]) -> None:
        """A run naming a file uploaded through this proxy (any of them, not only the latest) is not refused for it."""
        request = ex.request_json()
        if not isinstance(request, dict) or not isinstance(request.get("inputs"), dict):
            return
        values = [*request["inputs"].values(), *(request.get("files") or [])]
        named = [v.get("upload_file_id") for v in values if isinstance(v, dict)
                 and v.get("upload_file_id") in self.traffic.uploads]
        if not named:
            return
        ran.append("upload_as_input")
        if ex.status == 400:
            found.append(("upload_as_input", f"a run with uploaded file {named[0]} as input was refused (400): every "
                                             "uploaded file is a valid input, not only the latest"))


def scheme_header(scheme: Mapping[str, Any]) -> str | None:
    if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
        return scheme["name"]
    if scheme.get("type") == "http":
        return "Authorization"
    return None


def _credential(ex: Recorded) -> str | None:
    value = ex.header("authorization") or ex.header("x-api-key")
    return value or None


def _inputs_text(ex: Recorded) -> str:
    request = ex.request_json()
    inputs = request.get("inputs") if isinstance(request, dict) else None
    return json.dumps(inputs, ensure_ascii=False) if inputs is not None else ""


def _media_matches(media: str, documented: str) -> bool:
    major, _, minor = documented.partition("/")
    return minor == "*" and media.startswith(major + "/") or documented == "*/*"


def _json_or_none(ex: Recorded) -> Any:
    if "json" not in ex.content_type or ex.truncated:
        return None
    try:
        return ex.json()
    except ValueError:
        return None


def _int(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return None
