"""One contract run: load the contract through the profile, run schemathesis and the kit's checks."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from wfmock.contract import apis
from wfmock.contract.client import Client, Pacer
from wfmock.contract.findings import Outcome, Report
from wfmock.contract.settings import Settings, UsageError
from wfmock.contract.suite import GENERIC_CHECKS, Check, Context, run_checks
from wfmock.openapi.profiles import Contract


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
    return [check for check in checks if check.family in settings.families
            and (settings.auth_enforced or check.family != "auth")]


def learn_target(settings: Settings) -> Outcome | None:
    """Asks whether the server is a wfmock mock, and in open mode; if so, turns the auth checks off and says why."""
    from wfmock.contract import target

    health = target.wfmock_health(settings)
    settings.wfmock_target = health is not None
    if "auth" not in settings.families and "schemathesis" not in settings.families:
        return None
    settings.auth_enforced = not target.accepts_any_key(settings, health)
    if settings.auth_enforced:
        return None
    outcome = Outcome(check="auth")
    outcome.not_verified(target.open_mode_note(settings))  # inconclusive: `--strict-inconclusive` fails on it
    return outcome


def ensure_reachable(settings: Settings) -> None:
    """A server that does not answer at all is a configuration error (exit 2), not a contract violation."""
    try:
        httpx.get(settings.base_url + "/", timeout=min(settings.timeout, 10.0))
    except httpx.TransportError as error:
        raise UsageError(f"cannot reach {settings.base_url}: {error}") from None


def prepare_references(ctx: Context) -> dict[tuple[str, str], str]:
    """Creates one resource per `x-wfmock-references` target (e.g. uploads a file), so that schemathesis can
    send real ids where the contract says a property names a server-side resource."""
    from wfmock.contract.references import reference_targets

    values: dict[tuple[str, str], str] = {}
    create = getattr(ctx.api, "create_resource", None)
    if create is None:
        return values
    ctx.outcome = Outcome(check="references")  # problems met here are the checks' to report, not this step's
    for operation_id, field in sorted(reference_targets(ctx.contract.document)):
        try:
            created = create(ctx, operation_id)
        except httpx.HTTPError:
            continue
        if isinstance(created, dict) and isinstance(created.get(field), str):
            values[(operation_id, field)] = created[field]
    return values


PROFILE_SCOPE = "profile_scope"


def profile_scope(contract: Contract) -> Outcome | None:
    """Operations the profile leaves out are checked by nothing: say so (inconclusive), never pass them silently."""
    skipped = contract.skipped_operations()
    if not skipped:
        return None
    outcome = Outcome(check=PROFILE_SCOPE)
    for operation in skipped:
        outcome.not_verified(f"{operation} is not checked: the {contract.profile} profile skips operations the seed "
                             "documents do not state (x-wfmock-inferred; --profile strict checks them)")
    return outcome


def run(settings: Settings, progress: Callable[[str], None] = lambda line: None) -> Report:
    contract = load_contract(settings)
    ensure_reachable(settings)
    unchecked_auth = learn_target(settings)
    api_module = apis.load(settings.api)
    rate = default_rate(contract) if settings.rate is None else settings.rate
    pacer = Pacer(rate)
    report = Report(api=settings.api, base_url=settings.base_url, profile=settings.profile,
                    strict_inconclusive=settings.strict_inconclusive)
    started = time.monotonic()
    progress(f"wfmock contract: {settings.api} ({settings.profile} profile) against {settings.base_url}, "
             f"{'unpaced' if rate <= 0 else f'at most {rate:g} requests/s'}")
    client = Client(settings.base_url, pacer=pacer, timeout=settings.timeout,
                    secret_headers=contract.secret_header_names())
    ctx = Context(contract, settings, api_module, client)
    if unchecked_auth is not None:
        progress(f"auth not checked: {unchecked_auth.inconclusive[0].reason}")
        report.add(unchecked_auth)
    try:
        if "schemathesis" in settings.families:
            from wfmock.contract import engine

            references = prepare_references(ctx)
            if references:
                progress("schemathesis sends real values for " + ", ".join(f"{op}.{field}" for op, field in references))
            outcome = engine.run(contract, settings, api_module, pacer, progress, references)
            report.add(outcome)
            progress(_line(outcome))
        for outcome in run_checks(selected_checks(settings, api_module), ctx, lambda o: progress(_line(o))):
            report.add(outcome)
        scope = profile_scope(contract)
        if scope is not None:
            report.add(scope)
            progress(_line(scope))
    finally:
        client.close()
    report.seconds = time.monotonic() - started
    return report


def _line(outcome: Outcome) -> str:
    if outcome.passed and outcome.inconclusive:
        verdict = "inconclusive (" + "; ".join(item.reason for item in outcome.inconclusive)[:200] + ")"
    elif outcome.passed:
        verdict = "ok"
    else:
        verdict = f"{len(outcome.findings)} violation(s)" + (f", {len(outcome.errors)} error(s)" if outcome.errors else "")
    return f"  {outcome.check:<22} {verdict}  [{outcome.seconds:.1f}s]"
