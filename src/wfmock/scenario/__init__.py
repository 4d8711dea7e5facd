"""Scenarios: YAML files of rules that shape how the mock answers (latency, errors, faults, runs, streams).

`resolve` finds a bundled scenario by name or (for the operator's own command line) loads a file;
`ScenarioLibrary` resolves names only (for anything that comes from the network); `load_text`
validates YAML text. All raise `ScenarioError` listing every problem with its line, and never return
a half-applied scenario. Every source is bounded (see `limits`).
"""

from __future__ import annotations

from pathlib import Path

from wfmock.scenario.errors import Problem, ScenarioError
from wfmock.scenario.library import ScenarioLibrary
from wfmock.scenario.limits import read_bounded
from wfmock.scenario.loader import load_bytes, load_text
from wfmock.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "ScenarioLibrary", "bundled", "bundled_dir", "load_bytes", "load_file",
           "load_text", "resolve", "schema_path"]


def schema_path() -> Path:
    """The JSON Schema for scenario files (point an editor's YAML language server at it)."""
    return Path(__file__).with_name("schema.json")


def bundled_dir() -> Path:
    """The bundled library: the package's `scenarios/` (see `wfmock.bundle`)."""
    from wfmock.openapi.document import repo_dir

    return repo_dir() / "scenarios"


def load_file(path: str | Path, fixtures_dir: Path | None = None) -> Scenario:
    """The scenario in a regular file of bounded size (a device or FIFO is refused, never read)."""
    path = Path(path)
    return load_bytes(read_bounded(path), source=str(path), fixtures_dir=fixtures_dir, base_dir=path.parent)


def resolve(name_or_path: str, *, bundled_only: bool = False, fixtures_dir: Path | None = None) -> Scenario:
    """A bundled scenario by name, or (unless `bundled_only`) a scenario file by path.

    Only for the operator's own command line: anything from the network goes through `ScenarioLibrary`.
    """
    candidate = Path(name_or_path)
    looks_like_path = candidate.suffix in (".yaml", ".yml") or "/" in name_or_path or "\\" in name_or_path
    if looks_like_path or (not bundled_only and candidate.is_file()):
        if bundled_only:
            raise ScenarioError([Problem(name_or_path, None, "only bundled scenario names are accepted here")])
        return load_file(candidate, fixtures_dir)
    try:
        folder = bundled_dir()
    except FileNotFoundError:
        folder = None
    if folder is not None:
        for suffix in (".yaml", ".yml"):
            path = folder / f"{name_or_path}{suffix}"
            if path.is_file():
                return load_file(path, fixtures_dir)
    known = ", ".join(name for name, _ in bundled()) or "none"
    raise ScenarioError([Problem(name_or_path, None, f"no such scenario file or bundled scenario (bundled: {known})")])


def bundled() -> list[tuple[str, str]]:
    """(name, description) of every bundled scenario, by name."""
    try:
        folder = bundled_dir()
    except FileNotFoundError:
        return []
    found: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            description = load_file(path).description
        except ScenarioError as error:
            description = f"(invalid scenario file: {error.problems[0]})"
        found.append((path.stem, description))
    return found
