"""Parameter text read as its schema's type, the way a server parses query, path, header and form values.

The one coercer of the package: the simulator's request validation, the kit's documented-request check and the
gallery's reference servers all read `?limit=5` as the integer 5 through it. Text that is not of the type stays
text, so the schema check that follows reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BOOLEANS = {"true": True, "false": False}


def primitive(schema: Any) -> str | None:
    """The schema's type (the non-null one of a `[type, "null"]` pair); None when it declares none."""
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def coerce(value: Any, schema: Any) -> Any:
    """`value` (text, or a list of texts for an array) as the type `schema` declares; unchanged when it is not one."""
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema, Mapping) else {}
        return [coerce(item, items) for item in value]
    if not isinstance(value, str):
        return value
    kind = primitive(schema)
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return BOOLEANS.get(value, value)
    return value
