"""Diagnose a failed lifecycle-hook run from data already fetched: the automatic checks, the error codes found in
the activity, the OOS execution and its tasks, or an API error, matched against the knowledge base.

Pure functions over plain dicts with the API's PascalCase field names (as the SDK models' `to_map()` gives them),
so they run without a cloud.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from essctl.core.arns import LEGACY_OOS_ARN, OOS_TEMPLATE_ARN, oos_template_of
from essctl.core.inventory import trusted_services
from essctl.core.knowledge import SYNTHETIC_PREFIX, KnowledgeEntry, entry_for, known_codes, load_knowledge, lookup
from essctl.core.policy_eval import missing_actions, system_policy_documents
from essctl.core.recipes import PLACEHOLDER_PARAMETERS
from essctl.core.template_parameters import HEARTBEAT_MARGIN_S, HEARTBEAT_MAX_S, NOTIFICATION_METADATA_LIMIT
from essctl.errors import CloudAPIError

OOS_SERVICE = "oos.aliyuncs.com"
DEFAULT_OOS_ROLE = "OOSServiceRole"
# Template parameters ESS fills with ${name}: NotificationMetadata must not override them (api-facts §2.3).
ESS_PLACEHOLDERS = (*PLACEHOLDER_PARAMETERS, "scalingGroupId")
FAILED_ACTIVITY_STATUSES = ("Failed", "Rejected", "Warning")
_CODE_FIELD = re.compile(r"""\b(?:Error)?Code["']?\s*[:=]\s*["']?([A-Za-z][\w.]*[A-Za-z0-9])""")
_LEADING_CODE = re.compile(r"^\s*([A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+)(?![\w.])")
_TOKEN = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)(?![\w])")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# Likelihood of a finding by where its code was read; checks then raise or lower it.
_BASE = {"api": 0.9, "oos_task": 0.85, "execution": 0.8, "activity": 0.8}
_BY_MESSAGE, _BY_FAMILY, _UNRECOGNISED, _FALLBACK = 0.6, 0.5, 0.4, 0.3
_FROM_CHECK_CERTAIN, _FROM_CHECK_POSSIBLE = 0.7, 0.35
_CHECK_FAILED_BONUS, _CHECK_PASSED_PENALTY = 0.1, 0.3


@dataclass
class Evidence:
    """Everything fetched about one run; None means not fetched (a check then reports it could not check)."""

    group: dict[str, Any] | None = None                    # a DescribeScalingGroups item
    activity: dict[str, Any] | None = None                 # the DescribeScalingActivities item diagnosed
    other_activities: list[dict[str, Any]] | None = None   # the group's other recent activities
    instances: list[dict[str, Any]] | None = None          # DescribeScalingInstances items
    lifecycle_actions: list[dict[str, Any]] | None = None  # DescribeLifecycleActions items
    hooks: list[dict[str, Any]] | None = None              # DescribeLifecycleHooks items
    execution: dict[str, Any] | None = None                # a ListExecutions item
    task_executions: list[dict[str, Any]] | None = None    # ListTaskExecutions items
    role: dict[str, Any] | None = None                     # GetRole's Role
    role_found: bool | None = None                         # False: GetRole answered EntityNotExist.Role
    role_policies: dict[str, Any] | None = None            # policy name -> document (dict or JSON; None = system)
    required_actions: set[str] | None = None               # service:Action the template needs
    template_timeout_s: int | None = None                  # the template's own timeout parameter value
    generated_missing: list[str] | None = None             # GenerateExecutionPolicy MissingPolicy actions
    api_error: CloudAPIError | None = None
    region: str | None = None
    account_id: str | None = None
    recipe: str | None = None                              # the recipe that ran, for fix commands
    request_ids: dict[str, str] = field(default_factory=dict)   # call name -> request id, quoted in evidence


@dataclass
class CheckResult:
    name: str
    passed: bool | None   # None: could not check
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def problems(self) -> list[dict[str, Any]]:
        """What failed, as {kind, detail, certain}; a failed check without a list is one certain problem."""
        if self.passed is not False:
            return []
        return self.evidence.get("problems") or [{"kind": None, "detail": self.summary, "certain": True}]


@dataclass
class Finding:
    code: str
    title: str
    severity: str          # error, warning, info
    likelihood: float
    where: str             # api, activity, oos_task
    cause: str
    evidence: list[str]
    fix: str
    fix_command: str | None
    safe_fix: str | None
    checks: list[CheckResult]
    retryable: bool = False
    safe_fix_arguments: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass
class Diagnosis:
    findings: list[Finding]
    checks: list[CheckResult]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


# --- small readers -----------------------------------------------------------------------------------------------

def parse_time(value: Any) -> _dt.datetime | None:
    """An API timestamp (OOS 2019-05-16T10:26:14Z or with milliseconds; ESS 2014-08-17T16:52Z) in UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(\+00:00)?", text):
        text = text.replace("+00:00", "") + ":00+00:00"
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _seconds_between(start: Any, end: Any) -> int | None:
    begin, finish = parse_time(start), parse_time(end)
    return int((finish - begin).total_seconds()) if begin and finish else None


def _parameters(execution: dict[str, Any] | None) -> dict[str, Any]:
    value = (execution or {}).get("Parameters")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def error_codes_in(text: str | None) -> list[str]:
    """Error codes named in a status message, in order: `Code: X` forms, a leading dotted code
    (`Forbidden.RAM message: ...`), and any code the knowledge base knows."""
    if not text:
        return []
    found = [m.group(1) for m in _CODE_FIELD.finditer(text)]
    leading = _LEADING_CODE.match(text)
    if leading:
        found.append(leading.group(1))
    known = known_codes()
    found += [m.group(1) for m in _TOKEN.finditer(text) if m.group(1) in known]
    return list(dict.fromkeys(found))


def assumed_role(ev: Evidence) -> str:
    """The role OOS assumed (or will assume): the one fetched, the execution's, a hook's OOSAssumeRole, else the
    default OOSServiceRole."""
    if ev.role and ev.role.get("RoleName"):
        return ev.role["RoleName"]
    if ev.execution:
        return ev.execution.get("RamRole") or _parameters(ev.execution).get("OOSAssumeRole") or DEFAULT_OOS_ROLE
    for hook in ev.hooks or []:
        try:
            metadata = json.loads(hook.get("NotificationMetadata") or "{}")
        except ValueError:
            continue
        if isinstance(metadata, dict) and metadata.get("OOSAssumeRole"):
            return metadata["OOSAssumeRole"]
    return DEFAULT_OOS_ROLE


def _relevant_hook(ev: Evidence) -> dict[str, Any] | None:
    """The hook this run went through: named by the execution, by the activity's lifecycle actions, by the
    template in its NotificationArn, or the group's only hook."""
    hooks = ev.hooks or []
    wanted = [_parameters(ev.execution).get("lifecycleHookId")]
    wanted += [a.get("LifecycleHookId") for a in ev.lifecycle_actions or []]
    for hook_id in wanted:
        hook = next((h for h in hooks if hook_id and h.get("LifecycleHookId") == hook_id), None)
        if hook:
            return hook
    template = (ev.execution or {}).get("TemplateName")
    by_template = [h for h in hooks if template and oos_template_of(h.get("NotificationArn")) == template]
    if len(by_template) == 1:
        return by_template[0]
    return hooks[0] if len(hooks) == 1 else None


def _group_id(ev: Evidence) -> str | None:
    for source in (ev.group, ev.activity, _relevant_hook(ev)):
        if source and source.get("ScalingGroupId"):
            return source["ScalingGroupId"]
    return None


def _request_id_note(ev: Evidence, call: str) -> str:
    rid = ev.request_ids.get(call)
    return f" (request id {rid})" if rid else ""


# --- checks ------------------------------------------------------------------------------------------------------

def check_role_exists_and_trusts_oos(ev: Evidence) -> CheckResult:
    name = "role_exists_and_trusts_oos"
    role_name = assumed_role(ev)
    note = _request_id_note(ev, "GetRole")
    if ev.role is None:
        gone = ev.role_found is False or (ev.api_error is not None
                                          and ev.api_error.code in ("EntityNotExist.Role", "AssumeRoleNotExist"))
        if gone:
            return CheckResult(name, False, f"role {role_name} does not exist{note}", {
                "role": role_name, "request_id": ev.request_ids.get("GetRole"),
                "problems": [{"kind": "missing", "detail": f"role {role_name} does not exist", "certain": True}]})
        return CheckResult(name, None, f"role {role_name} was not read", {"role": role_name})
    trusted = trusted_services(ev.role.get("AssumeRolePolicyDocument"))
    evidence = {"role": role_name, "arn": ev.role.get("Arn"), "trusted_services": trusted,
                "request_id": ev.request_ids.get("GetRole")}
    if OOS_SERVICE in trusted:
        return CheckResult(name, True, f"role {role_name} exists and trusts {OOS_SERVICE}{note}", evidence)
    detail = (f"role {role_name} trusts {', '.join(trusted) or 'no service'}, not {OOS_SERVICE}")
    evidence["problems"] = [{"kind": "untrusted", "detail": detail, "certain": True}]
    return CheckResult(name, False, detail + note, evidence)


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
    role_name = assumed_role(ev)
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
    evidence["problems"] = [{"kind": "missing_actions", "detail": detail,
                             "certain": not unknown or ev.generated_missing is not None}]
    return CheckResult(name, False, detail, evidence)


def suggested_hook_timeout(template_timeout_s: int | None, duration_s: int | None) -> int:
    """max(template timeout, real duration) + the margin, rounded up to a minute, at most 21600."""
    needed = max(template_timeout_s or 0, duration_s or 0) + HEARTBEAT_MARGIN_S
    return min(HEARTBEAT_MAX_S, int(math.ceil(needed / 60) * 60))


def _template_timeout(ev: Evidence) -> int | None:
    if ev.template_timeout_s is not None:
        return int(ev.template_timeout_s)
    try:
        return int(float(_parameters(ev.execution)["timeout"]))
    except (KeyError, TypeError, ValueError):
        return None


def _execution_duration(ev: Evidence) -> int | None:
    if ev.execution and ev.execution.get("EndDate"):
        return _seconds_between(ev.execution.get("StartDate"), ev.execution.get("EndDate"))
    tasks = [t for t in ev.task_executions or [] if t.get("StartDate") and t.get("EndDate")]
    if tasks:
        return _seconds_between(min(t["StartDate"] for t in tasks), max(t["EndDate"] for t in tasks))
    return None


def check_hook_timeout_covers_execution(ev: Evidence) -> CheckResult:
    name = "hook_timeout_covers_execution"
    hook = _relevant_hook(ev)
    if hook is None or hook.get("HeartbeatTimeout") is None:
        return CheckResult(name, None, "the lifecycle hook of this run is not known", {})
    heartbeat = int(hook["HeartbeatTimeout"])
    template_timeout, duration = _template_timeout(ev), _execution_duration(ev)
    evidence: dict[str, Any] = {
        "hook_id": hook.get("LifecycleHookId"), "heartbeat_timeout": heartbeat, "template_timeout": template_timeout,
        "execution_id": (ev.execution or {}).get("ExecutionId"), "execution_duration_s": duration,
        "margin_s": HEARTBEAT_MARGIN_S,
    }
    if template_timeout is None and duration is None:
        return CheckResult(name, None, f"hook {hook.get('LifecycleHookId')} waits {heartbeat} s; neither the "
                                       "template's timeout nor the execution's duration is known", evidence)
    suggested = max(heartbeat, suggested_hook_timeout(template_timeout, duration))
    evidence["suggested_timeout"] = suggested
    problems = []
    if duration is not None and duration >= heartbeat:
        problems.append({"kind": "exceeded", "certain": True, "detail":
                         f"execution {evidence['execution_id']} ran {duration} s, longer than the hook's "
                         f"HeartbeatTimeout of {heartbeat} s"})
    if template_timeout is not None and heartbeat < template_timeout + HEARTBEAT_MARGIN_S:
        problems.append({"kind": "tight", "certain": False, "detail":
                         f"the template may run {template_timeout} s (+{HEARTBEAT_MARGIN_S} s margin) but the hook "
                         f"waits {heartbeat} s"})
    if not problems:
        return CheckResult(name, True, f"hook {hook.get('LifecycleHookId')} waits {heartbeat} s, enough for "
                                       f"the template ({template_timeout} s) and the run ({duration} s)", evidence)
    evidence["problems"] = problems
    summary = "; ".join(p["detail"] for p in problems) + f"; suggested HeartbeatTimeout {suggested} s"
    return CheckResult(name, False, summary, evidence)


def _metadata_problems(text: Any) -> list[dict[str, Any]]:
    if text in (None, ""):
        return []
    if len(text) > NOTIFICATION_METADATA_LIMIT:
        return [{"kind": "metadata", "certain": True,
                 "detail": f"NotificationMetadata is {len(text)} characters (at most {NOTIFICATION_METADATA_LIMIT})"}]
    try:
        document = json.loads(text)
    except ValueError as exc:
        return [{"kind": "metadata", "certain": True, "detail": f"NotificationMetadata is not JSON: {exc}"}]
    if not isinstance(document, dict):
        return [{"kind": "metadata", "certain": True, "detail": "NotificationMetadata is not a JSON object"}]
    problems = []
    not_strings = sorted(k for k, v in document.items() if not isinstance(v, str))
    if not_strings:
        problems.append({"kind": "metadata", "certain": False,
                         "detail": f"NotificationMetadata values that are not strings: {', '.join(not_strings)}"})
    overridden = sorted(k for k in ESS_PLACEHOLDERS if k in document and document[k] != f"${{{k}}}")
    if overridden:
        problems.append({"kind": "placeholder_overridden", "certain": True,
                         "detail": "NotificationMetadata overrides what ESS fills in: "
                                   + ", ".join(f"{k}={document[k]!r}" for k in overridden)})
    return problems


def check_hook_active_and_well_formed(ev: Evidence) -> CheckResult:
    name = "hook_active_and_well_formed"
    hook = _relevant_hook(ev)
    if hook is None:
        return CheckResult(name, None, "the lifecycle hook of this run is not known", {})
    hook_id, arn = hook.get("LifecycleHookId"), hook.get("NotificationArn") or ""
    evidence: dict[str, Any] = {"hook_id": hook_id, "status": hook.get("LifecycleHookStatus"),
                                "notification_arn": arn, "request_id": ev.request_ids.get("DescribeLifecycleHooks")}
    problems = []
    if hook.get("LifecycleHookStatus") != "Active":
        problems.append({"kind": "inactive", "certain": True,
                         "detail": f"hook {hook_id} is {hook.get('LifecycleHookStatus')}, not Active"})
    match, legacy = OOS_TEMPLATE_ARN.match(arn), LEGACY_OOS_ARN.match(arn)
    if match or legacy:
        found = match or legacy
        wrong = [f"{part} {found.group(part)} (expected {want})"
                 for part, want in (("region", ev.region), ("account", ev.account_id))
                 if want and found.group(part) != want]
        if wrong:
            problems.append({"kind": "arn", "certain": True,
                             "detail": f"NotificationArn {arn} names {' and '.join(wrong)}"})
        if legacy:
            problems.append({"kind": "legacy_arn", "certain": False, "detail":
                             f"NotificationArn {arn} uses the older acs:ess:...:oos/ form; the API documents "
                             f"acs:oos:{found.group('region')}:{found.group('account')}:template/{found.group('name')}"})
        evidence["template"] = found.group("name")
    else:
        problems.append({"kind": "arn", "certain": True, "detail":
                         f"NotificationArn {arn or '(none)'} is not acs:oos:{{region}}:{{account}}:template/{{name}}"})
    problems += _metadata_problems(hook.get("NotificationMetadata"))
    if not problems:
        return CheckResult(name, True, f"hook {hook_id} is Active and notifies OOS template "
                                       f"{evidence['template']} with well-formed metadata", evidence)
    evidence["problems"] = problems
    return CheckResult(name, False, "; ".join(p["detail"] for p in problems), evidence)


def check_no_other_activity_in_progress(ev: Evidence) -> CheckResult:
    name = "no_other_activity_in_progress"
    if ev.other_activities is None:
        return CheckResult(name, None, "the group's other activities were not read", {})
    own_id = (ev.activity or {}).get("ScalingActivityId")
    started = parse_time((ev.activity or {}).get("StartTime"))
    others = [a for a in ev.other_activities if a.get("ScalingActivityId") != own_id]
    running = [a for a in others if a.get("StatusCode") == "InProgress"]
    overlapping = [a for a in others if a not in running and started and parse_time(a.get("StartTime"))
                   and parse_time(a["StartTime"]) <= started
                   and (parse_time(a.get("EndTime")) is None or parse_time(a.get("EndTime")) >= started)]
    blocking = running + overlapping
    evidence: dict[str, Any] = {
        "in_progress": [{"id": a.get("ScalingActivityId"), "status": a.get("StatusCode"),
                         "progress": a.get("Progress"), "start": a.get("StartTime"), "end": a.get("EndTime")}
                        for a in blocking],
        "checked": len(others), "request_id": ev.request_ids.get("DescribeScalingActivities"),
    }
    if not blocking:
        return CheckResult(name, True, f"no other activity of the group was in progress ({len(others)} checked)",
                           evidence)
    evidence["in_progress_activity_id"] = blocking[0].get("ScalingActivityId")
    problems = [{"kind": "running", "certain": bool(overlapping) or bool(own_id),
                 "detail": f"activity {a.get('ScalingActivityId')} is {a.get('StatusCode')} "
                           f"({a.get('Progress', 0)}%, started {a.get('StartTime')})"} for a in running]
    problems += [{"kind": "overlapping", "certain": True,
                  "detail": f"activity {a.get('ScalingActivityId')} ({a.get('StatusCode')}, {a.get('StartTime')} to "
                            f"{a.get('EndTime')}) was running when {own_id} started"} for a in overlapping]
    evidence["problems"] = problems
    return CheckResult(name, False, "; ".join(p["detail"] for p in problems), evidence)


def check_group_capacity(ev: Evidence) -> CheckResult:
    name = "group_capacity"
    group = ev.group
    if group is None:
        return CheckResult(name, None, "the scaling group was not read", {})
    current = group.get("TotalCapacity", group.get("ActiveCapacity"))
    minimum, maximum = group.get("MinSize"), group.get("MaxSize")
    can_add = None if current is None or maximum is None else int(current) < int(maximum)
    evidence: dict[str, Any] = {
        "group_id": group.get("ScalingGroupId"), "status": group.get("LifecycleState"), "min": minimum,
        "max": maximum, "current": current, "desired": group.get("DesiredCapacity"), "can_add_one": can_add,
        "request_id": ev.request_ids.get("DescribeScalingGroups"),
    }
    numbers = f"min {minimum}, max {maximum}, current {current}"
    problems = []
    if group.get("LifecycleState") != "Active":
        problems.append({"kind": "inactive", "certain": True,
                         "detail": f"group {group.get('ScalingGroupId')} is {group.get('LifecycleState')}, not Active"})
    if can_add is False:
        problems.append({"kind": "at_max", "certain": False,
                         "detail": f"group {group.get('ScalingGroupId')} is at its MaxSize ({numbers}): +1 is not possible"})
    if not problems:
        return CheckResult(name, True, f"group {group.get('ScalingGroupId')} is Active ({numbers}); +1 is possible",
                           evidence)
    evidence["problems"] = problems
    return CheckResult(name, False, "; ".join(p["detail"] for p in problems), evidence)


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


# --- error signals -----------------------------------------------------------------------------------------------

@dataclass
class _Signal:
    """An error read from one place: a code (or only a message), where, and the evidence line."""

    code: str
    message: str
    where: str
    likelihood: float
    line: str
    fallback: bool = False   # a generic entry, shown only when nothing more specific is found


def _signals(ev: Evidence) -> list[_Signal]:
    signals: list[_Signal] = []
    error = ev.api_error
    if error is not None:
        detail = f"{error.service}:{error.action} answered {error.code}"
        detail += f" (HTTP {error.status})" if error.status else ""
        detail += f": {error.message}"
        if error.access_denied_detail and error.access_denied_detail.get("AuthAction"):
            detail += f" [denied action {error.access_denied_detail['AuthAction']}]"
        detail += f" (request id {error.request_id})" if error.request_id else ""
        code = error.code
        if not entry_for(code, "api") and error.status and error.status >= 500:
            code = f"{SYNTHETIC_PREFIX}ServerError"
        signals.append(_Signal(code, error.message, "api", _BASE["api"], detail))
    execution = ev.execution or {}
    for task in ev.task_executions or []:
        if task.get("Status") != "Failed":
            continue
        message = task.get("StatusMessage") or ""
        line = (f"task {task.get('TaskName')} ({task.get('TaskExecutionId')}, {task.get('TaskAction')}) of execution "
                f"{task.get('ExecutionId') or execution.get('ExecutionId')} failed: {message}")
        signals += _from_text(message, "oos_task", _BASE["oos_task"], line)
    if execution.get("Status") == "Failed":
        message = execution.get("StatusMessage") or execution.get("StatusReason") or ""
        line = (f"execution {execution.get('ExecutionId')} of {execution.get('TemplateName')} failed "
                f"({execution.get('StartDate')} to {execution.get('EndDate')}): {message}")
        signals += _from_text(message, "oos_task", _BASE["execution"], line, fallback="OOSExecutionFailed")
    activity = ev.activity or {}
    if activity.get("StatusCode") in FAILED_ACTIVITY_STATUSES:
        signals += _activity_signals(activity, ev)
    return signals


def _from_text(message: str, where: str, likelihood: float, line: str, fallback: str | None = None) -> list[_Signal]:
    codes = error_codes_in(message)
    signals = [_Signal(code, message, where, likelihood, line) for code in codes]
    if not codes and message:
        signals.append(_Signal("", message, where, _BY_MESSAGE, line))
    if fallback:
        signals.append(_Signal(f"{SYNTHETIC_PREFIX}{fallback}", message, where, _FALLBACK, line, fallback=True))
    return signals


def _activity_signals(activity: dict[str, Any], ev: Evidence) -> list[_Signal]:
    line = (f"activity {activity.get('ScalingActivityId')} {activity.get('StatusCode')}"
            f"{_request_id_note(ev, 'DescribeScalingActivities')}: {activity.get('StatusMessage') or ''}")
    signals = []
    if activity.get("ErrorCode"):
        signals.append(_Signal(activity["ErrorCode"], activity.get("ErrorMessage") or "", "activity",
                               _BASE["activity"], line + f" [ErrorCode {activity['ErrorCode']}: "
                                                         f"{activity.get('ErrorMessage') or ''}]"))
    for item in activity.get("ErrorMessages") or []:
        failed = ", ".join(item.get("FailedInstanceIds") or [])
        detail = line + f" [{item.get('Code')}: {item.get('Message') or ''}" + (f"; instances {failed}" if failed else "") + "]"
        if item.get("Code"):
            signals.append(_Signal(item["Code"], item.get("Message") or "", "activity", _BASE["activity"], detail))
        else:
            signals += _from_text(item.get("Message") or "", "activity", _BASE["activity"], detail)
    for text in (activity.get("StatusMessage"), activity.get("ErrorMessage")):
        signals += _from_text(text or "", "activity", _BASE["activity"], line)
    signals.append(_Signal(f"{SYNTHETIC_PREFIX}ActivityFailed", activity.get("StatusMessage") or "", "activity",
                           _FALLBACK, line, fallback=True))
    return signals


# --- findings ----------------------------------------------------------------------------------------------------

def _placeholder_values(ev: Evidence, checks: dict[str, CheckResult]) -> dict[str, Any]:
    hook = _relevant_hook(ev)
    values = {
        "recipe": ev.recipe, "group_id": _group_id(ev), "hook_id": hook.get("LifecycleHookId") if hook else None,
        "role_name": assumed_role(ev), "template": (ev.execution or {}).get("TemplateName"),
        "activity_id": (ev.activity or {}).get("ScalingActivityId"),
        "execution_id": (ev.execution or {}).get("ExecutionId"), "region": ev.region,
        "suggested_timeout": checks["hook_timeout_covers_execution"].evidence.get("suggested_timeout"),
        "in_progress_activity_id": checks["no_other_activity_in_progress"].evidence.get("in_progress_activity_id"),
        "missing_actions": ",".join(checks["role_allows_template_actions"].evidence.get("missing") or []) or None,
    }
    return {key: value for key, value in values.items() if value not in (None, "")}


_SAFE_FIX_COMMAND = "essctl diagnose --activity {activity_id} --fix"


def fill_command(template: str | None, values: dict[str, Any]) -> str | None:
    """The fix command with its {placeholders} filled, or None when one cannot be."""
    if template is None or any(name not in values for name in _PLACEHOLDER.findall(template)):
        return None
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def _safe_fix_arguments(entry: KnowledgeEntry, checks: dict[str, CheckResult]) -> dict[str, Any]:
    if entry.safe_fix == "grant_missing_actions":
        check = checks["role_allows_template_actions"]
        missing = check.evidence.get("missing")
        return {"role": check.evidence["role"], "actions": missing} if check.passed is False and missing else {}
    if entry.safe_fix == "raise_hook_timeout":
        check = checks["hook_timeout_covers_execution"]
        if check.passed is False:
            return {"hook_id": check.evidence["hook_id"], "timeout": check.evidence["suggested_timeout"]}
    return {}


def _finding(entry: KnowledgeEntry, where: str, likelihood: float, lines: list[str], checks: dict[str, CheckResult],
             values: dict[str, Any], severity: str | None = None, code: str | None = None) -> Finding:
    own = [checks[name] for name in entry.checks]
    failed = [check for check in own if check.passed is False]
    # Each failing check confirms the finding; checks that ran and all passed weaken it.
    likelihood += _CHECK_FAILED_BONUS * len(failed)
    if not failed and any(check.passed is True for check in own):
        likelihood -= _CHECK_PASSED_PENALTY
    for check in own:
        if check.passed is not None:
            lines.append(f"check {check.name} {'failed' if check.passed is False else 'passed'}: {check.summary}")
    arguments = _safe_fix_arguments(entry, checks)
    command = fill_command(entry.fix_command, values)
    if command is None and arguments:   # e.g. the recipe is not known: the safe fix is still one command away
        command = fill_command(_SAFE_FIX_COMMAND, values)
    return Finding(
        code=code or entry.code, title=entry.title, severity=severity or entry.severity,
        likelihood=round(min(0.99, max(0.05, likelihood)), 2), where=where, cause=entry.cause,
        evidence=list(dict.fromkeys(lines)), fix=entry.fix, fix_command=command,
        safe_fix=entry.safe_fix if arguments else None, checks=own, retryable=entry.retryable,
        safe_fix_arguments=arguments, source=entry.source,
    )


def _match(signal: _Signal) -> tuple[KnowledgeEntry, float, str] | None:
    """(entry, likelihood, code shown) for a signal, or None when a message matches nothing."""
    entries = lookup(signal.code, signal.message, signal.where)
    if not entries:
        if not signal.code:
            return None
        return entry_for(f"{SYNTHETIC_PREFIX}UnrecognisedCode"), _UNRECOGNISED, signal.code
    entry = entries[0]
    if entry.is_family:
        return entry, _BY_FAMILY, signal.code
    by_code = signal.code and entry.code.lower() == signal.code.lower()
    return entry, signal.likelihood if by_code else min(signal.likelihood, _BY_MESSAGE), entry.code


def diagnose(evidence: Evidence) -> Diagnosis:
    """Findings ordered by likelihood (then severity), and every check's result."""
    checks = run_checks(evidence)
    by_name = {check.name: check for check in checks}
    values = _placeholder_values(evidence, by_name)
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    fallbacks: list[tuple[_Signal, KnowledgeEntry]] = []
    for signal in _signals(evidence):
        matched = _match(signal)
        if matched is None:
            continue
        entry, likelihood, code = matched
        if signal.fallback:
            fallbacks.append((signal, entry))
            continue
        slot = grouped.setdefault((code, signal.where), {"entry": entry, "likelihood": 0.0, "lines": []})
        slot["likelihood"] = max(slot["likelihood"], likelihood)
        slot["lines"].append(signal.line)
    # Each further place that names the same error makes it a little more likely.
    findings = [
        _finding(slot["entry"], where, slot["likelihood"] + 0.05 * (len(set(slot["lines"])) - 1), slot["lines"],
                 by_name, values, code=code)
        for (code, where), slot in grouped.items()
    ]
    findings += _check_findings(checks, findings, by_name, values)
    if not any(f.severity == "error" for f in findings):
        seen: set[str] = set()
        for signal, entry in fallbacks:
            if entry.code not in seen:
                seen.add(entry.code)
                findings.append(_finding(entry, signal.where, signal.likelihood, [signal.line], by_name, values))
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (-f.likelihood, order[f.severity]))
    return Diagnosis(findings=findings, checks=checks)


def _check_findings(checks: list[CheckResult], findings: list[Finding], by_name: dict[str, CheckResult],
                    values: dict[str, Any]) -> list[Finding]:
    """Findings for failing checks that no error code explains (e.g. a role missing actions before any run)."""
    explained = {check.name for finding in findings for check in finding.checks if check.passed is False}
    raised: dict[str, dict[str, Any]] = {}
    for check in checks:
        if check.name in explained:
            continue
        for problem in check.problems():
            keys = {check.name, f"{check.name}:{problem['kind']}"}
            for entry in load_knowledge():
                if keys & set(entry.raised_by):
                    slot = raised.setdefault(entry.code, {"entry": entry, "certain": False})
                    slot["certain"] |= bool(problem.get("certain", True))
    # _finding adds the bonus of the failing check that raised the entry: start that much lower.
    return [
        _finding(slot["entry"], slot["entry"].where[0],
                 (_FROM_CHECK_CERTAIN if slot["certain"] else _FROM_CHECK_POSSIBLE) - _CHECK_FAILED_BONUS,
                 [], by_name, values, severity=None if slot["certain"] else "warning")
        for slot in raised.values()
    ]


def to_json(diagnosis: Diagnosis) -> dict[str, Any]:
    """The diagnosis as plain data for `--output json`."""
    def check(result: CheckResult) -> dict[str, Any]:
        return {"name": result.name, "passed": result.passed, "summary": result.summary, "evidence": result.evidence}

    return {
        "findings": [{
            "code": f.code, "title": f.title, "severity": f.severity, "likelihood": f.likelihood, "where": f.where,
            "cause": f.cause, "evidence": f.evidence, "fix": f.fix, "fix_command": f.fix_command,
            "safe_fix": f.safe_fix, "safe_fix_arguments": f.safe_fix_arguments, "retryable": f.retryable,
            "source": f.source, "checks": [check(c) for c in f.checks],
        } for f in diagnosis.findings],
        "checks": [check(c) for c in diagnosis.checks],
    }
