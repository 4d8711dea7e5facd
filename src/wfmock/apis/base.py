"""What the pipeline needs from an API: its spec, its error envelope and its behaviour."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from wfmock.errors import ApiError
from wfmock.openapi.operations import Operation
from wfmock.openapi.spec import ApiSpec
from wfmock.render import Reply, StreamReply
from wfmock.validate import Incoming, ValidRequest

if TYPE_CHECKING:
    from wfmock.scenario.engine import ScenarioEngine
    from wfmock.scenario.plan import Plan
    from wfmock.state import Session


@dataclass(slots=True)
class Call:
    """One validated request, ready for the behaviour stage."""

    operation: Operation
    request: ValidRequest
    incoming: Incoming
    api_key: str | None
    plan: "Plan"
    session: "Session"
    engine: "ScenarioEngine"
    base_url: str


class Api(ABC):
    """A simulated API: routes come from `spec`; `handle` runs the behaviour for an operation."""

    name: str
    prefixes: tuple[str, ...]
    generic_codes: Mapping[str, str]

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec

    def code_for(self, error: ApiError) -> str:
        return self.generic_codes.get(error.code, error.code)

    def status_for(self, error: ApiError, code: str) -> int:
        return error.status or self.spec.error_status(code, default=400)

    def message_for(self, error: ApiError, code: str, status: int) -> str:
        if error.message:
            return error.message
        entry = self.spec.errors.get(code, {})
        return str(entry.get("message") or HTTPStatus(status).phrase)

    @abstractmethod
    def error_reply(self, error: ApiError) -> Reply:
        """The error rendered in this API's own envelope."""

    @abstractmethod
    async def handle(self, call: Call) -> Reply | StreamReply:
        """Runs the behaviour bound to `call.operation.operation_id`."""

    @abstractmethod
    def reset(self) -> None:
        """Forgets every run, file and log (admin reset)."""

    def close_streams(self) -> None:
        """Graceful shutdown: end open streams with a final event (APIs without streams have none)."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "operations": sorted(self.spec.operations)}
