"""A diagnosis for people: findings most likely first, each with its evidence and fix, then every check."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from essctl.render.style import DETAIL, ERROR, STRONG, SUCCESS, WARNING, Line

if TYPE_CHECKING:
    from essctl.diagnose.report import DiagnosisReport

MARKS = {True: "pass", False: "FAIL", None: "n/a "}
_CHECK_STYLES = {True: SUCCESS, False: ERROR, None: DETAIL}
_SEVERITY_STYLES = {"error": ERROR, "warning": WARNING}


def diagnosis_lines(report: DiagnosisReport) -> Iterable[str]:
    shown = ", ".join(f"{key} {value}" for key, value in report.subject.items() if value)
    yield Line(f"Diagnosis of {shown or 'the group'}", STRONG)
    findings = report.diagnosis.findings
    pending = report.diagnosis.in_progress
    if pending:
        yield Line("  Still in progress:", WARNING)
        for item in pending:
            yield Line(f"   - {item}", WARNING)
    if not findings:
        yield Line("  No error found yet: it has not ended.", WARNING) if pending else Line("  No problem found.", SUCCESS)
    for number, finding in enumerate(findings, 1):
        yield Line(f"{number}. [{finding.severity}] {finding.code}: {finding.title}  "
                   f"(where: {finding.where}, likelihood {finding.likelihood:.2f})", _SEVERITY_STYLES.get(finding.severity))
        yield f"   cause: {finding.cause}"
        for line in finding.evidence:
            yield Line(f"   - {line}", DETAIL)
        yield f"   fix: {finding.fix}"
        if finding.fix_command:
            yield Line(f"   run: {finding.fix_command}", STRONG)
        if finding.safe_fix is not None:
            yield "   (essctl diagnose --fix can apply this)"
    if report.diagnosis.lifecycle_actions:
        from essctl.render.progress import lifecycle_action_lines

        yield "Lifecycle actions:"
        for action in report.diagnosis.lifecycle_actions:
            yield from lifecycle_action_lines(action)
    yield "Checks:"
    for check in report.diagnosis.checks:
        yield Line(f"  {MARKS[check.passed]}  {check.name}: {check.summary}", _CHECK_STYLES[check.passed])
    for fix in report.fixes_applied:
        yield Line(f"Fixed: {fix.fix} {fix.target}: {fix.detail}", SUCCESS)
