"""Where the package finds its contracts, fixtures and scenarios: its own copy when built, else the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ROOT
from wfmock import bundle
from wfmock.app import fixtures_dir
from wfmock.openapi.document import openapi_dir
from wfmock.scenario import bundled_dir


def make_bundle(folder: Path) -> Path:
    for name in bundle.FOLDERS:
        (folder / name).mkdir(parents=True)
    (folder / "openapi" / "imprun.yaml").write_text("openapi: 3.2.0\n", encoding="utf-8")
    return folder


def test_a_source_checkout_reads_the_top_level_folders() -> None:
    assert bundle.root() == ROOT
    assert (openapi_dir(), fixtures_dir(), bundled_dir()) == (ROOT / "openapi", ROOT / "fixtures", ROOT / "scenarios")


def test_a_built_package_reads_its_own_copy_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "wfmock"
    make_bundle(package / bundle.PACKAGED)
    monkeypatch.setattr(bundle.resources, "files", lambda name: package)
    assert bundle.root() == package / bundle.PACKAGED
    assert bundled_dir() == package / bundle.PACKAGED / "scenarios"


def test_an_incomplete_copy_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "wfmock"
    make_bundle(package / bundle.PACKAGED)
    (package / bundle.PACKAGED / "scenarios").rmdir()
    monkeypatch.setattr(bundle.resources, "files", lambda name: package)
    assert bundle.root() == ROOT


def test_the_openapi_override_moves_only_the_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WFMOCK_OPENAPI_DIR", str(tmp_path))
    assert openapi_dir() == tmp_path
    assert fixtures_dir() == ROOT / "fixtures" and bundled_dir() == ROOT / "scenarios"

