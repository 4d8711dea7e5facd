"""Validates a request's parameters and body against its operation's compiled schemas.

Fills in the request's typed query (its body was decoded once, when read) or raises `ApiError` with a message a
developer can act on ("credentialId is required", "params.month: 13 is greater than the maximum of 12").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jsonschema import ValidationError

from wfmock.errors import INVALID_REQUEST, UNSUPPORTED_MEDIA_TYPE, ApiError
from wfmock.openapi.operations import Operation, Parameter
from wfmock.openapi.coerce import coerce
from wfmock.openapi.validators import explain, missing_property

if TYPE_CHECKING:
    from wfmock.pipeline.request import Request


def validate(operation: Operation, request: Request) -> None:
    """Checks parameters, content type and body; fills in `request.typed_query` or raises `ApiError`."""
    query = _coerce(operation.parameters, request.query)
    if operation.parameter_validator is not None:
        _raise_first(operation.parameter_validator.iter_errors({**query, **request.path_params}), prefix="")
    request.typed_query = query
    if operation.body_validators:
        _validate_body(operation, request)


def _validate_body(operation: Operation, request: Request) -> None:
    if not request.raw_body and request.form is None:
        if operation.body_required:
            raise ApiError(INVALID_REQUEST, "Request body is required", status=400)
        return
    media_type = request.media_type
    validator = operation.body_validators.get(media_type)
    if validator is None:
        expected = " or ".join(operation.body_validators)
        raise ApiError(
            UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type must be {expected}, got {media_type or 'nothing'}",
            status=415,
        )
    if media_type.endswith("json"):
        if request.body_error is not None:
            raise ApiError(INVALID_REQUEST, request.body_error, status=400)
        _raise_first(validator.iter_body_errors(request.raw_body, request.body), prefix="")
        return
    fields = request.body if request.form is not None else {}
    # File parts are checked by the API behaviour (it owns codes like no_file_uploaded).
    text_only = {k: v for k, v in fields.items() if not isinstance(v, dict)}
    errors = [e for e in validator.iter_errors(text_only) if not _about_file(e, fields)]
    _raise_first(errors, prefix="")
    request.body = fields


def _about_file(error: ValidationError, fields: Mapping[str, Any]) -> bool:
    if error.validator == "required":
        missing = missing_property(error)
        return missing is not None and (missing == "file" or isinstance(fields.get(missing), dict))
    return False


def _coerce(parameters: Iterable[Parameter], query: Mapping[str, str]) -> dict[str, Any]:
    known = {p.name: p for p in parameters if p.location == "query"}
    return {name: coerce(value, known[name].schema) if name in known else value for name, value in query.items()}


def _raise_first(errors: Iterable[ValidationError], prefix: str) -> None:
    for error in errors:
        raise ApiError(INVALID_REQUEST, explain(error), status=400)
