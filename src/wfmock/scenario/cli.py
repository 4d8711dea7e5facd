"""`wfmock scenarios validate FILE…` and `wfmock scenarios list`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from wfmock.scenario import ScenarioError, bundled, load_file, schema_path
from wfmock.scenario.errors import UnreadableScenario


def validate(paths: Sequence[str], out: TextIO | None = None) -> int:
    """Prints every problem as `FILE:LINE: message`; 0 when every file is valid, 1 when some file is
    an invalid scenario, 2 when some file cannot be read as scenario text at all (see `limits`)."""
    from wfmock.app import fixtures_dir

    out = out or sys.stdout
    try:
        fixtures = fixtures_dir()
    except FileNotFoundError:
        fixtures = None
    failed = 0
    unreadable = False
    for path in paths:
        try:
            scenario = load_file(path, fixtures_dir=fixtures)
        except ScenarioError as error:
            failed += 1
            unreadable = unreadable or isinstance(error, UnreadableScenario)
            for problem in error.problems:
                print(problem, file=out)
            continue
        rules = len(scenario.rules)
        print(f"{path}: ok ({scenario.name}, {rules} rule{'s' if rules != 1 else ''})", file=out)
    if failed:
        print(f"{failed} of {len(paths)} file{'s' if len(paths) != 1 else ''} invalid", file=out)
    return 2 if unreadable else 1 if failed else 0


def list_bundled(out: TextIO | None = None) -> int:
    """Prints the bundled scenarios, one per line: name and one-line description."""
    out = out or sys.stdout
    found = bundled()
    if not found:
        print("no bundled scenarios found", file=out)
        return 1
    width = max(len(name) for name, _ in found)
    for name, description in found:
        print(f"{name:<{width}}  {description.splitlines()[0] if description else ''}", file=out)
    print(f"\nschema for editors: {schema_path()}", file=out)
    return 0
