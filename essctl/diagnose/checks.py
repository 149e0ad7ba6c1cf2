"""The automatic checks of a diagnosis: each reads the evidence and passes, fails (with its problems, evidence and,
where one exists, the safe fix) or cannot check."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from essctl.casing import pascal_keys
from essctl.diagnose.evidence import Evidence
from essctl.diagnose.fixes import GrantMissingActions, RaiseHookTimeout, SafeFix
from essctl.facts.arns import LEGACY_OOS_ARN, OOS_TEMPLATE_ARN
from essctl.facts.ess import ESS_PLACEHOLDERS, NOTIFICATION_METADATA_LIMIT
from essctl.facts.oos import HEARTBEAT_MARGIN_S, OOS_SERVICE
from essctl.facts.ram import ROLE_MISSING_CODES
from essctl.facts.states import is_running
from essctl.policies.evaluation import missing_actions
from essctl.policies.system import system_policy_documents
from essctl.template.heartbeat import suggested_timeout

if TYPE_CHECKING:
    from essctl.cloud.resources import ScalingActivity


@dataclass(frozen=True)
class Problem:
    kind: str | None        # what failed, e.g. "missing_actions" (a knowledge entry's raised_by names it)
    detail: str
    certain: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"Kind": self.kind, "Detail": self.detail, "Certain": self.certain}


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool | None     # None: could not check
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    found: tuple[Problem, ...] = ()
    fix: SafeFix | None = None                                   # what would fix it, when that is safe
    placeholders: dict[str, Any] = field(default_factory=dict)   # values a knowledge entry's fix command quotes

    def problems(self) -> tuple[Problem, ...]:
        """What failed; a failed check without a list is one certain problem."""
        if self.passed is not False:
            return ()
        return self.found or (Problem(None, self.summary),)

    def to_dict(self) -> dict[str, Any]:
        evidence = pascal_keys(self.evidence)
        if self.found:
            evidence["Problems"] = [problem.to_dict() for problem in self.found]
        return {"Name": self.name, "Passed": self.passed, "Summary": self.summary, "Evidence": evidence}


def _failed(name: str, problems: list[Problem], evidence: dict[str, Any], **extra: Any) -> CheckResult:
    return CheckResult(name, False, "; ".join(p.detail for p in problems), evidence, tuple(problems), **extra)


def check_role_exists_and_trusts_oos(ev: Evidence) -> CheckResult:
    name = "role_exists_and_trusts_oos"
    role_name = ev.assumed_role()
    note = ev.request_id_note("GetRole")
    if ev.role is None:
        gone = ev.role_found is False or (ev.api_error is not None and ev.api_error.code in ROLE_MISSING_CODES)
        if gone:
            return CheckResult(name, False, f"role {role_name} does not exist{note}",
                               {"role": role_name, "request_id": ev.request_ids.get("GetRole")},
                               (Problem("missing", f"role {role_name} does not exist"),))
        return CheckResult(name, None, f"role {role_name} was not read", {"role": role_name})
    trusted = ev.role.trusted_services
    evidence = {"role": role_name, "arn": ev.role.arn, "trusted_services": trusted,
                "request_id": ev.request_ids.get("GetRole")}
    if OOS_SERVICE in trusted:
        return CheckResult(name, True, f"role {role_name} exists and trusts {OOS_SERVICE}{note}", evidence)
    detail = f"role {role_name} trusts {', '.join(trusted) or 'no service'}, not {OOS_SERVICE}"
    return CheckResult(name, False, detail + note, evidence, (Problem("untrusted", detail),))


def _policy_documents(policies: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(documents that can be evaluated, names of policies whose document is unknown)."""
    known, unknown = {}, []
    system = system_policy_documents()
    for policy_name, document in policies.items():
        document = document if document is not None else system.get(policy_name)
        if document is None:
            unknown.append(policy_name)
        else:
            known[policy_name] = document
    return known, unknown


def check_role_allows_template_actions(ev: Evidence) -> CheckResult:
    name = "role_allows_template_actions"
    role_name = ev.assumed_role()
    required = sorted(ev.required_actions or [])
    if not required:
        return CheckResult(name, None, "the actions the template needs are not known", {"role": role_name})
    role_gone = ev.role is None and ev.role_found is False
    if ev.role_policies is None and ev.generated_missing is None and not role_gone:
        return CheckResult(name, None, f"the policies of role {role_name} were not read",
                           {"role": role_name, "required": required})
    documents, unknown = _policy_documents(ev.role_policies or {})
    by_evaluation = required if role_gone else (
        missing_actions(required, documents) if ev.role_policies is not None else None)
    combined = sorted(set(by_evaluation or []) | set(ev.generated_missing or []))
    evidence: dict[str, Any] = {
        "role": role_name, "required": required, "missing": combined, "policies": sorted(ev.role_policies or {}),
        "missing_by_policy_evaluation": by_evaluation, "missing_per_generate_execution_policy": ev.generated_missing,
        "unevaluated_policies": unknown, "request_id": ev.request_ids.get("ListPoliciesForRole"),
    }
    if not combined:
        return CheckResult(name, True, f"role {role_name} allows all {len(required)} actions the template needs",
                           evidence)
    detail = (f"role {role_name} lacks {len(combined)} of {len(required)} actions the template needs: "
              f"{', '.join(combined)}")
    if ev.generated_missing is not None:
        detail += f" (GenerateExecutionPolicy MissingPolicy: {', '.join(ev.generated_missing) or 'none'})"
    if unknown:
        detail += f"; policies not evaluated: {', '.join(unknown)}"
    problem = Problem("missing_actions", detail, certain=not unknown or ev.generated_missing is not None)
    return _failed(name, [problem], evidence, fix=GrantMissingActions(role_name, tuple(combined)),
                   placeholders={"missing_actions": ",".join(combined)})


def suggested_hook_timeout(template_timeout_s: int | None, duration_s: int | None) -> int:
    """max(template timeout, real duration) + the margin, rounded up to a minute, at most 21600."""
    return suggested_timeout(max(template_timeout_s or 0, duration_s or 0) + HEARTBEAT_MARGIN_S)


def _template_timeout(ev: Evidence) -> int | None:
    if ev.template_timeout_s is not None:
        return int(ev.template_timeout_s)
    try:
        return int(float(ev.execution.parameters["timeout"])) if ev.execution else None
    except (KeyError, TypeError, ValueError):
        return None


def _execution_duration(ev: Evidence) -> int | None:
    if ev.execution is not None and ev.execution.end_date:
        return ev.execution.duration_s
    from essctl.cloud.resources import parse_time

    tasks = [t for t in ev.task_executions or [] if t.start_date and t.end_date]
    if tasks:
        begin = parse_time(min(str(t.start_date) for t in tasks))
        end = parse_time(max(str(t.end_date) for t in tasks))
        return int((end - begin).total_seconds()) if begin and end else None
    return None


def check_hook_timeout_covers_execution(ev: Evidence) -> CheckResult:
    name = "hook_timeout_covers_execution"
    hook = ev.relevant_hook()
    if hook is None or hook.heartbeat_timeout is None:
        return CheckResult(name, None, "the lifecycle hook of this run is not known", {})
    heartbeat = hook.heartbeat_timeout
    template_timeout, duration = _template_timeout(ev), _execution_duration(ev)
    execution_id = ev.execution.id if ev.execution else None
    evidence: dict[str, Any] = {
        "hook_id": hook.id, "heartbeat_timeout": heartbeat, "template_timeout": template_timeout,
        "execution_id": execution_id, "execution_duration_s": duration, "margin_s": HEARTBEAT_MARGIN_S,
    }
    if template_timeout is None and duration is None:
        return CheckResult(name, None, f"hook {hook.id} waits {heartbeat} s; neither the template's timeout nor the "
                                       "execution's duration is known", evidence)
    suggested = max(heartbeat, suggested_hook_timeout(template_timeout, duration))
    evidence["suggested_timeout"] = suggested
    problems = []
    if duration is not None and duration >= heartbeat:
        problems.append(Problem("exceeded", f"execution {execution_id} ran {duration} s, longer than the hook's "
                                            f"HeartbeatTimeout of {heartbeat} s"))
    if template_timeout is not None and heartbeat < template_timeout + HEARTBEAT_MARGIN_S:
        problems.append(Problem("tight", f"the template may run {template_timeout} s (+{HEARTBEAT_MARGIN_S} s margin) "
                                         f"but the hook waits {heartbeat} s", certain=False))
    placeholders = {"suggested_timeout": suggested}
    if not problems:
        known = [f"{what} ({seconds} s)" for what, seconds in (("the template", template_timeout),
                                                               ("the run", duration)) if seconds is not None]
        return CheckResult(name, True, f"hook {hook.id} waits {heartbeat} s, enough for {' and '.join(known)}"
                           + ("" if duration is not None else " (the run has not ended)"), evidence,
                           placeholders=placeholders)
    summary = "; ".join(p.detail for p in problems) + f"; suggested HeartbeatTimeout {suggested} s"
    return CheckResult(name, False, summary, evidence, tuple(problems),
                       fix=RaiseHookTimeout(hook.id, suggested, managed_by=ev.hook_recipe()), placeholders=placeholders)


def _metadata_problems(text: str | None) -> list[Problem]:
    if not text:
        return []
    if len(text) > NOTIFICATION_METADATA_LIMIT:
        return [Problem("metadata", f"NotificationMetadata is {len(text)} characters (at most "
                                    f"{NOTIFICATION_METADATA_LIMIT})")]
    try:
        document = json.loads(text)
    except ValueError as exc:
        return [Problem("metadata", f"NotificationMetadata is not JSON: {exc}")]
    if not isinstance(document, dict):
        return [Problem("metadata", "NotificationMetadata is not a JSON object")]
    problems = []
    not_strings = sorted(k for k, v in document.items() if not isinstance(v, str))
    if not_strings:
        problems.append(Problem("metadata", f"NotificationMetadata values that are not strings: "
                                            f"{', '.join(not_strings)}", certain=False))
    overridden = sorted(k for k in ESS_PLACEHOLDERS if k in document and document[k] != f"${{{k}}}")
    if overridden:
        problems.append(Problem("placeholder_overridden", "NotificationMetadata overrides what ESS fills in: "
                                + ", ".join(f"{k}={document[k]!r}" for k in overridden)))
    return problems


def check_hook_active_and_well_formed(ev: Evidence) -> CheckResult:
    name = "hook_active_and_well_formed"
    hook = ev.relevant_hook()
    if hook is None:
        return CheckResult(name, None, "the lifecycle hook of this run is not known", {})
    arn = hook.notification_arn or ""
    evidence: dict[str, Any] = {"hook_id": hook.id, "status": hook.status, "notification_arn": arn,
                                "request_id": ev.request_ids.get("DescribeLifecycleHooks")}
    problems = []
    if hook.status != "Active":
        problems.append(Problem("inactive", f"hook {hook.id} is {hook.status}, not Active"))
    match, legacy = OOS_TEMPLATE_ARN.match(arn), LEGACY_OOS_ARN.match(arn)
    found = match or legacy
    if found:
        wrong = [f"{part} {found.group(part)} (expected {want})"
                 for part, want in (("region", ev.region), ("account", ev.account_id))
                 if want and found.group(part) != want]
        if wrong:
            problems.append(Problem("arn", f"NotificationArn {arn} names {' and '.join(wrong)}"))
        if legacy:
            problems.append(Problem("legacy_arn", f"NotificationArn {arn} uses the older acs:ess:...:oos/ form; the "
                                                  f"API documents acs:oos:{found.group('region')}:"
                                                  f"{found.group('account')}:template/{found.group('name')}",
                                    certain=False))
        evidence["template"] = found.group("name")
    else:
        problems.append(Problem("arn", f"NotificationArn {arn or '(none)'} is not "
                                       "acs:oos:{region}:{account}:template/{name}"))
    problems += _metadata_problems(hook.notification_metadata)
    if not problems:
        return CheckResult(name, True, f"hook {hook.id} is Active and notifies OOS template {evidence['template']} "
                                       "with well-formed metadata", evidence)
    return _failed(name, problems, evidence)


def check_no_other_activity_in_progress(ev: Evidence) -> CheckResult:
    name = "no_other_activity_in_progress"
    if ev.other_activities is None:
        return CheckResult(name, None, "the group's other activities were not read", {})
    own_id = ev.activity.id if ev.activity else None
    started = ev.activity.started_at if ev.activity else None
    others = [a for a in ev.other_activities if a.id != own_id]
    running = [a for a in others if is_running("activity", a.status)]
    overlapping = [a for a in others if a not in running and started and a.started_at
                   and a.started_at <= started and (a.ended_at is None or a.ended_at >= started)]
    blocking = running + overlapping
    evidence: dict[str, Any] = {
        "in_progress": [{"id": a.id, "status": a.status, "progress": a.progress, "start": a.start_time,
                         "end": a.end_time} for a in blocking],
        "checked": len(others), "request_id": ev.request_ids.get("DescribeScalingActivities"),
    }
    if not blocking:
        return CheckResult(name, True, f"no other activity of the group was in progress ({len(others)} checked)",
                           evidence)
    evidence["in_progress_activity_id"] = blocking[0].id
    problems = [Problem("running", f"activity {a.id} is {a.status} ({a.progress or 0}%, started {a.start_time})",
                        certain=bool(overlapping) or bool(own_id)) for a in running]
    problems += [_overlap(a, own_id, started) for a in overlapping]
    return _failed(name, problems, evidence, placeholders={"in_progress_activity_id": blocking[0].id})


def _overlap(other: ScalingActivity, own_id: str | None, started: Any) -> Problem:
    """ESS gives activity times to the minute: one that ended in the minute the next started may have ended
    first, so only a later end is certain."""
    if other.ended_at is not None and other.ended_at == started:
        return Problem("overlapping", f"activity {other.id} ({other.status}, {other.start_time} to {other.end_time}) "
                                      f"ended in the minute {own_id} started (ESS times are to the minute): it may "
                                      "have been running", certain=False)
    return Problem("overlapping", f"activity {other.id} ({other.status}, {other.start_time} to {other.end_time}) was "
                                  f"running when {own_id} started")


def check_group_capacity(ev: Evidence) -> CheckResult:
    name = "group_capacity"
    group = ev.group
    if group is None:
        return CheckResult(name, None, "the scaling group was not read", {})
    current, minimum, maximum = group.current_capacity, group.min_size, group.max_size
    can_add = None if current is None or maximum is None else current < maximum
    evidence: dict[str, Any] = {
        "group_id": group.id, "status": group.lifecycle_state, "min": minimum, "max": maximum, "current": current,
        "desired": group.desired_capacity, "can_add_one": can_add,
        "request_id": ev.request_ids.get("DescribeScalingGroups"),
    }
    numbers = f"min {minimum}, max {maximum}, current {current}"
    problems = []
    if group.lifecycle_state != "Active":
        problems.append(Problem("inactive", f"group {group.id} is {group.lifecycle_state}, not Active"))
    if can_add is False:
        problems.append(Problem("at_max", f"group {group.id} is at its MaxSize ({numbers}): +1 is not possible",
                                certain=False))
    if not problems:
        return CheckResult(name, True, f"group {group.id} is Active ({numbers}); +1 is possible", evidence)
    return _failed(name, problems, evidence)


CHECKS: dict[str, Callable[[Evidence], CheckResult]] = {
    "role_exists_and_trusts_oos": check_role_exists_and_trusts_oos,
    "role_allows_template_actions": check_role_allows_template_actions,
    "hook_timeout_covers_execution": check_hook_timeout_covers_execution,
    "hook_active_and_well_formed": check_hook_active_and_well_formed,
    "no_other_activity_in_progress": check_no_other_activity_in_progress,
    "group_capacity": check_group_capacity,
}


def run_checks(ev: Evidence) -> list[CheckResult]:
    return [check(ev) for check in CHECKS.values()]
