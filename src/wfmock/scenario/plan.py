"""What the scenario decides for one request: the `Plan` every later pipeline stage and the behaviour read.

A `Plan()` with its defaults does nothing: no latency, no forced error, no fault, the run and the
stream as the API would have them on their own, no rate limit, no credit to charge, every credential valid.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wfmock.ratelimit import Decision


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


Charge = Callable[[], Awaitable[None]]  # takes one run's cost; raises the API's "exhausted" error when it cannot


@dataclass(frozen=True, slots=True)
class Credentials:
    """The scenario's credential states ("valid", "expired", "wrong_password", ...) by credential id."""

    states: Mapping[str, str] = field(default_factory=dict)
    default: str = "valid"

    def state(self, credential_id: str) -> str:
        return self.states.get(credential_id, self.default)


ALL_VALID = Credentials()


@dataclass(frozen=True, slots=True)
class Plan:
    """The scenario's decision for one request; `rule` names the rule that matched (for the journal).

    `charge` takes one run's cost from the caller's credit balance and raises the API's "exhausted" error when
    it cannot; the behaviour awaits it only once it accepts a run (None: the scenario keeps no credits).
    """

    latency: float = 0.0
    error: ForcedError | None = None
    fault: Fault | None = None
    run: RunOutcome | None = None
    stream: StreamShape | None = None
    fixture: str | None = None
    rule: str | None = None
    replay: Replay | None = None
    scenario: str | None = None
    rate_limit: Decision | None = None
    charge: Charge | None = None
    credentials: Credentials = ALL_VALID

    async def charge_run(self) -> None:
        """Charges an accepted run's cost (see `charge`); nothing when the scenario keeps no credits."""
        if self.charge is not None:
            await self.charge()
