"""The OpenAPI documents load the same with libyaml's C parser as with PyYAML's pure-Python one."""

from __future__ import annotations

import yaml

from wfmock.spec import load_yaml, openapi_dir


def test_the_fast_yaml_loader_reads_the_documents_exactly_as_safe_load() -> None:
    for path in sorted(openapi_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path.name
