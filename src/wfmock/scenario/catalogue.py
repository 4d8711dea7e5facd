"""What the loader checks scenario rules against: each API's operationIds and documented error codes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wfmock.apis import registry


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One API's operationIds and error codes (from `x-wfmock-errors`) with their statuses."""

    api: str
    operations: frozenset[str]
    errors: dict[str, int]


def catalogue(api: str) -> Catalogue | None:
    """The API's catalogue from its OpenAPI document, or None when the API or its document is unknown."""
    try:
        unit = registry.get(api)
        path = unit.document_path()
    except (KeyError, FileNotFoundError):
        return None
    return _read(api, str(path))


@lru_cache(maxsize=None)
def _read(api: str, path: str) -> Catalogue | None:
    from wfmock.openapi.spec import ApiSpec

    try:
        spec = ApiSpec.load(api, Path(path))
    except Exception:  # a missing or broken spec only means its codes cannot be checked here
        return None
    errors = {code: int(entry.get("status", 400)) for code, entry in spec.errors.items()}
    return Catalogue(api, frozenset(spec.operations), errors)


def api_of_operation(operation: str) -> str | None:
    for api in registry.names():
        known = catalogue(api)
        if known is not None and operation in known.operations:
            return api
    return None
