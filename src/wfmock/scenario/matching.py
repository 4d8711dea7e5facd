"""Whether a request matches a rule's `match`: API, operation, method, path params, query, headers, body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfmock.openapi.pointer import MISSING, lookup
from wfmock.scenario.model import Match

if TYPE_CHECKING:
    from wfmock.pipeline.request import Request


def matches(match: Match, request: Request) -> bool:
    """Whether every part of `match` holds for `request`."""
    if match.api is not None and match.api != request.api:
        return False
    if match.operations and request.operation_id not in match.operations:
        return False
    if match.methods and request.method.upper() not in match.methods:
        return False
    for source, conditions in ((request.path_params, match.path_params), (request.query, match.query)):
        for name, condition in conditions.items():
            if not condition.test(name in source, source.get(name)):
                return False
    for name, condition in match.headers.items():
        if not condition.test(name in request.headers, request.headers.get(name)):
            return False
    for pointer, condition in match.body.items():
        value = MISSING if request.body is None else lookup(request.body, pointer)
        if not condition.test(value is not MISSING, None if value is MISSING else value):
            return False
    return True
