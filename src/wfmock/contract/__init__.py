"""The contract kit: checks any server against the contract of a registered API (`wfmock.apis.registry`).

Use it as `wfmock contract ...` (see `wfmock.contract.cli`) or as a pytest plugin:

    pytest -p wfmock.contract --wfmock-api miso --wfmock-base-url URL --wfmock-api-key KEY

This module only registers the plugin's options; the suites load when `--wfmock-api` is given,
so `-p wfmock.contract` costs nothing in a test run that does not use it.
"""

from __future__ import annotations

from typing import Any


def pytest_addoption(parser: Any) -> None:
    from wfmock.apis import registry

    group = parser.getgroup("wfmock", "wfmock contract suites")
    group.addoption("--wfmock-api", choices=registry.names(), default=None,
                    help="check the server at --wfmock-base-url against this contract")
    group.addoption("--wfmock-base-url", default=None, help="the server under test")
    group.addoption("--wfmock-api-key", default=None, help="a valid key for the server under test")
    group.addoption("--wfmock-profile", default="documented", choices=("documented", "strict"))
    group.addoption("--wfmock-max-examples", type=int, default=None)
    group.addoption("--wfmock-include", default="", help="opt-in check families, e.g. rate-limit")
    group.addoption("--wfmock-only", default="", help="run only these check families")
    group.addoption("--wfmock-seed", type=int, default=0)
    group.addoption("--wfmock-phases", default="", help="schemathesis phases (default: all four)")
    group.addoption("--wfmock-rate", type=float, default=None, help="requests/s (0: unpaced)")
    group.addoption("--wfmock-strict-inconclusive", action="store_true", default=False,
                    help="a check that could not verify something fails instead of being skipped")
    group.addoption("--wfmock-spec", default=None, help="the OpenAPI document (default openapi/<api>.yaml)")


def pytest_configure(config: Any) -> None:
    if config.getoption("--wfmock-api", default=None):
        from wfmock.contract import plugin

        config.pluginmanager.register(plugin.ContractPlugin(config), "wfmock-contract-suites")
