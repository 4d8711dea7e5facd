"""A document's validators: one registry, compiled schemas cached, errors explained in the API's words."""

from __future__ import annotations

import orjson
import pytest
from jsonschema import Draft202012Validator

from wfmock.openapi import validators as module
from wfmock.openapi.validators import Validators, explain, missing_property

DOCUMENT = {"components": {"schemas": {
    "Month": {"type": "integer", "minimum": 1, "maximum": 12},
    "Create": {"type": "object", "required": ["type", "params"], "properties": {
        "type": {"const": "scraping"},
        "params": {"oneOf": [
            {"type": "object", "required": ["siteCode", "credentialId"],
             "properties": {"siteCode": {"const": "HOMETAX"}, "credentialId": {"type": "string"},
                            "month": {"$ref": "#/components/schemas/Month"}}},
            {"type": "object", "required": ["siteCode", "group"],
             "properties": {"siteCode": {"const": "WEHAGO"}, "group": {"enum": ["financial"]}}},
        ]}}},
    "Worded": {"oneOf": [{"type": "integer"}, {"type": "boolean"}], "x-wfmock-message": "a number or a flag"},
    "Pattern": {"type": "string", "pattern": "(?P<word>a)(?P=word)"},  # a Python-only regex
}}}


@pytest.fixture(scope="module")
def validators() -> Validators:
    return Validators("urn:test", DOCUMENT)


def messages(validators: Validators, name: str, instance: object) -> list[str]:
    return [explain(e) for e in validators.at(f"/components/schemas/{name}").iter_errors(instance)]


@pytest.mark.parametrize(("instance", "message"), [
    ({"type": "scraping", "params": {"siteCode": "HOMETAX"}}, "credentialId is required"),
    ({"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "x"}}, "params.group: 'x' is not one of"),
    ({"type": "scraping", "params": {"siteCode": "HOMETAX", "credentialId": "c", "month": 13}},
     "params.month: 13 is greater than the maximum of 12"),
    ({"params": {}}, "type is required"),
])
def test_explain_names_the_intended_branch(validators: Validators, instance: object, message: str) -> None:
    assert messages(validators, "Create", instance)[0].startswith(message)


def test_the_document_s_own_words_win(validators: Validators) -> None:
    assert messages(validators, "Worded", "x") == ["a number or a flag"]


def test_valid_instances_pass_both_engines(validators: Validators) -> None:
    assert messages(validators, "Create", {"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "financial"}}) == []


def test_errors_by_schema_object_are_cached_and_rebased(validators: Validators) -> None:
    schema = {"$ref": "#/components/schemas/Month"}
    assert validators.of(schema) is validators.of(schema)
    assert validators.errors(schema, 0) == ["(root): 0 is less than the minimum of 1"]
    assert validators.errors({"type": "array", "items": schema}, [1, 99]) == ["1: 99 is greater than the maximum of 12"]


def test_a_schema_only_jsonschema_reads_is_judged_by_it_alone(validators: Validators) -> None:
    compiled = validators.at("/components/schemas/Pattern")
    assert compiled.fast is None
    assert list(compiled.iter_errors("aa")) == [] and list(compiled.iter_errors("ab"))


def test_missing_property_reads_a_required_error() -> None:
    error = next(Draft202012Validator({"required": ["file"]}).iter_errors({}))
    assert missing_property(error) == "file"
    assert missing_property(next(Draft202012Validator({"type": "string"}).iter_errors(1))) is None


class CountingFast:
    """Stands in for the Rust validator to count how often it is asked."""

    def __init__(self, real: object) -> None:
        self.real, self.calls = real, 0

    def is_valid(self, instance: object) -> bool:
        self.calls += 1
        return self.real.is_valid(instance)  # type: ignore[attr-defined]


def test_a_raw_body_found_valid_is_not_checked_again_an_invalid_one_always_is() -> None:
    compiled = Validators("urn:memo", DOCUMENT).at("/components/schemas/Create")
    compiled.fast = counting = CountingFast(compiled.fast)
    valid = orjson.dumps({"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "financial"}})
    invalid = orjson.dumps({"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "x"}})
    for _ in range(3):
        assert list(compiled.iter_body_errors(valid, orjson.loads(valid))) == []
        assert [explain(e) for e in compiled.iter_body_errors(invalid, orjson.loads(invalid))][0].startswith(
            "params.group: 'x' is not one of")
    assert counting.calls == 1 + 3  # the valid body once, the invalid one every time

    long_valid = orjson.dumps({"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "financial",
                                                              "note": "x" * module.VALID_BODY_BYTES}})
    for _ in range(2):
        assert list(compiled.iter_body_errors(long_valid, orjson.loads(long_valid))) == []
    assert counting.calls == 4 + 2  # too long to remember

    for index in range(module.VALID_BODIES + 10):  # bounded: the set is emptied when full, never grows past it
        body = orjson.dumps({"type": "scraping", "params": {"siteCode": "WEHAGO", "group": "financial", "n": index}})
        assert list(compiled.iter_body_errors(body, orjson.loads(body))) == []
        assert len(compiled._valid_bodies) <= module.VALID_BODIES
