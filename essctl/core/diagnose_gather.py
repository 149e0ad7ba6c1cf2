"""Fetch what a diagnosis needs, read-only: the activity, its group, instances, lifecycle actions and hooks, the OOS
execution its hook started and its tasks, the role OOS assumed with its policies, and what the template needs.

Each piece that cannot be fetched stays None ("not checked"); only a missing activity or execution, or a group with
no activity at all, is an error.
"""
from __future__ import annotations

import json
from typing import Any

from essctl.core import lookups
from essctl.core.arns import account_from_arn, oos_template_of
from essctl.core.diagnosis import Evidence, assumed_role
from essctl.core.inventory import list_lifecycle_hooks, list_scaling_activities
from essctl.core.lookups import ACTIVITY_TAG
from essctl.core.watch import TERMINAL_EXECUTION
from essctl.errors import CloudAPIError, PreconditionFailed

PROBLEM_STATUSES = ("Failed", "Rejected", "Warning")
RECENT_ACTIVITIES = 10


def gather_evidence(session: Any, *, activity_id: str | None = None, execution_id: str | None = None,
                    group_id: str | None = None, recipe: str | None = None,
                    api_error: CloudAPIError | None = None) -> Evidence:
    """Evidence for one activity: given, found from an execution's ESS:ScalingActivityId tag, or the group's latest
    failed, rejected or partly failed activity (else its latest activity)."""
    ev = Evidence(region=session.region, recipe=recipe, api_error=api_error)
    if execution_id:
        ev.execution = lookups.oos_execution(session, execution_id)
        activity_id = activity_id or (ev.execution.get("Tags") or {}).get(ACTIVITY_TAG)
    if activity_id:
        ev.activity = lookups.scaling_activity(session, activity_id)
        group_id = ev.activity.get("ScalingGroupId") or group_id
    if group_id is None:
        raise PreconditionFailed("nothing to diagnose: give --activity, --execution or --group")
    ev.group = lookups.scaling_group(session, group_id)
    if ev.group is None:
        raise PreconditionFailed(f"scaling group {group_id} not found in region {session.region}")
    recent = list_scaling_activities(session, group_id, max_items=RECENT_ACTIVITIES)
    if ev.activity is None:
        ev.activity = next((a for a in recent if a.get("StatusCode") in PROBLEM_STATUSES), recent[0] if recent else None)
    ev.other_activities = [a for a in recent if a.get("ScalingActivityId") != (ev.activity or {}).get("ScalingActivityId")]
    ev.hooks = list_lifecycle_hooks(session, group_id)
    if ev.activity is not None:
        _activity_details(session, ev, ev.activity["ScalingActivityId"])
    _role_and_template(session, ev)
    ev.request_ids = {call.action: call.request_id for call in session.calls if call.request_id}
    return ev


def _activity_details(session: Any, ev: Evidence, activity_id: str) -> None:
    ev.instances = lookups.activity_instances(session, ev.activity.get("ScalingGroupId"), activity_id)
    ev.lifecycle_actions = lookups.lifecycle_actions(session, activity_id)
    if ev.execution is None:
        executions = []
        for template in sorted({t for h in ev.hooks or [] if (t := oos_template_of(h.get("NotificationArn")))}):
            executions += lookups.executions_of_activity(session, template, activity_id)
        failed = [e for e in executions if e.get("Status") in TERMINAL_EXECUTION and e.get("Status") != "Success"]
        ev.execution = (failed or executions or [None])[0]
    if ev.execution is not None:
        ev.task_executions = lookups.task_executions(session, ev.execution["ExecutionId"])


def _template_name(ev: Evidence) -> str | None:
    if ev.execution and ev.execution.get("TemplateName"):
        return ev.execution["TemplateName"]
    names = [t for h in ev.hooks or [] if (t := oos_template_of(h.get("NotificationArn")))]
    return names[0] if len(set(names)) == 1 else None


def _role_and_template(session: Any, ev: Evidence) -> None:
    from essctl.core.permissions import derive_required_actions
    from essctl.core.templates import load_template_from_oos, oos_resolver

    role_name = assumed_role(ev)
    ev.role = lookups.role(session, role_name)
    ev.role_found = ev.role is not None
    if ev.role is not None:
        ev.account_id = account_from_arn(ev.role.get("Arn"))
        ev.role_policies = {name: (lookups.custom_policy_document(session, name) if kind == "Custom" else None)
                            for name, kind in sorted(lookups.role_policies(session, role_name))}
    template_name = _template_name(ev)
    if template_name is None:
        return
    try:
        template = load_template_from_oos(session, template_name)
    except CloudAPIError:
        return
    ev.required_actions = set(derive_required_actions(template, oos_resolver(session)).actions)
    timeout = template.parameters.get("timeout")
    if timeout is not None and timeout.default is not None:
        try:
            ev.template_timeout_s = int(float(timeout.default))
        except (TypeError, ValueError):
            pass
    ev.generated_missing = _generated_missing(session, template_name, role_name)


def _generated_missing(session: Any, template_name: str, role_name: str) -> list[str] | None:
    """OOS's own view (GenerateExecutionPolicy's MissingPolicy) of what the role lacks; None when not reachable."""
    from alibabacloud_oos20190601 import models

    try:
        body = session.oos.generate_execution_policy(models.GenerateExecutionPolicyRequest(
            region_id=session.region, template_name=template_name, ram_role=role_name)).body
    except CloudAPIError:
        return None
    try:
        document = json.loads(body.missing_policy or "{}")
    except ValueError:
        return None
    actions: list[str] = []
    for statement in document.get("Statement") or []:
        action = statement.get("Action") or []
        actions += [action] if isinstance(action, str) else action
    return sorted(set(actions))
