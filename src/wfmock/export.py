"""The contracts as tools want them: OAS 3.2 as written, or an OAS 3.1 export, with a chosen server first.

Many tools (swagger-parser, openapi-generator, Swagger UI, older validators) refuse OpenAPI 3.2. imprun's
document uses no 3.2 feature; MISO's uses only `itemSchema` (the schema of each item of a stream), which
3.1 cannot say: the export types the stream as text and keeps the item schema in `x-wfmock-item-schema`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from wfmock.openapi.document import read

VERSIONS = ("3.2", "3.1")
OAS_31 = "3.1.1"
_32_ONLY_TAG_FIELDS = ("parent", "kind")  # OAS 3.2 tag nesting


def export(api: str, oas: str = "3.2", server: str | None = None) -> dict[str, Any]:
    """`api`'s document in OAS `oas` ("3.2" or "3.1"), with `server` (a base URL) as its first server."""
    if oas not in VERSIONS:
        raise ValueError(f"unsupported OpenAPI version {oas!r}; choose one of {', '.join(VERSIONS)}")
    document = read(api)  # a fresh copy: the rewrites below change it
    if oas == "3.1":
        document = to_31(document)
    if server:
        document["servers"] = with_server_first(document.get("servers", []), server)
    return document


def with_server_first(servers: list[Mapping[str, Any]], url: str) -> list[dict[str, Any]]:
    url = url.rstrip("/")
    others = [dict(entry) for entry in servers if entry.get("url", "").rstrip("/") != url]
    return [{"url": url, "description": "this wfmock server"}, *others]


def to_31(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrites the few OAS 3.2 constructs the documents use into their closest OAS 3.1 form (in place)."""
    document["openapi"] = OAS_31
    for tag in document.get("tags", []):
        for field in _32_ONLY_TAG_FIELDS:
            tag.pop(field, None)
    responses = list(document.get("components", {}).get("responses", {}).values())
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                responses += operation.get("responses", {}).values()
    for response in responses:
        response.pop("summary", None)  # 3.2 added a summary to responses; the description stays
        for media_type, media in (response.get("content") or {}).items():
            _item_schema_to_31(media_type, media)
    return document


def _item_schema_to_31(media_type: str, media: dict[str, Any]) -> None:
    if "itemSchema" not in media:
        return
    item_schema = media.pop("itemSchema")
    media.setdefault("schema", {
        "type": "string",
        "description": f"A `{media_type}` stream. Each item follows `x-wfmock-item-schema` "
                       f"({item_schema.get('$ref', 'inline schema')}); OAS 3.2 says so with `itemSchema`.",
    })
    media["x-wfmock-item-schema"] = item_schema


def render(document: Mapping[str, Any], fmt: str = "yaml") -> str:
    """The document as YAML (key order kept, Unicode as is) or JSON."""
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False, width=120)
