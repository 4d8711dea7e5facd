"""Problems found in a scenario, and the one exception that carries all of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a scenario source, at a 1-based line (None when it concerns the whole file)."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used; `problems` lists every problem found, each with its line."""

    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems]
        summary = lines[0] if len(lines) == 1 else f"{len(lines)} problems:\n" + "\n".join(f"  {p}" for p in lines)
        super().__init__(summary)


class UnreadableScenario(ScenarioError):
    """A source that is not scenario text at all: unreadable, not a regular file, too large, NUL or bad UTF-8."""
