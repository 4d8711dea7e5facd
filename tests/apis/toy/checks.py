"""The toy's contract checks module: the surface the contract kit asks every API for, and no checks of its own."""

from __future__ import annotations

from typing import Any

from wfmock.openapi.profiles import Contract
from wfmock.contract.envelope import envelope_schema_problems
from wfmock.contract.suite import Check, Context, Probe

AUTH_CODE = "toy_unauthorized"  # the code the toy document gives a request without its key
PING = Probe("ping", "/toy/v1/ping", "get")
CHECKS: tuple[Check, ...] = ()


def envelope_problems(contract: Contract, status: int, content: bytes, headers: Any) -> list[str]:
    _, problems = envelope_schema_problems(contract, status, content, headers)
    return problems


def auth_probes(ctx: Context) -> list[Probe]:
    return [PING]


def rate_limit_probe(ctx: Context) -> Probe:
    return PING


def error_probes(ctx: Context) -> list[tuple[Probe, str]]:
    return [(Probe("ping", "/toy/v1/ping", "DELETE"), "a method the path does not have")]
