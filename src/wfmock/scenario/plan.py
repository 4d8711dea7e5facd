"""What the scenario engine decides for one request: the `Plan` every later pipeline stage reads.

A `Plan()` with its defaults does nothing: no latency, no forced error, no fault, the run and the
stream as the API would have them on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """The parts of a request a scenario rule can match on."""

    api: str
    operation_id: str | None
    method: str
    path: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: Any = None                                          # parsed JSON, a form as a dict, or None
    api_key: str | None = None


@dataclass(frozen=True, slots=True)
class ForcedError:
    """Answer with this error code in the API's envelope; `status`/`message` None = from the catalogue."""

    code: str
    message: str | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    """A transport fault: `reset`, `empty`, `truncate` (`fraction` or `bytes`) or `drip` (`bytes_per_second`)."""

    kind: str
    fraction: float | None = None
    bytes: int | None = None
    bytes_per_second: float | None = None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How a run ends: its status, spelled as its API sends it, and why. Each API's unit extends it with its
    own knobs (`wfmock.apis.<name>.unit`) and says which statuses it has."""

    status: str | None = None
    error_message: str | None = None


@dataclass(frozen=True, slots=True)
class StreamShape:
    """Stream shaping; None leaves the API's own pacing for that knob."""

    event_delay: float | None = None
    chunk_size: int | None = None
    chunk_interval: float | None = None
    ping_interval: float | None = None
    error_after: int | None = None
    error_code: str | None = None
    disconnect_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    """A recorded answer (`wfmock proxy --record`): a whole body, or stream events each sent `at` seconds from the
    start (`data` is the event's data as recorded, `event` its SSE event name when it had one)."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = None
    events: tuple[tuple[float, str | None, str | None], ...] | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """The scenario's decision for one request; `rule` names the rule that matched (for the journal)."""

    latency: float = 0.0
    error: ForcedError | None = None
    fault: Fault | None = None
    run: RunOutcome | None = None
    stream: StreamShape | None = None
    fixture: str | None = None
    rule: str | None = None
    replay: Replay | None = None
