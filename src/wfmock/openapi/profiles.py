"""The contract as the kit reads it: one OpenAPI document, seen through a profile.

`strict` is the document as written. `documented` relaxes every node that carries
`x-wfmock-inferred: true` (the decisions the seed documents leave open), so that only
seed-stated facts are asserted: an inferred operation is dropped, an inferred response
accepts any body and headers, an inferred property or parameter is no longer required
and accepts any value. Nothing here knows which API it reads.

Requests are the other way round. A request that keeps every decision is also within what the
seed documents, so a server must accept it: the documented view generates requests from the
strict request side (its schemas under `x-wfmock-strict-components`). What the seed alone allows
is kept on each operation as `x-wfmock-documented-request`; a refusal is only expected of a
request that breaks it (`documented_request_problems`), not of one that breaks a decision only.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from wfmock.openapi import security
from wfmock.openapi.coerce import coerce
from wfmock.openapi.document import load_yaml, resolve
from wfmock.openapi.operations import HTTP_METHODS, Operation, operation_nodes, read_operations
from wfmock.openapi.pointer import MISSING, lookup
from wfmock.openapi.validators import Validators

PROFILES = ("documented", "strict")
INFERRED = "x-wfmock-inferred"
STRICT_COMPONENTS = "x-wfmock-strict-components"
DOCUMENTED_REQUEST = "x-wfmock-documented-request"


def is_inferred(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get(INFERRED) is True


@dataclass
class Contract:
    """An OpenAPI document through a profile, with validators for any of its schemas."""

    name: str
    document: dict[str, Any]
    profile: str = "strict"
    raw: dict[str, Any] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # derived lookups, for checks

    @classmethod
    def load(cls, name: str, path: Path, profile: str) -> Contract:
        raw = load_yaml(path)
        document = documented_view(raw) if profile == "documented" else copy.deepcopy(raw)
        return cls(name=name, document=document, profile=profile, raw=raw)

    @property
    def strict(self) -> bool:
        return self.profile == "strict"

    @cached_property
    def _operations(self) -> dict[str, Operation]:
        by_id: dict[str, Operation] = {}
        for operation in read_operations(self.document, api=self.name):
            by_id.setdefault(operation.operation_id, operation)
        return by_id

    @cached_property
    def validators(self) -> Validators:
        """The document's one validator registry (built on first use; the kit's checks share it)."""
        return Validators(f"urn:contract:{self.name}", self.document)

    def operations(self) -> list[Operation]:
        return list(self._operations.values())

    def operation(self, operation_id: str) -> Operation | None:
        return self._operations.get(operation_id)

    def skipped_operations(self) -> list[str]:
        """`METHOD /path` of every operation the raw document has and this profile leaves out (inferred ones)."""
        kept = {(op.method, op.path) for op in self.operations()}
        return [f"{method.upper()} {path}" for path, method, _ in operation_nodes(self.raw)
                if (method.upper(), path) not in kept]

    def security_scheme(self, name: str) -> Mapping[str, Any]:
        return security.schemes(self.document).get(name, {})

    def secret_header_names(self) -> tuple[str, ...]:
        """The headers that carry this contract's credentials: masked in reports and logs."""
        return security.secret_header_names(security.schemes(self.document))

    def extension(self, name: str, default: Any = None) -> Any:
        return self.document.get(name, default)

    def resolve(self, node: Any) -> Any:
        """Follows `$ref`s (local ones) until a concrete node."""
        return resolve(self.document, node)

    def pointer(self, ref: str) -> Any:
        node = lookup(self.document, ref)
        if node is MISSING:
            raise KeyError(ref)
        return node

    def schema_errors(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        return self.validators.errors(schema, instance)

    @cached_property
    def error_schema(self) -> dict[str, Any] | None:
        """The envelope's schema: the JSON schema most error responses (4xx, 5xx) of the document use."""
        counts: Counter[str] = Counter()
        for op in self.operations():
            for status, response in (op.node.get("responses") or {}).items():
                if str(status)[:1] not in ("4", "5"):
                    continue
                schema = ((self.resolve(response).get("content") or {}).get("application/json") or {}).get("schema")
                if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
                    counts[schema["$ref"]] += 1
        if counts:
            return {"$ref": counts.most_common(1)[0][0]}
        schemas = (self.document.get("components") or {}).get("schemas") or {}
        return {"$ref": "#/components/schemas/Error"} if "Error" in schemas else None

    def response_schema(self, operation_id: str, status: int, media: str = "application/json") -> Any:
        op = self.operation(operation_id)
        response = self.resolve(op.response(status)) if op else None
        content = (response or {}).get("content") or {}
        return (content.get(media) or {}).get("schema")

    def documented_request_problems(self, operation: Mapping[str, Any], *, query: Mapping[str, Any] | None = None,
                                    path_parameters: Mapping[str, Any] | None = None,
                                    headers: Mapping[str, Any] | None = None, body: Any = None,
                                    media_type: str | None = None) -> list[str] | None:
        """What is wrong with a request against the documented request side of `operation` (a node of the
        documented view); None when the node has none (the strict profile: every decision is asserted)."""
        request = operation.get(DOCUMENTED_REQUEST)
        if not isinstance(request, Mapping):
            return None
        sources = {"query": dict(query or {}), "path": dict(path_parameters or {}),
                   "header": {str(k).lower(): v for k, v in (headers or {}).items()}}
        problems: list[str] = []
        for parameter in request.get("parameters") or []:
            parameter = self.resolve(parameter)
            source = sources.get(parameter.get("in"))
            if source is None:
                continue
            name = parameter["name"].lower() if parameter["in"] == "header" else parameter["name"]
            if name not in source:
                if parameter.get("required"):
                    problems.append(f"{parameter['in']} parameter {name!r} is missing")
                continue
            schema = parameter.get("schema") or {}
            value = coerce(source[name], self.resolve(schema))
            problems += [f"{parameter['in']} parameter {name!r}: {e}" for e in self.schema_errors(schema, value)]
        body_node = self.resolve(request.get("requestBody") or {})
        if body_node:
            if body is None:
                if body_node.get("required"):
                    problems.append("the request body is missing")
                return problems
            content = body_node.get("content") or {}
            media = content.get(media_type or "") or (next(iter(content.values())) if len(content) == 1 else {})
            schema = (media or {}).get("schema")
            if schema is not None:
                if isinstance(body, Mapping):  # a file part is bytes on the wire; its schema says string
                    body = {k: ("<binary>" if isinstance(v, (bytes, bytearray)) else v) for k, v in body.items()}
                problems += [f"body {e}" for e in self.schema_errors(schema, body)]
        return problems


# --- the documented view ---------------------------------------------------------------------------------------

def documented_view(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the document in which every `x-wfmock-inferred` decision is relaxed (requests: see above)."""
    view = copy.deepcopy(dict(document))
    for path, item in list((view.get("paths") or {}).items()):
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if is_inferred(operation):
                del item[method]
                continue
            _relax_operation(operation)
            _keep_strict_request(operation, document["paths"][path][method])
        if not any(isinstance(item.get(m), dict) for m in HTTP_METHODS):
            del view["paths"][path]
    for name, schema in list(((view.get("components") or {}).get("schemas") or {}).items()):
        view["components"]["schemas"][name] = _relax_schema(schema)
    for section in ("responses", "parameters", "headers", "requestBodies"):
        for name, node in list(((view.get("components") or {}).get(section) or {}).items()):
            view["components"][section][name] = _relax_component(section, node)
    if document.get("components"):
        view[STRICT_COMPONENTS] = _to_strict_components(copy.deepcopy(dict(document["components"])))
    _drop_dangling_links(view)
    return view


def _keep_strict_request(operation: dict[str, Any], raw: Mapping[str, Any]) -> None:
    """Moves the relaxed request side aside (`x-wfmock-documented-request`) and puts the strict one in its place."""
    keys = ("parameters", "requestBody")
    operation[DOCUMENTED_REQUEST] = {key: operation.pop(key) for key in keys if key in operation}
    for key in keys:
        if key in raw:
            operation[key] = _to_strict_components(copy.deepcopy(raw[key]))


def _to_strict_components(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: (value.replace("#/components/", f"#/{STRICT_COMPONENTS}/", 1)
                      if key == "$ref" and isinstance(value, str) else _to_strict_components(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_to_strict_components(item) for item in node]
    return node


def _relax_operation(operation: dict[str, Any]) -> None:
    parameters = operation.get("parameters") or []
    operation["parameters"] = [_relax_parameter(p) for p in parameters if not is_inferred(p)]
    if not operation["parameters"]:
        operation.pop("parameters")
    body = operation.get("requestBody")
    if isinstance(body, dict):
        for media in (body.get("content") or {}).values():
            if isinstance(media, dict) and "schema" in media:
                media["schema"] = _relax_schema(media["schema"])
    for status, response in list((operation.get("responses") or {}).items()):
        operation["responses"][status] = _relax_response(response)


def _relax_component(section: str, node: Any) -> Any:
    if section == "responses":
        return _relax_response(node)
    if section == "parameters":
        return _relax_parameter(node)
    if section == "headers":
        return {"schema": {}} if is_inferred(node) else node
    return node


def _relax_parameter(parameter: Any) -> Any:
    if not isinstance(parameter, dict) or "$ref" in parameter:
        return parameter
    if is_inferred(parameter.get("schema")):
        parameter = {**parameter, "schema": {}}
    elif "schema" in parameter:
        parameter = {**parameter, "schema": _relax_schema(parameter["schema"])}
    return parameter


def _relax_response(response: Any) -> Any:
    if not isinstance(response, dict) or "$ref" in response:
        return response
    if is_inferred(response):
        relaxed = {"description": response.get("description", "")}
        if response.get("content"):
            relaxed["content"] = {media: {} for media in response["content"]}
        return relaxed
    response = dict(response)
    headers = response.get("headers")
    if isinstance(headers, dict):
        response["headers"] = {name: h for name, h in headers.items() if not is_inferred(h)}
        if not response["headers"]:
            response.pop("headers")
    for media, content in list((response.get("content") or {}).items()):
        if isinstance(content, dict):
            content = dict(content)
            for key in ("schema", "itemSchema"):
                if key in content:
                    content[key] = _relax_schema(content[key])
            response["content"][media] = content
    return response


def _relax_schema(schema: Any) -> Any:
    """Inferred sub-schemas accept anything; inferred properties stop being required."""
    if isinstance(schema, list):
        return [_relax_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if is_inferred(schema):
        return {"description": schema.get("description", "inferred; not asserted by the documented profile")}
    relaxed = {key: _relax_schema(value) for key, value in schema.items()}
    properties = schema.get("properties")
    if isinstance(properties, dict) and isinstance(schema.get("required"), list):
        inferred = {name for name, sub in properties.items() if is_inferred(sub)}
        relaxed["required"] = [name for name in schema["required"] if name not in inferred]
        if not relaxed["required"]:
            relaxed.pop("required")
    return relaxed


def _drop_dangling_links(view: dict[str, Any]) -> None:
    known = {op.get("operationId") for item in (view.get("paths") or {}).values()
             for m in HTTP_METHODS if isinstance(op := item.get(m), dict)}
    for item in (view.get("paths") or {}).values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            for response in (operation.get("responses") or {}).values():
                links = response.get("links") if isinstance(response, dict) else None
                if isinstance(links, dict):
                    for name in [n for n, link in links.items() if link.get("operationId") not in known]:
                        del links[name]
