"""imprun workflows v2 as a unit of the registry: what the core needs to know about it, nothing it does."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from wfmock import errors
from wfmock.apis.unit import ApiUnit, RunVocabulary
from wfmock.scenario.plan import RunOutcome

TITLES = {413: "Payload Too Large"}  # the older, better-known phrase


@dataclass(frozen=True, slots=True)
class ImprunOutcome(RunOutcome):
    """An imprun run's end: `after` seconds RUNNING, then `status` with `error_code` (FAILED default
    AUTHENTICATION_FAILED, TIMED_OUT default TIMEOUT)."""

    after: float | None = None
    error_code: str | None = None


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """`{error, message, code}`: the status's phrase, and the code in imprun's upper case."""
    return {"error": TITLES.get(status) or HTTPStatus(status).phrase, "message": message, "code": code.upper()}


UNIT = ApiUnit(
    name="imprun",
    label="imprun",
    title="imprun workflows v2",
    prefixes=("/v2/", "/console/"),
    document="imprun",
    build="wfmock.apis.imprun.api:build",
    generic_codes={
        errors.NOT_FOUND: "NOT_FOUND",
        errors.METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
        errors.UNAUTHORIZED: "INVALID_API_KEY",
        errors.RATE_LIMITED: "RATE_LIMIT_EXCEEDED",
        errors.INVALID_REQUEST: "VALIDATION_ERROR",
        errors.UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
        errors.PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
        errors.INTERNAL: "INTERNAL_ERROR",
        errors.UNAVAILABLE: "SERVICE_UNAVAILABLE",
    },
    error_body=error_body,
    credit_exhausted=("INSUFFICIENT_CREDIT", 402),
    run=RunVocabulary(statuses=("SUCCEEDED", "FAILED", "TIMED_OUT"), outcome=ImprunOutcome),
    actions=frozenset({"fixture"}),
    checks="wfmock.apis.imprun.checks",
    record="wfmock.apis.imprun.record",
)
