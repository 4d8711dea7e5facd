"""Checks run inputs against the app's declared variables, with Dify's own messages (400 invalid_param)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from wfmock.apis.miso.apps import App, Variable
from wfmock.errors import INVALID_REQUEST, ApiError

TRANSFER_METHODS = ("local_file", "remote_url")


def invalid(message: str) -> ApiError:
    return ApiError(INVALID_REQUEST, message, status=400)


def check_inputs(app: App, inputs: Mapping[str, Any], files: Mapping[str, Any]) -> None:
    """Raises `ApiError` for the first input that breaks the app's declared variables."""
    for variable in app.variables:
        value = inputs.get(variable.name)
        if value is None or value == "":
            if variable.required:
                raise invalid(f"{variable.name} is required in input form")
            continue
        _check_variable(variable, value, files)
    if not app.accepts_any_input:
        undeclared = sorted(set(inputs) - {v.name for v in app.variables})
        if undeclared:
            raise invalid(f"{', '.join(undeclared)} is not an input variable of this app")
    for name, value in inputs.items():
        if app.variable(name) is None and _looks_like_file(value):
            check_file_object(value, files, name)


def check_files(items: Iterable[Any], files: Mapping[str, Any]) -> None:
    for item in items:
        check_file_object(item, files, "files")


def check_file_object(value: Any, files: Mapping[str, Any], name: str) -> None:
    """A file reference: `local_file` needs a known upload id; `remote_url` a URL (never fetched)."""
    if not isinstance(value, Mapping):
        raise invalid(f"{name} in input form must be a file")
    method = value.get("transfer_method")
    if method not in TRANSFER_METHODS:
        raise invalid(f"Invalid file transfer method: {method}")
    if method == "local_file":
        if str(value.get("upload_file_id")) not in files:
            raise invalid("Invalid upload file id")
    elif not str(value.get("url") or "").startswith(("http://", "https://")):
        raise invalid("Invalid file url")


def _check_variable(variable: Variable, value: Any, files: Mapping[str, Any]) -> None:
    name = variable.name
    if variable.type in ("text-input", "paragraph", "select"):
        if not isinstance(value, str):
            raise invalid(f"(type '{variable.type}') {name} in input form must be a string")
        if variable.type == "select" and variable.options and value not in variable.options:
            raise invalid(f"{name} in input form must be one of the following: {list(variable.options)}")
        if variable.max_length is not None and len(value) > variable.max_length:
            raise invalid(f"{name} in input form must be less than {variable.max_length} characters")
    elif variable.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise invalid(f"{name} in input form must be a valid number")
        try:
            float(value)
        except ValueError:
            raise invalid(f"{name} in input form must be a valid number") from None
    elif variable.type == "file":
        check_file_object(value, files, name)
    elif variable.type == "file-list":
        if not isinstance(value, list):
            raise invalid(f"{name} in input form must be a list of files")
        for item in value:
            check_file_object(item, files, name)


def _looks_like_file(value: Any) -> bool:
    return isinstance(value, Mapping) and "transfer_method" in value
