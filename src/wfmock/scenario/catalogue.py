"""What the loader checks scenario rules against: each API's operationIds and documented error codes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

API_NAMES = ("imprun", "miso")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One API's operationIds and error codes (from `x-wfmock-errors`) with their statuses."""

    api: str
    operations: frozenset[str]
    errors: dict[str, int]


@lru_cache(maxsize=None)
def catalogue(api: str) -> Catalogue | None:
    """The API's catalogue from its OpenAPI document, or None when the document cannot be read."""
    from wfmock.openapi.spec import ApiSpec

    try:
        spec = ApiSpec.load(api)
    except Exception:  # a missing or broken spec only means its codes cannot be checked here
        return None
    errors = {code: int(entry.get("status", 400)) for code, entry in spec.errors.items()}
    return Catalogue(api, frozenset(spec.operations), errors)


def api_of_operation(operation: str) -> str | None:
    for api in API_NAMES:
        known = catalogue(api)
        if known is not None and operation in known.operations:
            return api
    return None
