"""Static checks on an OpenAPI document that catch what generators, linters and renderers trip on.

Each check returns a list of problems ("<pointer>: <what is wrong>"), empty when the document is clean,
so a test can show every defect at once. Used on the documents as written and on their 3.1 exports.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from wfmock.openapi.document import resolve
from wfmock.openapi.pointer import escape, walk

SCHEMA_KEYWORDS = frozenset("""
    $ref $id $schema $anchor $dynamicRef $dynamicAnchor $defs $comment $vocabulary
    type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern
    maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required dependentRequired
    properties patternProperties additionalProperties propertyNames items prefixItems contains
    unevaluatedItems unevaluatedProperties allOf anyOf oneOf not if then else dependentSchemas
    title description default deprecated readOnly writeOnly examples example format
    contentMediaType contentEncoding contentSchema discriminator xml externalDocs nullable
""".split())
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_SINGLE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                    "unevaluatedItems", "unevaluatedProperties", "contentSchema")
DATA_KEYS = frozenset(("example", "examples", "default", "const", "enum", "value"))  # free-form JSON below these
PROPERTY = re.compile(r"/properties/[^/]+$")
TEXT_KEYS = ("description", "summary", "title")
NAME_MAPS = ("/properties", "/patternProperties", "/$defs", "/schemas", "/examples", "/headers")  # keys are names


def schemas(document: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every schema object in the document with its pointer: component schemas, parameter, header and media
    type schemas (`schema`, `itemSchema`), and every subschema below them."""
    roots: list[tuple[str, Any]] = [
        (f"/components/schemas/{escape(name)}", node)
        for name, node in document.get("components", {}).get("schemas", {}).items()
    ]
    roots += _media_schemas(document, "")
    seen: set[str] = set()
    stack = list(reversed(roots))
    while stack:
        pointer, node = stack.pop()
        if pointer in seen or not isinstance(node, Mapping):
            continue
        seen.add(pointer)
        yield pointer, node
        for key in SUBSCHEMA_MAPS:
            for name, child in (node.get(key) or {}).items():
                stack.append((f"{pointer}/{key}/{escape(name)}", child))
        for key in SUBSCHEMA_LISTS:
            for index, child in enumerate(node.get(key) or []):
                stack.append((f"{pointer}/{key}/{index}", child))
        for key in SUBSCHEMA_SINGLE:
            if isinstance(node.get(key), Mapping):
                stack.append((f"{pointer}/{key}", node[key]))


def _media_schemas(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """`schema` / `itemSchema` values outside `components/schemas`, never inside example data or extensions."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in DATA_KEYS or str(key).startswith("x-") or pointer == "/components/schemas":
                continue
            child = f"{pointer}/{escape(str(key))}"
            if key in ("schema", "itemSchema") and isinstance(value, Mapping):
                yield child, value
            else:
                yield from _media_schemas(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _media_schemas(value, f"{pointer}/{index}")


def walk_media(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every media type object (under `content`) and parameter object, with its pointer."""
    for pointer, node in walk(document):
        parent = pointer.rsplit("/", 2)
        if not isinstance(node, Mapping) or any(part in DATA_KEYS for part in pointer.split("/")):
            continue
        if (len(parent) == 3 and parent[1] == "content") or ("in" in node and "name" in node and "schema" in node):
            yield pointer, node


# -- "parses to what was meant" ------------------------------------------------------------------------


def stray_keys(document: Mapping[str, Any]) -> list[str]:
    """Keys no author meant: a schema key that is no keyword (what an unquoted comma in a YAML flow mapping
    leaves behind), a null value outside example data, and a description, summary or title that is no string."""
    problems = []
    for pointer, schema in schemas(document):
        for key in schema:
            if key not in SCHEMA_KEYWORDS and not str(key).startswith("x-"):
                problems.append(f"{pointer}: unknown schema key {key!r} (a cut flow mapping?)")
    problems += _nulls_and_texts(document, "")
    return problems


def _nulls_and_texts(node: Any, pointer: str) -> list[str]:
    problems = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            child = f"{pointer}/{escape(str(key))}"
            if key in DATA_KEYS or str(key).startswith("x-"):
                continue
            if value is None:
                problems.append(f"{child}: null value (a key cut out of a flow mapping?)")
            elif key in TEXT_KEYS and not isinstance(value, str) and not pointer.endswith(NAME_MAPS):
                problems.append(f"{child}: {key} is a {type(value).__name__}, not text")
            else:
                problems += _nulls_and_texts(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += _nulls_and_texts(value, f"{pointer}/{index}")
    return problems


# -- arrays and oneOf ---------------------------------------------------------------------------------


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return set(kind)
    if "const" in schema:
        return {_json_type(schema["const"])}
    if "enum" in schema:
        return {_json_type(value) for value in schema["enum"]}
    return set()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "unknown")


def arrays_without_items(document: Mapping[str, Any]) -> list[str]:
    return [f"{pointer}: an array without items" for pointer, schema in schemas(document)
            if "array" in _types(schema) and "items" not in schema and "prefixItems" not in schema
            and "type" in schema]


def _flatten(document: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """A branch's `type`, `required` and `properties`, its `$ref`s followed and its `allOf` merged."""
    schema = resolve(document, schema)
    merged: dict[str, Any] = {"types": _types(schema), "required": set(schema.get("required", [])),
                              "properties": dict(schema.get("properties", {})),
                              "closed": schema.get("additionalProperties") is False
                              or isinstance(schema.get("additionalProperties"), Mapping)
                              and schema["additionalProperties"].get("not") == {}}
    for part in schema.get("allOf", []):
        inner = _flatten(document, part)
        merged["types"] = merged["types"] or inner["types"]
        merged["closed"] = merged["closed"] or inner["closed"]
        merged["required"] |= inner["required"]
        for name, value in inner["properties"].items():
            merged["properties"].setdefault(name, value)
    return merged


def _fixed_values(document: Mapping[str, Any], schema: Any) -> set[Any] | None:
    schema = resolve(document, schema)
    if not isinstance(schema, Mapping):
        return None
    if "const" in schema:
        return {schema["const"]}
    if "enum" in schema:
        return set(schema["enum"])
    for part in schema.get("allOf", []):
        found = _fixed_values(document, part)
        if found is not None:
            return found
    return None


def undiscriminable_oneofs(document: Mapping[str, Any]) -> list[str]:
    """A `oneOf` whose branches a generated client cannot tell apart ("Multiple matches found"). Every two
    branches must differ by JSON type, or both be typed objects that either require one property and fix it to
    different values (const / enum), or where one requires a property the other cannot have (closed object)."""
    problems = []
    for pointer, schema in schemas(document):
        if "oneOf" not in schema:
            continue
        branches = [_flatten(document, branch) for branch in schema["oneOf"]]
        for (i, first), (j, second) in itertools.combinations(enumerate(branches), 2):
            if not _distinguishable(document, first, second):
                problems.append(f"{pointer}/oneOf: branches {i} and {j} cannot be told apart")
    return problems


def _distinguishable(document: Mapping[str, Any], first: dict[str, Any], second: dict[str, Any]) -> bool:
    if first["types"] and second["types"] and not first["types"] & second["types"]:
        return True
    if first["types"] != {"object"} or second["types"] != {"object"}:
        return False
    for name in first["required"] & second["required"]:
        ours = _fixed_values(document, first["properties"].get(name))
        theirs = _fixed_values(document, second["properties"].get(name))
        if ours and theirs and not ours & theirs:
            return True
    return _excludes(first, second) or _excludes(second, first)


def _excludes(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """`first` requires a property that `second` forbids."""
    for name in first["required"]:
        if second["properties"].get(name) is False:
            return True
        if name not in second["properties"] and second["closed"]:
            return True
    return False


def _disjoint(sets: list[set[Any]]) -> bool:
    seen: set[Any] = set()
    for values in sets:
        if seen & values:
            return False
        seen |= values
    return True


def bare_null_properties(document: Mapping[str, Any]) -> list[str]:
    """A property typed only `null` (`{type: 'null'}`) crashes openapi-generator; a null alternative belongs in
    an `anyOf`/`oneOf` next to the real type, and a null-only value is `const: null`."""
    return [f"{pointer}: a property typed only 'null'" for pointer, schema in schemas(document)
            if PROPERTY.search(pointer) and schema.get("type") == "null"]
