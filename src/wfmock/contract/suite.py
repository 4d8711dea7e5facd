"""The kit's own flows: what a flow is, the context it runs in, and the generic ones.

A `Check` is a named flow of requests (a function of a `Context`). It only produces exchanges: each one goes
through `Context.produced` to the registry's checks its `judged_by` names (`wfmock.contract.checks`), the same pure
functions the validating proxy runs on live traffic. What a flow still reports itself is about its own progress (a
request it needs refused, a run that never finished in time, something it could not judge).
The generic flows here (error envelope, auth, rate limit) read everything API-specific from the contract document and
from the API module (`wfmock.apis.<api>.checks`).
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
from wfmock.contract.findings import Finding, Outcome
from wfmock.contract.settings import Settings
from wfmock.openapi.security import headers_for_key


# A flow whose `judged_by` names these has every answer it reads judged against the contract, as its own findings
# (reported under the flow's name: an upload answer without a documented field is the upload flow's finding; a 429
# without its required Retry-After is the rate limit's).
CONFORMANCE = ("status_code_conformance", "response_schema_conformance")
FLOWS_OWN = (*CONFORMANCE, "response_headers_conformance")  # reported under the flow's name where it names them


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
        return self.send(operation_id, path, json_body=json_body, params=params, headers=headers, auth=auth,
                         files=files, form=form)[0]

    def send(self, operation_id: str, path: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, auth: bool = True, files: list | None = None,
             form: Mapping[str, str] | None = None) -> tuple[Exchange, registry.Verdict]:
        """`call`, with the verdict of the running flow's checks (for a flow that decides what to do next by it)."""
        op = self.contract.operation(operation_id)
        method = op.method if op else "get"
        sent = {**(self.credentials(operation_id) if auth else {}), **(headers or {})}
        exchange = self.client.request(method.upper(), path, headers=sent, json_body=json_body, params=params,
                                       files=files, form=form)
        return exchange, self.produced(operation_id, exchange)

    def produced(self, operation_id: str | None, exchange: Exchange, report_unjudged: bool = True,
                 arrived: bool = False) -> registry.Verdict:
        """An exchange the running flow produced: its arrival goes into the history (for the checks of later
        exchanges; `arrived`: the flow put it there already), a refusal's envelope is judged, and the flow's registry
        checks judge it. The verdict is returned so that a flow can decide what to do next (e.g. try again where a
        check could not judge)."""
        op = self.contract.operation(operation_id) if operation_id else None
        params = self.arrive(operation_id, exchange) if not arrived else _path_params(op, exchange)
        if exchange.status >= 400:
            self.check_envelope(op.label if op else exchange.path, exchange)
        if operation_id is not None and op is None:
            return registry.Verdict()  # an operation the profile skips: `profile_scope` says so once
        return self.judge(operation_id, exchange, self.judged_by, params, report_unjudged)

    def arrive(self, operation_id: str | None, exchange: Exchange) -> dict[str, str]:
        """Puts a request into the history as having reached the server; its path parameters. A concurrent burst
        arrives whole before any of its answers is judged, as the server saw it."""
        op = self.contract.operation(operation_id) if operation_id else None
        params = _path_params(op, exchange)
        self.history.arrived(exchange, operation_id if op else None, params, credential(exchange, self.contract))
        return params

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
            reported_as = self.outcome.check if check in FLOWS_OWN and check in self.judged_by else check
            self.fail(judging.label or exchange.path, problem, exchange, check=reported_as or check)
        for check, reason in verdict.unjudged if report_unjudged else ():
            self.not_verified(reason, check=check)
        return verdict


def _path_params(op: Any, exchange: Exchange) -> dict[str, str]:
    found = op.path_regex.match(exchange.path) if op is not None else None
    return found.groupdict() if found else {}


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
    """A burst above the documented per-second limit, then one request after the wait its last 429 asked for;
    `rate_limit` judges each answer against the key's requests before it (too many served, a 429 before the limit
    or after it should have lifted), and a 429's envelope, schema and required headers are judged as well."""
    limits = [entry for entry in ctx.contract.extension("x-wfmock-rate-limits") or [] if entry.get("window") == 1]
    if not limits:
        ctx.not_verified("the contract documents no per-second rate limit")
        return
    limit = int(limits[0]["limit"])
    probe = ctx.api.rate_limit_probe(ctx)
    op = ctx.contract.operation(probe.operation_id)
    headers = ctx.credentials(probe.operation_id)
    for _ in range(BURST_TRIES):  # a burst the machine spread over more than the window is sent again
        time.sleep(1.2)  # start from an empty window: the kit's own paced requests (or the last burst) may still count
        answered = _burst(ctx, op, probe, headers, limit + 5)
        limited = [exchange for exchange in answered if exchange.status == 429]
        took = max(e.answered for e in answered) - min(e.started for e in answered)
        if limited or took <= 1.0:
            break
    if not limited and took > 1.0:
        ctx.not_verified(f"limit not reached: {BURST_TRIES} bursts of {limit + 5} requests each took longer than the "
                         f"one-second window the limit of {limit} applies to (last: {took:.2f} s; a slow server or a "
                         f"loaded machine)")
    if limited:
        _ask_after_the_wait(ctx, op, probe, headers, limited[-1])
    time.sleep(1.2)  # leave the window empty for whatever runs next


BURST_TRIES = 3


def _burst(ctx: Context, op: Any, probe: Probe, headers: dict[str, str], size: int) -> list[Exchange]:
    """`size` requests at once; every one of them is in the history before the first answer is judged."""
    results: list[Exchange | None] = [None] * size

    def send(index: int) -> None:
        results[index] = ctx.client.request(op.method.upper(), probe.path, headers=headers, json_body=probe.json_body,
                                            retry_rate_limited=False, pace=False)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = sorted((exchange for exchange in results if exchange is not None), key=lambda e: e.answered)
    for exchange in answered:
        ctx.arrive(probe.operation_id, exchange)
    for exchange in answered:
        ctx.produced(probe.operation_id, exchange, arrived=True)
    return answered


LIFT_ALLOWANCE = 0.25  # seconds past Retry-After before the kit asks again (clock granularity on either side)


def _ask_after_the_wait(ctx: Context, op: Any, probe: Probe, headers: dict[str, str], limited: Exchange) -> None:
    """One request after the wait a 429 asked for (`Retry-After`; the one-second window when it names none), for
    `rate_limit` to judge whether the limit lifted. Waits at most `MAX_RETRY_WAIT` seconds."""
    wait = retry_after(limited.response_headers.get("retry-after"))
    time.sleep(max(0.0, limited.answered + wait + LIFT_ALLOWANCE - time.monotonic()))
    ctx.produced(probe.operation_id, ctx.client.request(op.method.upper(), probe.path, headers=headers,
                                                        json_body=probe.json_body, retry_rate_limited=False,
                                                        pace=False))


def check_error_envelope(ctx: Context) -> None:
    """Sends the requests the server must refuse (unknown path, wrong method, malformed JSON, the seed's refusals)
    and one without credentials; `error_envelope` judges each answer."""
    for probe, _ in ctx.api.error_probes(ctx):
        op = ctx.contract.operation(probe.operation_id)
        headers = ctx.credentials(probe.operation_id) if op else {}
        if isinstance(probe.json_body, bytes):
            headers["Content-Type"] = "application/json"
            exchange = ctx.client.request(probe.method, probe.path, headers=headers, content=probe.json_body)
        else:
            exchange = ctx.client.request(probe.method, probe.path, headers=headers, json_body=probe.json_body)
        ctx.produced(probe.operation_id if _routes_to(op, exchange) else None, exchange)
    for probe in ctx.api.auth_probes(ctx)[:1]:  # a 401 is an error too, and a different status than the 400s
        op = ctx.contract.operation(probe.operation_id)
        ctx.produced(probe.operation_id, ctx.client.request(op.method.upper(), probe.path, json_body=probe.json_body))


def _routes_to(op: Any, exchange: Exchange) -> bool:
    """Whether the exchange is a request to `op` (a probe may use another method or path: none of the contract's)."""
    return op is not None and op.method.upper() == exchange.method.upper() and bool(op.path_regex.match(exchange.path))


GENERIC_CHECKS = (
    Check("error_envelope", "error-envelope", check_error_envelope,
          "refused requests answer in the API's error envelope", judged_by=("error_envelope",)),
    Check("auth", "auth", check_auth, "missing or invalid credentials get 401 in the envelope", judged_by=("auth",)),
    Check("rate_limit", "rate-limit", check_rate_limit, "a burst above the per-second limit gets 429",
          judged_by=("rate_limit", *CONFORMANCE, "response_headers_conformance")),
)
