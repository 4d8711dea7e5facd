"""Runs schemathesis (examples, coverage, fuzzing, stateful; every check) over one contract.

The document the profile produced is loaded in-process, credentials are given per security
scheme (so `ignored_auth` is never silently skipped), streams are read whole, requests are
paced through a `before_call` hook and a 429 is waited out (`rate-limit = "auto"`, which still
validates the 429 it retried). One extra schemathesis check, `error_envelope`, judges every
non-2xx body with the API's envelope, as the kit's own checks do. Properties that reference another
operation's result (`x-wfmock-references`) get real ids in positive cases (`wfmock.contract.references`).
Hooks are scoped to the run's own schema where schemathesis allows it; the two it only offers
process-wide find their run through the case's schema.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from wfmock.contract.checks.registry import Judging
from wfmock.contract.client import CREDENTIAL_PLACEHOLDER, Pacer
from wfmock.openapi.profiles import Contract
from wfmock.contract.exchange import Exchange
from wfmock.contract.references import install as install_references
from wfmock.contract.findings import Finding, Outcome
from wfmock.contract.settings import PHASES, Settings
from wfmock.openapi import security


# Failures that say "the server should have refused this request"; under the documented profile they stand only
# when the request breaks what the seed documents, not merely a decision (x-wfmock-inferred) it leaves open.
REFUSAL_FAILURES = ("ST201", "ST203")  # negative_data_rejection, missing_required_header


@dataclass(frozen=True)
class _Run:
    """What one run's schemathesis hooks and check need: found through the schema each case belongs to, so two runs
    in one process (threads, the pytest plugin) never see each other's."""

    pacer: Pacer
    judging: Judging


_runs: dict[int, _Run] = {}  # id(schema) -> its run, while the run lasts
_runs_lock = threading.Lock()


def _run_of(case: Any) -> _Run | None:
    schema = getattr(getattr(case, "operation", None), "schema", None)
    with _runs_lock:
        return _runs.get(id(schema))


@contextlib.contextmanager
def _scoped(schema: Any, run: _Run) -> Iterator[None]:
    with _runs_lock:
        _runs[id(schema)] = run
    try:
        yield
    finally:
        with _runs_lock:
            _runs.pop(id(schema), None)


_registered = False
_registered_lock = threading.Lock()


def _register_process_hooks() -> None:
    """What schemathesis only offers process-wide (`before_call`, custom checks): registered once, each a no-op for
    a case of no kit run (a plain schemathesis run in the same process)."""
    global _registered
    with _registered_lock:
        if _registered:
            return
        import schemathesis

        @schemathesis.hook
        def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
            run = _run_of(case)
            if run is not None:
                run.pacer.wait()

        @schemathesis.check
        def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
            run = _run_of(case)
            if run is None or response.status_code < 400 or not _documents_json(case.operation, response.status_code):
                return None
            exchange = Exchange(method=case.method, path=case.formatted_path, status=response.status_code,
                                response_headers={k.lower(): v[0] if isinstance(v, list) and v else v
                                                  for k, v in response.headers.items()},
                                content=response.content)
            problems = run.judging.envelope_problems(exchange)
            if problems:
                raise AssertionError(f"{response.status_code} response: " + "; ".join(problems))
            return True

        _registered = True


def _install_run_hooks(schema: Any, contract: Contract, references: Mapping[tuple[str, str], str]) -> None:
    """The hooks schemathesis scopes to one schema: real ids for references, and the documented profile's filter
    of refusals the seed leaves open."""
    install_references(schema, references)

    @schema.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        if contract.strict or getattr(failure, "code", None) not in REFUSAL_FAILURES:
            return True
        problems = contract.documented_request_problems(
            case.operation.definition.raw, query=case.query, path_parameters=case.path_parameters,
            headers=case.headers, body=None if _not_set(case.body) else case.body, media_type=case.media_type)
        return problems is None or bool(problems)


def _not_set(value: Any) -> bool:
    from schemathesis.core import NOT_SET

    return value is NOT_SET


def _documents_json(operation: Any, status: int) -> bool:
    """Whether an error of this status is an envelope: a non-JSON documented error (an HTML page) is not."""
    definition = operation.definition.raw.get("responses", {}) if hasattr(operation, "definition") else {}
    documented = definition.get(str(status)) or definition.get(f"{str(status)[0]}XX")
    if not isinstance(documented, dict) or "$ref" in documented or not documented.get("content"):
        return True
    return any("json" in media for media in documented["content"])


def build_config(contract: Contract, settings: Settings) -> dict[str, Any]:
    auth = security.schemathesis_auth(security.schemes(contract.document), settings.api_key)
    return {
        "base-url": settings.base_url,
        "seed": settings.seed,
        "rate-limit": "auto",
        "max-stream-events": 1_000_000,
        "request-timeout": settings.timeout,
        "workers": settings.workers,
        # in memory: a run is reproduced by its --seed, and a kit run never leaves .hypothesis/ in the user's directory
        "generation": {"max-examples": settings.max_examples, "database": ":memory:"},
        "phases": {name: {"enabled": name in settings.phases, **({"max-steps": 6} if name == "stateful" else {})}
                   for name in PHASES},
        "auth": {"openapi": auth},
        # a 401/403 to a request that carried the right key must not pass (pitfall P2)
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2XX", "404"]},
                   **({} if settings.auth_enforced else {"ignored_auth": {"enabled": False}})},
    }


def run(contract: Contract, settings: Settings, api: ModuleType, pacer: Pacer,
        progress: Callable[[str], None], references: Mapping[tuple[str, str], str] | None = None) -> Outcome:
    """`references`: real values for `x-wfmock-references` targets, e.g. {("uploadFile", "id"): "<id>"}."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    _register_process_hooks()
    outcome = Outcome(check="schemathesis")
    started = time.monotonic()
    config = schemathesis.Config.from_dict(build_config(contract, settings))
    schema = schemathesis.openapi.from_dict(contract.document, config=config)
    _install_run_hooks(schema, contract, references or {})
    judging = Judging(settings.api, contract, envelope=api.envelope_problems, auth_code=api.AUTH_CODE)
    with _scoped(schema, _Run(pacer, judging)):
        for event in from_schema(schema).execute():
            if isinstance(event, events.PhaseStarted) and event.phase.name.value in PHASES:
                progress(f"schemathesis {event.phase.name.value} ...")
            elif isinstance(event, events.PhaseFinished) and event.phase.name.value in PHASES:
                progress(f"schemathesis {event.phase.name.value}: {event.status.value}")
            elif isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
                outcome.findings.extend(_findings(event.recorder, settings))
            elif isinstance(event, events.NonFatalError):
                outcome.errors.append(f"{event.label}: {_error_text(event)}")
            elif isinstance(event, events.FatalError):
                outcome.errors.append(f"schemathesis stopped: {event.exception}")
    outcome.seconds = time.monotonic() - started
    return outcome


def _findings(recorder: Any, settings: Settings) -> list[Finding]:
    found = []
    for nodes in recorder.checks.values():
        for node in nodes:
            info = node.failure_info
            if info is None:
                continue
            failure = info.failure
            message = f"{failure.code} {failure.title}"
            if failure.message:
                message += f": {failure.message.strip()}"
            found.append(Finding(check=node.name, operation=failure.operation or recorder.label,
                                 message=message, curl=_unfilter(info.code_sample), source="schemathesis"))
    return found


def _error_text(event: Any) -> str:
    info = event.info
    title = getattr(info, "title", "") or type(event.value).__name__
    return f"{title}: {event.value}"


_FILTERED = re.compile(r"-H '([A-Za-z0-9-]+): \[Filtered\]'")


def _unfilter(curl: str) -> str:
    """schemathesis hides credentials; put back a variable the reader can set, not the secret."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = f"Bearer {CREDENTIAL_PLACEHOLDER}" if name.lower() == "authorization" else CREDENTIAL_PLACEHOLDER
        return f'-H "{name}: {value}"'

    return _FILTERED.sub(replace, curl)
