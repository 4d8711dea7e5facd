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
    assert "[rate_limit] inconclusive" not in out, out  # the burst reached the limit, and it lifted after Retry-After
    assert "rate_limit" in out.split("Verified:")[1], out


def test_the_mock_at_default_pace_verifies_stop_and_streaming(paced_server: str, capsys) -> None:
    """At the model-like default pace, the stop and the stream's progress are judged, not left inconclusive."""
    code = main(["--api", "miso", "--base-url", paced_server, "--api-key", "app-demo-key", "--only", "sse,lifecycle",
                 "--strict-inconclusive", "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "inconclusive" not in out, out


def test_the_mock_at_pace_0_conforms_verifies_its_stop_and_says_what_it_could_not_judge(server: str, capsys) -> None:
    """Instant streams: no false alarm. The stop is still judged (the kit holds a wfmock stream open with the
    stalled-stream scenario); only the streaming check says it could not judge a run that took no time."""
    code = main(["--api", "miso", "--base-url", server, "--api-key", KEY, "--only", "sse,lifecycle", "--rate", "0",
                 "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "[sse_progressive] inconclusive" in out, out
    assert "[stream_stop] inconclusive" not in out, out
