"""Reading the OpenAPI documents: libyaml loading, locating them, pointers, the one `$ref` resolver and rebaser."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfmock.openapi.document import document_path, load_yaml, openapi_dir, read, rebase_refs, resolve
from wfmock.openapi.pointer import MISSING, escape, lookup, walk


def test_the_fast_yaml_loader_reads_the_documents_exactly_as_safe_load() -> None:
    for path in sorted(openapi_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path.name
        assert load_yaml(path) == yaml.safe_load(text), path.name


def test_the_documents_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mini.yaml").write_text("openapi: 3.2.0\npaths: {}\n", encoding="utf-8")
    monkeypatch.setenv("WFMOCK_OPENAPI_DIR", str(tmp_path))
    assert document_path("mini") == tmp_path / "mini.yaml"
    assert read("mini") == {"openapi": "3.2.0", "paths": {}}


DOCUMENT = {"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "integer"},
                                       "a/b~c": {"type": "string"}, "Loop": {"$ref": "#/components/schemas/Loop"}}}}


def test_resolve_follows_local_refs_to_a_concrete_node() -> None:
    assert resolve(DOCUMENT, {"$ref": "#/components/schemas/A"}) == {"type": "integer"}
    assert resolve(DOCUMENT, {"$ref": f"#/components/schemas/{escape('a/b~c')}"}) == {"type": "string"}
    assert resolve(DOCUMENT, {"type": "boolean"}) == {"type": "boolean"}


@pytest.mark.parametrize(("ref", "error"), [
    ("#/components/schemas/Nothing", KeyError),
    ("other.yaml#/components/schemas/A", ValueError),
    ("#/components/schemas/Loop", ValueError),
])
def test_resolve_refuses_a_ref_it_cannot_follow(ref: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        resolve(DOCUMENT, {"$ref": ref})


def test_rebase_points_local_refs_into_a_registered_document_and_leaves_the_input_alone() -> None:
    schema = {"items": [{"$ref": "#/components/schemas/A"}], "properties": {"$ref": {"$ref": "urn:x#/y"}}}
    assert rebase_refs(schema, "urn:doc") == {"items": [{"$ref": "urn:doc#/components/schemas/A"}],
                                              "properties": {"$ref": {"$ref": "urn:x#/y"}}}
    assert schema["items"][0] == {"$ref": "#/components/schemas/A"}


json_keys = st.text(max_size=6)
json_trees = st.recursive(st.none() | st.integers() | st.text(max_size=4),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_keys, inner, max_size=3),
                          max_leaves=10)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(json_trees)
def test_every_pointer_walk_yields_looks_up_its_own_value(tree: object) -> None:
    for pointer, value in walk(tree):
        assert lookup(tree, pointer) == value
    assert lookup(tree, "/no such key/0/x") is MISSING or isinstance(tree, dict) and "no such key" in tree
