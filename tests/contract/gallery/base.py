"""What both reference servers share: request validation from the contract (tests.support.serving runs them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfmock.openapi.coerce import coerce
from wfmock.openapi.document import openapi_dir
from wfmock.openapi.profiles import Contract


def load_contract(api: str) -> Contract:
    return Contract.load(api, openapi_dir() / f"{api}.yaml", "strict")


def parameter_problems(contract: Contract, operation_id: str, query: Mapping[str, str],
                       path_params: Mapping[str, str]) -> list[str]:
    op = contract.operation(operation_id)
    problems = []
    for parameter in op.node.get("parameters") or []:
        parameter = contract.resolve(parameter)
        source = query if parameter["in"] == "query" else path_params if parameter["in"] == "path" else None
        if source is None:
            continue
        name = parameter["name"]
        if name not in source:
            if parameter.get("required"):
                problems.append(f"{name} is required")
            continue
        schema = contract.resolve(parameter.get("schema") or {})
        problems += contract.schema_errors(parameter.get("schema") or {}, coerce(source[name], schema))
    return problems


def body_problems(contract: Contract, operation_id: str, body: Any, media: str = "application/json") -> list[str]:
    op = contract.operation(operation_id)
    request_body = contract.resolve(op.node.get("requestBody") or {})
    schema = ((request_body.get("content") or {}).get(media) or {}).get("schema")
    return contract.schema_errors(schema, body) if schema is not None else []


def allowed_methods(app: Any, path: str) -> str:
    """The `Allow` header for a path: every method of the routes that match it."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.routes:
        match, _ = route.matches({"type": "http", "path": path, "method": "__none__"})
        if match != Match.NONE:
            methods |= set(route.methods or ())
    return ", ".join(sorted(methods))
