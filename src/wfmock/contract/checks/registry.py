"""The registry of contract checks: named pure functions over recorded exchanges.

A check is `(judging, exchange, history) -> Result | None`: None when it does not apply to this exchange, else what
it found. It reads the contract from `judging` and earlier traffic from `history`, and changes neither: what later
checks should know about this exchange (a run's status, an uploaded file's id) a *recorder* returns as `Note`s, and
`judge` files them after every check has run (a check may leave notes of its own in its `Result`). So the kit's own flows and the validating proxy's live traffic hand
their exchanges to the same functions.

Generic checks register for every API (`wfmock.contract.checks.http`, `.stream`); API-specific ones register in
the checks module the API's unit names (`wfmock.apis.<api>.checks` for the bundled ones) with `api=`.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from wfmock.openapi.profiles import Contract
from wfmock.contract.exchange import Exchange

REMEMBERED = 10_000   # entries per history index, oldest forgotten first
RATE_MEMORY = 1000    # recent requests per credential the rate-limit check looks back over
GENERIC_MODULES = ("wfmock.contract.checks.http", "wfmock.contract.checks.stream")


@dataclass(frozen=True)
class Note:
    """Something a later exchange's check needs to know: `value` under `key` in the history index `index`."""

    index: str
    key: Any
    value: Any


@dataclass
class Result:
    """What one check found in one exchange: violations, what it could not judge (and why), and what its own
    later judgements need to know (filed in the history after every check of this exchange has run)."""

    problems: list[str] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class Timed(Protocol):
    """A request as it arrived; its answer may still be on its way (`status` 0)."""

    started: float
    answered: float
    status: int


class History:
    """What earlier exchanges left for the checks across calls: bounded indexes of notes, the requests as they
    arrived (by operation and path parameters), and each credential's recent requests. Thread-safe."""

    def __init__(self) -> None:
        self._indexes: dict[str, OrderedDict[Any, Any]] = {}
        self._by_credential: OrderedDict[str, deque[Timed]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, note: Note) -> None:
        with self._lock:
            index = self._indexes.setdefault(note.index, OrderedDict())
            index[note.key] = note.value
            index.move_to_end(note.key)
            while len(index) > REMEMBERED:
                index.popitem(last=False)

    def recall(self, index: str, key: Any, default: Any = None) -> Any:
        with self._lock:
            return self._indexes.get(index, {}).get(key, default)

    def keys(self, index: str) -> list[Any]:
        """Every key of an index, oldest first."""
        with self._lock:
            return list(self._indexes.get(index, {}))

    def arrived(self, request: Timed, operation_id: str | None, params: Mapping[str, str],
                credential: str | None) -> None:
        """A request reached the server (before its answer): for checks that need the order requests were sent in."""
        if operation_id is not None:
            self.remember(Note(arrival_index(operation_id), _params_key(params), request))
        if credential is None:
            return
        with self._lock:
            recent = self._by_credential.get(credential)
            if recent is None:
                if len(self._by_credential) >= REMEMBERED:
                    self._by_credential.popitem(last=False)
                recent = self._by_credential[credential] = deque(maxlen=RATE_MEMORY)
            recent.append(request)

    def arrival(self, operation_id: str, **params: str) -> Any:
        """The latest request to `operation_id` with these path parameters, as it arrived; None if none did."""
        return self.recall(arrival_index(operation_id), _params_key(params))

    def requests_of(self, credential: str) -> list[Timed]:
        with self._lock:
            return list(self._by_credential.get(credential) or ())


def arrival_index(operation_id: str) -> str:
    return f"arrived:{operation_id}"


def _params_key(params: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(params.items()))


@dataclass(frozen=True)
class Judging:
    """What a check judges an exchange against: the API, its contract (the profile's view), the operation the
    exchange was routed to (None: a path the contract does not have) and the path's parameters."""

    api: str
    contract: Contract
    operation_id: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    light: bool = False   # skip the costly parts (per-event schemas): said as not verified
    envelope: Callable[[Contract, int, bytes, Any], list[str]] | None = None  # the API's error-envelope problems
    auth_code: str | None = None  # the seed's code for a missing or bad key (None where the seed names none)

    @property
    def operation(self) -> Any:
        return self.contract.operation(self.operation_id) if self.operation_id else None

    def envelope_problems(self, exchange: Exchange) -> list[str]:
        if self.envelope is None:
            return []
        return self.envelope(self.contract, exchange.status, exchange.content, exchange.response_headers)


CheckFunction = Callable[[Judging, Exchange, History], "Result | None"]
RecorderFunction = Callable[[Judging, Exchange, History], Iterable[Note]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str                      # the name its findings carry in reports, JUnit and the proxy's violations
    judge: CheckFunction
    api: str | None = None         # None: every API
    operation_ids: tuple[str, ...] = ()  # empty: every operation (and exchanges to no known operation)


_checks: dict[str, RegisteredCheck] = {}
_registered: tuple[RegisteredCheck, ...] = ()
_recorders: list[tuple[str | None, RecorderFunction]] = []


def register(name: str, *, api: str | None = None, operations: Iterable[str] = ()) -> Callable[[CheckFunction],
                                                                                                 CheckFunction]:
    """Registers a check under `name` (for `api`, or every API when None; for `operations`, or every one)."""

    def add(function: CheckFunction) -> CheckFunction:
        key = f"{api or '*'}:{name}"
        if key in _checks and _checks[key].judge.__qualname__ != function.__qualname__:
            raise ValueError(f"two checks registered as {name!r} for {api or 'every API'}")
        _checks[key] = RegisteredCheck(name, function, api, tuple(operations))
        global _registered
        _registered = tuple(_checks.values())  # what judges read: replaced whole, never changed under them
        return function

    return add


def recorder(*, api: str | None = None) -> Callable[[RecorderFunction], RecorderFunction]:
    """Registers what an exchange leaves in the history for the checks of later exchanges."""

    def add(function: RecorderFunction) -> RecorderFunction:
        global _recorders
        if all(existing is not function for _, existing in _recorders):
            _recorders = [*_recorders, (api, function)]  # replaced whole, like the checks
        return function

    return add


_loaded: set[str] = set()
_loading = threading.Lock()


def load(api: str) -> None:
    """Imports the generic checks and `api`'s own (each module registers its checks as it is imported), once; a
    judge in another thread waits until every check is registered rather than see half of them."""
    if api in _loaded:
        return
    from wfmock.apis import registry as units  # the API's unit names its checks module (a test's API too)

    with _loading:
        for module in (*GENERIC_MODULES, units.get(api).checks):
            importlib.import_module(module)
        _loaded.add(api)


def checks_for(api: str, operation_id: str | None, names: Iterable[str] | None = None) -> list[RegisteredCheck]:
    load(api)
    wanted = set(names) if names is not None else None
    return [check for check in _registered
            if check.api in (None, api) and (not check.operation_ids or operation_id in check.operation_ids)
            and (wanted is None or check.name in wanted)]


def names(api: str) -> list[str]:
    """Every check name registered for `api` (generic ones included)."""
    load(api)
    return sorted({check.name for check in _registered if check.api in (None, api)})


@dataclass
class Verdict:
    """What one exchange was judged by (check names), what it broke `(check, message)`, and what could not be
    judged `(check, why not)`."""

    ran: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    unjudged: list[tuple[str, str]] = field(default_factory=list)


def judge(judging: Judging, exchange: Exchange, history: History, names: Iterable[str] | None = None) -> Verdict:
    """Runs every check that applies to the exchange (or only those named), then files its notes in `history`."""
    if exchange.status == 0:
        return Verdict(unjudged=[("upstream", exchange.error or "no answer")])
    if judging.operation_id is not None and judging.operation is None:
        return Verdict(unjudged=[("profile_scope", f"{judging.label} is not checked: the {judging.contract.profile} "
                                                   "profile skips it")])
    verdict, notes = Verdict(), []
    for check in checks_for(judging.api, judging.operation_id, names):
        result = check.judge(judging, exchange, history)
        if result is None:
            continue
        verdict.ran.append(check.name)
        verdict.problems += [(check.name, problem) for problem in result.problems]
        verdict.unjudged += [(check.name, reason) for reason in result.unjudged]
        notes += result.notes
    for api, record in _recorders:
        if api in (None, judging.api):
            notes += record(judging, exchange, history)
    for note in notes:
        history.remember(note)
    return verdict
