"""A document's schemas compiled twice: a Rust validator answers "valid?" fast, jsonschema explains why not.

jsonschema (pure Python) takes about 0.7 ms to accept a createWorkflow body with its `oneOf` of
param shapes; jsonschema-rs takes about 1 µs. Valid instances, the common case, only pay the fast
check; an invalid one is re-checked by jsonschema, whose errors `explain` turns into the API's
messages. jsonschema stays the judge: an instance the fast check rejects but jsonschema accepts
is accepted. The fast validator never fetches remote references (`offline`).

A request body's raw JSON bytes that were found valid are remembered (a bounded set per schema): a load test
sends the same few bodies again and again, and under a server the fast check costs 6-12 µs of a request
(CPU caches cold after the HTTP work around it), not the 1 µs it takes in a loop. The bytes decide the value,
so the answer is the same.

`Validators` is one document's registry (built once) and its compiled schemas (cached), shared by the
simulator's operations and the kit's checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from wfmock.openapi.document import rebase_refs

VALID_BODIES = 256        # raw bodies remembered valid per schema (then forgotten all at once, and refilled)
VALID_BODY_BYTES = 4096   # longer bodies are checked every time: the set stays under 1 MiB per schema
MAX_CACHED = 512  # compiled schemas kept per document (the kit compiles the few it judges with, again and again)
SHOWN_ERRORS = 5


class CompiledSchema:
    """One schema, ready to check instances."""

    def __init__(self, schema: Mapping[str, Any], *, registry: Registry, format_checker: FormatChecker,
                 fast_registry: jsonschema_rs.Registry | None = None) -> None:
        self.schema = schema
        self.full = Draft202012Validator(schema, registry=registry, format_checker=format_checker)
        try:
            self.fast: jsonschema_rs.Draft202012Validator | None = jsonschema_rs.Draft202012Validator(
                schema, registry=fast_registry, validate_formats=True)
        except ValueError:  # a construct only jsonschema reads (a Python-only regex): it judges alone
            self.fast = None
        self._valid_bodies: set[bytes] = set()

    def iter_body_errors(self, raw: bytes, instance: Any) -> Iterator[ValidationError]:
        """`iter_errors` of the value `raw` decodes to, remembered for raw bodies found valid before."""
        if raw in self._valid_bodies:
            return iter(())
        if self.fast is None or not self.fast.is_valid(instance):
            return self.full.iter_errors(instance)
        if len(raw) <= VALID_BODY_BYTES:
            if len(self._valid_bodies) >= VALID_BODIES:
                self._valid_bodies.clear()
            self._valid_bodies.add(raw)
        return iter(())

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self.fast is not None and self.fast.is_valid(instance):
            return iter(())
        return self.full.iter_errors(instance)


class Validators:
    """One document as the resource both engines resolve `$ref`s against, and its schemas compiled on demand."""

    def __init__(self, uri: str, document: Mapping[str, Any]) -> None:
        self.uri = uri
        self.registry = Registry().with_resource(uri, Resource(contents=document, specification=DRAFT202012))
        self.fast_registry = jsonschema_rs.Registry([(uri, document)])
        self.format_checker = FormatChecker()
        self._cache: dict[int, tuple[Mapping[str, Any], CompiledSchema]] = {}

    def at(self, pointer: str) -> CompiledSchema:
        """A validator for the schema at `pointer` (a JSON pointer into the document)."""
        return self.compile({"$ref": f"{self.uri}#{quote(pointer, safe='/~')}"})

    def compile(self, schema: Mapping[str, Any]) -> CompiledSchema:
        """A validator for a schema whose `$ref`s are already absolute (see `rebase`)."""
        return CompiledSchema(schema, registry=self.registry, format_checker=self.format_checker,
                              fast_registry=self.fast_registry)

    def rebase(self, node: Any) -> Any:
        """`node` with its local `$ref`s pointing into this document."""
        return rebase_refs(node, self.uri)

    def of(self, schema: Mapping[str, Any]) -> CompiledSchema:
        """A validator for a schema of this document, built once per schema object (the cache holds the schema,
        so an id is never reused while cached) and bounded."""
        cached = self._cache.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        compiled = self.compile(self.rebase(schema))
        self._cache[id(schema)] = (schema, compiled)
        return compiled

    def errors(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        """`where: what` for the first few ways `instance` breaks `schema` (empty when it validates)."""
        found = sorted(self.of(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found[:SHOWN_ERRORS]]


def explain(error: ValidationError) -> str:
    """A one-line message for a schema error, descending into the intended `oneOf`/`anyOf` branch."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        if isinstance(error.schema, dict) and "x-wfmock-message" in error.schema:
            return str(error.schema["x-wfmock-message"])  # the spec's own words for this rule
        error = intended_branch(error)
    location = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        # The seed's own example names the bare field: "credentialId is required".
        return f"{missing_property(error) or 'a field'} is required"
    if error.validator == "minProperties":
        return f"{location or 'body'} needs at least {error.validator_value} key/value pair(s)"
    if error.validator == "additionalProperties":
        return f"{location or 'body'}: {error.message}"
    return f"{location}: {error.message}" if location else error.message


def intended_branch(error: ValidationError) -> ValidationError:
    """The most likely intended alternative: fewest discriminator (const/enum) misses, then fewest errors."""
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context or ():
        branches[sub.schema_path[0] if sub.schema_path else 0].append(sub)

    def rank(errors: list[ValidationError]) -> tuple[int, int, int]:
        misses = sum(1 for e in errors if e.validator in ("const", "enum", "type")
                     and len(e.absolute_path) <= len(error.absolute_path) + 2)
        return (misses, len(errors), -max(len(e.absolute_path) for e in errors))

    best = min(branches.values(), key=rank)
    return min(best, key=lambda e: (e.validator in ("oneOf", "anyOf") and not e.context, -len(e.absolute_path)))


def missing_property(error: ValidationError) -> str | None:
    """The property a `required` error names."""
    message = error.message
    if message.startswith("'") and "' is a required property" in message:
        return message[1 : message.index("' is a required property")]
    return None
