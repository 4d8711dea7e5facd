"""Shared fixtures: real servers on loopback for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import running_server


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """An open-mode server (any key), seeded, instant streams, short runs, no rate limits."""
    with running_server("--seed", "7", "--pace", "0", "--run-duration", "0.3", "--no-rate-limit") as url:
        yield url


@pytest.fixture(scope="session")
def paced_server() -> Iterator[str]:
    """A server with the default, model-like stream pace and the documented rate limits."""
    with running_server("--seed", "11") as url:
        yield url


@pytest.fixture(scope="session")
def strict_server() -> Iterator[str]:
    """A strict server: only key `test-key` (and keys the app fixtures declare) is accepted."""
    with running_server("--api-key", "test-key", "--seed", "3", "--pace", "0", "--run-duration", "0.2",
                        "--no-rate-limit") as url:
        yield url
