"""Which contract operation a request is: the OpenAPI path templates of every served API, compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wfmock.openapi.operations import operation_nodes, path_pattern
from wfmock.openapi.profiles import Contract

API_PREFIXES = {"miso": "/ext/", "imprun": "/"}  # a path no operation matches belongs to the first prefix it has


@dataclass(frozen=True)
class Route:
    api: str
    operation_id: str
    method: str
    pattern: re.Pattern[str]


class Router:
    def __init__(self, contracts: dict[str, Contract]) -> None:
        self.routes: list[Route] = []
        self.labels: dict[str, str] = {}  # operationId -> `METHOD /template`
        for api, contract in contracts.items():
            for template, method, node in operation_nodes(contract.raw):
                if node.get("operationId"):
                    self.routes.append(Route(api, node["operationId"], method, path_pattern(template)))
                    self.labels[node["operationId"]] = f"{method.upper()} {template}"
        self.apis = tuple(contracts)

    def match(self, method: str, path: str) -> tuple[str | None, str | None, dict[str, str]]:
        """(api, operationId, path parameters); (api guessed from the prefix, None, {}) for an unknown operation."""
        method = method.lower()
        for route in self.routes:
            if route.method == method:
                found = route.pattern.match(path)
                if found:
                    return route.api, route.operation_id, found.groupdict()
        for api, prefix in API_PREFIXES.items():
            if api in self.apis and path.startswith(prefix):
                return api, None, {}
        return None, None, {}
