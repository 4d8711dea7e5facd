"""`schemathesis run --checks all` against a strict `wfmock serve`, for both contracts: no failures.

The README's route: `hooks = "wfmock.contract.hooks"` in `schemathesis.toml`, credentials per
security scheme (so `ignored_auth` is never silently skipped). For MISO, an uploaded file's id is
handed to the hooks, so generated `upload_file_id`s name a file the server holds (a made-up id is
rightly a 400, as in Dify). Seed 1 runs every phase with 25 examples per operation; seeds 2 to 5 run
the seeded phases (fuzzing, stateful) with a few each, so that other draws (invalid query date-times,
repeated or mistyped form fields) are tried at a bounded cost: the examples and coverage phases draw
the same cases whatever the seed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, running_server
from wfmock.openapi.document import openapi_dir

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


# (seed, max examples per operation, phases): seed 1 as the README shows it; seeds 2-5 cheaply (about 4 s each)
ALL_PHASES = "examples,coverage,fuzzing,stateful"
SEEDS = [(1, 25, ALL_PHASES), (2, 6, "fuzzing,stateful"), (3, 6, "fuzzing,stateful"), (4, 6, "fuzzing,stateful"),
         (5, 6, "fuzzing,stateful")]


@pytest.mark.parametrize(("seed", "examples", "phases"), SEEDS, ids=[f"seed{seed}" for seed, *_ in SEEDS])
@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_schemathesis_finds_no_failures(api: str, seed: int, examples: int, phases: str, strict_mock: str,
                                        tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text('hooks = "wfmock.contract.hooks"\n' + AUTH[api])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if api == "miso":
        env["WFMOCK_UPLOAD_FILE_ID"] = upload_a_file(strict_mock)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
        "run", str(openapi_dir() / f"{api}.yaml"), "--url", strict_mock,
        "--checks", "all", "--max-examples", str(examples), "--seed", str(seed), "--phases", phases, "--no-color",
    ]
    # generous: on a loaded 2-core box one run has taken over 300 s; the bound only catches a hang
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Unused OpenAPI auth" not in result.stdout
