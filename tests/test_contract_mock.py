"""`wfmock contract` against `wfmock serve`: the mock conforms, for both APIs and both profiles."""

from __future__ import annotations

import pytest

from tests.support import running_server
from wfmock.contract.cli import main

KEY = "contract-kit-key"


@pytest.fixture(scope="module")
def mock_url():
    with running_server("--api-key", KEY, "--seed", "9", "--pace", "0.3", "--run-duration", "0.3",
                        "--no-rate-limit") as url:
        yield url


@pytest.mark.parametrize("profile", ["documented", "strict"])
@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_the_mock_conforms(api: str, profile: str, mock_url: str, capsys) -> None:
    code = main(["--api", api, "--base-url", mock_url, "--api-key", KEY, "--profile", profile,
                 "--max-examples", "5", "--rate", "0", "--seed", "3", "-q"])
    out = capsys.readouterr().out
    assert code == 0, out


def test_the_mock_enforces_its_rate_limit(capsys) -> None:
    with running_server("--api-key", KEY, "--seed", "9", "--pace", "0", "--run-duration", "0.3") as url:
        code = main(["--api", "imprun", "--base-url", url, "--api-key", KEY, "--only", "rate-limit,auth", "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "inconclusive" not in out, out  # the burst reached the limit, and the limit lifted after Retry-After
