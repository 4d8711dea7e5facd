"""Validators for the imprun result payloads, compiled from `components.schemas` of openapi/imprun.yaml.

`WFMOCK_RESULT_SCHEMAS` may point at a YAML file of schemas to use instead (while the spec is being edited).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "imprun.yaml"
URI = "urn:wfmock:imprun-results"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    staging = os.environ.get("WFMOCK_RESULT_SCHEMAS")
    if staging:
        return {"components": {"schemas": yaml.safe_load(Path(staging).read_text(encoding="utf-8"))}}
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(name: str = "WorkflowResult") -> Draft202012Validator:
    registry = Registry().with_resource(URI, Resource(contents=document(), specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{URI}#/components/schemas/{name}"}, registry=registry,
                                format_checker=FormatChecker())


def schema_errors(payload: Any, name: str = "WorkflowResult") -> list[str]:
    """Messages for every way `payload` breaks schema `name` (empty when it validates)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(payload)]


def assert_valid(payload: Any, name: str) -> None:
    """The payload validates against its own schema and against the WorkflowResult union."""
    errors = schema_errors(payload, name)
    assert not errors, errors[:5]
    union = schema_errors(payload)
    assert not union, union[:5]
