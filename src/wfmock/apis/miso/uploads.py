"""Accepts one uploaded file the way MISO does: one part, a known extension, within the size limit.

The extension lists and size limits come from the operation's `x-wfmock-file-types` and
`x-wfmock-file-size-limits` in openapi/miso.yaml.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile

from wfmock.errors import ApiError
from wfmock.openapi.operations import Operation

DEFAULT_LIMIT = 15 * 1024 * 1024
KEPT_BYTES_LIMIT = 4 * 1024 * 1024  # a larger file's bytes are not kept (its metadata is): the store stays small


@dataclass(frozen=True, slots=True)
class Upload:
    """An accepted file: the metadata MISO answers with, and its bytes when they are small enough to keep."""

    meta: dict[str, Any]
    content: bytes | None


async def accept_upload(
    operation: Operation, form: FormData | None, *, file_id: str, created_by: str, created_at: int
) -> Upload:
    """The accepted file, or `ApiError` with MISO's upload error codes."""
    parts = [value for _, value in (form.multi_items() if form is not None else []) if isinstance(value, UploadFile)]
    if not parts:
        raise ApiError("no_file_uploaded", "Please upload your file.", status=400)
    if len(parts) > 1:
        raise ApiError("too_many_files", "Only one file is allowed.", status=400)
    part = parts[0]
    if not part.filename:
        raise ApiError("filename_not_exists_error", "The specified filename does not exist.", status=400)
    extension = part.filename.rsplit(".", 1)[-1].lower() if "." in part.filename else ""
    kind = file_kind(operation, extension)
    if kind is None:
        raise ApiError("unsupported_file_type", "File type not allowed.", status=415)
    size = part.size if part.size is not None else len(await part.read())
    limit = size_limit(operation, kind)
    if size > limit:
        raise ApiError("file_too_large", f"File size exceeded. {size} bytes > {limit} bytes for {kind} files.",
                       status=413)
    mime_type = part.content_type if part.content_type not in (None, "", "application/octet-stream") else None
    content = None
    if size <= KEPT_BYTES_LIMIT:
        await part.seek(0)
        content = await part.read()
    meta = {
        "id": file_id,
        "name": part.filename,
        "size": size,
        "extension": extension,
        "mime_type": mime_type or mimetypes.guess_type(part.filename)[0] or "application/octet-stream",
        "created_by": created_by,
        "created_at": created_at,
    }
    return Upload(meta, content)


def file_kind(operation: Operation, extension: str) -> str | None:
    for kind, extensions in operation.extension("x-wfmock-file-types", {}).items():
        if extension in {e.lower() for e in extensions}:
            return kind
    return None


def size_limit(operation: Operation, kind: str) -> int:
    limits = operation.extension("x-wfmock-file-size-limits", {})
    return int(limits.get(kind, limits.get("default", DEFAULT_LIMIT)))
