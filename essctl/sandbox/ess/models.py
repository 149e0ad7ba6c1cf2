"""Auto Scaling state: scaling groups, instances, lifecycle hooks and scaling rules, and the rules that check
them. The scaling life cycle that moves this state (activities, lifecycle actions) is ScalingLifecycle
(lifecycle.py), reached as EssBackend.lifecycle.
"""
from __future__ import annotations

import re
from typing import Any

from essctl.errors import UsageError
from essctl.sandbox.clock import iso, iso_minutes
from essctl.sandbox.errors import ApiError, invalid_parameter
from essctl.sandbox.ess.lifecycle import HEARTBEAT_MAX_S, HEARTBEAT_MIN_S, RESULTS, ScalingLifecycle
from essctl.sandbox.ess.refresh import InstanceRefreshes

MAX_HOOKS = 6
PROCESSES = ("ScaleIn", "ScaleOut", "HealthCheck", "AlarmNotification", "ScheduledAction")
_HOOK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
_ARN_PATTERNS = (
    ("oos", re.compile(r"^acs:oos:([a-z0-9-]+):(\d+):template/([A-Za-z0-9][-_A-Za-z0-9:.]{0,199})$")),
    ("oos", re.compile(r"^acs:ess:([a-z0-9-]+):(\d+):oos/([A-Za-z0-9][-_A-Za-z0-9:.]{0,199})$")),
    ("mns", re.compile(r"^acs:(?:mns|ess):([a-z0-9-]+):(\d+):(?:queue|topic)/([A-Za-z0-9][-A-Za-z0-9]{0,255})$")),
    ("eventbridge", re.compile(r"^acs:eventbridge:([a-z0-9-]+):(\d+):eventbus/(default)$")),
)


class EssBackend:
    def __init__(self, world: Any):
        self.world = world
        self.state: dict[str, Any] = {"groups": {}, "instances": {}, "hooks": {}, "rules": {}, "activities": {},
                                      "actions": {}, "client_tokens": {}}
        self.lifecycle = ScalingLifecycle(self)
        self.refreshes = InstanceRefreshes(self)

    def __getattr__(self, name: str) -> Any:
        if name in ("groups", "instances", "hooks", "rules", "activities", "actions", "client_tokens"):
            return self.__dict__["state"][name]
        raise AttributeError(name)

    # seeding
    def seed(self, scenario: Any) -> None:
        """This region's groups and scheduled tasks of the scenario."""
        mine = {spec.id for spec in scenario.groups if scenario.region_of(spec) == self.world.region}
        for spec in scenario.groups:
            if spec.id not in mine:
                continue
            now = self.world.now()
            config_id = self.world.new_id("asc")
            self.state.setdefault("configurations", {})[config_id] = {
                "ScalingConfigurationId": config_id, "ScalingConfigurationName": f"{spec.name}-config",
                "ScalingGroupId": spec.id, "ImageId": spec.image, "InstanceType": "ecs.g7.large",
                "LifecycleState": "Active", "CreationTime": iso_minutes(now - 86400)}
            self.groups[spec.id] = {
                "ScalingGroupId": spec.id, "ScalingGroupName": spec.name, "MinSize": spec.min_size,
                "MaxSize": spec.max_size, "DesiredCapacity": spec.desired, "LifecycleState": spec.status,
                "CreationTime": iso_minutes(now - 86400), "RegionId": self.world.region,
                "ActiveScalingConfigurationId": config_id, "VpcId": self.world.new_id("vpc"),
                "VSwitchId": self.world.new_id("vsw")}
            for kind, count in (("AutoCreated", spec.instances), ("Attached", spec.attached_instances)):
                for _ in range(count):
                    self.new_instance(spec.id, kind, "InService", None, created=now - 86400)
            for hook in spec.hooks:
                self._seed_hook(spec.id, hook)
        for task in scenario.scheduled_tasks:
            if task.group in mine:
                self.world.schedule(task.after, "ess.scheduled_task", group_id=task.group,
                                    change=task.adjustment)

    def _seed_hook(self, group_id: str, spec: Any) -> None:
        arn = spec.arn or f"acs:oos:{self.world.region}:{self.world.account_id}:template/{spec.template}"
        try:
            hook = self.create_hook({
                "ScalingGroupId": group_id, "LifecycleHookName": spec.name, "LifecycleTransition": spec.transition,
                "HeartbeatTimeout": spec.timeout, "DefaultResult": spec.default_result, "NotificationArn": arn,
                "NotificationMetadata": spec.metadata or None})
        except ApiError as exc:
            raise UsageError(f"scenario: group {group_id}, hook {spec.name}: {exc.code}: {exc.message}") from None
        hook["LifecycleHookStatus"] = spec.status

    # reads
    # tags (scaling groups are the only ESS resources that take them)
    def tag_groups(self, group_ids: list[str], tags: dict[str, str]) -> None:
        for group_id in group_ids:
            self.group(group_id).setdefault("tags", {}).update(tags)
        self.world.changed = True

    def untag_groups(self, group_ids: list[str], keys: list[str], every: bool) -> None:
        for group_id in group_ids:
            tags = self.group(group_id).setdefault("tags", {})
            for key in list(tags) if every and not keys else keys:
                tags.pop(key, None)
        self.world.changed = True

    def group(self, group_id: str) -> dict:
        group = self.groups.get(group_id)
        if group is None:
            raise ApiError("InvalidScalingGroupId.NotFound", "The specified scaling group does not exist.", 404)
        return group

    def configuration(self, config_id: str) -> dict:
        found = self.state.setdefault("configurations", {}).get(config_id)
        if found is None:
            raise ApiError("InvalidScalingConfigurationId.NotFound", "The specified scaling configuration does not "
                                                                     "exist.", 404)
        return found

    def image_of(self, instance: dict) -> str | None:
        """An instance's image: its own system disk's (ReplaceSystemDisk, a refresh), else its configuration's."""
        config = self.state.setdefault("configurations", {}).get(instance["ScalingConfigurationId"] or "")
        return instance.get("image") or (config or {}).get("ImageId")

    def group_instances(self, group_id: str) -> list[dict]:
        return self.instances.find("group", group_id)

    def capacity(self, group_id: str) -> dict[str, int]:
        states = [i["LifecycleState"] for i in self.group_instances(group_id)]
        count = states.count
        return {"TotalCapacity": len(states), "ActiveCapacity": count("InService"), "PendingCapacity": count("Pending"),
                "PendingWaitCapacity": count("Pending:Wait"), "RemovingCapacity": count("Removing"),
                "RemovingWaitCapacity": count("Removing:Wait"), "ProtectedCapacity": count("Protected"),
                "StandbyCapacity": count("Standby"), "StoppedCapacity": count("Stopped")}

    def new_instance(self, group_id: str, creation_type: str, state: str, activity_id: str | None,
                     created: float | None = None, instance_id: str | None = None) -> dict:
        when = self.world.now() if created is None else created
        instance_id = instance_id or self.world.new_id("i", 22)
        self.instances[instance_id] = {
            "InstanceId": instance_id, "ScalingGroupId": group_id, "LifecycleState": state,
            "CreationType": creation_type, "CreationTime": iso(when), "CreatedTime": iso(when), "created": when,
            "HealthStatus": "Healthy", "ScalingActivityId": activity_id,
            "ScalingConfigurationId": self.groups[group_id]["ActiveScalingConfigurationId"],
            "ZoneId": f"{self.world.region}-h", "WeightedCapacity": 1, "LoadBalancerWeight": 50,
            "Entrusted": creation_type == "Attached", "WarmupState": "NoNeedWarmup",
            "PrivateIpAddress": self.world.new_private_ip()}
        config = self.state.setdefault("configurations", {}).get(self.groups[group_id]["ActiveScalingConfigurationId"])
        self.instances[instance_id]["image"] = (config or {}).get("ImageId")     # not on the wire: image_of
        return self.instances[instance_id]

    # processes (api-docs/ess/SuspendProcesses.md, ResumeProcesses.md: five process types, duplicates removed)
    def suspend_processes(self, group_id: str, processes: list[str], *, resume: bool = False) -> None:
        group = self.group(group_id)
        if not processes:
            raise ApiError("MissingParameter", 'The input parameter "Process" that is mandatory for processing this '
                                               'request is not supplied.')
        for name in processes:
            if name not in PROCESSES:
                raise ApiError("InvalidParameter", f'The specified value of parameter "Process" is not valid: '
                                                   f'{name!r} (valid values: {", ".join(PROCESSES)}).')
        suspended = [name for name in group.get("SuspendedProcesses", []) if not resume or name not in processes]
        if not resume:
            suspended += [name for name in processes if name not in suspended]
        group["SuspendedProcesses"] = [name for name in PROCESSES if name in suspended]
        self.world.changed = True

    def suspended(self, group_id: str, process: str) -> bool:
        return process in self.group(group_id).get("SuspendedProcesses", [])

    # lifecycle hooks
    def _check_hook_fields(self, p: dict[str, Any]) -> None:
        if p.get("LifecycleTransition") is not None and p["LifecycleTransition"] not in ("SCALE_OUT", "SCALE_IN"):
            raise invalid_parameter("LifecycleTransition", "Valid values: SCALE_OUT, SCALE_IN.")
        if p.get("DefaultResult") is not None and p["DefaultResult"] not in RESULTS:
            raise invalid_parameter("DefaultResult", "Valid values: CONTINUE, ABANDON, ROLLBACK.")
        timeout = p.get("HeartbeatTimeout")
        if timeout is not None and not HEARTBEAT_MIN_S <= timeout <= HEARTBEAT_MAX_S:
            raise invalid_parameter("HeartbeatTimeout", f"It must be between {HEARTBEAT_MIN_S} and {HEARTBEAT_MAX_S}.")
        name = p.get("LifecycleHookName")
        if name is not None and not _HOOK_NAME.match(name):
            raise invalid_parameter("LifecycleHookName", "2 to 64 characters: letters, digits, '_', '-' and '.', "
                                                         "starting with a letter or a digit.")
        metadata = p.get("NotificationMetadata")
        if metadata is not None and len(metadata) > 4096:
            raise invalid_parameter("NotificationMetadata", "It can be at most 4096 characters long.")
        if p.get("NotificationArn") is not None:
            self.arn_target(p["NotificationArn"])

    def arn_target(self, arn: str) -> tuple[str, str] | None:
        """('oos', template name) / ('mns', queue) / ... for a NotificationArn; raises InvalidNotificationArn."""
        if arn == f"acs:ess:{self.world.region}:{self.world.account_id}:null/null":
            return None
        for kind, pattern in _ARN_PATTERNS:
            m = pattern.match(arn)
            if m:
                if m.group(1) != self.world.region or m.group(2) != self.world.account_id:
                    raise ApiError("InvalidNotificationArn", f"The NotificationArn {arn} names another region or "
                                   f"account (expected {self.world.region} and the account id "
                                   f"{self.world.account_id}; RAM user ids are not supported).")
                return kind, m.group(3)
        raise ApiError("InvalidNotificationArn", f"The specified NotificationArn is not valid: {arn}. Expected "
                       "acs:oos:{region}:{account}:template/{name}, acs:mns:{region}:{account}:queue/{name} or "
                       "topic/{name}, or acs:eventbridge:{region}:{account}:eventbus/default.")

    def create_hook(self, p: dict[str, Any]) -> dict:
        group = self.group(p["ScalingGroupId"])
        self._check_hook_fields(p)
        hooks = self.hooks.find("group", group["ScalingGroupId"])
        if len(hooks) >= MAX_HOOKS:
            raise ApiError("QuotaExceeded.LifecycleHook", f"The number of lifecycle hooks in the scaling group "
                                                          f"exceeds the quota of {MAX_HOOKS}.")
        hook_id = self.world.new_id("ash")
        name = p.get("LifecycleHookName") or hook_id
        if any(h["LifecycleHookName"] == name for h in hooks):
            raise ApiError("InvalidLifecycleHookName.Duplicate", "The specified lifecycle hook name already exists "
                                                                 "in the scaling group.")
        self.hooks[hook_id] = {
            "LifecycleHookId": hook_id, "LifecycleHookName": name, "ScalingGroupId": group["ScalingGroupId"],
            "LifecycleTransition": p["LifecycleTransition"], "DefaultResult": p.get("DefaultResult") or "CONTINUE",
            "HeartbeatTimeout": p.get("HeartbeatTimeout") or 600, "LifecycleHookStatus": "Active",
            "NotificationArn": p.get("NotificationArn")
            or f"acs:ess:{self.world.region}:{self.world.account_id}:null/null",
            "NotificationMetadata": p.get("NotificationMetadata") or "", "created": self.world.now()}
        self.world.changed = True
        return self.hooks[hook_id]

    def find_hook(self, hook_id: str | None, group_id: str | None, name: str | None) -> dict:
        if hook_id:
            hook = self.hooks.get(hook_id)
        elif group_id and name:
            hook = next((h for h in self.hooks.values()
                         if h["ScalingGroupId"] == group_id and h["LifecycleHookName"] == name), None)
        else:
            raise ApiError("MissingParameter", 'The input parameter "LifecycleHookId" (or "ScalingGroupId" and '
                                               '"LifecycleHookName") that is mandatory for processing this request '
                                               'is not supplied.')
        if hook is None and hook_id:
            raise ApiError("InvalidLifecycleHookId.NotExist", "The specified lifecycleHookId does not exist.")
        if hook is None:
            raise ApiError("InvalidLifecycleHookName.NotExist", "The specified lifecycleHookName you provided does "
                                                                "not exist.")
        return hook

    def modify_hook(self, hook: dict, p: dict[str, Any]) -> None:
        self._check_hook_fields(p)
        if p.get("LifecycleHookStatus") is not None and p["LifecycleHookStatus"] not in ("Active", "InActive"):
            raise invalid_parameter("LifecycleHookStatus", "Valid values: Active, InActive.")
        new_name = p.get("LifecycleHookName")
        if new_name and new_name != hook["LifecycleHookName"] and any(
                h["LifecycleHookName"] == new_name for h in self.hooks.values()
                if h["ScalingGroupId"] == hook["ScalingGroupId"]):
            raise ApiError("InvalidLifecycleHookName.Duplicate", "The specified lifecycle hook name already exists "
                                                                 "in the scaling group.")
        for key in ("LifecycleTransition", "DefaultResult", "HeartbeatTimeout", "NotificationArn",
                    "NotificationMetadata", "LifecycleHookStatus", "LifecycleHookName"):
            if p.get(key) is not None:
                hook[key] = p[key]
        self.world.changed = True

    def delete_hook(self, hook: dict) -> None:
        del self.hooks[hook["LifecycleHookId"]]
        self.world.changed = True

    # scaling rules
    def create_rule(self, p: dict[str, Any]) -> dict:
        group = self.group(p["ScalingGroupId"])
        rule_type = p.get("ScalingRuleType") or "SimpleScalingRule"
        if rule_type == "SimpleScalingRule":
            if p.get("AdjustmentType") is None:
                raise ApiError("MissingParameter", 'The input parameter "AdjustmentType" that is mandatory for '
                                                   'processing this request is not supplied.')
            if p.get("AdjustmentValue") is None:
                raise ApiError("MissingParameter", 'The input parameter "AdjustmentValue" that is mandatory for '
                                                   'processing this request is not supplied.')
        if p.get("AdjustmentType") not in (None, "QuantityChangeInCapacity", "PercentChangeInCapacity",
                                           "TotalCapacity"):
            raise invalid_parameter("AdjustmentType", "Valid values: QuantityChangeInCapacity, "
                                                      "PercentChangeInCapacity, TotalCapacity.")
        rule_id = self.world.new_id("asr")
        name = p.get("ScalingRuleName") or rule_id
        if any(r["ScalingGroupId"] == group["ScalingGroupId"] and r["ScalingRuleName"] == name
               for r in self.rules.values()):
            raise ApiError("InvalidScalingRuleName.Duplicate", "The specified scaling rule name already exists.")
        self.rules[rule_id] = {
            "ScalingRuleId": rule_id, "ScalingRuleName": name, "ScalingGroupId": group["ScalingGroupId"],
            "ScalingRuleType": rule_type, "AdjustmentType": p.get("AdjustmentType"),
            "AdjustmentValue": p.get("AdjustmentValue"), "Cooldown": p.get("Cooldown"),
            "MinAdjustmentMagnitude": p.get("MinAdjustmentMagnitude"),
            "ScalingRuleAri": f"ari:acs:ess:{self.world.region}:{self.world.account_id}:scalingrule/{rule_id}",
            "created": self.world.now()}
        self.world.changed = True
        return self.rules[rule_id]

    def delete_rule(self, rule_id: str) -> None:
        if rule_id not in self.rules:
            raise ApiError("InvalidScalingRuleId.NotFound", "The specified scaling rule does not exist.", 404)
        del self.rules[rule_id]
        self.world.changed = True
