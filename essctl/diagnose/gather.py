"""Fetch what a diagnosis needs, read-only: the activity, its group, instances, lifecycle actions and hooks, the OOS
execution its hook started and its tasks, the role OOS assumed with its policies, and what the template needs.

Each piece that cannot be fetched stays None ("not checked"); only a missing activity or execution, or a group with
no activity at all, is an error.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from essctl.diagnose.evidence import Evidence
from essctl.errors import CloudAPIError, PreconditionFailed
from essctl.facts.arns import account_from_arn, oos_template_of
from essctl.facts.oos import ACTIVITY_TAG
from essctl.facts.ram import CUSTOM
from essctl.facts.states import is_failure, is_success, is_terminal
from essctl.template.heartbeat import template_timeout
from essctl.template.permissions import derive_required_actions
from essctl.template.source import load_template_from_oos, oos_resolver
from essctl.watch.watcher import oos_execution, scaling_activity

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud

RECENT_ACTIVITIES = 10


def gather_evidence(cloud: Cloud, *, activity_id: str | None = None, execution_id: str | None = None,
                    group_id: str | None = None, recipe: str | None = None,
                    api_error: CloudAPIError | None = None) -> Evidence:
    """Evidence for one activity: given, found from an execution's ESS:ScalingActivityId tag, or the group's latest
    failed, rejected or partly failed activity (else its latest activity)."""
    ev = Evidence(region=cloud.region, recipe=recipe, api_error=api_error)
    if execution_id:
        ev.execution = oos_execution(cloud, execution_id)
        activity_id = activity_id or ev.execution.tags.get(ACTIVITY_TAG)
    if activity_id:
        ev.activity = scaling_activity(cloud, activity_id)
        group_id = ev.activity.group_id or group_id
    if group_id is None:
        raise PreconditionFailed("nothing to diagnose: give an activity, an execution or a scaling group")
    ev.group = cloud.ess.get_scaling_group(group_id)
    if ev.group is None:
        raise PreconditionFailed(f"scaling group {group_id} not found in region {cloud.region}")
    recent = cloud.ess.list_scaling_activities(group_id, max_items=RECENT_ACTIVITIES)
    if ev.activity is None:
        ev.activity = next((a for a in recent if is_failure("activity", a.status)), recent[0] if recent else None)
    ev.other_activities = [a for a in recent if a.id != (ev.activity.id if ev.activity else None)]
    ev.hooks = cloud.ess.list_lifecycle_hooks(group_id)
    ev.group_tags = cloud.ess.group_tags(group_id)
    if ev.activity is not None:
        _activity_details(cloud, ev, ev.activity.id)
    _role_and_template(cloud, ev)
    ev.request_ids = cloud.request_ids()
    return ev


def _activity_details(cloud: Cloud, ev: Evidence, activity_id: str) -> None:
    ev.instances = cloud.ess.activity_instances(str(ev.activity.group_id), activity_id)
    ev.lifecycle_actions = cloud.ess.lifecycle_actions(activity_id)
    if ev.execution is None:
        executions = cloud.oos.executions_of_activity(activity_id)
        failed = [e for e in executions if is_terminal("execution", e.status) and not is_success("execution", e.status)]
        ev.execution = (failed or executions or [None])[0]
    if ev.execution is not None:
        ev.task_executions = cloud.oos.task_executions(ev.execution.id)


def _template_name(ev: Evidence) -> str | None:
    if ev.execution is not None and ev.execution.template_name:
        return ev.execution.template_name
    names = [t for h in ev.hooks or [] if (t := oos_template_of(h.notification_arn))]
    return names[0] if len(set(names)) == 1 else None


def _role_and_template(cloud: Cloud, ev: Evidence) -> None:
    role_name = ev.assumed_role()
    ev.role = cloud.ram.get_role(role_name)
    ev.role_found = ev.role is not None
    if ev.role is not None:
        ev.account_id = account_from_arn(ev.role.arn)
        ev.role_policies = {}
        for policy in sorted(cloud.ram.policies_of_role(role_name), key=lambda p: p.key):
            custom = cloud.ram.get_custom_policy(policy.name) if policy.policy_type == CUSTOM else None
            ev.role_policies[policy.name] = custom.document if custom is not None else None
    name = _template_name(ev)
    if name is None:
        return
    try:
        template = load_template_from_oos(cloud, name)
    except CloudAPIError:
        return
    ev.required_actions = set(derive_required_actions(template, oos_resolver(cloud)).actions)
    timeout = template_timeout(template)
    ev.template_timeout_s = int(timeout) if timeout is not None else None
    try:
        generated = cloud.oos.generate_execution_policy(name, role=role_name)
    except CloudAPIError:
        return
    ev.generated_missing = sorted(generated.missing) if generated.missing is not None else None
