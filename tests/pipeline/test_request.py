"""The reading stage: the query and body read once, within the limits, into THE request."""

import asyncio
from typing import Any

import pytest

from wfmock.errors import ApiError
from wfmock.limits import Limits
from wfmock.pipeline.request import Request, read_body


def request_of(body: bytes, content_type: str = "application/json", query: bytes = b"") -> Request:
    scope = {"type": "http", "method": "POST", "path": "/v2/workflows", "query_string": query,
             "headers": [(b"content-type", content_type.encode()), (b"Host", b"mock.test")]}
    return Request.of(scope, "imprun")


def read(request: Request, *chunks: bytes, limits: Limits | None = None) -> Request:
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    asyncio.run(read_body(request, receive, limits or Limits()))
    return request


def test_headers_are_lower_cased_and_the_base_url_comes_from_host() -> None:
    request = request_of(b"")
    assert request.headers["host"] == "mock.test" and request.base_url == "http://mock.test"
    assert request.api == "imprun" and request.media_type == "application/json"


def test_json_is_decoded_once_from_chunks() -> None:
    request = read(request_of(b""), b'{"type": "scr', b'aping"}')
    assert request.body == {"type": "scraping"} and request.raw_body == b'{"type": "scraping"}'
    assert request.body_error is None


def test_malformed_json_is_kept_for_validation_to_report() -> None:
    request = read(request_of(b""), b'{"type": ')
    assert request.body is None and request.body_error.startswith("Request body is not valid JSON")


def test_query_strings_are_read_as_sent() -> None:
    request = read(request_of(b"", query=b"limit=5&page=2"), b"")
    assert request.query == {"limit": "5", "page": "2"} and request.typed_query == {}


def test_a_body_over_the_limit_is_a_413_before_it_is_all_read() -> None:
    with pytest.raises(ApiError) as caught:
        read(request_of(b""), b"x" * 60, b"y" * 60, limits=Limits(body_bytes=100))
    assert caught.value.status == 413


def test_json_nested_too_deep_is_a_400() -> None:
    with pytest.raises(ApiError) as caught:
        read(request_of(b""), b"[" * 40 + b"]" * 40, limits=Limits(json_depth=32))
    assert caught.value.status == 400 and "nested" in caught.value.message


def test_one_over_long_string_is_a_413_naming_it() -> None:
    body = b'{"params": {"note": "' + b"a" * 300 + b'"}}'
    with pytest.raises(ApiError) as caught:
        read(request_of(b""), body, limits=Limits(field_bytes=100))
    assert caught.value.status == 413 and "params.note" in caught.value.message


def test_a_multipart_form_becomes_fields_with_file_summaries() -> None:
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n").encode()
    request = read(request_of(b"", f"multipart/form-data; boundary={boundary}"), body)
    assert request.form is not None and request.body["user"] == "alice"
    assert request.body["file"] == {"filename": "a.txt", "size": 5, "content_type": "text/plain"}


def test_an_over_long_multipart_field_name_is_a_400() -> None:
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{'n' * 300}\"\r\n\r\nx\r\n"
            f"--{boundary}--\r\n").encode()
    request = request_of(b"", f"multipart/form-data; boundary={boundary}")
    with pytest.raises(ApiError) as caught:
        read(request, body, limits=Limits(form_name_chars=200))
    assert caught.value.status == 400 and "field name is 300 characters" in caught.value.message
