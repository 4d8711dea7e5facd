"""Writes a run's report: the console summary (grouped by check, a curl per failure) and JUnit XML.

Three kinds of result, kept apart: violations, what could not be verified (and why), and what passed.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from wfmock.contract.findings import Report

MAX_PER_CHECK = 10


def summary(report: Report) -> str:
    lines = ["", f"== wfmock contract: {report.api} / {report.profile} / {report.base_url} =="]
    grouped = report.by_check()
    for check, findings in grouped.items():
        lines.append(f"\n[{check}] {len(findings)} violation(s)")
        for finding in findings[:MAX_PER_CHECK]:
            lines.append(f"  - {finding.operation or '(run)'}: {_indent(finding.message)}")
            if finding.curl:
                lines.append(f"    reproduce: {finding.curl}")
        if len(findings) > MAX_PER_CHECK:
            lines.append(f"  ... and {len(findings) - MAX_PER_CHECK} more")
    for check, error in report.errors:
        lines.append(f"\n[{check}] error: {_indent(error)}")
    unverified = report.inconclusive_by_check()
    if unverified:
        label = "failing the run (--strict-inconclusive)" if report.strict_inconclusive else "not a violation"
        lines.append(f"\nNot verified ({label}):")
        for check, reasons in unverified.items():
            for reason in reasons:
                lines.append(f"  [{check}] inconclusive: {_indent(reason, '    ')}")
    if report.verified_checks:
        lines.append("\nVerified: " + ", ".join(report.verified_checks))
    if report.conforms:
        verdict = "CONFORMS" + (f" ({len(report.inconclusive)} thing(s) not verified)" if unverified else "")
    else:
        verdict = (f"DOES NOT CONFORM: {len(report.findings)} violation(s) in {len(grouped)} check(s)"
                   + (f", {len(report.errors)} error(s)" if report.errors else "")
                   + (f", {len(report.inconclusive)} not verified" if report.strict_inconclusive and unverified
                      else ""))
    lines.append(f"\n{verdict} ({report.seconds:.1f} s)")
    return "\n".join(lines)


def _indent(text: str, prefix: str = "      ") -> str:
    text = text.strip()
    if len(text) > 1500:
        text = text[:1500] + " ..."
    return text.replace("\n", "\n" + prefix)


def write_junit(report: Report, path: Path) -> None:
    """One testsuite; one testcase per check, failing with every finding (message and curl); a check that could
    not verify something is skipped with the reason (a failure under --strict-inconclusive)."""
    unverified = report.inconclusive_by_check()
    checks = sorted({o.check for o in report.outcomes} | set(report.by_check()) | set(unverified))
    suite = ElementTree.Element("testsuite", name=f"wfmock-contract-{report.api}-{report.profile}",
                                tests=str(len(checks)), time=f"{report.seconds:.3f}")
    grouped = report.by_check()
    errors = {}
    for check, error in report.errors:
        errors.setdefault(check, []).append(error)
    failures = skipped = 0
    for check in checks:
        case = ElementTree.SubElement(suite, "testcase", classname=f"wfmock.contract.{report.api}", name=check)
        findings = grouped.get(check, [])
        if findings:
            failures += 1
            element = ElementTree.SubElement(case, "failure", type="contract-violation",
                                             message=f"{len(findings)} violation(s)")
            element.text = "\n\n".join(
                f"{f.operation}: {f.message}" + (f"\nreproduce: {f.curl}" if f.curl else "") for f in findings)
        for error in errors.get(check, []):
            ElementTree.SubElement(case, "error", message=error.splitlines()[0][:200]).text = error
        reasons = unverified.get(check, [])
        if reasons and not findings:
            text = "; ".join(reasons)
            if report.strict_inconclusive:
                failures += 1
                ElementTree.SubElement(case, "failure", type="inconclusive", message=text[:200]).text = text
            else:
                skipped += 1
                ElementTree.SubElement(case, "skipped", message=text)
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("errors", str(sum(len(v) for v in errors.values())))
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
