"""MISO (Dify-derived) as a unit of the registry: what the core needs to know about it, nothing it does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfmock import errors
from wfmock.apis.unit import ApiUnit, RunVocabulary
from wfmock.scenario.plan import RunOutcome


@dataclass(frozen=True, slots=True)
class MisoOutcome(RunOutcome):
    """A MISO run's end: `failed` at `failed_node` (a node id, title, type or 1-based index; default the 2nd)."""

    failed_node: str | int | None = None


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """Dify's `{code, message, status}`."""
    return {"code": code, "message": message, "status": status}


UNIT = ApiUnit(
    name="miso",
    label="MISO",
    title="MISO workflow API",
    prefixes=("/ext/",),
    document="miso",
    build="wfmock.apis.miso.api:build",
    generic_codes={
        errors.NOT_FOUND: "not_found",
        errors.METHOD_NOT_ALLOWED: "method_not_allowed",
        errors.UNAUTHORIZED: "unauthorized",
        errors.RATE_LIMITED: "too_many_requests",
        errors.INVALID_REQUEST: "invalid_param",
        errors.UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
        errors.PAYLOAD_TOO_LARGE: "file_too_large",
        errors.INTERNAL: "internal_server_error",
        errors.UNAVAILABLE: "service_unavailable",
    },
    error_body=error_body,
    credit_exhausted=("provider_quota_exceeded", 400),
    run=RunVocabulary(statuses=("succeeded", "failed"), outcome=MisoOutcome),
    actions=frozenset({"stream"}),
    checks="wfmock.apis.miso.checks",
    record="wfmock.apis.miso.record",
)
