"""The schemathesis engine's hooks belong to one run: found through the run's own schema, gone after it."""

from __future__ import annotations

from types import SimpleNamespace

import schemathesis

from tests.contract.checks.support import contract, judging
from wfmock.contract import engine
from wfmock.contract.client import Pacer


def test_a_case_finds_its_own_run_only_while_the_run_lasts() -> None:
    mine = schemathesis.openapi.from_dict(contract("miso").document)
    other = schemathesis.openapi.from_dict(contract("miso").document)
    case_of = lambda schema: SimpleNamespace(operation=SimpleNamespace(schema=schema))  # noqa: E731
    run = engine._Run(Pacer(0), judging("miso", None))
    with engine._scoped(mine, run):
        assert engine._run_of(case_of(mine)) is run
        assert engine._run_of(case_of(other)) is None  # another run's (or a plain schemathesis run's) case
    assert engine._run_of(case_of(mine)) is None


def test_the_documented_profiles_failure_filter_is_registered_on_the_runs_schema_only() -> None:
    mine = schemathesis.openapi.from_dict(contract("miso").document)
    other = schemathesis.openapi.from_dict(contract("miso").document)
    engine._install_run_hooks(mine, contract("miso"), {})
    assert mine.hooks.get_all_by_name("filter_failure") and not other.hooks.get_all_by_name("filter_failure")
