"""YAML text → plain data plus the line of every key and item, so each problem can name its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from wfmock.scenario.errors import Problem
from wfmock.scenario.limits import MAX_ALIASES, MAX_NESTING, MAX_NODES

Path = tuple[str | int, ...]


class LimitExceeded(yaml.MarkedYAMLError):
    """A document past a nesting, alias or size limit (reported with its line like a syntax error)."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe composer, refusing deep nesting and many aliases while it reads."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LimitExceeded(problem=f"more than {MAX_ALIASES} aliases", problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise LimitExceeded(problem=f"nested more than {MAX_NESTING} levels deep",
                                    problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Budget:
    """Counts values as aliases are expanded, so a few hundred bytes cannot become gigabytes."""

    def __init__(self) -> None:
        self.nodes = 0

    def spend(self, node: yaml.Node, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LimitExceeded(problem=f"more than {MAX_NODES} values once aliases are expanded",
                                problem_mark=node.start_mark)
        if depth > MAX_NESTING:
            raise LimitExceeded(problem=f"nested more than {MAX_NESTING} levels deep once aliases are expanded",
                                problem_mark=node.start_mark)


@dataclass(slots=True)
class Document:
    """Parsed YAML: `data` as plain Python values and `lines[path]` (1-based) for every key and item."""

    source: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(self.source, self.line(path), f"{show_path(path)}: {message}" if path else message)


def show_path(path: Path) -> str:
    """`rules[2].match.body./params/x` — the path as a user would point at it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse(text: str, source: str) -> tuple[Document | None, list[Problem]]:
    """The document, or None with the YAML syntax problem (and its line)."""
    try:
        loader = _BoundedLoader(text)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (control characters, U+0080…)
        line = text.count("\n", 0, error.position) + 1
        return None, [Problem(source, line, f"character U+{error.character:04X} is not allowed in YAML")]
    try:
        node = loader.get_single_node()
    except LimitExceeded as error:
        mark = error.problem_mark
        return None, [Problem(source, mark.line + 1 if mark is not None else None, f"YAML too large: {error.problem}")]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(part for part in (error.context, error.problem) if part) or str(error)
        return None, [Problem(source, line, f"YAML syntax error: {reason}")]
    except yaml.YAMLError as error:
        return None, [Problem(source, None, f"YAML error: {error}")]
    finally:
        loader.dispose()
    if node is None:
        return None, [Problem(source, 1, "the file is empty; a scenario needs at least `name` and `description`")]
    document = Document(source, None, {(): node.start_mark.line + 1})
    problems: list[Problem] = []
    try:
        document.data = _convert(node, (), document, problems, yaml.SafeLoader(""), _Budget())
    except LimitExceeded as error:
        mark = error.problem_mark
        return None, [Problem(source, mark.line + 1 if mark is not None else None, f"YAML too large: {error.problem}")]
    return document, problems


def _convert(node: yaml.Node, path: Path, document: Document, problems: list[Problem], loader: yaml.SafeLoader,
             budget: _Budget) -> Any:
    budget.spend(node, len(path))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(document.source, line, f"{show_path(path)}: keys must be plain text"))
                continue
            key = str(_scalar(key_node, document, problems, loader))
            if key in result:
                problems.append(Problem(document.source, line, f"{show_path(path + (key,))}: duplicate key "
                                        f"(first given on line {document.lines[path + (key,)]})"))
                continue
            document.lines[path + (key,)] = line
            result[key] = _convert(value_node, path + (key,), document, problems, loader, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            document.lines[path + (index,)] = item.start_mark.line + 1
            items.append(_convert(item, path + (index,), document, problems, loader, budget))
        return items
    return _scalar(node, document, problems, loader)


def _scalar(node: yaml.Node, document: Document, problems: list[Problem], loader: yaml.SafeLoader) -> Any:
    """The scalar's value; a value PyYAML cannot build (a 5,000-digit integer, a bad date) is a problem."""
    try:
        return loader.construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError) as error:
        problems.append(Problem(document.source, node.start_mark.line + 1,
                                f"cannot read the value: {str(error).splitlines()[0][:200]}"))
        return None

