"""A diagnosis for people: findings most likely first, each with its evidence and fix, then every check."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from essctl.diagnose.report import DiagnosisReport

MARKS = {True: "pass", False: "FAIL", None: "n/a "}


def diagnosis_lines(report: DiagnosisReport) -> Iterable[str]:
    shown = ", ".join(f"{key} {value}" for key, value in report.subject.items() if value)
    yield f"Diagnosis of {shown or 'the group'}"
    findings = report.diagnosis.findings
    pending = report.diagnosis.in_progress
    if pending:
        yield "  Still in progress:"
        for item in pending:
            yield f"   - {item}"
    if not findings:
        yield "  No error found yet: it has not ended." if pending else "  No problem found."
    for number, finding in enumerate(findings, 1):
        yield (f"{number}. [{finding.severity}] {finding.code}: {finding.title}  "
               f"(where: {finding.where}, likelihood {finding.likelihood:.2f})")
        yield f"   cause: {finding.cause}"
        for line in finding.evidence:
            yield f"   - {line}"
        yield f"   fix: {finding.fix}"
        if finding.fix_command:
            yield f"   run: {finding.fix_command}"
        if finding.safe_fix is not None:
            yield "   (essctl diagnose --fix can apply this)"
    if report.diagnosis.lifecycle_actions:
        from essctl.render.progress import lifecycle_action_lines

        yield "Lifecycle actions:"
        for action in report.diagnosis.lifecycle_actions:
            yield from lifecycle_action_lines(action)
    yield "Checks:"
    for check in report.diagnosis.checks:
        yield f"  {MARKS[check.passed]}  {check.name}: {check.summary}"
    for fix in report.fixes_applied:
        yield f"Fixed: {fix.fix} {fix.target}: {fix.detail}"
