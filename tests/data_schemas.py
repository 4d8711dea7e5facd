"""Validators for the imprun result payloads, compiled from `components.schemas` of openapi/imprun.yaml.

`WFMOCK_RESULT_SCHEMAS` may point at a YAML file of schemas to use instead (while the spec is being edited).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from wfmock.openapi.document import load_yaml
from wfmock.openapi.validators import CompiledSchema, Validators

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "imprun.yaml"
URI = "urn:wfmock:imprun-results"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    staging = os.environ.get("WFMOCK_RESULT_SCHEMAS")
    if staging:
        return {"components": {"schemas": load_yaml(Path(staging))}}
    return load_yaml(SPEC_PATH)


@lru_cache(maxsize=1)
def validators() -> Validators:
    return Validators(URI, document())


def validator(name: str = "WorkflowResult") -> CompiledSchema:
    return validators().at(f"/components/schemas/{name}")


def schema_errors(payload: Any, name: str = "WorkflowResult") -> list[str]:
    """Messages for every way `payload` breaks schema `name` (empty when it validates)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(payload)]


def assert_valid(payload: Any, name: str) -> None:
    """The payload validates against its own schema and against the WorkflowResult union."""
    errors = schema_errors(payload, name)
    assert not errors, errors[:5]
    union = schema_errors(payload)
    assert not union, union[:5]
