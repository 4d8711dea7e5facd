"""Validates a request's parameters and body against its operation's compiled schemas.

Produces `ValidRequest` (typed query, path params, parsed body) or raises `ApiError` with a message a
developer can act on ("credentialId is required", "params.month: 13 is greater than the maximum of 12").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from jsonschema import ValidationError
from starlette.datastructures import FormData, UploadFile

from wfmock.errors import INVALID_REQUEST, UNSUPPORTED_MEDIA_TYPE, ApiError
from wfmock.openapi.coerce import coerce
from wfmock.openapi.operations import Operation, Parameter
from wfmock.openapi.pointer import MISSING
from wfmock.openapi.validators import explain, missing_property


@dataclass(slots=True)
class Incoming:
    """The request as read off the wire, before validation: what every later stage looks at."""

    method: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    content_type: str
    raw_body: bytes
    json: Any = MISSING
    form: FormData | None = None

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def parsed_body(self) -> Any:
        """The body as data (JSON value or form fields) for scenario matching; `None` if unreadable."""
        if self.json is not MISSING:
            return self.json
        if self.form is not None:
            return form_fields(self.form)
        return None


@dataclass(slots=True)
class ValidRequest:
    path_params: dict[str, str]
    query: dict[str, Any]
    body: Any
    form: FormData | None


def decode_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ApiError(INVALID_REQUEST, f"Request body is not valid JSON: {error}", status=400) from None


def form_fields(form: FormData) -> dict[str, Any]:
    """Form fields as plain data: text as str, file parts as {filename, size, content_type}."""
    fields: dict[str, Any] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            value = {"filename": value.filename, "size": value.size, "content_type": value.content_type}
        fields.setdefault(name, value)
    return fields


def validate(operation: Operation, incoming: Incoming, path_params: dict[str, str]) -> ValidRequest:
    """Checks parameters, content type and body; returns the typed request or raises `ApiError`."""
    query = _coerce(operation.parameters, incoming.query)
    if operation.parameter_validator is not None:
        _raise_first(operation.parameter_validator.iter_errors({**query, **path_params}), prefix="")
    body: Any = None
    if operation.body_validators:
        body = _validate_body(operation, incoming)
    return ValidRequest(path_params=path_params, query=query, body=body, form=incoming.form)


def _validate_body(operation: Operation, incoming: Incoming) -> Any:
    if not incoming.raw_body and incoming.form is None:
        if operation.body_required:
            raise ApiError(INVALID_REQUEST, "Request body is required", status=400)
        return None
    media_type = incoming.media_type
    validator = operation.body_validators.get(media_type)
    if validator is None:
        expected = " or ".join(operation.body_validators)
        raise ApiError(
            UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type must be {expected}, got {media_type or 'nothing'}",
            status=415,
        )
    if media_type.endswith("json"):
        body = incoming.json if incoming.json is not MISSING else decode_json(incoming.raw_body)
        _raise_first(validator.iter_errors(body), prefix="")
        return body
    fields = form_fields(incoming.form) if incoming.form is not None else {}
    # File parts are checked by the API behaviour (it owns codes like no_file_uploaded).
    text_only = {k: v for k, v in fields.items() if not isinstance(v, dict)}
    errors = [e for e in validator.iter_errors(text_only) if not _about_file(e, fields)]
    _raise_first(errors, prefix="")
    return fields


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
