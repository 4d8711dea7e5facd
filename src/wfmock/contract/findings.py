"""What a contract run found: one `Finding` per violation, one `Inconclusive` per thing it could not verify."""

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


@dataclass(frozen=True)
class Inconclusive:
    """Something a check could not verify, and why (a run too fast to stop, a limit not reached, an operation the
    profile skips): neither a pass nor a violation, and said as such."""

    check: str
    reason: str


@dataclass
class Outcome:
    """The result of one check (or one schemathesis phase): how often it ran and what it found."""

    check: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the check could not run (transport error, bad config)
    inconclusive: list[Inconclusive] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.findings and not self.errors

    @property
    def verified(self) -> bool:
        """Passed, and everything it meant to judge was judged."""
        return self.passed and not self.inconclusive

    def not_verified(self, reason: str, check: str | None = None) -> None:
        self.inconclusive.append(Inconclusive(check or self.check, reason))


@dataclass
class Report:
    """Every finding of a run, de-duplicated, grouped by check for the summary."""

    api: str
    base_url: str
    profile: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    strict_inconclusive: bool = False  # what could not be verified fails the run (CI that wants certainty)

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
    def inconclusive(self) -> list[Inconclusive]:
        return list(dict.fromkeys(item for outcome in self.outcomes for item in outcome.inconclusive))

    def inconclusive_by_check(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for item in self.inconclusive:
            grouped[item.check].append(item.reason)
        return dict(sorted(grouped.items()))

    @property
    def verified_checks(self) -> list[str]:
        """Checks that ran, found nothing (under any of the names they report), and left nothing unverified."""
        return sorted({outcome.check for outcome in self.outcomes if outcome.verified})

    @property
    def conforms(self) -> bool:
        return not self.findings and not self.errors and not (self.strict_inconclusive and self.inconclusive)
