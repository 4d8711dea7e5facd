"""What the pipeline needs from an API: its spec, its error envelope and its behaviour."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from wfmock.errors import ApiError
from wfmock.openapi.spec import ApiSpec

if TYPE_CHECKING:
    from wfmock.apis.unit import ApiUnit
    from wfmock.pipeline.replies import Reply, StreamReply
    from wfmock.pipeline.request import Request
    from wfmock.state import Session


class Api(ABC):
    """A simulated API: routes come from `spec`; `handle` runs the behaviour for an operation.

    What the core knows of the API (name, prefixes, codes) is its registry `unit`'s; this is what it does.
    """

    unit: ClassVar["ApiUnit"]

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.unit.prefixes

    def code_for(self, error: ApiError) -> str:
        return self.unit.generic_code(error.code)

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
    async def handle(self, request: Request, session: Session) -> Reply | StreamReply:
        """Runs the behaviour bound to `request.operation_id`, as `request.plan` says.

        `session` offers the server's ids, clock, fixtures and data seed; scenario decisions come from the plan only.
        """

    @abstractmethod
    def reset(self) -> None:
        """Forgets every run, file and log (admin reset)."""

    def close_streams(self) -> None:
        """Graceful shutdown: end open streams with a final event (APIs without streams have none)."""

    def accepted_keys(self, configured: Collection[str]) -> set[str]:
        """The keys this API accepts when the server was given `configured` (empty: any key)."""
        return set(configured)

    async def recent_runs(self, now: float, base_url: str, limit: int) -> list[dict[str, Any]]:
        """The newest `limit` runs, newest first, for the console's run listing (an API without runs has none).

        Read from the store, so on a shared store they are every process's runs."""
        return []
