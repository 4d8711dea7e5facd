"""Request schemas compiled twice: a Rust validator answers "valid?" on the hot path, jsonschema explains why not.

jsonschema (pure Python) takes about 0.7 ms to accept a createWorkflow body with its `oneOf` of
param shapes; jsonschema-rs takes about 1 µs. Valid requests, the common case, only pay the fast
check; an invalid one is re-checked by jsonschema, whose errors `validate.explain` turns into the
API's messages. jsonschema stays the judge: a request the fast check rejects but jsonschema accepts
is accepted. The fast validator never fetches remote references (`offline`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry


class CompiledSchema:
    """One schema, ready to check instances; built once at start-up."""

    def __init__(self, schema: Mapping[str, Any], *, registry: Registry, format_checker: FormatChecker,
                 fast_registry: jsonschema_rs.Registry | None = None) -> None:
        self.schema = schema
        self.full = Draft202012Validator(schema, registry=registry, format_checker=format_checker)
        self.fast = jsonschema_rs.Draft202012Validator(schema, registry=fast_registry, validate_formats=True)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self.fast.is_valid(instance):
            return iter(())
        return self.full.iter_errors(instance)


def fast_registry(uri: str, document: Mapping[str, Any]) -> jsonschema_rs.Registry:
    """The document as the one resource the fast validators resolve `$ref`s against."""
    return jsonschema_rs.Registry([(uri, document)])
