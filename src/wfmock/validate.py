"""Validates a request's parameters and body against its operation's compiled schemas.

Fills in the request's typed query (its body was decoded once, when read) or raises `ApiError` with a message a
developer can act on ("credentialId is required", "params.month: 13 is greater than the maximum of 12").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jsonschema import ValidationError

from wfmock.errors import INVALID_REQUEST, UNSUPPORTED_MEDIA_TYPE, ApiError
from wfmock.spec import Operation, Parameter

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
        _raise_first(validator.iter_errors(request.body), prefix="")
        return
    fields = request.body if request.form is not None else {}
    # File parts are checked by the API behaviour (it owns codes like no_file_uploaded).
    text_only = {k: v for k, v in fields.items() if not isinstance(v, dict)}
    errors = [e for e in validator.iter_errors(text_only) if not _about_file(e, fields)]
    _raise_first(errors, prefix="")
    request.body = fields


def _about_file(error: ValidationError, fields: Mapping[str, Any]) -> bool:
    if error.validator == "required":
        missing = _missing_property(error)
        return missing is not None and (missing == "file" or isinstance(fields.get(missing), dict))
    return False


def _coerce(parameters: Iterable[Parameter], query: Mapping[str, str]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    known = {p.name: p for p in parameters if p.location == "query"}
    for name, value in query.items():
        parameter = known.get(name)
        typed[name] = _coerce_value(parameter.primitive, value) if parameter else value
    return typed


def _coerce_value(kind: str | None, value: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _raise_first(errors: Iterable[ValidationError], prefix: str) -> None:
    for error in errors:
        raise ApiError(INVALID_REQUEST, explain(error), status=400)


def explain(error: ValidationError) -> str:
    """A one-line message for a schema error, descending into the intended `oneOf`/`anyOf` branch."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        if isinstance(error.schema, dict) and "x-wfmock-message" in error.schema:
            return str(error.schema["x-wfmock-message"])  # the spec's own words for this rule
        error = _intended_branch(error)
    location = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        # The seed's own example names the bare field: "credentialId is required".
        return f"{_missing_property(error) or 'a field'} is required"
    if error.validator == "minProperties":
        return f"{location or 'body'} needs at least {error.validator_value} key/value pair(s)"
    if error.validator == "additionalProperties":
        return f"{location or 'body'}: {error.message}"
    return f"{location}: {error.message}" if location else error.message


def _intended_branch(error: ValidationError) -> ValidationError:
    """The most likely intended alternative: fewest discriminator (const/enum) misses, then fewest errors."""
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context or ():
        branches[sub.schema_path[0] if sub.schema_path else 0].append(sub)

    def rank(errors: list[ValidationError]) -> tuple[int, int, int]:
        misses = sum(1 for e in errors if e.validator in ("const", "enum", "type") and len(e.absolute_path) <= len(error.absolute_path) + 2)
        return (misses, len(errors), -max(len(e.absolute_path) for e in errors))

    best = min(branches.values(), key=rank)
    return min(best, key=lambda e: (e.validator in ("oneOf", "anyOf") and not e.context, -len(e.absolute_path)))


def _missing_property(error: ValidationError) -> str | None:
    message = error.message
    if message.startswith("'") and "' is a required property" in message:
        return message[1 : message.index("' is a required property")]
    return None
