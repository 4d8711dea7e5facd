"""Matches a method and path to a documented operation, or says why none matches (404 / 405)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from wfmock.errors import METHOD_NOT_ALLOWED, NOT_FOUND, ApiError
from wfmock.openapi.operations import Operation


@dataclass(frozen=True, slots=True)
class Route:
    """The documented operation a request's method and path name, and the path's parameters."""

    operation: Operation
    path_params: dict[str, str]


class Router:
    """Static paths by dictionary lookup, templated paths by one compiled pattern each."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._static: dict[str, dict[str, Operation]] = {}
        self._templated: list[tuple[re.Pattern[str], dict[str, Operation]]] = []
        templated: dict[str, dict[str, Operation]] = {}
        for operation in operations:
            table = templated if operation.is_templated else self._static
            table.setdefault(operation.path, {})[operation.method] = operation
        for path, methods in templated.items():
            self._templated.append((methods[next(iter(methods))].path_regex, methods))

    def match(self, method: str, path: str) -> Route:
        """The operation for `method path`; `ApiError` NOT_FOUND or METHOD_NOT_ALLOWED otherwise."""
        methods = self._static.get(path)
        params: dict[str, str] = {}
        if methods is None:
            for pattern, candidate in self._templated:
                found = pattern.match(path)
                if found:
                    methods, params = candidate, found.groupdict()
                    break
        if methods is None:
            raise ApiError(NOT_FOUND, f"No route matches {path}", status=404)
        operation = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
        if operation is None:
            allow = ", ".join(sorted(methods))
            raise ApiError(
                METHOD_NOT_ALLOWED, f"Method {method} is not allowed on {path}", status=405, headers={"Allow": allow}
            )
        return Route(operation, params)
