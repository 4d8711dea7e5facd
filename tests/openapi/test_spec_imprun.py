"""openapi/imprun.yaml: a valid OAS 3.2 document that states the seed's facts as stated and marks every decision."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from wfmock.openapi import document as openapi_document
from wfmock.openapi.operations import operation_nodes
from wfmock.openapi.pointer import walk

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "imprun.yaml"
SPEC_TEXT = SPEC_PATH.read_text(encoding="utf-8")
DOC: dict[str, Any] = openapi_document.load_yaml(SPEC_TEXT)
URI = "urn:wfmock:test:imprun"
REGISTRY = Registry().with_resource(URI, Resource(contents=DOC, specification=DRAFT202012))
OPERATIONS = {"createWorkflow": ("post", "/v2/workflows"), "getWorkflow": ("get", "/v2/workflows/{id}"),
              "getWorkflowProgressPage": ("get", "/console/workflows/{id}")}

# --- the seed's facts (seeds/imprun-workflows-v2.txt), copied by hand -------------------------------------------

SEED_CURL = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                            "credentialId": "cred_abc123", "year": 2025}}
SEED_JAVASCRIPT = {"type": "scraping", "params": {"siteCode": "WEHAGO", "credentialId": "cred_abc123",
                                                  "group": "financial", "endpoint": "balance-sheet"}}
SEED_PYTHON = SEED_CURL
SEED_CREATED = {"id": "wf_abc123xyz", "status": "RUNNING", "createdAt": "2026-03-07T10:20:00Z",
                "progressUrl": "https://imprun.dev/console/workflows/wf_abc123xyz"}
SEED_FAILURE = {"error": "Invalid request", "message": "credentialId is required", "code": "VALIDATION_ERROR"}
SEED_TYPES = ["scraping", "document_parsing"]
SEED_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT"]
SEED_HOMETAX_FUNCTIONS = ["get_business_info", "get_sales_stats", "get_purchase_stats", "get_vat_info"]
SEED_WEHAGO_GROUPS = ["financial", "transactions"]
SEED_WEHAGO_ENDPOINTS = ["balance-sheet", "sales-report"]  # "balance-sheet|sales-report|..."
SEED_DOCUMENT_TYPES = ["land", "building", "aggregate_building"]
SEED_PRIORITIES = ["normal", "high"]
# 에러 코드 table: code -> (메시지, 해결); the seed gives no HTTP status for any of them.
SEED_ERROR_TABLE = {
    "INVALID_API_KEY": ("유효하지 않은 API 키", "API 키 확인"),
    "INSUFFICIENT_CREDIT": ("크레딧 부족", "크레딧 충전"),
    "CREDENTIAL_EXPIRED": ("자격증명 만료", "자격증명 재등록"),
    "AUTHENTICATION_FAILED": ("로그인 실패", "자격증명 확인"),
    "TIMEOUT": ("타임아웃", "나중에 재시도"),
}
# The catalogue this contract fixes: code -> (status, short title).
CATALOGUE = {
    "VALIDATION_ERROR": (400, "Invalid request"),  # the seed's own title
    "INVALID_API_KEY": (401, "Unauthorized"),
    "INSUFFICIENT_CREDIT": (402, "Payment Required"),
    "NOT_FOUND": (404, "Not Found"),
    "METHOD_NOT_ALLOWED": (405, "Method Not Allowed"),
    "PAYLOAD_TOO_LARGE": (413, "Content Too Large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type"),
    "CREDENTIAL_EXPIRED": (422, "Unprocessable Content"),
    "AUTHENTICATION_FAILED": (422, "Unprocessable Content"),
    "RATE_LIMIT_EXCEEDED": (429, "Too Many Requests"),  # the seed: "429 Too Many Requests"
    "INTERNAL_ERROR": (500, "Internal Server Error"),
    "TIMEOUT": (504, "Gateway Timeout"),
}

HOMETAX = {"siteCode": "HOMETAX", "function": "get_sales_stats", "credentialId": "cred_abc123", "year": 2025,
           "month": 3}
WEHAGO = {"siteCode": "WEHAGO", "credentialId": "cred_abc123", "group": "financial", "endpoint": "balance-sheet",
          "period": "2025-03"}
DOCUMENT = {"documentType": "land", "imageUrl": "https://example.com/registers/land.png", "priority": "normal"}


# --- helpers ----------------------------------------------------------------------------------------------------

def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema whose local `$ref`s point into the document (resolved through the registry)."""
    return Draft202012Validator(openapi_document.rebase_refs(schema, URI), registry=REGISTRY, format_checker=FormatChecker())


def errors(name: str, instance: Any, registry: Registry = REGISTRY) -> list[str]:
    check = Draft202012Validator({"$ref": f"{URI}#/components/schemas/{name}"}, registry=registry,
                                 format_checker=FormatChecker())
    return [e.message for e in check.iter_errors(instance)]


def any_result_registry() -> Registry:
    """The document with `WorkflowResult` accepting any object: the status rules, whatever a result looks like."""
    document = copy.deepcopy(DOC)
    document["components"]["schemas"]["WorkflowResult"] = {"type": "object"}
    return Registry().with_resource(URI, Resource(contents=document, specification=DRAFT202012))


def resolve(node: Any) -> Any:
    return openapi_document.resolve(DOC, node)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    return operation_nodes(DOC)


def operation(operation_id: str) -> dict[str, Any]:
    method, path = OPERATIONS[operation_id]
    return DOC["paths"][path][method]




def all_responses() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, status, response) for every operation response and every shared response component."""
    for _, _, op in operations():
        for status, response in op["responses"].items():
            yield op["operationId"], status, resolve(response)
    for name, response in DOC["components"]["responses"].items():
        status = {"Unauthorized": "401", "TooManyRequests": "429", "InternalError": "500",
                  "MethodNotAllowed": "405"}[name]
        yield f"components/responses/{name}", status, response


def request_examples() -> dict[str, Any]:
    media = operation("createWorkflow")["requestBody"]["content"]["application/json"]
    return {name: resolve(example)["value"] for name, example in media["examples"].items()}


def create(params: dict[str, Any], kind: str = "scraping") -> dict[str, Any]:
    return {"type": kind, "params": params}


def without(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


# --- the document -----------------------------------------------------------------------------------------------

def test_document_is_valid_openapi_3_2() -> None:
    from openapi_spec_validator import validate

    assert DOC["openapi"] == "3.2.0"
    validate(copy.deepcopy(DOC))


def test_schemathesis_loads_every_operation() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {"POST /v2/workflows", "GET /v2/workflows/{id}", "GET /console/workflows/{id}"}


def test_the_simulator_loads_it() -> None:
    from wfmock.openapi.spec import ApiSpec

    spec = ApiSpec.load("imprun", SPEC_PATH)
    assert set(spec.operations) == set(OPERATIONS)
    assert spec.rate_limits == [(1.0, 10), (3600.0, 10000)]
    assert spec.error_status("INSUFFICIENT_CREDIT") == 402
    assert spec.operations["getWorkflowProgressPage"].security == ()
    assert spec.operations["createWorkflow"].security == (("ApiKeyAuth",),)
    assert spec.operations["createWorkflow"].body_required


def test_operation_ids_paths_and_security() -> None:
    found = {op["operationId"]: (method, path) for path, method, op in operations()}
    assert found == OPERATIONS
    assert DOC["components"]["securitySchemes"] == {"ApiKeyAuth": {
        **DOC["components"]["securitySchemes"]["ApiKeyAuth"], "type": "apiKey", "in": "header", "name": "X-API-Key"}}
    assert DOC["security"] == [{"ApiKeyAuth": []}]
    for operation_id in ("createWorkflow", "getWorkflow"):
        assert operation(operation_id)["security"] == [{"ApiKeyAuth": []}]
        assert "401" in operation(operation_id)["responses"]
    page = operation("getWorkflowProgressPage")
    assert page["security"] == [] and "401" not in page["responses"]


def test_only_the_seed_operation_is_documented() -> None:
    assert "x-wfmock-inferred" not in operation("createWorkflow")
    for operation_id in ("getWorkflow", "getWorkflowProgressPage"):
        op = operation(operation_id)
        assert op["x-wfmock-inferred"] is True and "progressUrl" in op["x-wfmock-reason"]


def test_every_inferred_node_gives_a_reason() -> None:
    inferred = [(pointer, node) for pointer, node in walk(DOC)
                if isinstance(node, dict) and node.get("x-wfmock-inferred") is True]
    assert len(inferred) > 30
    for pointer, node in inferred:
        reason = node.get("x-wfmock-reason")
        assert isinstance(reason, str) and len(reason.strip()) > 20, pointer
    for pointer, node in walk(DOC):
        if isinstance(node, dict) and "x-wfmock-inferred" in node:
            assert node["x-wfmock-inferred"] is True, pointer
        if isinstance(node, dict) and "x-wfmock-reason" in node:
            assert node.get("x-wfmock-inferred") is True, pointer


def test_every_local_ref_resolves() -> None:
    refs = [node["$ref"] for _, node in walk(DOC) if isinstance(node, dict) and isinstance(node.get("$ref"), str)]
    assert len(refs) > 40
    for ref in refs:
        assert ref.startswith("#/"), ref
        assert resolve({"$ref": ref}) is not None, ref


# --- the seed's examples ----------------------------------------------------------------------------------------

def test_the_seed_request_examples_are_embedded_verbatim() -> None:
    examples = request_examples()
    assert examples["seed_curl"] == SEED_CURL
    assert examples["seed_javascript"] == SEED_JAVASCRIPT
    assert examples["seed_python"] == SEED_PYTHON
    assert json.dumps(examples["seed_curl"]) == json.dumps(SEED_CURL)  # same key order as the seed
    assert json.dumps(examples["seed_javascript"]) == json.dumps(SEED_JAVASCRIPT)
    # the seed's three templates, instantiated with their first listed value
    assert examples["seed_hometax_template"]["params"]["month"] == 3
    assert examples["seed_wehago_template"]["params"]["period"] == "2025-03"
    assert examples["seed_document_parsing_template"]["type"] == "document_parsing"


@pytest.mark.parametrize("name", sorted(request_examples()))
def test_every_request_example_is_valid(name: str) -> None:
    assert errors("CreateWorkflowRequest", request_examples()[name]) == []


def test_the_seed_responses_are_embedded_verbatim() -> None:
    responses = operation("createWorkflow")["responses"]
    created = responses["200"]["content"]["application/json"]["examples"]["seed"]["value"]
    assert created == SEED_CREATED and json.dumps(created) == json.dumps(SEED_CREATED)
    failure = resolve(responses["400"]["content"]["application/json"]["examples"]["seed"])["value"]
    assert failure == SEED_FAILURE
    assert errors("WorkflowCreated", SEED_CREATED) == []
    assert errors("ErrorResponse", SEED_FAILURE) == []


def test_every_embedded_example_matches_its_schema() -> None:
    checked = 0
    for _, _, op in operations():
        sources = [op.get("requestBody") or {}] + [resolve(r) for r in op["responses"].values()]
        for source in sources:
            for media_type, media in (resolve(source).get("content") or {}).items():
                check = validator(media["schema"])
                for name, example in (media.get("examples") or {}).items():
                    value = resolve(example)["value"]
                    if media_type == "text/html":
                        assert value.startswith("<!doctype html>"), (op["operationId"], name)
                    problems = [e.message for e in check.iter_errors(value)]
                    assert not problems, (op["operationId"], media_type, name, problems)
                    checked += 1
    assert checked >= 30


# --- the error catalogue ----------------------------------------------------------------------------------------

def test_every_seed_error_code_is_catalogued_as_the_seed_words_it() -> None:
    catalogue = DOC["x-wfmock-errors"]
    for code, (message, resolution) in SEED_ERROR_TABLE.items():
        entry = catalogue[code]
        assert (entry["message"], entry["resolution"], entry["documented"]) == (message, resolution, True), code
        # the seed gives no status: every status here is a decision with a reason
        assert entry["x-wfmock-inferred"] is True and entry["x-wfmock-reason"], code
    seed_example = catalogue["VALIDATION_ERROR"]
    assert (seed_example["error"], seed_example["documented"]) == (SEED_FAILURE["error"], True)
    assert catalogue["RATE_LIMIT_EXCEEDED"]["status"] == 429  # the one status the seed states


def test_catalogue_statuses_titles_and_flags() -> None:
    catalogue = DOC["x-wfmock-errors"]
    assert {code: (e["status"], e["error"]) for code, e in catalogue.items()} == CATALOGUE
    for code, entry in catalogue.items():
        assert set(entry) <= {"status", "message", "error", "documented", "resolution", "x-wfmock-inferred",
                              "x-wfmock-reason", "x-wfmock-note"}, code
        assert isinstance(entry["message"], str) and entry["message"], code
        assert isinstance(entry["documented"], bool), code
        assert entry["documented"] is (code in SEED_ERROR_TABLE or code == "VALIDATION_ERROR"), code
        if not entry["documented"]:
            assert entry["x-wfmock-inferred"] is True, code
    assert DOC["components"]["schemas"]["ErrorCode"]["enum"] == list(catalogue)


def test_every_catalogued_code_is_an_example_under_its_status() -> None:
    examples_by_status: dict[int, set[str]] = {}
    for where, status, response in all_responses():
        for media in (response.get("content") or {}).values():
            for example in (media.get("examples") or {}).values():
                value = resolve(example)["value"]
                if isinstance(value, dict) and set(value) == {"error", "message", "code"}:
                    entry = DOC["x-wfmock-errors"][value["code"]]
                    assert (entry["status"], entry["error"]) == (int(status), value["error"]), (where, value)
                    examples_by_status.setdefault(int(status), set()).add(value["code"])
    missing = [f"{code} ({entry['status']})" for code, entry in DOC["x-wfmock-errors"].items()
               if code not in examples_by_status.get(entry["status"], set())]
    assert not missing, f"catalogued codes without an example under their status: {missing}"


def test_each_operation_declares_the_errors_it_can_answer() -> None:
    declared = {op["operationId"]: set(op["responses"]) for _, _, op in operations()}
    assert declared["createWorkflow"] == {"200", "400", "401", "402", "413", "415", "422", "429", "500", "504"}
    assert declared["getWorkflow"] == {"200", "400", "401", "404", "429", "500"}
    assert declared["getWorkflowProgressPage"] == {"200", "404", "500"}
    for _, _, op in operations():
        for status, response in op["responses"].items():
            media = set(resolve(response)["content"])
            expected = {"text/html"} if op["operationId"] == "getWorkflowProgressPage" and status != "500" \
                else {"application/json"}
            assert media == expected, (op["operationId"], status)
            if expected == {"application/json"} and status != "200":
                assert resolve(response)["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorResponse"}, (op["operationId"], status)


def test_405_carries_allow() -> None:
    response = DOC["components"]["responses"]["MethodNotAllowed"]
    assert resolve(response["headers"]["Allow"])["required"] is True
    assert resolve(response["content"]["application/json"]["examples"]["METHOD_NOT_ALLOWED"])["value"]["code"] == \
        "METHOD_NOT_ALLOWED"


def test_error_envelope() -> None:
    assert errors("ErrorResponse", SEED_FAILURE) == []
    assert errors("Error", SEED_FAILURE) == []  # the alias the contract kit reads
    for field in SEED_FAILURE:
        assert errors("ErrorResponse", without(SEED_FAILURE, field)), field
    assert errors("ErrorResponse", {**SEED_FAILURE, "status": 400}), "exactly error, message and code"
    assert errors("ErrorResponse", {**SEED_FAILURE, "code": "BAD_THING"}), "codes come from the catalogue"
    assert errors("ErrorResponse", {**SEED_FAILURE, "message": ""})
    assert errors("ErrorResponse", {"code": "invalid_param", "message": "x", "status": 400}), "not MISO's envelope"


# --- rate limits ------------------------------------------------------------------------------------------------

def test_rate_limits_are_the_seed_s() -> None:
    assert DOC["x-wfmock-rate-limits"] == [{"window": 1, "limit": 10}, {"window": 3600, "limit": 10000}]


def test_429_carries_retry_after_and_ratelimit_headers() -> None:
    response = DOC["components"]["responses"]["TooManyRequests"]
    assert "x-wfmock-inferred" not in response  # the seed states the 429
    headers = {name: resolve(header) for name, header in response["headers"].items()}
    assert set(headers) == {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
    for name, header in headers.items():
        assert header["required"] is True and header["schema"]["type"] == "integer", name
        assert header["x-wfmock-inferred"] is True, name  # the seed names no header
    for operation_id in ("createWorkflow", "getWorkflow"):
        assert operation(operation_id)["responses"]["429"] == {"$ref": "#/components/responses/TooManyRequests"}
        ok_headers = operation(operation_id)["responses"]["200"]["headers"]
        assert set(ok_headers) == {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
        assert all(resolve(h).get("required", False) is False for h in ok_headers.values())


# --- links ------------------------------------------------------------------------------------------------------

def test_links_resolve_to_operations() -> None:
    known = {op["operationId"] for _, _, op in operations()}
    links = [(pointer, node) for pointer, node in walk(DOC) if pointer.endswith("/links")]
    assert links
    for pointer, group in links:
        for name, link in group.items():
            assert link["operationId"] in known, (pointer, name)
            target = operation(link["operationId"])
            names = {p["name"] for p in target.get("parameters", [])}
            assert set(link["parameters"]) <= names, (pointer, name)
    created = operation("createWorkflow")["responses"]["200"]["links"]
    assert created["GetWorkflow"] == {**created["GetWorkflow"], "operationId": "getWorkflow",
                                      "parameters": {"id": "$response.body#/id"}}
    assert created["GetWorkflowProgressPage"]["operationId"] == "getWorkflowProgressPage"
    assert created["GetWorkflowProgressPage"]["parameters"] == {"id": "$response.body#/id"}


# --- request: enums and shapes ------------------------------------------------------------------------------------

def test_enums_are_the_seed_s_lists() -> None:
    schemas = DOC["components"]["schemas"]
    assert schemas["WorkflowType"]["enum"] == SEED_TYPES
    assert schemas["WorkflowStatus"]["enum"] == SEED_STATUSES
    assert schemas["HometaxParams"]["properties"]["siteCode"] == {"const": "HOMETAX"}
    assert schemas["HometaxParams"]["properties"]["function"]["enum"] == SEED_HOMETAX_FUNCTIONS
    assert schemas["WehagoParams"]["properties"]["siteCode"] == {"const": "WEHAGO"}
    assert schemas["WehagoParams"]["properties"]["group"]["enum"] == SEED_WEHAGO_GROUPS
    endpoint = schemas["WehagoParams"]["properties"]["endpoint"]
    assert "enum" not in endpoint, "the seed's endpoint list is open ('...'): its closure is a decision"
    closed = endpoint["allOf"][0]
    assert set(SEED_WEHAGO_ENDPOINTS) <= set(closed["enum"]) and closed["x-wfmock-inferred"]
    from wfmock.data.wehago import ENDPOINTS
    assert set(closed["enum"]) == set(ENDPOINTS), "every endpoint the data module serves, and only those"
    params = schemas["DocumentParsingParams"]["properties"]
    assert params["documentType"]["enum"] == SEED_DOCUMENT_TYPES
    assert params["priority"]["enum"] == SEED_PRIORITIES
    assert schemas["ScrapingParams"]["properties"]["siteCode"]["allOf"][0]["enum"] == ["HOMETAX", "WEHAGO"]


def test_request_branches_are_discriminated() -> None:
    schemas = DOC["components"]["schemas"]
    request = schemas["CreateWorkflowRequest"]
    assert request["discriminator"]["mapping"] == {"scraping": "#/components/schemas/ScrapingRequest",
                                                   "document_parsing": "#/components/schemas/DocumentParsingRequest"}
    assert sorted(b["$ref"] for b in request["oneOf"]) == sorted(request["discriminator"]["mapping"].values())
    assert schemas["ScrapingRequest"]["properties"]["type"] == {"const": "scraping"}
    assert schemas["DocumentParsingRequest"]["properties"]["type"] == {"const": "document_parsing"}
    assert schemas["ScrapingParams"]["discriminator"]["mapping"] == {
        "HOMETAX": "#/components/schemas/HometaxParams", "WEHAGO": "#/components/schemas/WehagoParams"}
    for name in ("CreateWorkflowRequest", "HometaxParams", "WehagoParams", "DocumentParsingParams"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["HometaxParams"]["required"] == ["siteCode", "function", "credentialId", "year"]
    assert schemas["WehagoParams"]["if"] == {"not": {"required": ["sessionToken"]}}
    assert schemas["WehagoParams"]["then"] == {"required": ["credentialId"]}
    assert schemas["DocumentParsingParams"]["if"] == {"not": {"required": ["imageBase64"]}}
    assert schemas["DocumentParsingParams"]["then"] == {"required": ["imageUrl"]}
    assert schemas["DocumentParsingParams"]["properties"]["imageUrl"]["format"] == "uri"


@pytest.mark.parametrize("body", [
    create(HOMETAX),
    create(without(HOMETAX, "month")),
    *[create({**HOMETAX, "function": function}) for function in SEED_HOMETAX_FUNCTIONS],
    create({**HOMETAX, "month": 1}), create({**HOMETAX, "month": 12}),
    create(WEHAGO),
    create(without(WEHAGO, "period")),
    create({**without(WEHAGO, "credentialId"), "sessionToken": "eyJhbGciOiJIUzI1NiJ9.e30.x"}),
    create({**WEHAGO, "sessionToken": "t0ken"}),  # both credentials: accepted
    create({**WEHAGO, "group": "transactions", "endpoint": "sales-report", "period": "2024-12"}),
    *[create({**WEHAGO, "period": period}) for period in ("2025", "2025-Q2", "2025-01~2025-06")],
    *[create({**WEHAGO, "endpoint": endpoint}) for endpoint in ("income-statement", "trial-balance", "journal")],
    create(DOCUMENT, "document_parsing"),
    create(without(DOCUMENT, "priority"), "document_parsing"),
    create({**without(DOCUMENT, "imageUrl"), "imageBase64": "aGVsbG8="}, "document_parsing"),
    create({"documentType": "aggregate_building", "imageUrl": "http://files.example.com:8080/a%20b.png?x=1#p",
            "priority": "high"}, "document_parsing"),
])
def test_request_accepts(body: dict[str, Any]) -> None:
    assert errors("CreateWorkflowRequest", body) == []


@pytest.mark.parametrize("why, body", [
    ("the seed's own failure: HOMETAX without credentialId", create(without(HOMETAX, "credentialId"))),
    ("HOMETAX without year", create(without(HOMETAX, "year"))),
    ("HOMETAX without function", create(without(HOMETAX, "function"))),
    ("an unlisted HOMETAX function", create({**HOMETAX, "function": "get_tax_invoices"})),
    ("month 13", create({**HOMETAX, "month": 13})),
    ("month 0", create({**HOMETAX, "month": 0})),
    ("month as text", create({**HOMETAX, "month": "3"})),
    ("year as text", create({**HOMETAX, "year": "2025"})),
    ("year 1999", create({**HOMETAX, "year": 1999})),
    ("credentialId without cred_", create({**HOMETAX, "credentialId": "abc123"})),
    ("WEHAGO without any credential", create(without(WEHAGO, "credentialId"))),
    ("WEHAGO with an empty sessionToken only", create({**without(WEHAGO, "credentialId"), "sessionToken": ""})),
    ("WEHAGO without endpoint", create(without(WEHAGO, "endpoint"))),
    ("an unknown WEHAGO endpoint", create({**WEHAGO, "endpoint": "payroll-ledger"})),
    ("an unlisted WEHAGO group", create({**WEHAGO, "group": "payroll"})),
    ("period not YYYY-MM", create({**WEHAGO, "period": "2025-3"})),
    ("period month 13", create({**WEHAGO, "period": "2025-13"})),
    ("period year 9999", create({**WEHAGO, "period": "9999-12"})),
    ("period as a half year", create({**WEHAGO, "period": "2025-H1"})),
    ("period range with a bad month", create({**WEHAGO, "period": "2025-01~2025-13"})),
    ("HOMETAX fields on WEHAGO", create({**WEHAGO, "function": "get_vat_info"})),
    ("an unknown site", create({**HOMETAX, "siteCode": "NAVER"})),
    ("no siteCode", create(without(HOMETAX, "siteCode"))),
    ("document without an image", create(without(DOCUMENT, "imageUrl"), "document_parsing")),
    ("an unlisted document type", create({**DOCUMENT, "documentType": "registry"}, "document_parsing")),
    ("an unlisted priority", create({**DOCUMENT, "priority": "urgent"}, "document_parsing")),
    ("imageUrl not http(s)", create({**DOCUMENT, "imageUrl": "ftp://example.com/a.png"}, "document_parsing")),
    ("imageUrl with a raw non-ASCII character", create({**DOCUMENT, "imageUrl": "https://Ï.com"},
                                                       "document_parsing")),
    ("imageUrl with a broken escape", create({**DOCUMENT, "imageUrl": "https://a.com/%2"}, "document_parsing")),
    ("imageBase64 not base64", create({**without(DOCUMENT, "imageUrl"), "imageBase64": "not base64!"},
                                      "document_parsing")),
    ("scraping type with document params", create(DOCUMENT, "scraping")),
    ("document_parsing type with HOMETAX params", create(HOMETAX, "document_parsing")),
    ("an unknown type", create(HOMETAX, "ocr")),
    ("no params", {"type": "scraping"}),
    ("an extra top-level field", {**create(HOMETAX), "webhookUrl": "https://example.com/hook"}),
    ("an extra param", create({**HOMETAX, "callbackUrl": "https://example.com/hook"})),
    ("not an object", [create(HOMETAX)]),
])
def test_request_rejects(why: str, body: Any) -> None:
    assert errors("CreateWorkflowRequest", body), why


@pytest.mark.parametrize("body, message", [
    (create(without(HOMETAX, "credentialId")), "credentialId is required"),  # the seed's own message
    (create(without(WEHAGO, "credentialId")), "credentialId is required"),
    (create({**HOMETAX, "month": 13}), "params.month"),
    (create({**WEHAGO, "endpoint": "nope"}), "params.endpoint"),
    (create({**HOMETAX, "siteCode": "NAVER"}), "params.siteCode"),
    (create({**DOCUMENT, "documentType": "house"}, "document_parsing"), "params.documentType"),
    (create(HOMETAX, "ocr"), "type"),
])
def test_the_simulator_s_message_names_the_intended_branch(body: dict[str, Any], message: str) -> None:
    """The discriminating consts steer the mock's validator into the branch the request meant."""
    from wfmock.openapi.spec import ApiSpec
    from wfmock.openapi.validators import explain

    check = ApiSpec.load("imprun", SPEC_PATH).operations["createWorkflow"].body_validators["application/json"]
    found = [explain(error) for error in check.iter_errors(body)]
    assert found, body
    assert found[0] == message if message.endswith("is required") else found[0].startswith(message + ":"), found


@settings(max_examples=150, deadline=None)
@given(function=st.sampled_from(SEED_HOMETAX_FUNCTIONS), year=st.integers(2000, 2100),
       month=st.one_of(st.none(), st.integers(1, 12)), bad_month=st.integers().filter(lambda m: not 1 <= m <= 12))
def test_hometax_params_space(function: str, year: int, month: int | None, bad_month: int) -> None:
    params = {"siteCode": "HOMETAX", "function": function, "credentialId": "cred_x1", "year": year}
    if month is not None:
        params["month"] = month
    assert errors("CreateWorkflowRequest", create(params)) == []
    assert errors("CreateWorkflowRequest", create({**params, "month": bad_month}))
    for required in ("siteCode", "function", "credentialId", "year"):
        assert errors("CreateWorkflowRequest", create(without(params, required))), required


@settings(max_examples=150, deadline=None)
@given(year=st.integers(0, 9999), month=st.integers(0, 99))
def test_wehago_period_is_a_year_month(year: int, month: int) -> None:
    period = f"{year:04d}-{month:02d}"
    valid = 2000 <= year <= 2100 and 1 <= month <= 12  # the same years as HOMETAX's `year`
    assert (errors("CreateWorkflowRequest", create({**WEHAGO, "period": period})) == []) is valid


def test_path_parameters() -> None:
    (read_id,) = operation("getWorkflow")["parameters"]
    assert (read_id["name"], read_id["in"], read_id["required"]) == ("id", "path", True)
    schema = resolve(read_id["schema"])
    assert schema["pattern"] == "^wf_[A-Za-z0-9]+$" and schema["x-wfmock-inferred"] is True
    assert "400" in operation("getWorkflow")["responses"], "a pattern on the path means a 400 for a bad id"
    check = validator(read_id["schema"])
    assert check.is_valid("wf_abc123xyz") and not check.is_valid("abc123") and not check.is_valid("wf_")
    (page_id,) = operation("getWorkflowProgressPage")["parameters"]
    assert page_id["schema"] == {"type": "string", "minLength": 1}, "any id is a page (or its 404)"


# --- responses ----------------------------------------------------------------------------------------------------

def test_created_response() -> None:
    schema = DOC["components"]["schemas"]["WorkflowCreated"]
    assert schema["required"] == ["id", "status", "createdAt", "progressUrl"]
    assert errors("WorkflowCreated", SEED_CREATED) == []
    for field in SEED_CREATED:
        assert errors("WorkflowCreated", without(SEED_CREATED, field)), field
    for change in ({"status": "SUCCEEDED"}, {"status": "running"}, {"id": "abc123xyz"},
                   {"createdAt": "2026-03-07 10:20"}, {"createdAt": 1772878800}, {"extra": True}):
        assert errors("WorkflowCreated", {**SEED_CREATED, **change}), change


RUN = {"id": "wf_abc123xyz", "type": "scraping", "status": "RUNNING", "createdAt": "2026-03-07T10:20:00Z",
       "updatedAt": "2026-03-07T10:20:00Z", "finishedAt": None,
       "progressUrl": "https://imprun.dev/console/workflows/wf_abc123xyz", "params": SEED_CURL["params"]}
DONE = {"updatedAt": "2026-03-07T10:20:02Z", "finishedAt": "2026-03-07T10:20:02Z"}


@pytest.mark.parametrize("why, run, ok", [
    ("running", RUN, True),
    ("succeeded with a result", {**RUN, **DONE, "status": "SUCCEEDED", "result": {}}, True),
    ("failed with an error", {**RUN, **DONE, "status": "FAILED",
                              "error": {"code": "CREDENTIAL_EXPIRED", "message": "자격증명 만료"}}, True),
    ("timed out with an error", {**RUN, **DONE, "status": "TIMED_OUT",
                                 "error": {"code": "TIMEOUT", "message": "타임아웃"}}, True),
    ("a WEHAGO session-token run echoes no credential", {
        **RUN, "params": without(SEED_JAVASCRIPT["params"], "credentialId")}, True),
    ("a base64 document run echoes no image", {**RUN, "type": "document_parsing",
                                               "params": {"documentType": "land", "priority": "high"}}, True),
    ("running with a result", {**RUN, "result": {}}, False),
    ("running with an error", {**RUN, "error": {"code": "TIMEOUT", "message": "타임아웃"}}, False),
    ("running with finishedAt", {**RUN, **DONE}, False),
    ("succeeded without a result", {**RUN, **DONE, "status": "SUCCEEDED"}, False),
    ("succeeded with an error too", {**RUN, **DONE, "status": "SUCCEEDED", "result": {},
                                     "error": {"code": "TIMEOUT", "message": "타임아웃"}}, False),
    ("succeeded without finishedAt", {**RUN, "status": "SUCCEEDED", "result": {}}, False),
    ("failed without an error", {**RUN, **DONE, "status": "FAILED"}, False),
    ("failed with a result", {**RUN, **DONE, "status": "FAILED", "result": {},
                              "error": {"code": "AUTHENTICATION_FAILED", "message": "로그인 실패"}}, False),
    ("an error without a message", {**RUN, **DONE, "status": "FAILED", "error": {"code": "TIMEOUT"}}, False),
    ("an uncatalogued error code", {**RUN, **DONE, "status": "FAILED", "error": {"code": "OOPS", "message": "x"}},
     False),
    ("an unknown status", {**RUN, "status": "QUEUED"}, False),
    ("a lower-case status", {**RUN, "status": "running"}, False),
    ("the sessionToken echoed", {**RUN, "params": {**SEED_JAVASCRIPT["params"], "sessionToken": "t"}}, False),
    ("the imageBase64 echoed", {**RUN, "type": "document_parsing",
                                "params": {"documentType": "land", "imageBase64": "aGVsbG8="}}, False),
    ("an id that is not wf_", {**RUN, "id": "abc"}, False),
    ("an extra field", {**RUN, "creditsUsed": 1}, False),
])
def test_a_run_s_fields_follow_its_status(why: str, run: dict[str, Any], ok: bool) -> None:
    assert (errors("WorkflowRun", run, any_result_registry()) == []) is ok, why


def test_a_run_requires_its_fields() -> None:
    for field in RUN:
        assert errors("WorkflowRun", without(RUN, field)), field
    schema = DOC["components"]["schemas"]["WorkflowRun"]
    assert schema["properties"]["result"] == {"$ref": "#/components/schemas/WorkflowResult"}
    assert [branch["properties"]["status"] for branch in schema["oneOf"]] == [
        {"type": "string", "const": "RUNNING"}, {"type": "string", "const": "SUCCEEDED"},
        {"type": "string", "enum": ["FAILED", "TIMED_OUT"]}]
    assert all("status" in branch["required"] for branch in schema["oneOf"])
    response = operation("getWorkflow")["responses"]["200"]["content"]["application/json"]
    assert response["schema"] == {"$ref": "#/components/schemas/WorkflowRun"}


def test_secrets_are_write_only() -> None:
    schemas = DOC["components"]["schemas"]
    assert schemas["WehagoParams"]["properties"]["sessionToken"]["writeOnly"] is True
    assert schemas["DocumentParsingParams"]["properties"]["imageBase64"]["writeOnly"] is True


def test_progress_page_is_html() -> None:
    responses = operation("getWorkflowProgressPage")["responses"]
    for status in ("200", "404"):
        assert responses[status]["content"]["text/html"]["schema"] == {"type": "string"}, status


def test_workflow_result_is_the_data_module_s_section() -> None:
    """The result schemas live after one marker line, at the end of components.schemas (the end of the file)."""
    marker = "    # --- result schemas (owned by the data module) ---\n"
    assert SPEC_TEXT.count(marker) == 1
    before, after = SPEC_TEXT.split(marker)
    names = [line.strip().rstrip(":") for line in after.splitlines()
             if line.startswith("    ") and not line.startswith("     ") and line.strip().endswith(":")]
    assert "WorkflowResult" in names
    assert all(not line.strip() or line.startswith("    ") for line in after.splitlines()), \
        "nothing but schemas after the marker"
    assert list(DOC["components"])[-1] == "schemas"
    assert list(DOC)[-1] == "components"
    assert before.count("'#/components/schemas/WorkflowResult'") == 1, "only WorkflowRun.result points at it"


# --- the contract kit's view ---------------------------------------------------------------------------------------

def test_documented_profile_keeps_only_seed_facts() -> None:
    document = pytest.importorskip("wfmock.openapi.profiles")
    view = document.documented_view(DOC)
    assert list(view["paths"]) == ["/v2/workflows"], "the read endpoint and the page are inferred"
    assert view["paths"]["/v2/workflows"]["post"]["responses"]["200"]["links"] == {}
    relaxed = Draft202012Validator({"$ref": "#/components/schemas/ErrorResponse", "components": view["components"]})
    assert relaxed.is_valid({**SEED_FAILURE, "code": "SOME_OTHER_CODE", "requestId": "r1"})
    assert not relaxed.is_valid(without(SEED_FAILURE, "message"))
    request = Draft202012Validator({"$ref": "#/components/schemas/CreateWorkflowRequest",
                                    "components": view["components"]})
    assert request.is_valid(create({**WEHAGO, "endpoint": "income-statement"})), "the seed's endpoint list is open"
    assert not request.is_valid(create({**HOMETAX, "function": "get_tax_invoices"})), "the function list is closed"
    assert not request.is_valid(create(without(HOMETAX, "credentialId")))
