"""Authentication per declared security scheme, open and strict."""

import pytest

from wfmock.auth import Authenticator
from wfmock.errors import ApiError
from tests.minispec import mini_spec

SPEC = mini_spec()
CREATE, LOGS, OPEN = (SPEC.operations[name] for name in ("create", "logs", "open"))


def test_open_mode_accepts_any_non_empty_key() -> None:
    auth = Authenticator(SPEC.security_schemes)
    assert auth.authenticate(CREATE, {"x-api-key": "anything"}) == "anything"
    assert auth.authenticate(LOGS, {"authorization": "Bearer tok"}) == "tok"
    assert auth.authenticate(LOGS, {"authorization": "bearer tok"}) == "tok"


@pytest.mark.parametrize("headers", [{}, {"x-api-key": ""}, {"x-api-key": "   "}, {"authorization": "Bearer k"}])
def test_missing_api_key_is_401(headers: dict) -> None:
    with pytest.raises(ApiError) as caught:
        Authenticator(SPEC.security_schemes).authenticate(CREATE, headers)
    assert caught.value.status == 401


@pytest.mark.parametrize(("header", "message"), [
    ("", "must be provided"), ("Bearer", "must be provided"), ("Basic abc", "scheme must be 'Bearer'"),
])
def test_bearer_problems_use_difys_messages(header: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        Authenticator(SPEC.security_schemes).authenticate(LOGS, {"authorization": header})
    assert message in caught.value.message


def test_strict_mode_refuses_unknown_keys() -> None:
    auth = Authenticator(SPEC.security_schemes, {"good"})
    assert auth.authenticate(CREATE, {"x-api-key": "good"}) == "good"
    with pytest.raises(ApiError) as caught:
        auth.authenticate(CREATE, {"x-api-key": "bad"})
    assert caught.value.status == 401


def test_operation_without_security_needs_nothing() -> None:
    assert Authenticator(SPEC.security_schemes, {"good"}).authenticate(OPEN, {}) is None
