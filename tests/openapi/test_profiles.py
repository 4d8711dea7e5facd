"""The kit's two views of a document: `strict` as written, `documented` with every inferred decision relaxed."""

from __future__ import annotations

import pytest

from wfmock.openapi.document import document_path, read
from wfmock.openapi.pointer import walk
from wfmock.openapi.profiles import INFERRED, PROFILES, Contract, documented_view

DOCUMENT = {
    "openapi": "3.2.0",
    "components": {"securitySchemes": {"Key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
    "security": [{"Key": []}],
    "paths": {
        "/items": {
            "get": {"operationId": "list", "parameters": [
                {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer", "maximum": 5}},
                {"name": "cursor", "in": "query", INFERRED: True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items", "next"],
                    "properties": {"items": {"type": "array"}, "next": {"type": "string", INFERRED: True}}}}}},
                    "4XX": {"description": "refused"}}},
            "delete": {"operationId": "purge", INFERRED: True, "responses": {"204": {"description": "gone"}}},
        },
    },
}


@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_strict_is_the_document_as_written_and_documented_keeps_no_inferred_node(api: str) -> None:
    raw = read(api)
    strict = Contract.load(api, document_path(api), "strict")
    documented = Contract.load(api, document_path(api), "documented")
    assert strict.document == raw and strict.strict and not documented.strict
    asserted = [pointer for pointer, node in walk(documented.document)  # response sides and shared schemas
                if isinstance(node, dict) and node.get(INFERRED) is True
                and (pointer.startswith(("/components/schemas/", "/components/responses/", "/paths/")) and "/responses/" in pointer
                    or pointer.startswith("/components/schemas/"))]
    assert asserted == [] and any(node.get(INFERRED) is True for _, node in walk(raw) if isinstance(node, dict))
    assert set(PROFILES) == {"documented", "strict"}


def test_documented_view_drops_inferred_operations_and_requirements() -> None:
    contract = Contract(name="t", document=documented_view(DOCUMENT), profile="documented", raw=DOCUMENT)
    assert [op.operation_id for op in contract.operations()] == ["list"]
    assert contract.skipped_operations() == ["DELETE /items"]
    listing = contract.operation("list")
    assert listing.label == "GET /items" and listing.security_schemes == ("Key",)  # the document's default
    assert contract.response_schema("list", 200)["required"] == ["items"]
    assert contract.operation("list").response(404) == {"description": "refused"}
    assert Contract(name="t", document=DOCUMENT).schema_errors(
        DOCUMENT["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        {"items": []}) == ["(root): 'next' is a required property"]


def test_documented_request_problems_reads_parameters_as_typed_and_only_what_the_seed_states() -> None:
    contract = Contract(name="t", document=documented_view(DOCUMENT), profile="documented", raw=DOCUMENT)
    node = contract.document["paths"]["/items"]["get"]
    assert contract.documented_request_problems(node, query={"limit": "3"}) == []
    assert contract.documented_request_problems(node, query={"limit": "9"}) == [
        "query parameter 'limit': (root): 9 is greater than the maximum of 5"]
    assert contract.documented_request_problems(node, query={}) == ["query parameter 'limit' is missing"]
    strict = Contract(name="t", document=DOCUMENT)
    assert strict.documented_request_problems(DOCUMENT["paths"]["/items"]["get"], query={}) is None


def test_secret_headers_come_from_the_profiled_document() -> None:
    assert Contract(name="t", document=DOCUMENT).secret_header_names() == ("X-Key",)
