"""`schemathesis run --checks all` against a strict `wfmock serve`, for both contracts: no failures.

Credentials are given per security scheme (so `ignored_auth` is never silently skipped). For MISO,
an uploaded file's id is handed to `wfmock.contract.hooks`, so generated `upload_file_id`s name a
file the server holds (a made-up id is rightly a 400, as in Dify).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, running_server

KEY = "contract-key"
AUTH = {
    "imprun": f'[auth.openapi.ApiKeyAuth]\napi_key = "{KEY}"\n',
    "miso": f'[auth.openapi.BearerAuth]\nbearer = "{KEY}"\n',
}


@pytest.fixture(scope="module")
def strict_mock() -> str:
    with running_server("--api-key", KEY, "--seed", "5", "--pace", "0", "--run-duration", "0.2",
                        "--no-rate-limit") as url:
        yield url


def upload_a_file(base_url: str) -> str:
    response = httpx.post(f"{base_url}/ext/v1/files/upload", headers={"Authorization": f"Bearer {KEY}"},
                          files={"file": ("note.txt", "계약 테스트용 파일".encode())}, data={"user": "schemathesis"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_schemathesis_finds_no_failures(api: str, strict_mock: str, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text('hooks = "wfmock.contract.hooks"\n' + AUTH[api])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if api == "miso":
        env["WFMOCK_UPLOAD_FILE_ID"] = upload_a_file(strict_mock)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
        "run", str(ROOT / "openapi" / f"{api}.yaml"), "--url", strict_mock,
        "--checks", "all", "--max-examples", "25", "--seed", "1", "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Unused OpenAPI auth" not in result.stdout
