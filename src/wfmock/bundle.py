"""Finds the folders the package carries: `openapi/`, `fixtures/` and `scenarios/`.

A built wheel holds copies under `wfmock/_bundled/` (setup.py puts them there), read through
importlib.resources. An editable install or a source checkout has no copies: the folders are read
where they live, at the top of the project, so an edited contract is live at once.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGED = "_bundled"  # must match setup.py's BUNDLE
FOLDERS = ("openapi", "fixtures", "scenarios")


def root() -> Path:
    """The folder that holds `openapi/`, `fixtures/` and `scenarios/` side by side."""
    packaged = resources.files("wfmock") / PACKAGED
    if isinstance(packaged, Path) and _holds_bundle(packaged):
        return packaged
    for parent in Path(__file__).resolve().parents:
        if _holds_bundle(parent):
            return parent
    raise FileNotFoundError(
        "wfmock's bundled openapi/, fixtures/ and scenarios/ are missing from the installed package; "
        "reinstall it from a wheel or an sdist (or from a source checkout)")


def _holds_bundle(folder: Path) -> bool:
    return (folder / "openapi" / "imprun.yaml").is_file() and all((folder / name).is_dir() for name in FOLDERS)
