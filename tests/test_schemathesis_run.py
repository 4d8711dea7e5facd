"""`schemathesis run --checks all` against a strict `wfmock serve`, for both contracts: no failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, running_server

KEY = "contract-key"
CONFIG = f"""
[auth.openapi.ApiKeyAuth]
api_key = "{KEY}"

[auth.openapi.BearerAuth]
bearer = "{KEY}"
"""


@pytest.fixture(scope="module")
def strict_mock() -> str:
    with running_server("--api-key", KEY, "--seed", "5", "--pace", "0", "--run-duration", "0.2",
                        "--no-rate-limit") as url:
        yield url


@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_schemathesis_finds_no_failures(api: str, strict_mock: str, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
        "run", str(ROOT / "openapi" / f"{api}.yaml"), "--url", strict_mock,
        "--checks", "all", "--max-examples", "25", "--seed", "1", "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
