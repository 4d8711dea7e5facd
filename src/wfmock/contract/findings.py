"""What a contract run found: one `Finding` per violation, named by the check that caught it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One contract violation: the check that caught it, where, what, and how to see it again."""

    check: str
    operation: str
    message: str
    curl: str = ""
    source: str = "wfmock"  # "schemathesis" or "wfmock"

    @property
    def key(self) -> tuple[str, str, str]:
        return self.check, self.operation, self.message.splitlines()[0] if self.message else ""


@dataclass
class Outcome:
    """The result of one check (or one schemathesis phase): how often it ran and what it found."""

    check: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the check could not run (transport error, bad config)
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.findings and not self.errors


@dataclass
class Report:
    """Every finding of a run, de-duplicated, grouped by check for the summary."""

    api: str
    base_url: str
    profile: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        seen: set[tuple[str, str, str]] = set()
        unique = []
        for finding in outcome.findings:
            if finding.key not in seen:
                seen.add(finding.key)
                unique.append(finding)
        outcome.findings = unique
        self.outcomes.append(outcome)

    @property
    def findings(self) -> list[Finding]:
        return [finding for outcome in self.outcomes for finding in outcome.findings]

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(outcome.check, error) for outcome in self.outcomes for error in outcome.errors]

    def by_check(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            grouped[finding.check].append(finding)
        return dict(sorted(grouped.items()))

    @property
    def failed_checks(self) -> set[str]:
        return set(self.by_check()) | {check for check, _ in self.errors}

    @property
    def conforms(self) -> bool:
        return not self.findings and not self.errors
