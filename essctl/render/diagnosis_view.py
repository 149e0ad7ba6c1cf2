"""A diagnosis for people: findings most likely first, each with its evidence and fix, then every check."""
from __future__ import annotations

from typing import Any, Iterable

from essctl.render.progress import write_lines

MARKS = {True: "pass", False: "FAIL", None: "n/a "}


def diagnosis_lines(report: dict[str, Any]) -> Iterable[str]:
    subject = report.get("subject") or {}
    shown = ", ".join(f"{key} {value}" for key, value in subject.items() if value)
    yield f"Diagnosis of {shown or 'the group'}"
    findings = report["findings"]
    if not findings:
        yield "  No problem found."
    for number, finding in enumerate(findings, 1):
        yield (f"{number}. [{finding['severity']}] {finding['code']}: {finding['title']}  "
               f"(where: {finding['where']}, likelihood {finding['likelihood']:.2f})")
        yield f"   cause: {finding['cause']}"
        for line in finding["evidence"]:
            yield f"   - {line}"
        yield f"   fix: {finding['fix']}"
        if finding.get("fix_command"):
            yield f"   run: {finding['fix_command']}"
        if finding.get("safe_fix") and finding.get("safe_fix_arguments"):
            yield "   (essctl diagnose --fix can apply this)"
    yield "Checks:"
    for check in report["checks"]:
        yield f"  {MARKS[check['passed']]}  {check['name']}: {check['summary']}"
    for fix in report.get("fixes_applied") or []:
        yield f"Fixed: {fix['fix']} {fix['target']}: {fix['detail']}"


def print_diagnosis(env: Any, report: dict[str, Any]) -> None:
    write_lines(env, diagnosis_lines(report))
