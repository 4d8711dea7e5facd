"""Reading an OpenAPI document in the spec tests: local `$ref`s and operations (walking: `wfmock.pointer.walk`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wfmock.pointer import lookup, walk

__all__ = ["METHODS", "operations", "resolve", "walk"]

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace", "query")


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follows local `$ref`s until a node without one."""
    while isinstance(node, dict) and "$ref" in node:
        node = lookup(document, node["$ref"])
    return node


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation of the document."""
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]
