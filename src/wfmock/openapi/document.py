"""Where the OpenAPI documents live, how they are read (libyaml), and how their local `$ref`s are followed.

The one `$ref` resolver (`resolve`) and the one ref rebaser (`rebase_refs`, for schemas validated outside the
document) of the package; JSON pointers themselves are `wfmock.openapi.pointer`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from wfmock.openapi.pointer import MISSING, lookup

MAX_REF_HOPS = 32  # a `$ref` chain longer than this is a loop

# libyaml's parser when PyYAML has it: the two documents load in ~40 ms instead of ~400 ms (start-up)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def openapi_dir() -> Path:
    """The folder holding the OpenAPI documents: `$WFMOCK_OPENAPI_DIR` if set, else the bundled `openapi/`."""
    configured = os.environ.get("WFMOCK_OPENAPI_DIR")
    if configured:
        return Path(configured)
    return repo_dir() / "openapi"


def repo_dir() -> Path:
    """The folder holding the bundled `openapi/`, `fixtures/` and `scenarios/` (see `wfmock.bundle`)."""
    from wfmock import bundle

    return bundle.root()


def document_path(api: str) -> Path:
    """The document of `api` (`imprun`, `miso`, ...) in `openapi_dir()`."""
    return openapi_dir() / f"{api}.yaml"


def load_yaml(source: Any) -> Any:
    """`yaml.safe_load` of a stream, text or a `Path`, with libyaml's C parser when available (same safe constructor)."""
    if isinstance(source, Path):
        with open(source, encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, C or Python
    return yaml.load(source, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, C or Python


def read(api: str) -> dict[str, Any]:
    """`api`'s document as data, freshly read (callers may change their copy)."""
    return load_yaml(document_path(api))


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """`node` with its local `$ref`s followed until a node without one; `KeyError` for one that points at nothing."""
    hops = 0
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(f"only local references are supported: {ref}")
        hops += 1
        if hops > MAX_REF_HOPS:
            raise ValueError(f"{ref}: a $ref loop")
        node = lookup(document, ref)
        if node is MISSING:
            raise KeyError(ref)
    return node


def rebase_refs(node: Any, uri: str) -> Any:
    """A copy of `node` whose local `$ref`s (`#/...`) point into the document registered as `uri`."""
    if isinstance(node, Mapping):
        return {key: (f"{uri}{value}" if key == "$ref" and isinstance(value, str) and value.startswith("#")
                      else rebase_refs(value, uri))
                for key, value in node.items()}
    if isinstance(node, list):
        return [rebase_refs(item, uri) for item in node]
    return node
