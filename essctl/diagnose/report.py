"""`essctl diagnose` from end to end: gather, diagnose, optionally apply the safe fixes, and report."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from essctl.diagnose.findings import Diagnosis, Finding, diagnose
from essctl.diagnose.fixes import AppliedFix
from essctl.diagnose.gather import gather_evidence

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.diagnose.evidence import Evidence
    from essctl.errors import CloudAPIError


@dataclass
class DiagnosisReport:
    subject: dict[str, Any]
    diagnosis: Diagnosis
    fixes_applied: list[AppliedFix] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)

    @property
    def unresolved_errors(self) -> int:
        return sum(1 for finding in self.diagnosis.errors if not any(finding is fixed for fixed in self.fixed))

    def to_data(self) -> dict[str, Any]:
        return {"Subject": {_SUBJECT_KEYS.get(key, key): value for key, value in self.subject.items()},
                **self.diagnosis.to_dict(),
                "FixesApplied": [fix.to_dict() for fix in self.fixes_applied],
                "UnresolvedErrors": self.unresolved_errors}


# What was diagnosed, in the JSON form: by the API's own names for the ids.
_SUBJECT_KEYS = {"activity": "ScalingActivityId", "group": "ScalingGroupId", "execution": "ExecutionId",
                 "template": "TemplateName"}


def subject_of(ev: Evidence) -> dict[str, Any]:
    return {"activity": ev.activity.id if ev.activity else None, "group": ev.group.id if ev.group else None,
            "execution": ev.execution.id if ev.execution else None,
            "template": ev.execution.template_name if ev.execution else None}


def safe_fixes(findings: list[Finding]) -> list[Finding]:
    """The findings with a safe fix, one per fix and target."""
    chosen, seen = [], set()
    for finding in findings:
        if finding.safe_fix is None:
            continue
        key = (finding.safe_fix.name, json.dumps(finding.safe_fix.arguments(), sort_keys=True))
        if key not in seen:
            seen.add(key)
            chosen.append(finding)
    return chosen


def diagnose_and_fix(cloud: Cloud, *, activity_id: str | None = None, execution_id: str | None = None,
                     group_id: str | None = None, recipe: str | None = None, api_error: CloudAPIError | None = None,
                     fix: bool = False, confirm: Callable[[list[str]], bool] | None = None) -> DiagnosisReport:
    """The diagnosis; with `fix`, the safe fixes that `confirm` accepts are applied and reported."""
    ev = gather_evidence(cloud, activity_id=activity_id, execution_id=execution_id, group_id=group_id,
                         recipe=recipe, api_error=api_error)
    report = DiagnosisReport(subject_of(ev), diagnose(ev))
    if not fix:
        return report
    fixes = safe_fixes(report.diagnosis.findings)
    if fixes and (confirm is None or confirm([finding.safe_fix.describe() for finding in fixes])):
        report.fixes_applied = [finding.safe_fix.apply(cloud) for finding in fixes]
        report.fixed = fixes
    return report
