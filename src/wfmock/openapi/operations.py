"""The operations of a document: one `Operation` (and its `Parameter`s) for the simulator, the kit and the proxy.

An operation is read from the document once: its method, path, security (the document's default when it
declares none), parameters with `$ref`s resolved. The simulator's `ApiSpec` also hands it compiled validators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from wfmock.openapi.document import resolve

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_PARAM_IN_PATH = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One path, query or header parameter with its (resolved) schema."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(slots=True)
class Operation:
    """A documented operation. `method` is upper case; the validators are empty unless `ApiSpec` compiled them."""

    operation_id: str
    method: str
    path: str
    node: Mapping[str, Any] = field(repr=False)
    security: tuple[tuple[str, ...], ...]
    parameters: tuple[Parameter, ...]
    body_required: bool
    api: str = ""
    body_validators: dict[str, Any] = field(default_factory=dict, repr=False)
    parameter_validator: Any = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_regex(self) -> re.Pattern[str]:
        return path_pattern(self.path)

    @property
    def is_templated(self) -> bool:
        return "{" in self.path

    @property
    def security_schemes(self) -> tuple[str, ...]:
        """The names of every scheme the operation accepts, in the order declared, each once."""
        return tuple(dict.fromkeys(name for requirement in self.security for name in requirement))

    def extension(self, name: str, default: Any = None) -> Any:
        return self.node.get(name, default)

    def response(self, status: int | str) -> Mapping[str, Any] | None:
        """The documented response for `status` (or its `4XX`-style range), unresolved; None when undocumented."""
        responses = self.node.get("responses") or {}
        return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")


def path_pattern(template: str) -> re.Pattern[str]:
    """A path template (`/runs/{id}`) as a regex whose named groups are its parameters."""
    escaped = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    return re.compile("^" + _PARAM_IN_PATH.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", escaped) + "$")


def operation_nodes(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, lower-case method, node) of every operation of the document, in document order."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                yield path, method, item[method]


def read_operations(document: Mapping[str, Any], api: str = "") -> Iterator[Operation]:
    """Every operation of the document, without validators."""
    for path, method, node in operation_nodes(document):
        yield read_operation(document, path, method, node, api)


def read_operation(document: Mapping[str, Any], path: str, method: str, node: Mapping[str, Any],
                   api: str = "") -> Operation:
    shared = (document.get("paths") or {}).get(path, {}).get("parameters") or []
    body = resolve(document, node.get("requestBody") or {})
    return Operation(
        operation_id=node.get("operationId") or f"{method} {path}",
        method=method.upper(),
        path=path,
        node=node,
        security=tuple(tuple(requirement) for requirement in node.get("security", document.get("security")) or []),
        parameters=_parameters(document, [*shared, *(node.get("parameters") or [])]),
        body_required=bool(body.get("required", False)),
        api=api,
    )


def _parameters(document: Mapping[str, Any], raw: list[Any]) -> tuple[Parameter, ...]:
    """The parameters by (name, location): an operation's own replaces the path item's shared one."""
    by_key: dict[tuple[str, str], Parameter] = {}
    for item in raw:
        item = resolve(document, item)
        if not isinstance(item, Mapping) or "name" not in item or "in" not in item:
            continue
        by_key[(item["name"], item["in"])] = Parameter(
            name=item["name"],
            location=item["in"],
            required=bool(item.get("required", item["in"] == "path")),
            schema=resolve(document, item.get("schema") or {}),
        )
    return tuple(by_key.values())
