"""`essctl diagnose` from end to end: gather, diagnose, optionally apply the safe fixes, and report."""
from __future__ import annotations

from typing import Any, Callable

from essctl.core.diagnose_fixes import apply_fix, describe_fix, safe_fixes
from essctl.core.diagnose_gather import gather_evidence
from essctl.core.diagnosis import Diagnosis, Evidence, diagnose, to_json
from essctl.errors import CloudAPIError


def subject_of(ev: Evidence) -> dict[str, Any]:
    return {"activity": (ev.activity or {}).get("ScalingActivityId"),
            "group": (ev.group or {}).get("ScalingGroupId"),
            "execution": (ev.execution or {}).get("ExecutionId"),
            "template": (ev.execution or {}).get("TemplateName")}


def report_of(ev: Evidence, diagnosis: Diagnosis) -> dict[str, Any]:
    return {"subject": subject_of(ev), **to_json(diagnosis), "fixes_applied": [],
            "unresolved_errors": sum(1 for f in diagnosis.findings if f.severity == "error")}


def diagnose_and_fix(session: Any, *, activity_id: str | None = None, execution_id: str | None = None,
                     group_id: str | None = None, recipe: str | None = None, api_error: CloudAPIError | None = None,
                     fix: bool = False, confirm: Callable[[list[str]], bool] | None = None) -> dict[str, Any]:
    """The diagnosis as data; with `fix`, the safe fixes that `confirm` accepts are applied and reported."""
    ev = gather_evidence(session, activity_id=activity_id, execution_id=execution_id, group_id=group_id,
                         recipe=recipe, api_error=api_error)
    diagnosis = diagnose(ev)
    report = report_of(ev, diagnosis)
    if not fix:
        return report
    fixes = safe_fixes(diagnosis.findings)
    if fixes and (confirm is None or confirm([describe_fix(f) for f in fixes])):
        report["fixes_applied"] = [apply_fix(session, finding).to_dict() for finding in fixes]
        fixed = {id(f) for f in fixes}
        report["unresolved_errors"] = sum(1 for f in diagnosis.findings if f.severity == "error" and id(f) not in fixed)
    return report
