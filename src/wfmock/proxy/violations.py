"""Every violation the proxy found, bounded: what `GET /_wfmock/violations` answers and the exit summary reads."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from wfmock.contract.findings import Finding, Outcome, Report
from wfmock.proxy.checks import Verdict

MAX_KEPT = 10_000  # findings kept in full; beyond, only counted
MAX_REASONS = 3


class Violations:
    def __init__(self, api: str, upstream: str, profile: str) -> None:
        self.api, self.upstream, self.profile = api, upstream, profile
        self.started = time.monotonic()
        self.exchanges = 0
        self.not_judged = 0
        self.findings: list[tuple[float, Finding]] = []
        self.counts: Counter[str] = Counter()
        self.ran: set[str] = set()
        self.unjudged: dict[tuple[str, str], None] = {}
        self._seen: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    def add(self, verdict: Verdict) -> None:
        with self._lock:
            self.exchanges += 1
            self.ran.update(verdict.ran)
            for item in verdict.unjudged:  # a few reasons per check: the summary says why, not each time
                if sum(1 for check, _ in self.unjudged if check == item[0]) < MAX_REASONS:
                    self.unjudged[item] = None
            for finding in verdict.findings:
                self.counts[finding.check] += 1
                if len(self.findings) < MAX_KEPT:
                    self.findings.append((time.time(), finding))

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {"upstream": self.upstream, "profile": self.profile, "exchanges": self.exchanges,
                    "not_judged": self.not_judged, "total": sum(self.counts.values()),
                    "by_check": dict(sorted(self.counts.items())),
                    "checks_run": sorted(self.ran),
                    "violations": [{"at": at, "check": f.check, "operation": f.operation, "message": f.message,
                                    "curl": f.curl} for at, f in self.findings]}

    def report(self) -> Report:
        """In the contract kit's terms: one outcome per check that ran, its findings de-duplicated."""
        with self._lock:
            report = Report(api=self.api, base_url=self.upstream + " (proxied traffic)", profile=self.profile)
            grouped: dict[str, Outcome] = {}
            for check in sorted(self.ran | set(self.counts) | {check for check, _ in self.unjudged}):
                grouped[check] = Outcome(check=check)
            for _, finding in self.findings:
                grouped[finding.check].findings.append(finding)
            for check, reason in self.unjudged:
                grouped[check].not_verified(reason)
            for outcome in grouped.values():
                report.add(outcome)
            report.seconds = time.monotonic() - self.started
            return report
