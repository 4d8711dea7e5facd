"""Real ids for request properties that reference another operation's result, and the form cases no server can
refuse: what the schemathesis phase needs beyond the document.

A property marked `x-wfmock-references: {operationId: uploadFile, field: id}` (MISO's `upload_file_id`) must name
something the server already holds; a generated string names nothing, so a faithful server answers 400 ("Invalid
upload file id") and schemathesis would report a valid request as rejected (ST202). For positive cases (and the
spec's explicit examples), every such property, anywhere in the body, gets a real id: the contract kit's (it
creates one resource per reference before its schemathesis phase, see `install`), else the environment's,
`WFMOCK_<OPERATION_ID>_<FIELD>` in upper snake case (`uploadFile`/`id` is `WFMOCK_UPLOAD_FILE_ID`).

Negative form cases (multipart or urlencoded) that put a boolean, a number or null where the document asks for a
string are left out: on the wire a form field is text, so `false` is a valid string and no server can tell it
was meant as a boolean; schemathesis would report a faithful server for accepting it (ST201).

The kit installs these hooks on its own loaded schema (`install`); plain schemathesis users load them
process-wide from `wfmock.contract.hooks`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from schemathesis import GenerationMode

from wfmock.openapi.document import resolve
from wfmock.openapi.pointer import MISSING, lookup

EXTENSION = "x-wfmock-references"
Reference = tuple[str, str]  # (operationId, field)
Known = Callable[[str, str], "str | None"]  # (operationId, field) -> a value the server knows, or None

_lock = threading.Lock()
_cache: dict[tuple[int, str, str], tuple[Any, dict[str, Reference]]] = {}


# --- the registry ----------------------------------------------------------------------------------------------

def env_name(operation_id: str, field: str) -> str:
    """`uploadFile`, `id` -> `WFMOCK_UPLOAD_FILE_ID`."""
    return "WFMOCK_" + "_".join(_snake(part).upper() for part in (operation_id, field))


def from_environment(operation_id: str, field: str) -> str | None:
    """A value the server knows for `field` of `operation_id`'s result, as the environment gives it."""
    return os.environ.get(env_name(operation_id, field)) or None


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("-", "_").lower()


# --- where references are --------------------------------------------------------------------------------------

def referencing_properties(document: Mapping[str, Any], node: Any) -> dict[str, Reference]:
    """Property name -> (operationId, field) for every `x-wfmock-references` reachable from `node`."""
    found: dict[str, Reference] = {}
    seen: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for value in item:
                walk(value)
            return
        if not isinstance(item, Mapping):
            return
        ref = item.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            seen.add(ref)
            target = lookup(document, ref)
            walk(None if target is MISSING else target)
        properties = item.get("properties")
        if isinstance(properties, Mapping):
            for name, schema in properties.items():
                target = schema.get(EXTENSION) if isinstance(schema, Mapping) else None
                if isinstance(target, Mapping) and target.get("operationId") and target.get("field"):
                    found[name] = (str(target["operationId"]), str(target["field"]))
        for key, value in item.items():
            if key not in ("$ref", "example", "examples", EXTENSION):
                walk(value)

    walk(node)
    return found


def reference_targets(document: Mapping[str, Any]) -> set[Reference]:
    """Every (operationId, field) some property of the document references."""
    return set(referencing_properties(document, document).values())


def _operation_references(operation: Any) -> dict[str, Reference]:
    document = getattr(operation.schema, "raw_schema", None)
    definition = getattr(getattr(operation, "definition", None), "raw", None)
    if not isinstance(document, Mapping) or not isinstance(definition, Mapping):
        return {}
    key = (id(document), str(operation.method).upper(), str(operation.path))
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] is document:
        return cached[1]
    found = referencing_properties(document, definition.get("requestBody"))
    with _lock:
        _cache[key] = (document, found)
    return found


# --- the replacement -------------------------------------------------------------------------------------------

def replace_references(body: Any, references: Mapping[str, Reference], known: Known) -> tuple[Any, int]:
    """A copy of `body` with every referencing string replaced by a real id (`known`); and how many were replaced."""
    if isinstance(body, list):
        count, items = 0, []
        for item in body:
            item, n = replace_references(item, references, known)
            items.append(item)
            count += n
        return items, count
    if not isinstance(body, Mapping):
        return body, 0
    count, result = 0, {}
    for name, value in body.items():
        target = references.get(name)
        real = known(*target) if target is not None and isinstance(value, str) else None
        if real is not None:
            result[name] = real
            count += int(real != value)
        else:
            result[name], n = replace_references(value, references, known)
            count += n
    return result, count


def _is_positive(case: Any) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode == GenerationMode.POSITIVE  # explicit examples carry no meta


def with_real_references(context: Any, case: Any, known: Known) -> Any:
    """The case with real ids where its body references another operation's result (positive cases only)."""
    operation = getattr(context, "operation", None) or getattr(case, "operation", None)
    if operation is None or not isinstance(case.body, (Mapping, list)) or not _is_positive(case):
        return case
    references = _operation_references(operation)
    if references:
        body, changed = replace_references(case.body, references, known)
        if changed:
            case.body = body
    return case


FORM_MEDIA = ("multipart/form-data", "application/x-www-form-urlencoded")


def _body_schema(operation: Any, media_type: str) -> Mapping[str, Any]:
    document = getattr(operation.schema, "raw_schema", None)
    definition = getattr(getattr(operation, "definition", None), "raw", None)
    if not isinstance(document, Mapping) or not isinstance(definition, Mapping):
        return {}
    node: Any = definition.get("requestBody") or {}
    try:
        for key in ("content", media_type, "schema", None):
            node = resolve(document, node)
            if key is not None:
                node = node.get(key) if isinstance(node, Mapping) else None
    except (KeyError, ValueError):  # a `$ref` that points at nothing: no schema to go by
        return {}
    return node if isinstance(node, Mapping) else {}


def unsendable_as_form(operation: Any, media_type: str | None, body: Any) -> bool:
    """Whether a form body holds a non-string scalar where the schema wants a string (it would arrive as text)."""
    if not media_type or media_type.split(";")[0].strip() not in FORM_MEDIA or not isinstance(body, Mapping):
        return False
    properties = _body_schema(operation, media_type.split(";")[0].strip()).get("properties") or {}
    for name, value in body.items():
        schema = properties.get(name)
        if isinstance(schema, Mapping) and schema.get("type") == "string" and (
                value is None or isinstance(value, (bool, int, float))):
            return True
    return False


def keep_case(context: Any, case: Any) -> bool:
    """False for a negative form case no server can tell from a valid one (see `unsendable_as_form`)."""
    operation = getattr(context, "operation", None) or getattr(case, "operation", None)
    if operation is None or _is_positive(case):
        return True
    return not unsendable_as_form(operation, case.media_type, case.body)


def register_hooks(register: Callable[[Callable], Callable], known: Known) -> tuple[Callable, ...]:
    """Registers `filter_case`, `map_case` and `before_add_examples` with `register` (`schemathesis.hook` for the
    whole process, a schema's `hook` for that schema only), real ids coming from `known`; returns the three."""

    def filter_case(context: Any, case: Any) -> bool:
        return keep_case(context, case)

    def map_case(context: Any, case: Any) -> Any:
        return with_real_references(context, case, known)

    def before_add_examples(context: Any, examples: list) -> None:
        """The examples phase builds its cases without `map_case`; its examples are positive by nature."""
        for case in examples:
            with_real_references(context, case, known)

    return tuple(register(hook) for hook in (filter_case, map_case, before_add_examples))


def install(schema: Any, values: Mapping[Reference, str]) -> None:
    """Registers this module's hooks on one loaded schema only (schemathesis' schema scope): real ids from `values`
    (else the environment), and the form cases no server can refuse left out. Nothing outlives the schema."""

    def known(operation_id: str, field: str) -> str | None:
        return values.get((operation_id, field)) or from_environment(operation_id, field)

    register_hooks(schema.hook, known)
