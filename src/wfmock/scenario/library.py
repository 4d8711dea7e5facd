"""The scenarios a running server may switch to by name: the bundled library plus `--scenario-dir` folders.

A name from the network (admin API, `X-Wfmock-Scenario`) is looked up in this list and nowhere
else: it is never joined onto a path, so no request can make the server open a file of its choice,
and an unknown name gets the same answer whether or not some file of that name exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from wfmock.scenario.errors import Problem, ScenarioError
from wfmock.scenario.model import Scenario

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SUFFIXES = (".yaml", ".yml")
MAX_SHOWN_NAME = 100


class ScenarioLibrary:
    """Named scenario files: the folders in `dirs` (first wins on a clash) and then the bundled folder."""

    def __init__(self, dirs: Sequence[Path] = (), *, bundled: bool = True, fixtures_dir: Path | None = None,
                 bundled_folder: Callable[[], Path] | None = None) -> None:
        self.dirs = tuple(Path(folder) for folder in dirs)
        self.bundled = bundled
        self.fixtures_dir = fixtures_dir
        self._bundled_folder = bundled_folder

    def folders(self) -> list[Path]:
        folders = list(self.dirs)
        if self.bundled:
            try:
                folders.append(self._bundled_folder() if self._bundled_folder else _bundled_dir())
            except FileNotFoundError:
                pass
        return folders

    def files(self) -> dict[str, Path]:
        """name → file, for every `*.yaml`/`*.yml` regular file whose stem is a valid name."""
        found: dict[str, Path] = {}
        for folder in self.folders():
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            for path in entries:
                if path.suffix in SUFFIXES and NAME.fullmatch(path.stem) and path.is_file():
                    found.setdefault(path.stem, path)
        return dict(sorted(found.items()))

    def load(self, name: str) -> Scenario:
        """The scenario called `name`; `ScenarioError` for any name not in the library."""
        from wfmock.scenario import load_file

        path = self.files().get(name) if isinstance(name, str) and NAME.fullmatch(name) else None
        if path is None:
            shown = str(name)
            shown = shown if len(shown) <= MAX_SHOWN_NAME else shown[:MAX_SHOWN_NAME] + "…"
            known = ", ".join(self.files()) or "none"
            raise ScenarioError([Problem(repr(shown), None, f"no scenario of this name (known: {known})")])
        return load_file(path, fixtures_dir=self.fixtures_dir)

    def listing(self) -> list[tuple[str, str]]:
        """(name, description) of every scenario in the library, by name."""
        from wfmock.scenario import load_file

        found: list[tuple[str, str]] = []
        for name, path in self.files().items():
            try:
                description = load_file(path, fixtures_dir=self.fixtures_dir).description
            except ScenarioError as error:
                description = f"(invalid scenario file: {error.problems[0]})"
            found.append((name, description))
        return found


def _bundled_dir() -> Path:
    from wfmock.scenario import bundled_dir

    return bundled_dir()
