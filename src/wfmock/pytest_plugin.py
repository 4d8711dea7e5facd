"""The `wfmock_server` fixture: a live mock for each test that asks for one.

Loaded by pytest automatically once wfmock is installed (the `pytest11` entry point), so importing
this module must stay cheap: it needs only pytest, and starts nothing until a test uses the
fixture. Options come from the `wfmock` marker and mirror `wfmock serve`:

    @pytest.mark.wfmock(api="imprun", scenario="hometax-login-fails", seed=7, pace=0, keys=["my-key"])
    def test_my_client(wfmock_server):
        client = MyClient(base_url=wfmock_server.url, api_key="my-key")
        ...
        assert wfmock_server.requests(operation="createWorkflow")[0]["status"] == 200

The entry point is named like this module, so `-p wfmock.pytest_plugin` (needed only with
`PYTEST_DISABLE_PLUGIN_AUTOLOAD` set) never registers it twice; `-p no:wfmock.pytest_plugin` turns
it off. The contract suites are a separate plugin, enabled explicitly with `-p wfmock.contract`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from wfmock.testing import MockServer

MARKER = "wfmock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(api='all', scenario=None, seed=None, pace=None, run_duration=None, keys=(), admin_token=None, "
                   "args=()): "
                   "options of the wfmock_server fixture (the `wfmock serve` flags of the same names)")


@pytest.fixture
def wfmock_server(request: pytest.FixtureRequest) -> Iterator["MockServer"]:
    """A `wfmock.testing.MockServer` on a free port for this test: `.url`, `.use_scenario()`, `.requests()`,
    `.reset()`; options from `@pytest.mark.wfmock(...)`."""
    from wfmock.testing import MockServer

    marker = request.node.get_closest_marker(MARKER)
    options = dict(marker.kwargs) if marker else {}
    if marker and marker.args:
        options.setdefault("api", marker.args[0])
    try:
        server = MockServer(**options)
    except TypeError as error:
        problem = f"@pytest.mark.{MARKER}: {error}"
    else:
        problem = None
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    with server:
        yield server
