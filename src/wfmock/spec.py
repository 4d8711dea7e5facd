"""Loads an OpenAPI document once and compiles what the hot path needs: operations and validators.

Nothing here walks the document per request. `ApiSpec.load` resolves every operation, its security,
parameters and request-body schemas into `Operation` objects with ready jsonschema validators.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jsonschema import FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from wfmock.pointer import MISSING, escape, lookup
from wfmock.schemas import CompiledSchema, fast_registry

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_PARAM_IN_PATH = re.compile(r"\{([^}/]+)\}")


def openapi_dir() -> Path:
    """The folder holding the OpenAPI documents: `$WFMOCK_OPENAPI_DIR` if set, else the bundled `openapi/`."""
    configured = os.environ.get("WFMOCK_OPENAPI_DIR")
    if configured:
        return Path(configured)
    return repo_dir() / "openapi"


def repo_dir() -> Path:
    """The folder holding the bundled `openapi/`, `fixtures/` and `scenarios/` (see `wfmock.bundle`)."""
    from wfmock import bundle

    return bundle.root()


@dataclass(frozen=True, slots=True)
class Parameter:
    """One path, query or header parameter with its schema's primitive type (for coercing strings)."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]

    @property
    def primitive(self) -> str | None:
        kind = self.schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        return kind


@dataclass(slots=True)
class Operation:
    """A documented operation, with everything the pipeline needs already compiled."""

    api: str
    operation_id: str
    method: str
    path: str
    security: tuple[tuple[str, ...], ...]
    parameters: tuple[Parameter, ...]
    body_required: bool
    body_validators: dict[str, CompiledSchema]
    parameter_validator: CompiledSchema | None
    node: Mapping[str, Any] = field(repr=False)

    @property
    def path_regex(self) -> re.Pattern[str]:
        pattern = _PARAM_IN_PATH.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(self.path).replace(r"\{", "{").replace(r"\}", "}"))
        return re.compile(f"^{pattern}$")

    @property
    def is_templated(self) -> bool:
        return "{" in self.path

    @property
    def security_schemes(self) -> frozenset[str]:
        return frozenset(name for requirement in self.security for name in requirement)

    def extension(self, name: str, default: Any = None) -> Any:
        return self.node.get(name, default)


class ApiSpec:
    """One OpenAPI document: its operations, security schemes, error catalogue and rate limits."""

    def __init__(self, name: str, document: Mapping[str, Any]) -> None:
        self.name = name
        self.document = document
        self.uri = f"urn:wfmock:{name}"
        self.registry = Registry().with_resource(self.uri, Resource(contents=document, specification=DRAFT202012))
        self.format_checker = FormatChecker()
        self.fast_registry = fast_registry(self.uri, document)
        self.operations: dict[str, Operation] = {}
        for path, item in document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                if method in item:
                    operation = self._compile(path, method, item[method], shared)
                    self.operations[operation.operation_id] = operation

    @classmethod
    def load(cls, name: str, path: Path | None = None) -> "ApiSpec":
        path = path or openapi_dir() / f"{name}.yaml"
        with open(path, encoding="utf-8") as handle:
            return cls(name, load_yaml(handle))

    # -- catalogue -------------------------------------------------------------------------------

    @cached_property
    def errors(self) -> dict[str, dict[str, Any]]:
        """Error code -> {status, message, ...} from the document's `x-wfmock-errors`."""
        return dict(self.document.get("x-wfmock-errors", {}))

    @cached_property
    def rate_limits(self) -> list[tuple[float, int]]:
        """The documented per-key windows as (seconds, limit) pairs; empty when undocumented."""
        return [(float(w["window"]), int(w["limit"])) for w in self.document.get("x-wfmock-rate-limits", [])]

    @cached_property
    def security_schemes(self) -> dict[str, dict[str, Any]]:
        return dict(self.document.get("components", {}).get("securitySchemes", {}))

    def error_status(self, code: str, default: int = 400) -> int:
        return int(self.errors.get(code, {}).get("status", default))

    # -- compiling -------------------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follows local `$ref`s until a node without one."""
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local references are supported: {ref}")
            node = lookup(self.document, ref)
            if node is MISSING:
                raise KeyError(f"{ref} points at nothing in the {self.name} document")
        return node

    def validator(self, pointer: str) -> CompiledSchema:
        """A compiled validator for the schema at `pointer` (a JSON pointer into the document)."""
        return self.compile_schema({"$ref": f"{self.uri}#{quote(pointer, safe='/~')}"})

    def compile_schema(self, schema: Mapping[str, Any]) -> CompiledSchema:
        return CompiledSchema(schema, registry=self.registry, format_checker=self.format_checker,
                              fast_registry=self.fast_registry)

    def _compile(self, path: str, method: str, node: Mapping[str, Any], shared: list[Any]) -> Operation:
        operation_id = node.get("operationId") or f"{method}{path}"
        security = node.get("security", self.document.get("security", []))
        parameters = self._parameters([*shared, *node.get("parameters", [])])
        pointer = f"/paths/{escape(path)}/{method}"
        body = self.resolve(node.get("requestBody", {}))
        body_validators = {}
        for media_type, media in body.get("content", {}).items():
            if "schema" in media:
                base = pointer + "/requestBody" if "$ref" not in node.get("requestBody", {}) else None
                if base is None:
                    schema_pointer = node["requestBody"]["$ref"][1:]
                else:
                    schema_pointer = base
                schema_pointer += f"/content/{escape(media_type)}/schema"
                body_validators[media_type] = self.validator(schema_pointer)
        return Operation(
            api=self.name,
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            security=tuple(tuple(requirement) for requirement in security),
            parameters=parameters,
            body_required=bool(body.get("required", False)),
            body_validators=body_validators,
            parameter_validator=self._parameter_validator(parameters),
            node=node,
        )

    def _absolute_refs(self, node: Any) -> Any:
        """A copy of `node` whose local `$ref`s point into this document (for schemas built here)."""
        if isinstance(node, Mapping):
            return {
                key: (f"{self.uri}{value}" if key == "$ref" and isinstance(value, str) and value.startswith("#")
                      else self._absolute_refs(value))
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [self._absolute_refs(item) for item in node]
        return node

    def _parameters(self, raw: list[Any]) -> tuple[Parameter, ...]:
        by_key: dict[tuple[str, str], Parameter] = {}
        for item in raw:
            item = self.resolve(item)
            schema = self.resolve(item.get("schema", {}))
            by_key[(item["name"], item["in"])] = Parameter(
                name=item["name"],
                location=item["in"],
                required=bool(item.get("required", item["in"] == "path")),
                schema=schema,
            )
        return tuple(by_key.values())

    def _parameter_validator(self, parameters: tuple[Parameter, ...]) -> CompiledSchema | None:
        checked = [p for p in parameters if p.location in ("path", "query")]
        if not checked:
            return None
        schema = {
            "type": "object",
            "properties": {p.name: self._absolute_refs(p.schema) for p in checked},
            "required": [p.name for p in checked if p.required],
        }
        return self.compile_schema(schema)


# libyaml's parser when PyYAML has it: the two documents load in ~40 ms instead of ~400 ms (start-up)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream: Any) -> Any:
    """`yaml.safe_load`, with libyaml's C parser when available (same safe constructor)."""
    return yaml.load(stream, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, C or Python
