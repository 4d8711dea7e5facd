"""Which contract operation a request is: the OpenAPI path templates of every served API, compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wfmock.apis import registry
from wfmock.openapi.operations import operation_nodes, path_pattern
from wfmock.openapi.profiles import Contract



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
        owner = registry.owner_of(path, among=self.apis)
        return (owner.name if owner is not None else None), None, {}
