"""The document the simulator serves, compiled once: operations with ready validators, error catalogue, rate limits.

Nothing here walks the document per request. `ApiSpec.load` reads every operation (`wfmock.openapi.operations`)
and compiles its parameter and request-body schemas against the document's one validator registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from wfmock.openapi import security
from wfmock.openapi.document import document_path, load_yaml, resolve
from wfmock.openapi.operations import Operation, Parameter, read_operations
from wfmock.openapi.pointer import escape
from wfmock.openapi.validators import CompiledSchema, Validators


class ApiSpec:
    """One OpenAPI document: its operations, security schemes, error catalogue and rate limits."""

    def __init__(self, name: str, document: Mapping[str, Any]) -> None:
        self.name = name
        self.document = document
        self.validators = Validators(f"urn:wfmock:{name}", document)
        self.operations: dict[str, Operation] = {}
        for operation in read_operations(document, api=name):
            self._compile(operation)
            self.operations[operation.operation_id] = operation

    @classmethod
    def load(cls, name: str, path: Path | None = None) -> "ApiSpec":
        return cls(name, load_yaml(path or document_path(name)))

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
        return security.schemes(self.document)

    def error_status(self, code: str, default: int = 400) -> int:
        return int(self.errors.get(code, {}).get("status", default))

    # -- compiling -------------------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follows local `$ref`s until a node without one."""
        return resolve(self.document, node)

    def validator(self, pointer: str) -> CompiledSchema:
        """A compiled validator for the schema at `pointer` (a JSON pointer into the document)."""
        return self.validators.at(pointer)

    def _compile(self, operation: Operation) -> None:
        """Gives `operation` a validator per request-body media type and one for its path and query parameters."""
        declared = operation.node.get("requestBody") or {}
        base = declared["$ref"][1:] if "$ref" in declared else \
            f"/paths/{escape(operation.path)}/{operation.method.lower()}/requestBody"
        for media_type, media in (self.resolve(declared).get("content") or {}).items():
            if "schema" in media:
                operation.body_validators[media_type] = self.validators.at(f"{base}/content/{escape(media_type)}/schema")
        operation.parameter_validator = self._parameter_validator(operation.parameters)

    def _parameter_validator(self, parameters: tuple[Parameter, ...]) -> CompiledSchema | None:
        checked = [p for p in parameters if p.location in ("path", "query")]
        if not checked:
            return None
        return self.validators.compile({
            "type": "object",
            "properties": {p.name: self.validators.rebase(p.schema) for p in checked},
            "required": [p.name for p in checked if p.required],
        })
