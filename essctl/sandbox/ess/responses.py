"""Auto Scaling 2022-02-22 on the wire: request parameters in, bodies in the SDK models' flat shapes."""
from __future__ import annotations

from typing import Any, Callable

from essctl.sandbox.clock import to_minutes
from essctl.sandbox.errors import ApiError, invalid_parameter, missing_parameter
from essctl.sandbox.params import Params

VERSION = "2022-02-22"
_GROUP_LISTS = ("AlbServerGroups", "DBInstanceIds", "DBInstances", "LaunchTemplateOverrides", "LoadBalancerConfigs",
                "LoadBalancerIds", "RemovalPolicies", "ServerGroups", "SuspendedProcesses", "Tags", "VServerGroups",
                "VSwitchIds", "HealthCheckTypes")


def _page(p: Params, items: list, *, default: int, high: int) -> tuple[list, dict]:
    number = p.int("PageNumber", default=1, low=1, high=10**6)
    size = p.int("PageSize", default=default, low=1, high=high)
    return items[(number - 1) * size: number * size], {"PageNumber": number, "PageSize": size,
                                                       "TotalCount": len(items)}


def throttling(retry_after_ms: int | None) -> ApiError:
    """A call over its quota (faults.quotas): api-docs/ess/_ErrorCodes-ClientErrors.md, _ResponseResults.md."""
    return ApiError("Throttling", "Request was denied due to request throttling.", 400, retry_after_ms=retry_after_ms)


def _region(world: Any, p: Params, required: bool = False) -> None:
    region = p.str("RegionId", required=required)
    if region is not None and region != world.region:
        raise ApiError("InvalidRegionId.NotFound", f"The sandbox serves region{'s' * (len(world.regions) > 1)} "
                                                   f"{', '.join(world.regions)}, not "
                                                   f"{region}.", 404)


def describe_scaling_groups(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    ess = world.ess
    wanted_ids, wanted_names = p.list("ScalingGroupIds"), p.list("ScalingGroupNames")
    name = p.str("ScalingGroupName")
    groups = [g for g in ess.groups.values()
              if (not wanted_ids or g["ScalingGroupId"] in wanted_ids)
              and (not wanted_names or g["ScalingGroupName"] in wanted_names)
              and (name is None or g["ScalingGroupName"] == name)]
    page, meta = _page(p, groups, default=10, high=50)
    items = []
    for g in page:
        capacity = ess.capacity(g["ScalingGroupId"])
        item = {key: g[key] for key in ("ScalingGroupId", "ScalingGroupName", "MinSize", "MaxSize", "LifecycleState",
                                        "CreationTime", "RegionId", "ActiveScalingConfigurationId", "VpcId",
                                        "VSwitchId")}
        item.update(capacity, TotalInstanceCount=capacity["TotalCapacity"], GroupType="ECS", DefaultCooldown=300,
                    MultiAZPolicy="PRIORITY", HealthCheckType="ECS", ScalingPolicy="release", AzBalance=False,
                    GroupDeletionProtection=False, MaxInstanceLifetime=0, ModificationTime=g["CreationTime"],
                    RemovalPolicies=["OldestScalingConfiguration", "OldestInstance"], VSwitchIds=[g["VSwitchId"]])
        item["SuspendedProcesses"] = list(g.get("SuspendedProcesses", []))
        if g.get("DesiredCapacity") is not None:
            item.update(DesiredCapacity=g["DesiredCapacity"], EnableDesiredCapacity=True)
        for key in _GROUP_LISTS:
            item.setdefault(key, [])
        items.append(item)
    return {"ScalingGroups": items, **meta}


def _hook_fields(p: Params) -> dict[str, Any]:
    return {"LifecycleHookName": p.str("LifecycleHookName"), "LifecycleTransition": p.str("LifecycleTransition"),
            "DefaultResult": p.str("DefaultResult"), "HeartbeatTimeout": p.int("HeartbeatTimeout"),
            "NotificationArn": p.str("NotificationArn"),
            "NotificationMetadata": p.values.get("NotificationMetadata"),
            "LifecycleHookStatus": p.str("LifecycleHookStatus")}


def _hook(hook: dict) -> dict:
    return {key: hook[key] for key in ("DefaultResult", "HeartbeatTimeout", "LifecycleHookId", "LifecycleHookName",
                                       "LifecycleHookStatus", "LifecycleTransition", "NotificationArn",
                                       "NotificationMetadata", "ScalingGroupId")}


def create_lifecycle_hook(world: Any, p: Params) -> dict:
    fields = _hook_fields(p)
    fields["ScalingGroupId"] = p.str("ScalingGroupId", required=True)
    p.str("LifecycleTransition", required=True)
    hook = world.ess.create_hook(fields)
    return {"LifecycleHookId": hook["LifecycleHookId"]}


def describe_lifecycle_hooks(world: Any, p: Params) -> dict:
    _region(world, p)
    ids, name, group = p.list("LifecycleHookIds"), p.str("LifecycleHookName"), p.str("ScalingGroupId")
    if group:
        world.ess.group(group)
    hooks = sorted((h for h in (world.ess.hooks.find("group", group) if group else world.ess.hooks.values())
                    if (not ids or h["LifecycleHookId"] in ids) and (name is None or h["LifecycleHookName"] == name)
                    and (group is None or h["ScalingGroupId"] == group)), key=lambda h: h["created"])
    page, meta = _page(p, hooks, default=50, high=50)
    return {"LifecycleHooks": [_hook(h) for h in page], **meta}


def modify_lifecycle_hook(world: Any, p: Params) -> dict:
    hook = world.ess.find_hook(p.str("LifecycleHookId"), p.str("ScalingGroupId"), p.str("LifecycleHookName"))
    fields = _hook_fields(p)
    if not p.str("LifecycleHookId"):
        fields["LifecycleHookName"] = None      # it named the hook; it does not rename it
    world.ess.modify_hook(hook, fields)
    return {}


def delete_lifecycle_hook(world: Any, p: Params) -> dict:
    hook = world.ess.find_hook(p.str("LifecycleHookId"), p.str("ScalingGroupId"), p.str("LifecycleHookName"))
    world.ess.delete_hook(hook)
    return {}


def _rule(rule: dict) -> dict:
    item = {key: rule[key] for key in ("ScalingRuleId", "ScalingRuleName", "ScalingGroupId", "ScalingRuleType",
                                       "ScalingRuleAri") if rule.get(key) is not None}
    for key in ("AdjustmentType", "AdjustmentValue", "Cooldown", "MinAdjustmentMagnitude"):
        if rule.get(key) is not None:
            item[key] = rule[key]
    for key in ("AlarmDimensions", "Alarms", "HybridMetrics", "StepAdjustments"):
        item[key] = []
    return item


def create_scaling_rule(world: Any, p: Params) -> dict:
    rule = world.ess.create_rule({
        "ScalingGroupId": p.str("ScalingGroupId", required=True), "ScalingRuleName": p.str("ScalingRuleName"),
        "ScalingRuleType": p.str("ScalingRuleType"), "AdjustmentType": p.str("AdjustmentType"),
        "AdjustmentValue": p.int("AdjustmentValue"), "Cooldown": p.int("Cooldown"),
        "MinAdjustmentMagnitude": p.int("MinAdjustmentMagnitude")})
    return {"ScalingRuleId": rule["ScalingRuleId"], "ScalingRuleAri": rule["ScalingRuleAri"]}


def describe_scaling_rules(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    group = p.str("ScalingGroupId")
    ids, names, aris = p.list("ScalingRuleIds"), p.list("ScalingRuleNames"), p.list("ScalingRuleAris")
    rules = sorted((r for r in world.ess.rules.values()
                    if (group is None or r["ScalingGroupId"] == group) and (not ids or r["ScalingRuleId"] in ids)
                    and (not names or r["ScalingRuleName"] in names) and (not aris or r["ScalingRuleAri"] in aris)),
                   key=lambda r: r["created"])
    page, meta = _page(p, rules, default=10, high=50)
    return {"ScalingRules": [_rule(r) for r in page], **meta}


def delete_scaling_rule(world: Any, p: Params) -> dict:
    world.ess.delete_rule(p.str("ScalingRuleId", required=True))
    return {}


def execute_scaling_rule(world: Any, p: Params) -> dict:
    activity_id = world.ess.lifecycle.execute_rule(p.str("ScalingRuleAri", required=True), p.str("ClientToken"))
    return {"ScalingActivityId": activity_id}


def attach_instances(world: Any, p: Params) -> dict:
    ids = p.list("InstanceIds")
    if not ids:
        raise ApiError("MissingParameter", 'The input parameter "InstanceIds" that is mandatory for processing this '
                                           'request is not supplied.')
    activity_id = world.ess.lifecycle.attach_instances(p.str("ScalingGroupId", required=True), ids,
                                                       p.str("ClientToken"), fire_hooks=p.bool("LifecycleHook"))
    return {"ScalingActivityId": activity_id}


def _activity(a: dict) -> dict:
    created, destroyed = a.get("created", []), a.get("destroyed", [])
    item = {key: a[key] for key in ("ScalingActivityId", "ScalingGroupId", "StatusCode", "StatusMessage", "Progress",
                                    "Cause", "Description", "StartTime", "ScalingInstanceNumber",
                                    "TriggerSourceType")}
    for key in ("EndTime", "ErrorCode", "ErrorMessage", "TotalCapacity", "TriggerSourceId"):
        if a.get(key):
            item[key] = a[key]
    for key in ("StartTime", "EndTime"):     # ESS writes both to the minute: 2020-09-10T09:54Z
        if item.get(key):
            item[key] = to_minutes(item[key])
    attached = len(created) if a["attach"] else 0
    item.update(CreatedCapacity=len(created), CreatedInstances=list(created), DestroyedCapacity=len(destroyed),
                DestroyedInstances=list(destroyed), StartedCapacity=0, StartedInstances=[], StoppedCapacity=0,
                StoppedInstances=[], AttachedCapacity=str(attached), AutoCreatedCapacity=str(len(created) - attached),
                ErrorMessages=[], Detail=a["StatusMessage"])
    if a.get("ErrorCode"):
        item["ErrorMessages"] = [{"Code": a["ErrorCode"], "Message": a["ErrorMessage"], "Description": "",
                                  "FailedInstanceIds": [i for i in a["instances"] if i not in created + destroyed]}]
    return item


def describe_scaling_activities(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    group, ids = p.str("ScalingGroupId"), p.list("ScalingActivityIds")
    if bool(group) == bool(ids):
        raise invalid_parameter("ScalingGroupId", "Specify exactly one of ScalingGroupId and ScalingActivityIds.")
    if group:
        world.ess.group(group)
    status = p.str("StatusCode")
    known = world.ess.activities
    candidates = (known.find("group", group) if group else [known[i] for i in dict.fromkeys(ids) if i in known])
    activities = sorted((a for a in candidates
                         if (group is None or a["ScalingGroupId"] == group) and (not ids or a["ScalingActivityId"] in ids)
                         and (status is None or a["StatusCode"] == status)),
                        key=lambda a: (a["started"], a["ScalingActivityId"]), reverse=True)
    page, meta = _page(p, activities, default=10, high=50)
    return {"ScalingActivities": [_activity(a) for a in page], **meta}


def describe_scaling_instances(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    group = p.str("ScalingGroupId")
    if group:
        world.ess.group(group)
    ids = p.list("InstanceIds")
    states = p.list("LifecycleStates") or ([p.str("LifecycleState")] if p.str("LifecycleState") else [])
    kinds = p.list("CreationTypes") or ([p.str("CreationType")] if p.str("CreationType") else [])
    activity, health = p.str("ScalingActivityId"), p.str("HealthStatus")
    candidates = world.ess.instances.find("group", group) if group else world.ess.instances.values()
    found = sorted((i for i in candidates
                    if (group is None or i["ScalingGroupId"] == group) and (not ids or i["InstanceId"] in ids)
                    and (not states or i["LifecycleState"] in states) and (not kinds or i["CreationType"] in kinds)
                    and (activity is None or i["ScalingActivityId"] == activity)
                    and (health is None or i["HealthStatus"] == health)),
                   key=lambda i: (i["created"], i["InstanceId"]))
    page, meta = _page(p, found, default=10, high=100)
    items = [{key: value for key, value in i.items() if key[0].isupper() and value is not None} for i in page]
    for item in items:      # CreationTime to the minute, CreatedTime to the second
        item["CreationTime"] = to_minutes(item["CreationTime"])
    return {"ScalingInstances": items, "TotalSpotCount": 0, **meta}


def describe_lifecycle_actions(world: Any, p: Params) -> dict:
    _region(world, p)
    activity = p.str("ScalingActivityId", required=True)
    if activity not in world.ess.activities:
        raise invalid_parameter("ScalingActivityId", "The specified scaling activity does not exist.")
    status = p.str("LifecycleActionStatus")
    if status is not None and status not in ("Pending", "Timeout", "Completed"):
        raise invalid_parameter("LifecycleActionStatus", "Valid values: Pending, Timeout, Completed.")
    size = p.int("MaxResults", default=10, low=1, high=50)
    start = p.int("NextToken", default=0, low=0, high=10**6) if p.str("NextToken") else 0
    actions = [a for a in world.ess.actions.find("activity", activity)
               if (status is None or a["LifecycleActionStatus"] == status)]
    page = actions[start:start + size]
    items = []
    for a in page:
        item = {key: a[key] for key in ("LifecycleHookId", "LifecycleActionToken", "LifecycleActionStatus")}
        item["InstanceIds"] = list(a["InstanceIds"])
        if a["LifecycleActionResult"]:
            item["LifecycleActionResult"] = a["LifecycleActionResult"]
        items.append(item)
    body = {"LifecycleActions": items, "MaxResults": size, "TotalCount": len(actions)}
    if start + size < len(actions):
        body["NextToken"] = str(start + size)
    return body


def complete_lifecycle_action(world: Any, p: Params) -> dict:
    world.ess.lifecycle.complete_action(p.str("LifecycleHookId", required=True),
                                        p.str("LifecycleActionToken", required=True), p.str("LifecycleActionResult"),
                                        p.str("ClientToken"))
    return {}


def record_lifecycle_action_heartbeat(world: Any, p: Params) -> dict:
    # The SDK sends these three in lowerCamel (api-facts §2.8).
    world.ess.lifecycle.heartbeat(p.str("lifecycleHookId", required=True),
                                  p.str("lifecycleActionToken", required=True), p.int("heartbeatTimeout"))
    return {}



def _scaling_groups(world: Any, p: Params, *, required: bool) -> list[str]:
    _region(world, p, required=True)
    if p.str("ResourceType", required=True) != "scalinggroup":
        raise invalid_parameter("ResourceType", "Only scaling groups are supported. Set the value to scalinggroup.")
    ids = p.list("ResourceIds")
    if required and not ids:
        raise missing_parameter("ResourceIds")
    for group_id in ids:
        world.ess.group(group_id)
    return ids


def tag_resources(world: Any, p: Params) -> dict:
    ids = _scaling_groups(world, p, required=True)
    tags = p.objects("Tags")
    if not tags:
        raise missing_parameter("Tags")
    world.ess.tag_groups(ids, {tag["Key"]: tag.get("Value", "") for tag in tags if tag.get("Key")})
    return {}


def untag_resources(world: Any, p: Params) -> dict:
    world.ess.untag_groups(_scaling_groups(world, p, required=True), p.list("TagKeys"), p.bool("All"))
    return {}


def list_tag_resources(world: Any, p: Params) -> dict:
    ids = _scaling_groups(world, p, required=False)
    groups = [world.ess.groups[i] for i in ids] if ids else list(world.ess.groups.values())
    wanted = {tag["Key"]: tag.get("Value") for tag in p.objects("Tags") if tag.get("Key")}
    items = [{"ResourceId": g["ScalingGroupId"], "ResourceType": "scalinggroup", "TagKey": key, "TagValue": value,
              "Propagate": False}
             for g in groups for key, value in sorted(g.get("tags", {}).items())
             if not wanted or (key in wanted and wanted[key] in (None, value))]
    return {"TagResources": items}


def _processes(world: Any, p: Params, *, resume: bool) -> dict:
    _region(world, p)
    group_id = p.str("ScalingGroupId", required=True)
    processes = p.list("Processes") or p.list("Process")
    key = "ResumeProcesses" if resume else "SuspendProcesses"
    token = p.str("ClientToken")
    done = world.ess.client_tokens.setdefault(key, {})
    if token and token in done:
        return {}
    world.ess.suspend_processes(group_id, processes, resume=resume)
    if token:
        done[token] = group_id
    return {}


def suspend_processes(world: Any, p: Params) -> dict:
    return _processes(world, p, resume=False)


def resume_processes(world: Any, p: Params) -> dict:
    return _processes(world, p, resume=True)


def _refresh_task(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    return world.ess.refreshes.find(p.str("ScalingGroupId", required=True), p.str("InstanceRefreshTaskId"))


def start_instance_refresh(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    desired = p.json("DesiredConfiguration", default=None) if p.str("DesiredConfiguration") else None
    if not isinstance(desired, dict):
        prefix = "DesiredConfiguration."
        desired = {k[len(prefix):]: v for k, v in p.values.items() if k.startswith(prefix)}
    checkpoints = [int(c["Percentage"]) for c in p.objects("Checkpoints") if str(c.get("Percentage", "")).isdigit()]
    if any(not 0 < c <= 100 for c in checkpoints):
        raise invalid_parameter("Checkpoints.N.Percentage", "It must be between 1 and 100.")
    task_id = world.ess.refreshes.start(
        p.str("ScalingGroupId", required=True), desired,
        min_healthy=p.int("MinHealthyPercentage", default=80, low=0, high=100),
        max_healthy=p.int("MaxHealthyPercentage", default=120, low=100, high=200),
        checkpoints=sorted(set(checkpoints)), pause_minutes=p.int("CheckpointPauseTime", default=60, low=1, high=2880),
        skip_matching=(p.str("SkipMatching") or "true").lower() == "true", client_token=p.str("ClientToken"))
    return {"InstanceRefreshTaskId": task_id}


def describe_instance_refreshes(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    group, ids = p.str("ScalingGroupId"), p.list("InstanceRefreshTaskIds") or p.list("InstanceRefreshTaskId")
    if group:
        world.ess.group(group)
    tasks = sorted((t for t in world.ess.refreshes.tasks.values()
                    if (group is None or t["ScalingGroupId"] == group) and (not ids or t["InstanceRefreshTaskId"] in ids)),
                   key=lambda t: (t["started"], t["InstanceRefreshTaskId"]), reverse=True)
    size = p.int("MaxResults", default=10, low=1, high=50)
    start = p.int("NextToken", default=0, low=0, high=10**6) if p.str("NextToken") else 0
    items = [{key: value for key, value in t.items() if key[0].isupper()} for t in tasks[start:start + size]]
    for item in items:      # lists the SDK model always has
        item["DesiredConfiguration"] = {"Containers": [], "LaunchTemplateOverrides": [], **item["DesiredConfiguration"]}
    body = {"InstanceRefreshTasks": items, "MaxResults": size, "TotalCount": len(tasks)}
    if start + size < len(tasks):
        body["NextToken"] = str(start + size)
    return body


def _refresh_action(name: str) -> Callable[[Any, Params], dict]:
    def handler(world: Any, p: Params) -> dict:
        task = _refresh_task(world, p)
        getattr(world.ess.refreshes, name)(task)
        return {}

    return handler


def describe_scaling_configurations(world: Any, p: Params) -> dict:
    _region(world, p, required=True)
    group, ids = p.str("ScalingGroupId"), p.list("ScalingConfigurationIds")
    if group:
        world.ess.group(group)
    configs = [dict(c) for c in world.ess.state.setdefault("configurations", {}).values()
               if (group is None or c["ScalingGroupId"] == group) and (not ids or c["ScalingConfigurationId"] in ids)]
    for config in configs:
        active = world.ess.groups[config["ScalingGroupId"]]["ActiveScalingConfigurationId"]
        config["LifecycleState"] = "Active" if config["ScalingConfigurationId"] == active else "Inactive"
        for key in ("CustomPriorities", "DataDisks", "InstancePatternInfos", "NetworkInterfaces", "SpotPriceLimits",
                    "Tags"):      # lists the SDK model always has
            config[key] = []
    page, meta = _page(p, configs, default=10, high=50)
    return {"ScalingConfigurations": page, **meta}


def modify_scaling_configuration(world: Any, p: Params) -> dict:
    config = world.ess.configuration(p.str("ScalingConfigurationId", required=True))
    image = p.str("ImageId")
    if image:
        config["ImageId"] = image
        world.changed = True
    return {}


# The pages of these APIs document the misspelt InvalidParamter for a bad parameter value (api-docs/ess/<Api>.md);
# DescribeLifecycleActions, SuspendProcesses and the common codes spell it InvalidParameter.
MISSPELT_INVALID_PARAMETER = frozenset({"CreateLifecycleHook", "ModifyLifecycleHook", "DeleteLifecycleHook",
                                        "DescribeLifecycleHooks", "CompleteLifecycleAction",
                                        "RecordLifecycleActionHeartbeat"})


def _as_documented(action: str, handler: Callable[[Any, Params], dict]) -> Callable[[Any, Params], dict]:
    """The handler, answering InvalidParameter with the spelling its API's page documents."""
    if action not in MISSPELT_INVALID_PARAMETER:
        return handler

    def answer(world: Any, p: Params) -> dict:
        try:
            return handler(world, p)
        except ApiError as exc:
            if exc.code != "InvalidParameter":
                raise
            raise ApiError("InvalidParamter", exc.message, exc.status, retry_after_ms=exc.retry_after_ms) from None

    return answer


_HANDLERS: dict[str, Callable[[Any, Params], dict]] = {
    "DescribeScalingGroups": describe_scaling_groups, "CreateLifecycleHook": create_lifecycle_hook,
    "DescribeLifecycleHooks": describe_lifecycle_hooks, "ModifyLifecycleHook": modify_lifecycle_hook,
    "DeleteLifecycleHook": delete_lifecycle_hook, "CreateScalingRule": create_scaling_rule,
    "DescribeScalingRules": describe_scaling_rules, "DeleteScalingRule": delete_scaling_rule,
    "ExecuteScalingRule": execute_scaling_rule, "DescribeScalingActivities": describe_scaling_activities,
    "DescribeScalingInstances": describe_scaling_instances, "DescribeLifecycleActions": describe_lifecycle_actions,
    "CompleteLifecycleAction": complete_lifecycle_action,
    "RecordLifecycleActionHeartbeat": record_lifecycle_action_heartbeat, "AttachInstances": attach_instances,
    "StartInstanceRefresh": start_instance_refresh, "DescribeInstanceRefreshes": describe_instance_refreshes,
    "SuspendInstanceRefresh": _refresh_action("suspend"), "ResumeInstanceRefresh": _refresh_action("resume"),
    "CancelInstanceRefresh": _refresh_action("cancel"), "RollbackInstanceRefresh": _refresh_action("rollback"),
    "DescribeScalingConfigurations": describe_scaling_configurations,
    "ModifyScalingConfiguration": modify_scaling_configuration,
    "TagResources": tag_resources, "SuspendProcesses": suspend_processes, "ResumeProcesses": resume_processes, "UntagResources": untag_resources, "ListTagResources": list_tag_resources,
}
ACTIONS = {action: _as_documented(action, handler) for action, handler in _HANDLERS.items()}
