"""The one reader of security schemes: which header carries a credential, sending a key, reading one back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfmock.openapi import security
from wfmock.openapi.document import read

API_KEY = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
BEARER = {"type": "http", "scheme": "bearer"}
COOKIE = {"type": "apiKey", "in": "cookie", "name": "sid"}


def test_the_documents_schemes_and_their_secret_headers() -> None:
    assert security.secret_header_names(security.schemes(read("imprun"))) == ("X-API-Key",)
    assert security.secret_header_names(security.schemes(read("miso"))) == ("Authorization",)
    assert security.schemes({"openapi": "3.2.0"}) == {}


def test_headers_for_a_key_per_scheme() -> None:
    assert security.headers_for_key(API_KEY, "k") == {"X-API-Key": "k"}
    assert security.headers_for_key(BEARER, "k") == {"Authorization": "Bearer k"}
    assert security.headers_for_key(COOKIE, "k") == {} and security.credential_header(COOKIE) is None


def test_schemathesis_auth_presents_the_key_for_each_scheme() -> None:
    assert security.schemathesis_auth({"A": API_KEY, "B": BEARER, "C": {"type": "oauth2"}}, "k") == {
        "A": {"api_key": "k"}, "B": {"bearer": "k"}}


key_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(key_text)
def test_a_key_sent_is_the_key_read(key: str) -> None:
    for scheme in (API_KEY, BEARER):
        headers = {name.lower(): value for name, value in security.headers_for_key(scheme, key).items()}
        assert security.read_credential(scheme, headers)[0] == key


@pytest.mark.parametrize(("scheme", "headers", "problem"), [
    (API_KEY, {}, "X-API-Key header is required"),
    (API_KEY, {"x-api-key": "  "}, "X-API-Key header is required"),
    (BEARER, {}, "Authorization header must be provided and start with 'Bearer'"),
    (BEARER, {"authorization": "Bearer "}, "Authorization header must be provided and start with 'Bearer'"),
    (BEARER, {"authorization": "Basic abc"}, "Authorization scheme must be 'Bearer'"),
    (COOKIE, {"cookie": "sid=1"}, "unsupported security scheme"),
])
def test_a_missing_credential_is_explained_in_the_api_s_words(scheme: dict, headers: dict, problem: str) -> None:
    assert security.read_credential(scheme, headers) == (None, problem)
