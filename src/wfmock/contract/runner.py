"""One contract run: load the contract through the profile, run schemathesis and the kit's checks."""

from __future__ import annotations

import time
from collections.abc import Callable

from wfmock.contract import apis
from wfmock.contract.client import Client, Pacer
from wfmock.contract.document import Contract
from wfmock.contract.findings import Outcome, Report
from wfmock.contract.settings import Settings, UsageError
from wfmock.contract.suite import GENERIC_CHECKS, Check, Context, run_checks, secret_header_names


def load_contract(settings: Settings) -> Contract:
    try:
        contract = Contract.load(settings.api, settings.spec, settings.profile)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the contract {settings.spec}: {error}") from None
    if not contract.document.get("paths"):
        raise UsageError(f"the contract {settings.spec} has no operations")
    overrides = getattr(apis.load(settings.api), f"{settings.profile}_overrides", None)
    if overrides is not None:
        overrides(contract)
    return contract


def default_rate(contract: Contract) -> float:
    """Just under the tightest documented per-second limit; unpaced when the contract documents none."""
    limits = [entry for entry in contract.extension("x-wfmock-rate-limits") or [] if entry.get("window") == 1]
    return max(int(limits[0]["limit"]) - 1, 1) if limits else 0


def selected_checks(settings: Settings, api_module) -> list[Check]:
    checks = [*GENERIC_CHECKS, *api_module.CHECKS]
    return [check for check in checks if check.family in settings.families]


def ensure_reachable(settings: Settings) -> None:
    """A server that does not answer at all is a configuration error (exit 2), not a contract violation."""
    import httpx

    try:
        httpx.get(settings.base_url + "/", timeout=min(settings.timeout, 10.0))
    except httpx.TransportError as error:
        raise UsageError(f"cannot reach {settings.base_url}: {error}") from None


def run(settings: Settings, progress: Callable[[str], None] = lambda line: None) -> Report:
    contract = load_contract(settings)
    ensure_reachable(settings)
    api_module = apis.load(settings.api)
    rate = default_rate(contract) if settings.rate is None else settings.rate
    pacer = Pacer(rate)
    report = Report(api=settings.api, base_url=settings.base_url, profile=settings.profile)
    started = time.monotonic()
    progress(f"wfmock contract: {settings.api} ({settings.profile} profile) against {settings.base_url}, "
             f"{'unpaced' if rate <= 0 else f'at most {rate:g} requests/s'}")
    client = Client(settings.base_url, pacer=pacer, timeout=settings.timeout,
                    secret_headers=secret_header_names(contract))
    try:
        if "schemathesis" in settings.families:
            from wfmock.contract import engine

            outcome = engine.run(contract, settings, api_module, pacer, progress)
            report.add(outcome)
            progress(_line(outcome))
        ctx = Context(contract, settings, api_module, client)
        for outcome in run_checks(selected_checks(settings, api_module), ctx, lambda o: progress(_line(o))):
            report.add(outcome)
    finally:
        client.close()
    report.seconds = time.monotonic() - started
    return report


def _line(outcome: Outcome) -> str:
    if outcome.skipped:
        verdict = f"skipped ({outcome.skipped})"
    elif outcome.passed:
        verdict = "ok"
    else:
        verdict = f"{len(outcome.findings)} violation(s)" + (f", {len(outcome.errors)} error(s)" if outcome.errors else "")
    return f"  {outcome.check:<22} {verdict}  [{outcome.seconds:.1f}s]"
