"""Auto Scaling state and the scaling life cycle: activities, instances, lifecycle hooks and actions.

Scale-out: new instances are Pending for LAUNCH_S, then wait in Pending:Wait for every Active SCALE_OUT hook
(one lifecycle action per hook, covering all the activity's instances; an OOS NotificationArn starts an
execution). When every action has ended, CONTINUE puts them InService; ABANDON or ROLLBACK releases them.
Scale-in removes the newest InService instances first (CreationTime, then id), waiting in Removing:Wait for
SCALE_IN hooks; ROLLBACK keeps them InService, anything else releases them. An ABANDON or ROLLBACK from one
hook ends the activity's other actions early. Manually attached instances fire no hook.
"""
from __future__ import annotations

import re
from typing import Any

from essctl.sandbox.clock import iso, iso_minutes
from essctl.sandbox.errors import ApiError, invalid_parameter

LAUNCH_S = 10.0          # Pending before the lifecycle wait (or InService when no hook)
RELEASE_S = 5.0          # Removing before an instance is gone
MAX_HOOKS = 6
HEARTBEAT_MIN_S, HEARTBEAT_MAX_S = 30, 21600
MAX_WAIT_S = 6 * 3600
MAX_HEARTBEATS = 20
RESULTS = ("CONTINUE", "ABANDON", "ROLLBACK")
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

    def __getattr__(self, name: str) -> Any:
        if name in ("groups", "instances", "hooks", "rules", "activities", "actions", "client_tokens"):
            return self.__dict__["state"][name]
        raise AttributeError(name)

    def event_handlers(self) -> dict[str, Any]:
        return {"ess.wait_begins": self._on_wait_begins, "ess.action_timeout": self._on_action_timeout,
                "ess.released": self._on_released, "ess.in_service": self._on_in_service,
                "ess.scheduled_task": self._on_scheduled_task}

    # seeding
    def seed(self, scenario: Any) -> None:
        for spec in scenario.groups:
            now = self.world.now()
            self.groups[spec.id] = {
                "ScalingGroupId": spec.id, "ScalingGroupName": spec.name, "MinSize": spec.min_size,
                "MaxSize": spec.max_size, "DesiredCapacity": spec.desired, "LifecycleState": spec.status,
                "CreationTime": iso_minutes(now - 86400), "RegionId": self.world.region,
                "ActiveScalingConfigurationId": self.world.new_id("asc"), "VpcId": self.world.new_id("vpc"),
                "VSwitchId": self.world.new_id("vsw")}
            for kind, count in (("AutoCreated", spec.instances), ("Attached", spec.attached_instances)):
                for _ in range(count):
                    self._new_instance(spec.id, kind, "InService", None, created=now - 86400)
        for task in scenario.scheduled_tasks:
            self.world.schedule(task.after, "ess.scheduled_task", group_id=task.group, change=task.adjustment)

    # lookups
    def group(self, group_id: str) -> dict:
        group = self.groups.get(group_id)
        if group is None:
            raise ApiError("InvalidScalingGroupId.NotFound", "The specified scaling group does not exist.", 404)
        return group

    def group_instances(self, group_id: str) -> list[dict]:
        return [i for i in self.instances.values() if i["ScalingGroupId"] == group_id]

    def capacity(self, group_id: str) -> dict[str, int]:
        states = [i["LifecycleState"] for i in self.group_instances(group_id)]
        count = states.count
        return {"TotalCapacity": len(states), "ActiveCapacity": count("InService"), "PendingCapacity": count("Pending"),
                "PendingWaitCapacity": count("Pending:Wait"), "RemovingCapacity": count("Removing"),
                "RemovingWaitCapacity": count("Removing:Wait"), "ProtectedCapacity": count("Protected"),
                "StandbyCapacity": count("Standby"), "StoppedCapacity": count("Stopped")}

    def _new_instance(self, group_id: str, creation_type: str, state: str, activity_id: str | None,
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
        return self.instances[instance_id]

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
        hooks = [h for h in self.hooks.values() if h["ScalingGroupId"] == group["ScalingGroupId"]]
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
        if hook is None:
            raise ApiError("InvalidLifecycleHookId.NotExist", "The specified lifecycle hook does not exist.", 404)
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

    # scaling activities
    def _check_can_scale(self, group: dict) -> None:
        if group["LifecycleState"] != "Active":
            raise ApiError("IncorrectScalingGroupStatus", "The current status of the specified scaling group does "
                                                          "not support this action.")
        if any(a["ScalingGroupId"] == group["ScalingGroupId"] and a["StatusCode"] == "InProgress"
               for a in self.activities.values()):
            raise ApiError("ScalingActivityInProgress", "You cannot delete a scaling group or launch a new scaling "
                                                        "activity while there is a scaling activity in progress for "
                                                        "the specified scaling group.")

    def _target_capacity(self, group: dict, kind: str, value: int) -> tuple[int, int]:
        current = len([i for i in self.group_instances(group["ScalingGroupId"])
                       if i["LifecycleState"] not in ("Removing", "Removing:Wait")])
        target = (value if kind == "TotalCapacity" else current + value if kind == "QuantityChangeInCapacity"
                  else current + int(current * value / 100))
        return current, max(group["MinSize"], min(group["MaxSize"], target))

    def _on_scheduled_task(self, group_id: str, change: int) -> None:
        """A scheduled task fires: it scales like a rule, or, when the group cannot scale now, ESS records a
        Rejected activity (an API caller would get the error instead)."""
        group = self.group(group_id)
        cause = f'A scheduled task executes, changing the Total Capacity by "{change:+d}".'
        try:
            self._check_can_scale(group)
            current, target = self._target_capacity(group, "QuantityChangeInCapacity", change)
            if target == current:
                raise ApiError("IncorrectCapacity.NoChange", "The scheduled task would not change the capacity.")
        except ApiError as exc:
            now = self.world.now()
            activity_id = self.world.new_id("asa")
            self.activities[activity_id] = {
                "ScalingActivityId": activity_id, "ScalingGroupId": group_id, "StatusCode": "Rejected",
                "StatusMessage": exc.message, "ErrorCode": exc.code, "ErrorMessage": exc.message, "Progress": 0,
                "Cause": cause, "StartTime": iso(now), "EndTime": iso(now), "started": now,
                "Description": f'Add "{abs(change)}" ECS instance(s)', "direction": "out" if change > 0 else "in",
                "attach": False, "fire_hooks": True, "requested": abs(change), "instances": [],
                "ScalingInstanceNumber": 0, "TriggerSourceType": "Ess", "TriggerSourceId": None}
            self.world.changed = True
            return
        self._new_activity(group, cause, target - current, trigger=None)

    def execute_rule(self, ari: str, client_token: str | None) -> str:
        if client_token and client_token in self.client_tokens.get("ExecuteScalingRule", {}):
            return self.client_tokens["ExecuteScalingRule"][client_token]
        rule = next((r for r in self.rules.values() if r["ScalingRuleAri"] == ari), None)
        if rule is None:
            raise ApiError("InvalidScalingRuleAri.NotFound", "The specified scaling rule ari does not exist.", 404)
        if rule["ScalingRuleType"] != "SimpleScalingRule":
            raise ApiError("ScalingRule.InvalidScalingRuleType", "Only simple scaling rules can be executed here.")
        group = self.group(rule["ScalingGroupId"])
        self._check_can_scale(group)
        current, target = self._target_capacity(group, rule["AdjustmentType"], int(rule["AdjustmentValue"]))
        if target == current:
            raise ApiError("IncorrectCapacity.NoChange", f"The scaling rule would not change the capacity: it stays "
                           f"{current} (MinSize {group['MinSize']}, MaxSize {group['MaxSize']}).")
        cause = (f'A user requests to execute scaling rule "{rule["ScalingRuleId"]}", changing the Total Capacity '
                 f'from "{current}" to "{target}".')
        activity = self._new_activity(group, cause, target - current, trigger=rule["ScalingRuleId"])
        if client_token:
            self.client_tokens.setdefault("ExecuteScalingRule", {})[client_token] = activity["ScalingActivityId"]
        return activity["ScalingActivityId"]

    def _new_activity(self, group: dict, cause: str, change: int, *, trigger: str | None,
                      attach: list[str] | None = None, fire_hooks: bool = True) -> dict:
        activity_id = self.world.new_id("asa")
        now = self.world.now()
        count = len(attach) if attach is not None else abs(change)
        direction = "out" if change > 0 else "in"
        self.activities[activity_id] = activity = {
            "ScalingActivityId": activity_id, "ScalingGroupId": group["ScalingGroupId"], "StatusCode": "InProgress",
            "StatusMessage": "", "Progress": 0, "Cause": cause, "StartTime": iso(now), "started": now,
            "Description": (f'Attach "{count}" ECS instance(s)' if attach is not None
                            else f'Add "{count}" ECS instance(s)' if direction == "out"
                            else f'Remove "{count}" ECS instance(s)'),
            "direction": direction, "attach": attach is not None, "fire_hooks": fire_hooks, "requested": count,
            "instances": [], "ScalingInstanceNumber": count, "TriggerSourceType": "APIs", "TriggerSourceId": trigger}
        if direction == "out":
            for instance_id in (attach if attach is not None else [None] * count):
                instance = self._new_instance(group["ScalingGroupId"], "Attached" if attach is not None
                                              else "AutoCreated", "Pending", activity_id, instance_id=instance_id)
                activity["instances"].append(instance["InstanceId"])
            self.world.schedule(LAUNCH_S, "ess.wait_begins", activity_id=activity_id)
        else:
            victims = sorted((i for i in self.group_instances(group["ScalingGroupId"])
                              if i["LifecycleState"] == "InService"),
                             key=lambda i: (i["created"], i["InstanceId"]), reverse=True)[:count]
            for instance in victims:
                instance["LifecycleState"] = "Removing"
                activity["instances"].append(instance["InstanceId"])
            self.world.schedule(1.0, "ess.wait_begins", activity_id=activity_id)
        self.world.changed = True
        return activity

    def attach_instances(self, group_id: str, instance_ids: list[str], client_token: str | None,
                         fire_hooks: bool) -> str:
        if client_token and client_token in self.client_tokens.get("AttachInstances", {}):
            return self.client_tokens["AttachInstances"][client_token]
        group = self.group(group_id)
        self._check_can_scale(group)
        for instance_id in instance_ids:
            if not instance_id.startswith("i-"):
                raise ApiError("InvalidInstanceId.NotFound", f"The specified instance does not exist: {instance_id}.",
                               404)
            if instance_id in self.instances:
                raise ApiError("IncorrectInstanceStatus", f"The instance {instance_id} is already in a scaling "
                                                          "group.")
        total = len(self.group_instances(group_id))
        if total + len(instance_ids) > group["MaxSize"]:
            raise ApiError("IncorrectCapacity.MaxSize", f"Attaching {len(instance_ids)} instance(s) would exceed "
                                                        f"the MaxSize {group['MaxSize']}.")
        cause = (f'A user attaches ECS instances "{", ".join(instance_ids)}", changing the Total Capacity from '
                 f'"{total}" to "{total + len(instance_ids)}".')
        activity = self._new_activity(group, cause, len(instance_ids), trigger=None, attach=instance_ids,
                                      fire_hooks=fire_hooks)
        if client_token:
            self.client_tokens.setdefault("AttachInstances", {})[client_token] = activity["ScalingActivityId"]
        return activity["ScalingActivityId"]

    def _on_wait_begins(self, activity_id: str) -> None:
        activity = self.activities[activity_id]
        transition = "SCALE_OUT" if activity["direction"] == "out" else "SCALE_IN"
        hooks = sorted((h for h in self.hooks.values()
                        if h["ScalingGroupId"] == activity["ScalingGroupId"] and h["LifecycleTransition"] == transition
                        and h["LifecycleHookStatus"] == "Active"), key=lambda h: h["created"])
        if not activity["fire_hooks"] or not activity["instances"]:
            hooks = []
        if not hooks:
            if activity["direction"] == "out":
                self.world.schedule(0.0, "ess.in_service", activity_id=activity_id)
            else:
                self.world.schedule(RELEASE_S, "ess.released", activity_id=activity_id)
            return
        wait_state = "Pending:Wait" if transition == "SCALE_OUT" else "Removing:Wait"
        for instance_id in activity["instances"]:
            self.instances[instance_id]["LifecycleState"] = wait_state
        activity["Progress"] = 50
        now = self.world.now()
        for hook in hooks:
            token = self.world.new_token()
            self.actions[token] = action = {
                "LifecycleActionToken": token, "LifecycleHookId": hook["LifecycleHookId"],
                "ScalingActivityId": activity_id, "InstanceIds": list(activity["instances"]),
                "LifecycleActionStatus": "Pending", "LifecycleActionResult": None, "started": now,
                "deadline": now + hook["HeartbeatTimeout"], "heartbeats": 0}
            self.world.schedule(hook["HeartbeatTimeout"], "ess.action_timeout", token=token)
            target = self.arn_target(hook["NotificationArn"])
            if target and target[0] == "oos":
                self.world.oos.start_for_hook(target[1], hook, action, self.groups[activity["ScalingGroupId"]])

    def _on_action_timeout(self, token: str) -> None:
        action = self.actions[token]
        if action["LifecycleActionStatus"] != "Pending" or action["deadline"] > self.world.now():
            return   # completed, or extended by a heartbeat (which scheduled its own timeout)
        action["LifecycleActionStatus"] = "Timeout"
        action["LifecycleActionResult"] = self.hooks.get(action["LifecycleHookId"], {}).get("DefaultResult",
                                                                                          "CONTINUE")
        self._action_ended(action)

    def _pending_action(self, hook_id: str, token: str) -> dict:
        action = self.actions.get(token)
        if action is None or action["LifecycleHookId"] != hook_id or action["LifecycleActionStatus"] != "Pending":
            raise ApiError("LifecycleHookIdAndLifecycleActionToken.Invalid", "The specified lifecycleActionToken and "
                           "lifecycleHookId you provided does not match any in process lifecycle action.")
        return action

    def complete_action(self, hook_id: str, token: str, result: str | None, client_token: str | None) -> None:
        done = self.client_tokens.setdefault("CompleteLifecycleAction", {})
        if client_token and client_token in done:
            return
        if result is not None and result not in RESULTS:
            raise invalid_parameter("LifecycleActionResult", "Valid values: CONTINUE, ABANDON, ROLLBACK.")
        action = self._pending_action(hook_id, token)
        hook = self.hooks.get(hook_id, {})
        action["LifecycleActionStatus"] = "Completed"
        action["LifecycleActionResult"] = result or hook.get("DefaultResult", "CONTINUE")
        if client_token:
            done[client_token] = token
        self._action_ended(action)
        self.world.changed = True

    def heartbeat(self, hook_id: str, token: str, timeout: int | None) -> None:
        action = self._pending_action(hook_id, token)
        hook = self.hooks.get(hook_id, {})
        timeout = timeout or hook.get("HeartbeatTimeout", 600)
        if not HEARTBEAT_MIN_S <= timeout <= HEARTBEAT_MAX_S:
            raise invalid_parameter("heartbeatTimeout", f"It must be between {HEARTBEAT_MIN_S} and {HEARTBEAT_MAX_S}.")
        if action["heartbeats"] >= MAX_HEARTBEATS:
            raise ApiError("LifecycleAction.RecordTimesExceeded", f"A lifecycle action can be extended at most "
                                                                  f"{MAX_HEARTBEATS} times.")
        now = self.world.now()
        if now + timeout - action["started"] > MAX_WAIT_S:
            raise ApiError("LifecycleAction.TimeExceeded", "An instance can stay in a wait state for at most 6 "
                                                           "hours.")
        action["heartbeats"] += 1
        action["deadline"] = now + timeout
        self.world.schedule(timeout, "ess.action_timeout", token=token)

    def _action_ended(self, ended: dict) -> None:
        siblings = [a for a in self.actions.values() if a["ScalingActivityId"] == ended["ScalingActivityId"]]
        if ended["LifecycleActionResult"] in ("ABANDON", "ROLLBACK"):
            for other in siblings:
                if other["LifecycleActionStatus"] == "Pending":
                    other["LifecycleActionStatus"] = "Completed"
                    other["LifecycleActionResult"] = ended["LifecycleActionResult"]
        if any(a["LifecycleActionStatus"] == "Pending" for a in siblings):
            return
        results = {a["LifecycleActionResult"] for a in siblings}
        outcome = "ROLLBACK" if "ROLLBACK" in results else "ABANDON" if "ABANDON" in results else "CONTINUE"
        activity = self.activities[ended["ScalingActivityId"]]
        deciding = next(a for a in siblings if a["LifecycleActionResult"] == outcome)
        activity["outcome"], activity["decided_by"] = outcome, deciding["LifecycleHookId"]
        if activity["direction"] == "out":
            if outcome == "CONTINUE":
                self._on_in_service(activity["ScalingActivityId"])
            else:
                self._release(activity, activity["instances"])
        elif outcome == "ROLLBACK":
            for instance_id in activity["instances"]:
                self.instances[instance_id]["LifecycleState"] = "InService"
            self._finish(activity, kept=[], failed_message=(
                f'The lifecycle hook "{deciding["LifecycleHookId"]}" ended the wait with ROLLBACK: the scale-in was '
                "rolled back and the instances stay InService."))
        else:
            for instance_id in activity["instances"]:
                self.instances[instance_id]["LifecycleState"] = "Removing"
            self.world.schedule(RELEASE_S, "ess.released", activity_id=activity["ScalingActivityId"])

    def _on_in_service(self, activity_id: str) -> None:
        activity = self.activities[activity_id]
        for instance_id in activity["instances"]:
            self.instances[instance_id]["LifecycleState"] = "InService"
        self._finish(activity, kept=list(activity["instances"]))

    def _on_released(self, activity_id: str) -> None:
        activity = self.activities[activity_id]
        self._release(activity, activity["instances"])

    def _release(self, activity: dict, instance_ids: list[str]) -> None:
        for instance_id in instance_ids:
            self.instances.pop(instance_id, None)
        if activity["direction"] == "out":
            hook = activity.get("decided_by")
            outcome = activity.get("outcome")
            reason = (f'the lifecycle hook "{hook}" ended the wait with {outcome}' if hook
                      else "the instances could not be created")
            self._finish(activity, kept=[], failed_message=f'Failed to add "{len(instance_ids)}" ECS instance(s): '
                         f'{reason}, so the new instances were released.')
        else:
            self._finish(activity, kept=list(instance_ids))

    def _finish(self, activity: dict, kept: list[str], failed_message: str = "") -> None:
        """End an activity; `kept` are the instances that ended as asked (added, or removed)."""
        now = self.world.now()
        requested = activity["requested"]
        status = "Successful" if len(kept) == requested else "Warning" if kept else "Failed"
        verb = "attached" if activity["attach"] else "added" if activity["direction"] == "out" else "removed"
        activity.update(StatusCode=status, Progress=100, EndTime=iso(now))
        if status == "Failed":
            activity.update(StatusMessage=failed_message, ErrorCode="", ErrorMessage=failed_message)
        else:
            activity["StatusMessage"] = f'"{len(kept)}" ECS instance(s) are {verb}.'
            if status == "Warning":
                activity.update(ErrorCode="", ErrorMessage=failed_message)
        if activity["direction"] == "out":
            activity["created"] = kept
        else:
            activity["destroyed"] = kept
        activity["TotalCapacity"] = str(len(self.group_instances(activity["ScalingGroupId"])))
        self.world.changed = True
