"""MISO apps: a Bearer key selects an app; an app declares its input variables, node graph and outputs.

Apps are YAML files under `fixtures/apps/`. The app marked `default: true` serves every key no
other app claims (open mode), so a first call works with whatever inputs a user sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

INPUT_TYPES = ("text-input", "paragraph", "select", "number", "file", "file-list")
NODE_TYPES_WITH_TEXT = ("llm", "agent", "template-transform")


class AppConfigError(ValueError):
    """An app file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    type: str
    required: bool = False
    options: tuple[str, ...] = ()
    max_length: int | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    type: str
    title: str
    streams_text: bool = False     # its text output streams into the End node as text_chunk events


@dataclass(frozen=True, slots=True)
class App:
    name: str
    description: str
    workflow_id: str
    version: str
    keys: frozenset[str]
    variables: tuple[Variable, ...]
    accepts_any_input: bool
    nodes: tuple[Node, ...]
    output_name: str
    default: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def variable(self, name: str) -> Variable | None:
        return next((v for v in self.variables if v.name == name), None)

    @property
    def text_node(self) -> Node | None:
        return next((n for n in self.nodes if n.streams_text), None)


class AppRegistry:
    """Maps Bearer keys to apps; unknown keys get the default app."""

    def __init__(self, apps: Iterable[App]) -> None:
        self.apps = list(apps)
        defaults = [app for app in self.apps if app.default]
        if len(defaults) != 1:
            raise AppConfigError(f"exactly one app must be `default: true`, found {len(defaults)}")
        self.default = defaults[0]
        self._by_key = {key: app for app in self.apps for key in app.keys}

    @classmethod
    def load(cls, folder: Path) -> "AppRegistry":
        return cls(load_app(path) for path in sorted(folder.glob("*.yaml")))

    @property
    def declared_keys(self) -> set[str]:
        return set(self._by_key)

    def for_key(self, key: str | None) -> App:
        return self._by_key.get(key or "", self.default)


def load_app(path: Path) -> App:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return _build(raw)
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as error:
        raise AppConfigError(f"{path}: {error}") from None


def _build(raw: Mapping[str, Any]) -> App:
    variables = tuple(
        Variable(
            name=item["variable"],
            type=_one_of(item.get("type", "text-input"), INPUT_TYPES, "input type"),
            required=bool(item.get("required", False)),
            options=tuple(str(o) for o in item.get("options", ())),
            max_length=item.get("max_length"),
            label=str(item.get("label", item["variable"])),
        )
        for item in raw.get("inputs", [])
    )
    nodes = tuple(
        Node(id=str(n["id"]), type=str(n["type"]), title=str(n.get("title", n["type"])),
             streams_text=bool(n.get("streams_text", False)))
        for n in raw["nodes"]
    )
    if not nodes or nodes[0].type != "start" or nodes[-1].type != "end":
        raise ValueError("the node graph must start with a `start` node and finish with an `end` node")
    return App(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        workflow_id=str(raw["workflow_id"]),
        version=str(raw.get("version", "draft")),
        keys=frozenset(str(k) for k in raw.get("keys", [])),
        variables=variables,
        accepts_any_input=bool(raw.get("accept_undeclared_inputs", False)),
        nodes=nodes,
        output_name=str(raw.get("output", "text")),
        default=bool(raw.get("default", False)),
        extra=dict(raw.get("extra", {})),
    )


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return value
