"""Routing from the spec: static and templated paths, 404 and 405 with `Allow`."""

import pytest

from wfmock.errors import METHOD_NOT_ALLOWED, NOT_FOUND, ApiError
from wfmock.pipeline.routing import Router
from tests.minispec import mini_spec

ROUTER = Router(mini_spec().operations.values())


def test_static_and_templated_paths() -> None:
    assert ROUTER.match("POST", "/v2/workflows").operation.operation_id == "create"
    found = ROUTER.match("GET", "/v2/workflows/wf_abc")
    assert found.operation.operation_id == "read" and found.path_params == {"id": "wf_abc"}


def test_unknown_path_is_404() -> None:
    with pytest.raises(ApiError) as caught:
        ROUTER.match("GET", "/v2/nothing/here")
    assert caught.value.code == NOT_FOUND and caught.value.status == 404


def test_wrong_method_is_405_with_allow() -> None:
    with pytest.raises(ApiError) as caught:
        ROUTER.match("DELETE", "/v2/workflows/wf_abc")
    assert caught.value.code == METHOD_NOT_ALLOWED and caught.value.status == 405
    assert caught.value.headers["Allow"] == "GET"


def test_head_falls_back_to_get() -> None:
    assert ROUTER.match("HEAD", "/open").operation.operation_id == "open"
