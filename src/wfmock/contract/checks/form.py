"""The parts of a recorded `multipart/form-data` request body, for checks that judge what was uploaded.

A check reads the request as it was sent (the kit's client, the proxy's recording); nothing is decoded beyond the
part headers, so a large file costs one scan of its bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Part:
    """One form field as sent: its name, its file name (None: a plain field) and its size in bytes."""

    name: str
    filename: str | None
    size: int

    @property
    def extension(self) -> str:
        return self.filename.rpartition(".")[2].lower() if self.filename and "." in self.filename else ""


def form_parts(exchange: Any) -> list[Part] | None:
    """The request's form parts in order; None when it is not a whole multipart body (another content type, no
    boundary, or cut short before its closing boundary)."""
    found = _BOUNDARY.search(exchange.header("content-type")) if "multipart/form-data" in \
        exchange.header("content-type").lower() else None
    if found is None:
        return None
    delimiter = b"--" + found.group(1).encode("latin-1")
    chunks = exchange.body.split(delimiter)
    if len(chunks) < 2 or not chunks[-1].startswith(b"--"):
        return None
    parts = []
    for chunk in chunks[1:-1]:
        head, separator, payload = chunk.partition(b"\r\n\r\n")
        if not separator:
            return None
        fields = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                fields = dict(_DISPOSITION.findall(line))
        payload = payload[:-2] if payload.endswith(b"\r\n") else payload
        parts.append(Part(fields.get("name", ""), fields.get("filename"), len(payload)))
    return parts
