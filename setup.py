"""Copies the top-level `openapi/`, `fixtures/` and `scenarios/` into the package at build time.

Those folders stay the one source in the repository; a wheel carries a copy under `wfmock/_bundled/`
(found by `wfmock.bundle`). Editable installs copy nothing: the package reads the checkout's folders
directly, so an edited contract is live. Everything else about the build lives in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED_FOLDERS = ("openapi", "fixtures", "scenarios")
BUNDLE = Path("wfmock", "_bundled")  # inside the package; must match wfmock.bundle.PACKAGED


class build_py_with_bundle(build_py):
    """`build_py` plus a copy of the bundled folders next to the package's modules."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in BUNDLED_FOLDERS:
            source = HERE / name
            if not source.is_dir():
                raise FileNotFoundError(f"{source.resolve()} is missing; the package cannot be built without it")
            target = Path(self.build_lib) / BUNDLE / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        bundled = [str(path) for name in BUNDLED_FOLDERS
                   for path in (Path(self.build_lib) / BUNDLE / name).rglob("*") if path.is_file()]
        return [*super().get_outputs(include_bytecode), *bundled]


setup(cmdclass={"build_py": build_py_with_bundle})
