"""The kit's own checks: what a check is, the context it runs in, and the generic ones.

A `Check` is a named function of a `Context`; it reports violations with `ctx.fail(...)`.
The generic checks here (error envelope, auth, rate limit) read everything API-specific from
the contract document and from the API module (`wfmock.apis.<api>.checks`).
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx

from wfmock.contract.checks import registry
from wfmock.contract.checks.http import INVALID_KEY, credential, envelope_findings
from wfmock.contract.client import Client, retry_after
from wfmock.openapi.profiles import Contract
from wfmock.contract.exchange import Exchange
from wfmock.contract.envelope import situation_code_problems
from wfmock.contract.findings import Finding, Outcome
from wfmock.contract.settings import Settings
from wfmock.openapi.security import headers_for_key


# A flow whose `judged_by` names these has every answer it reads judged against the contract, as its own findings
# (reported under the flow's name: an upload answer without a documented field is the upload flow's finding).
CONFORMANCE = ("status_code_conformance", "response_schema_conformance")


@dataclass(frozen=True)
class Check:
    """One named check of the kit; `family` is what `--include` selects."""

    name: str
    family: str
    run: Callable[[Context], None]
    description: str = ""
    judged_by: tuple[str, ...] = ()  # the registry's checks that judge every exchange the flow produces


@dataclass(frozen=True)
class Probe:
    """A request the generic checks may send: to an operation, with its path filled in and a body."""

    operation_id: str
    path: str
    method: str
    json_body: Any = None
    code: str | None = None  # the seed's code for the situation the probe makes, asserted in both profiles


class Context:
    """What a check needs: the contract, the settings, a paced client, and a place for findings."""

    def __init__(self, contract: Contract, settings: Settings, api: ModuleType, client: Client) -> None:
        self.contract = contract
        self.settings = settings
        self.api = api
        self.client = client
        self.random = random.Random(settings.seed)
        self.outcome = Outcome(check="")
        self.history = registry.History()  # what the kit's own exchanges left for the checks across calls
        self.judged_by: tuple[str, ...] = ()  # the running flow's registry checks (its `Check.judged_by`)
        self._lock = threading.Lock()

    @property
    def strict(self) -> bool:
        return self.contract.strict

    # -- reporting ---------------------------------------------------------------------------------------------

    def fail(self, operation: str, message: str, exchange: Exchange | None = None, curl: str = "",
             check: str | None = None) -> None:
        with self._lock:
            self.outcome.findings.append(Finding(check=check or self.outcome.check, operation=operation,
                                                 message=message, curl=curl or (exchange.curl if exchange else "")))

    def not_verified(self, reason: str, check: str | None = None) -> None:
        """Something this check could not judge, and why: reported as inconclusive, not as a pass."""
        with self._lock:
            self.outcome.not_verified(reason, check)

    def expect(self, condition: bool, operation: str, message: str, exchange: Exchange | None = None,
               check: str | None = None) -> bool:
        if not condition:
            self.fail(operation, message, exchange, check=check)
        return condition

    # -- requests ----------------------------------------------------------------------------------------------

    def credentials(self, operation_id: str, key: str | None = None) -> dict[str, str]:
        """Headers carrying `key` (default: the configured one) for every scheme the operation declares."""
        key = self.settings.api_key if key is None else key
        op = self.contract.operation(operation_id)
        headers: dict[str, str] = {}
        for name in op.security_schemes if op else []:
            headers.update(headers_for_key(self.contract.security_scheme(name), key))
        return headers

    def call(self, operation_id: str, path: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, auth: bool = True, files: list | None = None,
             form: Mapping[str, str] | None = None) -> Exchange:
        op = self.contract.operation(operation_id)
        method = op.method if op else "get"
        sent = {**(self.credentials(operation_id) if auth else {}), **(headers or {})}
        exchange = self.client.request(method.upper(), path, headers=sent, json_body=json_body, params=params,
                                       files=files, form=form)
        self.produced(operation_id, exchange)
        return exchange

    def produced(self, operation_id: str | None, exchange: Exchange, report_unjudged: bool = True) -> registry.Verdict:
        """An exchange the running flow produced: its arrival goes into the history (for the checks of later
        exchanges), a refusal's envelope is judged, and the flow's registry checks judge it. The verdict is returned
        so that a flow can decide what to do next (e.g. try again where a check could not judge)."""
        op = self.contract.operation(operation_id) if operation_id else None
        found = op.path_regex.match(exchange.path) if op is not None else None
        params = found.groupdict() if found else {}
        self.history.arrived(exchange, operation_id if op else None, params, credential(exchange, self.contract))
        if exchange.status >= 400:
            self.check_envelope(op.label if op else exchange.path, exchange)
        if operation_id is not None and op is None:
            return registry.Verdict()  # an operation the profile skips: `profile_scope` says so once
        return self.judge(operation_id, exchange, self.judged_by, params, report_unjudged)

    def judging(self, operation_id: str | None) -> registry.Judging:
        op = self.contract.operation(operation_id) if operation_id else None
        return registry.Judging(self.settings.api, self.contract, operation_id, label=op.label if op else "",
                                envelope=self.api.envelope_problems, auth_code=self.api.AUTH_CODE)

    def check_envelope(self, operation: str, exchange: Exchange) -> None:
        """Every non-2xx the kit meets must be in the API's error envelope (reported under `error_envelope`)."""
        for problem in envelope_findings(self.judging(None), exchange):
            self.fail(operation, problem, exchange, check="error_envelope")

    def judge(self, operation_id: str | None, exchange: Exchange, names: Iterable[str] | None = None,
              params: Mapping[str, str] | None = None, report_unjudged: bool = True) -> registry.Verdict:
        """Hands an exchange the kit produced to the registry's checks (`names`, or all that apply): each problem a
        finding under the check's name, each thing it could not judge inconclusive (unless the flow reports those
        itself: `report_unjudged` False)."""
        judging = self.judging(operation_id)
        if params:
            judging = registry.Judging(judging.api, judging.contract, operation_id, params, judging.label,
                                       envelope=judging.envelope, auth_code=judging.auth_code)
        verdict = registry.judge(judging, exchange, self.history, names)
        for check, problem in verdict.problems:
            reported_as = self.outcome.check if check in CONFORMANCE and check in self.judged_by else check
            self.fail(judging.label or exchange.path, problem, exchange, check=reported_as or check)
        for check, reason in verdict.unjudged if report_unjudged else ():
            self.not_verified(reason, check=check)
        return verdict

    def response_problems(self, operation_id: str, exchange: Exchange, media: str = "application/json") -> list[str]:
        """Schema errors of a JSON response against the profile's schema for its status."""
        schema = self.contract.response_schema(operation_id, exchange.status, media)
        if schema is None:
            op = self.contract.operation(operation_id)
            if op is not None and op.response(exchange.status) is None:
                return [f"status {exchange.status} is not documented for {op.label}"]
            return []
        try:
            body = exchange.json()
        except ValueError:
            return [f"the body is not JSON: {exchange.text[:120]!r}"]
        return self.contract.schema_errors(schema, body)


def run_checks(checks: Iterable[Check], ctx: Context, progress: Callable[[Outcome], None]) -> list[Outcome]:
    outcomes = []
    for check in checks:
        ctx.outcome = Outcome(check=check.name)
        ctx.judged_by = check.judged_by
        started = time.monotonic()
        try:
            check.run(ctx)
        except AssertionError as error:
            ctx.fail("", str(error))
        except httpx.HTTPError as error:
            ctx.outcome.errors.append(f"{type(error).__name__}: {error}")
        except Exception as error:  # a check crashing is a kit bug or a server answer it cannot read
            ctx.outcome.errors.append(f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=3)}")
        ctx.outcome.seconds = time.monotonic() - started
        outcomes.append(ctx.outcome)
        progress(ctx.outcome)
    return outcomes


# --- generic checks ----------------------------------------------------------------------------------------------

def check_auth(ctx: Context) -> None:
    """Sends each secured probe without credentials and with a made-up key; the registry's `auth` judges both."""
    for probe in ctx.api.auth_probes(ctx):
        op = ctx.contract.operation(probe.operation_id)
        if op is None or not op.security_schemes:
            continue
        invalid = f"{INVALID_KEY}{ctx.random.randrange(10**9)}"
        for headers in ({}, ctx.credentials(probe.operation_id, invalid)):
            ctx.call(probe.operation_id, probe.path, json_body=probe.json_body, headers=headers, auth=False)


def check_rate_limit(ctx: Context) -> None:
    """A burst above the documented per-second limit gets 429 in the envelope, not before the limit, and the limit
    lifts once its `Retry-After` (or, without one, the one-second window) has passed."""
    limits = [entry for entry in ctx.contract.extension("x-wfmock-rate-limits") or [] if entry.get("window") == 1]
    if not limits:
        ctx.not_verified("the contract documents no per-second rate limit")
        return
    limit = int(limits[0]["limit"])
    probe = ctx.api.rate_limit_probe(ctx)
    op = ctx.contract.operation(probe.operation_id)
    time.sleep(1.2)  # start from an empty window: the kit's own paced requests may still count
    burst = limit + 5
    headers = ctx.credentials(probe.operation_id)
    results: list[tuple[Exchange, float, float] | None] = [None] * burst

    def send(index: int) -> None:
        sent = time.monotonic()
        exchange = ctx.client.request(op.method.upper(), probe.path, headers=headers, json_body=probe.json_body,
                                      retry_rate_limited=False, pace=False)
        results[index] = (exchange, sent, time.monotonic())

    threads = [threading.Thread(target=send, args=(i,)) for i in range(burst)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timed = [r for r in results if r is not None]
    answered = [exchange for exchange, _, _ in timed]
    limited = [exchange for exchange in answered if exchange.status == 429]
    took = max(end for _, _, end in timed) - min(sent for _, sent, _ in timed)
    if not limited:
        if took > 1.0:
            ctx.not_verified(f"limit not reached: the burst of {burst} requests took {took:.2f} s, longer than the "
                             f"one-second window the limit of {limit} applies to (a slow server or a loaded machine)")
        else:
            ctx.fail(op.label, f"{burst} requests within {took:.2f} s: expected 429 after the first {limit}, "
                               f"got {sorted({r.status for r in answered})}", answered[-1])
        time.sleep(1.2)
        return
    ctx.expect(len(answered) - len(limited) >= limit, op.label,
               f"429 before the limit: only {len(answered) - len(limited)} of {burst} requests in one second "
               f"were served, the contract allows {limit}", limited[0])
    for exchange in limited[:2]:
        ctx.check_envelope(op.label, exchange)
        for problem in ctx.response_problems(probe.operation_id, exchange):
            ctx.fail(op.label, f"429 response: {problem}", exchange)
        documented = op.response(429) or {}
        for name, header in (ctx.contract.resolve(documented).get("headers") or {}).items():
            if not ctx.contract.resolve(header).get("required"):
                continue  # an optional header, or one the profile relaxes (an inferred decision, documented)
            ctx.expect(name.lower() in exchange.response_headers, op.label,
                       f"429 response lacks the required header {name}", exchange)
    last_limited_at = max(end for exchange, _, end in timed if exchange.status == 429)
    _judge_limit_lifts(ctx, op, probe, headers, limited[-1], last_limited_at)


LIFT_ALLOWANCE = 0.25  # seconds past Retry-After before the kit asks again (clock granularity on either side)


def _judge_limit_lifts(ctx: Context, op: Any, probe: Probe, headers: dict[str, str], limited: Exchange,
                       limited_at: float) -> None:
    """After the wait a 429 asked for (`Retry-After`; the one-second window when it names none), a request is
    served again. Waits at most `MAX_RETRY_WAIT` seconds."""
    stated = limited.response_headers.get("retry-after")
    wait = retry_after(stated)
    time.sleep(max(0.0, limited_at + wait + LIFT_ALLOWANCE - time.monotonic()))
    again = ctx.client.request(op.method.upper(), probe.path, headers=headers, json_body=probe.json_body,
                               retry_rate_limited=False, pace=False)
    said = f"Retry-After: {stated}" if stated else "no Retry-After (so the one-second window)"
    ctx.expect(again.status != 429, op.label,
               f"the limit did not lift: still 429 {time.monotonic() - limited_at:.1f} s after a 429 that said "
               f"{said}", again)
    time.sleep(1.2)  # leave the window empty for whatever runs next


def check_error_envelope(ctx: Context) -> None:
    """Requests the server must refuse (unknown path, wrong method, malformed JSON) answer in the envelope."""
    for probe, expected in ctx.api.error_probes(ctx):
        op = ctx.contract.operation(probe.operation_id)
        label = op.label if op else probe.path
        headers = ctx.credentials(probe.operation_id) if op else {}
        if isinstance(probe.json_body, bytes):
            headers["Content-Type"] = "application/json"
            exchange = ctx.client.request(probe.method, probe.path, headers=headers, content=probe.json_body)
        else:
            exchange = ctx.client.request(probe.method, probe.path, headers=headers, json_body=probe.json_body)
        if ctx.expect(exchange.status >= 400 and exchange.status < 500, label,
                      f"{probe.method} {probe.path}: expected a 4xx ({expected}), got {exchange.status}", exchange):
            ctx.check_envelope(label, exchange)
            if probe.code:
                for problem in situation_code_problems(expected, probe.code, exchange.json_or_none()):
                    ctx.fail(label, f"{probe.method} {probe.path}: {problem}", exchange)
    for probe in ctx.api.auth_probes(ctx)[:1]:  # a 401 is an error too, and a different status than the 400s
        op = ctx.contract.operation(probe.operation_id)
        exchange = ctx.client.request(op.method.upper(), probe.path, json_body=probe.json_body)
        if exchange.status >= 400:
            ctx.check_envelope(op.label, exchange)


GENERIC_CHECKS = (
    Check("error_envelope", "error-envelope", check_error_envelope,
          "refused requests answer in the API's error envelope"),
    Check("auth", "auth", check_auth, "missing or invalid credentials get 401 in the envelope", judged_by=("auth",)),
    Check("rate_limit", "rate-limit", check_rate_limit, "a burst above the per-second limit gets 429"),
)
