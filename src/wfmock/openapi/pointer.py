"""JSON pointers (RFC 6901): escaping tokens, looking a value up, and walking a document.

One implementation for every part of the package that addresses JSON by pointer: the document reader
(`$ref`s and operation pointers), scenario body matching, and the contract kit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

MISSING: Any = object()  # what `lookup` answers when nothing is there (a JSON null is `None`)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def lookup(document: Any, pointer: str) -> Any:
    """The value at `pointer` ("" or "/a/0/b"; a leading "#" is allowed) in `document`, or `MISSING`."""
    pointer = pointer.removeprefix("#")
    if pointer == "":
        return document
    node = document
    for raw in pointer[1:].split("/"):
        token = unescape(raw)
        if isinstance(node, Mapping):
            if token not in node:
                return MISSING
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or (len(token) > 1 and token.startswith("0")) or int(token) >= len(node):
                return MISSING
            node = node[int(token)]
        else:
            return MISSING
    return node


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (pointer, value) pair below `node`, itself included, depth first."""
    yield pointer, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from walk(value, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")
