"""The validating proxy's judge: routes each recorded exchange to its operation and hands it to the contract
checks' registry (`wfmock.contract.checks`), the same functions that judge the contract kit's own flows. It keeps
the history the checks across calls read (runs seen, stops as they arrived, each key's recent requests)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from wfmock.contract import apis
from wfmock.contract.checks import registry
from wfmock.contract.checks.http import credential
from wfmock.contract.findings import Finding
from wfmock.openapi.profiles import Contract
from wfmock.proxy.exchange import Recorded
from wfmock.proxy.routes import Router

SHED_BACKLOG = 200  # exchanges waiting to be judged beyond which streams are judged without per-event schemas


@dataclass(frozen=True)
class Verdict:
    """What one exchange was judged by (check names) and what it broke."""

    api: str | None
    operation_id: str | None
    ran: tuple[str, ...]
    findings: tuple[Finding, ...]
    unjudged: tuple[tuple[str, str], ...] = ()  # (check, why not)


class Judge:
    """Judges one exchange at a time (one lock: the checks across calls see the history in the traffic's order)."""

    def __init__(self, contracts: Mapping[str, Contract]) -> None:
        self.contracts = dict(contracts)
        self.modules = {api: apis.load(api) for api in contracts}
        self.router = Router(self.contracts)
        self.secret = tuple(h.lower() for c in contracts.values() for h in c.secret_header_names())
        self.history = registry.History()
        self._lock = threading.Lock()
        for api in contracts:
            registry.load(api)

    def arrived(self, exchange: Recorded) -> None:
        """Called as each request arrives (before its answer): checks that need the order requests reached the
        server in (a 429 is answered before the runs it limits; a stream may end before its stop's reply) read it."""
        api, operation_id, params = self.router.match(exchange.method, exchange.path)
        key = credential(exchange, self.contracts[api]) if api is not None else None
        self.history.arrived(exchange, operation_id, params, key)

    def judge(self, recorded: Recorded, light: bool = False) -> Verdict:
        """`light`: skip the per-event schema of streams (the judge is behind the traffic; said as not verified)."""
        api, operation_id, params = self.router.match(recorded.method, recorded.path)
        if api is None:
            return Verdict(None, None, (), ())
        contract = self.contracts[api]
        op = contract.operation(operation_id) if operation_id else None
        label = op.label if op else self.router.labels.get(operation_id or "", f"{recorded.method.upper()} "
                                                                               f"{recorded.path}")
        module = self.modules[api]
        judging = registry.Judging(api, contract, operation_id, params, label, light, module.envelope_problems,
                                   module.AUTH_CODE)
        exchange = recorded.exchange(self.secret)
        with self._lock:
            verdict = registry.judge(judging, exchange, self.history)
        findings = tuple(Finding(check=check, operation=label, message=message, curl=exchange.curl)
                         for check, message in dict.fromkeys(verdict.problems))
        return Verdict(api, operation_id, tuple(dict.fromkeys(verdict.ran)), findings, tuple(verdict.unjudged))
