"""Lint gates on both OpenAPI documents: what generators, linters and validators trip on fails here first.

- every description and example parses to what was meant (no keys cut out of YAML flow mappings);
- every array has `items`; every `oneOf` can be told apart; no property is typed only `null`;
- openapi-core (a third-party validator) accepts real requests and responses of every operation of both APIs,
  uploads and streams included, exchanged with a running mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import yaml
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests import openapi_lint
from tests.real_calls import imprun_calls, miso_calls
from wfmock.openapi.document import read
from wfmock.openapi.spec import ApiSpec

APIS = ("imprun", "miso")


def document(api: str) -> dict[str, Any]:
    return read(api)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("check", [openapi_lint.stray_keys, openapi_lint.arrays_without_items,
                                   openapi_lint.undiscriminable_oneofs, openapi_lint.bare_null_properties],
                         ids=lambda check: check.__name__)
def test_document_passes(api: str, check: Any) -> None:
    assert check(document(api)) == []


def test_the_checks_catch_the_defects_they_are_for() -> None:
    """Each check, on the defect that once shipped (a cut flow mapping, an array without items, oneOf branches
    told apart by nothing but a bare `const`, a property typed only null)."""
    cut = yaml.safe_load("components: {schemas: {A: {properties: {x: {type: boolean, description: 면제 (4,800만원 미만)}}}}}")
    assert openapi_lint.stray_keys(cut) == [
        "/components/schemas/A/properties/x: unknown schema key '800만원 미만)' (a cut flow mapping?)",
        "/components/schemas/A/properties/x/800만원 미만): null value (a key cut out of a flow mapping?)"]
    bare = {"components": {"schemas": {"A": {"type": "object", "properties": {"files": {"type": ["array", "null"]}}}}}}
    assert openapi_lint.arrays_without_items(bare) == ["/components/schemas/A/properties/files: an array without items"]
    vague = {"components": {"schemas": {"Run": {"type": "object", "oneOf": [
        {"properties": {"status": {"const": "RUNNING"}, "finishedAt": {"type": "null"}}},
        {"required": ["result"], "properties": {"status": {"const": "SUCCEEDED"}}}]}}}}
    assert openapi_lint.undiscriminable_oneofs(vague) == ["/components/schemas/Run/oneOf: branches 0 and 1 cannot be told apart"]
    assert openapi_lint.bare_null_properties(vague) == [
        "/components/schemas/Run/oneOf/0/properties/finishedAt: a property typed only 'null'"]
    told_apart = {"components": {"schemas": {"Run": {"oneOf": [
        {"type": "object", "required": ["status"], "properties": {"status": {"const": "RUNNING"}}},
        {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["FAILED", "TIMED_OUT"]}}},
        {"type": "string"}]}}}}
    assert openapi_lint.undiscriminable_oneofs(told_apart) == []


def examples(api: str) -> Iterator[tuple[str, Any, str]]:
    """(pointer of the schema, example value, where) for every media type, parameter and schema example."""
    spec = ApiSpec.load(api)
    for pointer, schema in openapi_lint.schemas(spec.document):
        if "example" in schema:
            yield pointer, schema["example"], pointer + "/example"
        for index, value in enumerate(schema.get("examples") or []):
            yield pointer, value, f"{pointer}/examples/{index}"
    for pointer, node in openapi_lint.walk_media(spec.document):
        if "schema" not in node:
            continue
        if "example" in node:
            yield pointer + "/schema", node["example"], pointer + "/example"
        for name, example in (node.get("examples") or {}).items():
            example = openapi_lint.resolve(spec.document, example)
            if "value" in example:
                yield pointer + "/schema", example["value"], f"{pointer}/examples/{name}"


@pytest.mark.parametrize("api", APIS)
def test_every_example_is_valid_for_its_schema(api: str) -> None:
    spec = ApiSpec.load(api)
    checked = [(where, [e.message for e in spec.validator(pointer).iter_errors(value)])
               for pointer, value, where in examples(api)]
    assert len(checked) > 10, "examples went missing"
    assert [(where, errors) for where, errors in checked if errors] == []


# -- openapi-core against the running mock ----------------------------------------------------------------


class CoreRequest:
    """An httpx request as openapi-core reads one."""

    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters

        request.read()
        self._request = request
        self.parameters = RequestParameters(query=ImmutableMultiDict(parse_qs(request.url.query.decode())),
                                            header=Headers(dict(request.headers)), cookie=ImmutableMultiDict())

    host_url = property(lambda self: f"{self._request.url.scheme}://{self._request.url.netloc.decode()}")
    path = property(lambda self: self._request.url.path)
    method = property(lambda self: self._request.method.lower())
    body = property(lambda self: self._request.content or None)
    content_type = property(lambda self: self._request.headers.get("content-type", ""))


class CoreResponse:
    """An httpx response as openapi-core reads one."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    status_code = property(lambda self: self._response.status_code)
    content_type = property(lambda self: self._response.headers.get("content-type", ""))
    headers = property(lambda self: Headers(dict(self._response.headers)))
    data = property(lambda self: self._response.content)


@pytest.mark.parametrize("api", APIS)
def test_openapi_core_accepts_real_exchanges_of_every_operation(api: str, server: str) -> None:
    from openapi_core import OpenAPI

    contract = OpenAPI.from_dict(document(api))  # its `servers` as written: the mock's entry must match
    with httpx.Client(base_url=server, timeout=30) as client:
        exchanges = imprun_calls(client) if api == "imprun" else miso_calls(client)
    operations = set()
    problems = []
    for response in exchanges:
        request = CoreRequest(response.request)
        label = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
        if response.status_code < 400:
            result = contract.unmarshal_request(request)
            if result.errors:
                problems.append(f"{label}: request: {result.errors}")
        result = contract.unmarshal_response(request, CoreResponse(response))
        if result.errors:
            problems.append(f"{label}: response: {result.errors}")
        operations.add((response.request.method, _template(document(api), response.request.url.path)))
    assert problems == []
    documented = {(method.upper(), path) for path, item in document(api)["paths"].items()
                  for method in item if method in ("get", "post", "put", "delete", "patch")}
    assert operations == documented


def _template(doc: dict[str, Any], path: str) -> str:
    import re

    for template in doc["paths"]:
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path):
            return template
    return path
