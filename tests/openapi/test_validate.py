"""Request validation from compiled spec schemas, with messages a developer can act on."""

import asyncio

import pytest

from wfmock.errors import ApiError
from wfmock.limits import Limits
from wfmock.pipeline.request import Request, read_body
from wfmock.validate import validate
from tests.minispec import mini_spec

SPEC = mini_spec()


def incoming(body: bytes = b"", content_type: str = "application/json", query: dict | None = None) -> Request:
    """The request as the pipeline's reading stage leaves it (the body decoded once)."""
    request = Request.of({"method": "POST", "path": "/", "headers": [(b"content-type", content_type.encode())]}, "t")

    async def receive() -> dict:
        return {"type": "http.request", "body": body}

    asyncio.run(read_body(request, receive, Limits()))
    request.query = query or {}
    return request


def error_for(operation: str, request: Request, path_params: dict | None = None) -> ApiError:
    request.path_params = path_params or {}
    with pytest.raises(ApiError) as caught:
        validate(SPEC.operations[operation], request)
    return caught.value


def test_valid_body_is_parsed() -> None:
    body = b'{"type": "scraping", "params": {"siteCode": "HOMETAX", "credentialId": "cred_1"}}'
    request = incoming(body)
    validate(SPEC.operations["create"], request)
    assert request.body["params"]["credentialId"] == "cred_1"


def test_missing_field_names_it_like_the_seed_does() -> None:
    error = error_for("create", incoming(b'{"type": "scraping", "params": {"siteCode": "HOMETAX"}}'))
    assert error.status == 400 and error.message == "credentialId is required"


def test_one_of_picks_the_branch_the_discriminator_chose() -> None:
    error = error_for("create", incoming(b'{"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "x"}}'))
    assert error.message.startswith("params.group:")


def test_range_error_names_the_field() -> None:
    body = b'{"type": "scraping", "params": {"siteCode": "HOMETAX", "credentialId": "c", "month": 13}}'
    assert error_for("create", incoming(body)).message == "params.month: 13 is greater than the maximum of 12"


@pytest.mark.parametrize("body", [b"{", b"[1,", b"\xff\xfe", b"NaN", b'{"a": 1}garbage'])
def test_malformed_json_is_400(body: bytes) -> None:
    error = error_for("create", incoming(body))
    assert error.status == 400 and "not valid JSON" in error.message


def test_wrong_content_type_is_415() -> None:
    assert error_for("create", incoming(b"type=scraping", "application/x-www-form-urlencoded")).status == 415


def test_missing_required_body_is_400() -> None:
    assert error_for("create", incoming(b"")).message == "Request body is required"


def test_query_parameters_are_coerced_and_checked() -> None:
    request = incoming(query={"limit": "5"})
    validate(SPEC.operations["logs"], request)
    assert request.typed_query == {"limit": 5}
    assert "limit" in error_for("logs", incoming(query={"limit": "0"})).message
    assert "limit" in error_for("logs", incoming(query={"limit": "ten"})).message


def test_query_schema_references_resolve() -> None:
    assert "site" in error_for("logs", incoming(query={"site": "NAVER"})).message


def test_path_parameters_are_checked() -> None:
    assert "id" in error_for("read", incoming(), {"id": "nope"}).message
