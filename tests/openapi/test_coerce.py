"""The one coercer: parameter text read as its schema's primitive type, text that is not one left for the check."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfmock.openapi.coerce import coerce, primitive


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(st.integers())
def test_integers_round_trip(number: int) -> None:
    assert coerce(str(number), {"type": "integer"}) == number
    assert coerce(str(number), {"type": ["integer", "null"]}) == number


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip(number: float) -> None:
    assert coerce(repr(number), {"type": "number"}) == number


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(st.text())
def test_text_is_never_lost(text: str) -> None:
    """Whatever the type, text that does not parse as it comes back unchanged (the schema check reports it)."""
    assert coerce(text, {}) == coerce(text, {"type": "string"}) == text
    for kind, parse in (("integer", int), ("number", float)):
        typed = coerce(text, {"type": kind})
        assert typed == text or (isinstance(typed, parse) and typed == parse(text))
    assert coerce(text, {"type": "boolean"}) in (text, True, False)


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("false", False), ("True", "True"), ("1", "1")])
def test_booleans_are_the_json_words_only(text: str, expected: object) -> None:
    assert coerce(text, {"type": "boolean"}) == expected


def test_arrays_coerce_each_item_and_other_values_pass() -> None:
    assert coerce(["1", "x"], {"type": "array", "items": {"type": "integer"}}) == [1, "x"]
    assert coerce(5, {"type": "integer"}) == 5
    assert coerce("5", {"$ref": "#/components/schemas/Limit"}) == "5"  # unresolved: no type to read it as


def test_primitive_is_the_non_null_type() -> None:
    assert primitive({"type": ["null", "string"]}) == "string"
    assert primitive({"enum": ["a"]}) is None and primitive(None) is None
