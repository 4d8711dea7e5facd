"""A validated scenario: named rules (match → actions) plus per-API rate limits, credits and credentials.

The loader builds these from YAML; the engine only reads them. Everything here is immutable, so a
scenario can be shared by several engines (the active one and per-request ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfmock.scenario.plan import Fault, ForcedError, Replay, RunOutcome, StreamShape

CREDENTIAL_STATES = ("valid", "expired", "wrong_password")


@dataclass(frozen=True, slots=True)
class Condition:
    """A test on one request value: `equals`, `one_of`, `regex` (search) or `present`."""

    kind: str
    value: Any = None
    pattern: Any = None  # a compiled RE2 pattern (linear-time search)

    def test(self, found: bool, actual: Any) -> bool:
        if self.kind == "present":
            return found is bool(self.value)
        if not found:
            return False
        if self.kind == "equals":
            return _same(actual, self.value)
        if self.kind == "one_of":
            return any(_same(actual, option) for option in self.value)
        if self.kind == "regex":
            assert self.pattern is not None
            return isinstance(actual, (str, int, float)) and not isinstance(actual, bool) and \
                self.pattern.search(str(actual)) is not None
        return False


def _same(actual: Any, expected: Any) -> bool:
    """Equality where text from a path, query or header equals the same YAML number or boolean."""
    if isinstance(actual, str) and isinstance(expected, bool):
        return actual == ("true" if expected else "false")
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected  # true is not 1
    if isinstance(actual, str) and isinstance(expected, (int, float)):
        return actual == str(expected)
    return bool(actual == expected)


@dataclass(frozen=True, slots=True)
class Match:
    """Which requests a rule is about; every given part must hold (an empty match takes everything)."""

    api: str | None = None
    operations: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    path_params: Mapping[str, Condition] = field(default_factory=dict)
    query: Mapping[str, Condition] = field(default_factory=dict)
    headers: Mapping[str, Condition] = field(default_factory=dict)  # lower-case names
    body: Mapping[str, Condition] = field(default_factory=dict)     # JSON pointer -> condition


@dataclass(frozen=True, slots=True)
class When:
    """Which of the matching requests the rule applies to (all given parts must hold; none = always)."""

    first: int | None = None
    every: int | None = None
    probability: float | None = None


@dataclass(frozen=True, slots=True)
class Latency:
    """Seconds to wait: `fixed` (value), `uniform` (low..high) or `lognormal` (median, sigma, cap)."""

    kind: str
    value: float = 0.0
    low: float = 0.0
    high: float = 0.0
    median: float = 0.0
    sigma: float = 0.0
    cap: float | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One scenario rule: match, when, then what (latency, error, fault, run, stream, fixture)."""

    name: str
    match: Match = field(default_factory=Match)
    when: When = field(default_factory=When)
    latency: Latency | None = None
    error: ForcedError | None = None
    fault: Fault | None = None
    run: Mapping[str, RunOutcome] = field(default_factory=dict)  # API name -> its outcome (its unit parsed it)
    stream: StreamShape | None = None
    fixture: str | None = None
    line: int = 0
    replay: Replay | None = None


@dataclass(frozen=True, slots=True)
class CreditPolicy:
    """Each key starts with `initial` credits; each run costs `cost`."""

    initial: int
    cost: int = 1


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario file."""

    name: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    rate_limits: Mapping[str, tuple[tuple[float, int], ...]] = field(default_factory=dict)
    credits: Mapping[str, CreditPolicy] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)
    default_credential: str = "valid"
    source: str = ""
