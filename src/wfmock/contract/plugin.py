"""The contract suites as pytest items: one item per check, so a team's CI sees each check pass or fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wfmock.contract.findings import Outcome
from wfmock.contract.settings import DEFAULT_MAX_EXAMPLES, Settings, UsageError, parse_families, parse_phases


class ContractFailure(Exception):
    """A check found violations; the message lists each with its curl."""


class ContractPlugin:
    def __init__(self, config: pytest.Config) -> None:
        option = config.getoption
        if not option("--wfmock-base-url") or not option("--wfmock-api-key"):
            raise pytest.UsageError("--wfmock-api needs --wfmock-base-url and --wfmock-api-key")
        try:
            self.settings = Settings(
                api=option("--wfmock-api"), base_url=option("--wfmock-base-url"), api_key=option("--wfmock-api-key"),
                profile=option("--wfmock-profile"),
                max_examples=option("--wfmock-max-examples") or DEFAULT_MAX_EXAMPLES,
                families=parse_families(option("--wfmock-include"), option("--wfmock-only")),
                seed=option("--wfmock-seed"), rate=option("--wfmock-rate"),
                phases=parse_phases(option("--wfmock-phases")),
                strict_inconclusive=bool(option("--wfmock-strict-inconclusive")),
                spec=Path(option("--wfmock-spec")) if option("--wfmock-spec") else None)
        except UsageError as error:
            raise pytest.UsageError(str(error)) from None
        from wfmock.contract import runner

        self.unchecked_auth = runner.learn_target(self.settings)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> None:
        from wfmock.contract import apis, runner

        session_state = _Session(self.settings, self.unchecked_auth)
        names = ["schemathesis"] if "schemathesis" in self.settings.families else []
        names += ["auth"] if self.unchecked_auth is not None else []
        names += [check.name for check in runner.selected_checks(self.settings, apis.load(self.settings.api))]
        if runner.load_contract(self.settings).skipped_operations():
            names.append(runner.PROFILE_SCOPE)  # what the profile leaves out: skipped (or failed when strict)
        for name in names:
            items.append(ContractItem.from_parent(session, name=f"wfmock-contract[{self.settings.api}:{name}]",
                                                  check=name, state=session_state))


class _Session:
    """Lazily builds the shared client/context once, runs one check per item."""

    def __init__(self, settings: Settings, unchecked_auth: Outcome | None = None) -> None:
        self.settings = settings
        self.unchecked_auth = unchecked_auth  # an inconclusive "auth" outcome when the server accepts any key
        self.ctx: Any = None
        self.pacer: Any = None

    def outcome(self, check: str) -> Outcome:
        from wfmock.contract import apis, engine, runner
        from wfmock.contract.client import Client, Pacer
        from wfmock.contract.suite import Context, run_checks

        if self.unchecked_auth is not None and check == self.unchecked_auth.check:
            return self.unchecked_auth
        if self.ctx is None:
            contract = runner.load_contract(self.settings)
            rate = runner.default_rate(contract) if self.settings.rate is None else self.settings.rate
            self.pacer = Pacer(rate)
            client = Client(self.settings.base_url, pacer=self.pacer, timeout=self.settings.timeout,
                            secret_headers=contract.secret_header_names())
            self.ctx = Context(contract, self.settings, apis.load(self.settings.api), client)
        if check == "schemathesis":
            return engine.run(self.ctx.contract, self.settings, self.ctx.api, self.pacer, lambda line: None,
                              runner.prepare_references(self.ctx))
        if check == runner.PROFILE_SCOPE:
            return runner.profile_scope(self.ctx.contract) or Outcome(check=check)
        selected = [c for c in runner.selected_checks(self.settings, self.ctx.api) if c.name == check]
        return run_checks(selected, self.ctx, lambda outcome: None)[0]


class ContractItem(pytest.Item):
    def __init__(self, *, check: str, state: _Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.state = state

    def runtest(self) -> None:
        from wfmock.contract.findings import Report
        from wfmock.contract.report import summary

        outcome = self.state.outcome(self.check)
        settings = self.state.settings
        if outcome.passed and outcome.inconclusive and not settings.strict_inconclusive:
            pytest.skip("not verified: " + "; ".join(f"[{i.check}] {i.reason}" for i in outcome.inconclusive))
        if not outcome.verified:
            report = Report(api=settings.api, base_url=settings.base_url, profile=settings.profile,
                            strict_inconclusive=settings.strict_inconclusive)
            report.add(outcome)
            raise ContractFailure(summary(report))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, ContractFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[str, int, str]:
        return f"wfmock-contract:{self.state.settings.api}", 0, self.name
