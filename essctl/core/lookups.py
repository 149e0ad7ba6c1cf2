"""Read-only lookups of single resources, None when they do not exist (but for an activity or execution a command
was given): what plan, watch, teardown and diagnose compare against. Items come back with the API's field names
(the SDK model's `to_map()`)."""
from __future__ import annotations

import json
from typing import Any

from essctl.errors import CloudAPIError, PreconditionFailed

ACTIVITY_TAG = "ESS:ScalingActivityId"   # the tag ESS puts on the OOS executions its hooks start

NOT_FOUND_CODES = frozenset({"EntityNotExist.Role", "EntityNotExist.Policy", "InvalidScalingGroupId.NotFound"})


def _absent(exc: CloudAPIError) -> bool:
    return exc.code in NOT_FOUND_CODES


def scaling_group(session: Any, group_id: str) -> dict[str, Any] | None:
    from alibabacloud_ess20220222 import models

    try:
        body = session.ess.describe_scaling_groups(models.DescribeScalingGroupsRequest(
            region_id=session.region, scaling_group_ids=[group_id])).body
    except CloudAPIError as exc:
        if _absent(exc):
            return None
        raise
    groups = body.scaling_groups or []   # filtered by id on the server
    return groups[0].to_map() if groups else None


def role(session: Any, name: str) -> dict[str, Any] | None:
    from alibabacloud_ram20150501 import models

    try:
        return session.ram.get_role(models.GetRoleRequest(role_name=name)).body.role.to_map()
    except CloudAPIError as exc:
        if _absent(exc):
            return None
        raise


def role_policies(session: Any, role_name: str) -> set[tuple[str, str]]:
    """(PolicyName, PolicyType) of every policy attached to the role."""
    from alibabacloud_ram20150501 import models

    body = session.ram.list_policies_for_role(models.ListPoliciesForRoleRequest(role_name=role_name)).body
    policies = (body.policies.policy if body.policies else None) or []
    return {(policy.policy_name, policy.policy_type) for policy in policies}


def custom_policy_document(session: Any, name: str) -> dict[str, Any] | None:
    """The default version's document of a custom policy, or None when there is no such policy."""
    from alibabacloud_ram20150501 import models

    try:
        body = session.ram.get_policy(models.GetPolicyRequest(policy_name=name, policy_type="Custom")).body
    except CloudAPIError as exc:
        if _absent(exc):
            return None
        raise
    version = body.default_policy_version
    text = (version.policy_document if version else None) or (body.policy.policy_document if body.policy else None)
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {"unparsable": text}


def scaling_rule(session: Any, group_id: str, name: str) -> dict[str, Any] | None:
    from alibabacloud_ess20220222 import models

    body = session.ess.describe_scaling_rules(models.DescribeScalingRulesRequest(
        region_id=session.region, scaling_group_id=group_id, scaling_rule_names=[name])).body
    rules = [rule.to_map() for rule in body.scaling_rules or []]
    return next((rule for rule in rules if rule.get("ScalingRuleName") == name), None)


def lifecycle_hook(session: Any, group_id: str, name: str) -> dict[str, Any] | None:
    from essctl.core.inventory import list_lifecycle_hooks

    return next((hook for hook in list_lifecycle_hooks(session, group_id) if hook["LifecycleHookName"] == name), None)


def policy_users(session: Any, name: str) -> list[tuple[str, str]]:
    """("Role"|"User"|"Group", name) of everything a custom policy is attached to."""
    from alibabacloud_ram20150501 import models

    body = session.ram.list_entities_for_policy(models.ListEntitiesForPolicyRequest(
        policy_name=name, policy_type="Custom")).body
    users = [("User", u.user_name) for u in ((body.users.user if body.users else None) or [])]
    groups = [("Group", g.group_name) for g in ((body.groups.group if body.groups else None) or [])]
    roles = [("Role", r.role_name) for r in ((body.roles.role if body.roles else None) or [])]
    return users + groups + roles


def scaling_activity(session: Any, activity_id: str) -> dict[str, Any]:
    """A scaling activity a command was given: its absence is an error, not None."""
    from alibabacloud_ess20220222 import models

    body = session.ess.describe_scaling_activities(models.DescribeScalingActivitiesRequest(
        region_id=session.region, scaling_activity_ids=[activity_id])).body
    found = body.scaling_activities or []   # filtered by id on the server
    if not found:
        raise PreconditionFailed(f"scaling activity {activity_id} not found in region {session.region}")
    return found[0].to_map()


def oos_execution(session: Any, execution_id: str) -> dict[str, Any]:
    """An OOS execution a command was given: its absence is an error, not None."""
    from alibabacloud_oos20190601 import models

    body = session.oos.list_executions(models.ListExecutionsRequest(
        region_id=session.region, execution_id=execution_id)).body
    found = body.executions or []
    if not found:
        raise PreconditionFailed(f"OOS execution {execution_id} not found in region {session.region}")
    return found[0].to_map()


def executions_of_activity(session: Any, template: str, activity_id: str) -> list[dict[str, Any]]:
    """The executions of exactly `template` that ESS started for the activity (tagged ESS:ScalingActivityId)."""
    from alibabacloud_oos20190601 import models

    body = session.oos.list_executions(models.ListExecutionsRequest(
        region_id=session.region, template_name=template, tags={ACTIVITY_TAG: activity_id}, max_results=20)).body
    return [e.to_map() for e in body.executions or [] if e.template_name == template]   # OOS matches loosely


def activity_instances(session: Any, group_id: str, activity_id: str) -> list[dict[str, Any]]:
    """The instances an activity is adding or removing (a released one is no longer listed)."""
    from alibabacloud_ess20220222 import models

    body = session.ess.describe_scaling_instances(models.DescribeScalingInstancesRequest(
        region_id=session.region, scaling_group_id=group_id, scaling_activity_id=activity_id, page_size=100)).body
    return [instance.to_map() for instance in body.scaling_instances or []]


def lifecycle_actions(session: Any, activity_id: str) -> list[dict[str, Any]]:
    from alibabacloud_ess20220222 import models

    body = session.ess.describe_lifecycle_actions(models.DescribeLifecycleActionsRequest(
        region_id=session.region, scaling_activity_id=activity_id, max_results=50)).body
    return [action.to_map() for action in body.lifecycle_actions or []]


def task_executions(session: Any, execution_id: str) -> list[dict[str, Any]]:
    from alibabacloud_oos20190601 import models

    body = session.oos.list_task_executions(models.ListTaskExecutionsRequest(
        region_id=session.region, execution_id=execution_id, max_results=100)).body
    return [task.to_map() for task in body.task_executions or []]
