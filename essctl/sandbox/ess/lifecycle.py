"""The scaling life cycle over the Auto Scaling state (models.py): activities, lifecycle actions and the
events that move them (wait begins, action timeout, in service, released, scheduled task).

Scale-out: new instances are Pending for LAUNCH_S, then wait in Pending:Wait for every Active SCALE_OUT hook
(one lifecycle action per hook, covering all the activity's instances; an OOS NotificationArn starts an
execution). When every action has ended, the result of the last one to end decides: CONTINUE puts them InService;
ABANDON or ROLLBACK releases them. Scale-in removes the newest InService instances first (CreationTime, then id),
waiting in Removing:Wait for SCALE_IN hooks; ROLLBACK keeps them InService, anything else releases them. Only
there does a wait that times out with ABANDON or ROLLBACK end the activity's other waits early (_action_ended has
the sources). Manually attached instances fire no hook.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from essctl.sandbox.clock import iso
from essctl.sandbox.errors import ApiError, invalid_parameter

if TYPE_CHECKING:
    from essctl.sandbox.ess.models import EssBackend

LAUNCH_S = 10.0          # Pending before the lifecycle wait (or InService when no hook)
RELEASE_S = 5.0          # Removing before an instance is gone
HEARTBEAT_MIN_S, HEARTBEAT_MAX_S = 30, 21600
MAX_WAIT_S = 6 * 3600
MAX_HEARTBEATS = 20
RESULTS = ("CONTINUE", "ABANDON", "ROLLBACK")


class ScalingLifecycle:
    """Scaling activities and lifecycle actions of one ESS backend, kept in its state."""

    def __init__(self, ess: EssBackend):
        self.ess = ess
        self.world = ess.world

    def event_handlers(self) -> dict[str, Any]:
        return {"ess.wait_begins": self._on_wait_begins, "ess.action_timeout": self._on_action_timeout,
                "ess.released": self._on_released, "ess.in_service": self._on_in_service,
                "ess.scheduled_task": self._on_scheduled_task}

    # scaling activities
    def _check_can_scale(self, group: dict, process: str | None = None) -> None:
        """`process` (ScaleOut, ScaleIn, ScheduledAction) suspended by SuspendProcesses refuses the activity with
        the code ExecuteScalingRule.md documents for a group whose status does not support the action."""
        if group["LifecycleState"] != "Active":
            raise ApiError("IncorrectScalingGroupStatus", "The current status of the specified scaling group does "
                                                          "not support this action.")
        if process is not None and process in group.get("SuspendedProcesses", []):
            raise ApiError("IncorrectScalingGroupStatus", f"The current status of the specified scaling group does "
                                                          f"not support this action: the process {process} is "
                                                          "suspended (ResumeProcesses resumes it).")
        if any(a["StatusCode"] == "InProgress" for a in self.ess.activities.find("group", group["ScalingGroupId"])):
            raise ApiError("ScalingActivityInProgress", "You cannot delete a scaling group or launch a new scaling "
                                                        "activity while there is a scaling activity in progress for "
                                                        "the specified scaling group.")

    def _target_capacity(self, group: dict, kind: str, value: int) -> tuple[int, int]:
        current = len([i for i in self.ess.group_instances(group["ScalingGroupId"])
                       if i["LifecycleState"] not in ("Removing", "Removing:Wait")])
        target = (value if kind == "TotalCapacity" else current + value if kind == "QuantityChangeInCapacity"
                  else current + int(current * value / 100))
        return current, max(group["MinSize"], min(group["MaxSize"], target))

    def _on_scheduled_task(self, group_id: str, change: int) -> None:
        """A scheduled task fires: it scales like a rule, or, when the group cannot scale now, ESS records a
        Rejected activity (an API caller would get the error instead)."""
        group = self.ess.group(group_id)
        cause = f'A scheduled task executes, changing the Total Capacity by "{change:+d}".'
        try:
            self._check_can_scale(group, "ScheduledAction")
            self._check_can_scale(group, "ScaleOut" if change > 0 else "ScaleIn")
            current, target = self._target_capacity(group, "QuantityChangeInCapacity", change)
            if target == current:
                raise ApiError("IncorrectCapacity.NoChange", "The scheduled task would not change the capacity.")
        except ApiError as exc:
            now = self.world.now()
            activity_id = self.world.new_id("asa")
            self.ess.activities[activity_id] = {
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
        if client_token and client_token in self.ess.client_tokens.get("ExecuteScalingRule", {}):
            return self.ess.client_tokens["ExecuteScalingRule"][client_token]
        rule = next(iter(self.ess.rules.find("ari", ari)), None)
        if rule is None:
            raise ApiError("InvalidScalingRuleAri.NotFound", "The specified scaling rule ari does not exist.", 404)
        if rule["ScalingRuleType"] != "SimpleScalingRule":
            raise ApiError("ScalingRule.InvalidScalingRuleType", "Only simple scaling rules can be executed here.")
        group = self.ess.group(rule["ScalingGroupId"])
        self._check_can_scale(group)
        current, target = self._target_capacity(group, rule["AdjustmentType"], int(rule["AdjustmentValue"]))
        self._check_can_scale(group, "ScaleOut" if target > current else "ScaleIn")
        if target == current:
            raise ApiError("IncorrectCapacity.NoChange", f"The scaling rule would not change the capacity: it stays "
                           f"{current} (MinSize {group['MinSize']}, MaxSize {group['MaxSize']}).")
        cause = (f'A user requests to execute scaling rule "{rule["ScalingRuleId"]}", changing the Total Capacity '
                 f'from "{current}" to "{target}".')
        activity = self._new_activity(group, cause, target - current, trigger=rule["ScalingRuleId"])
        if client_token:
            self.ess.client_tokens.setdefault("ExecuteScalingRule", {})[client_token] = activity["ScalingActivityId"]
        return activity["ScalingActivityId"]

    def _new_activity(self, group: dict, cause: str, change: int, *, trigger: str | None,
                      attach: list[str] | None = None, fire_hooks: bool = True) -> dict:
        activity_id = self.world.new_id("asa")
        now = self.world.now()
        count = len(attach) if attach is not None else abs(change)
        direction = "out" if change > 0 else "in"
        self.ess.activities[activity_id] = activity = {
            "ScalingActivityId": activity_id, "ScalingGroupId": group["ScalingGroupId"], "StatusCode": "InProgress",
            "StatusMessage": "", "Progress": 0, "Cause": cause, "StartTime": iso(now), "started": now,
            "Description": (f'Attach "{count}" ECS instance(s)' if attach is not None
                            else f'Add "{count}" ECS instance(s)' if direction == "out"
                            else f'Remove "{count}" ECS instance(s)'),
            "direction": direction, "attach": attach is not None, "fire_hooks": fire_hooks, "requested": count,
            "instances": [], "ScalingInstanceNumber": count, "TriggerSourceType": "APIs", "TriggerSourceId": trigger}
        if direction == "out":
            for instance_id in (attach if attach is not None else [None] * count):
                instance = self.ess.new_instance(group["ScalingGroupId"], "Attached" if attach is not None
                                                 else "AutoCreated", "Pending", activity_id, instance_id=instance_id)
                activity["instances"].append(instance["InstanceId"])
            self.world.schedule(LAUNCH_S, "ess.wait_begins", activity_id=activity_id)
        else:
            victims = sorted((i for i in self.ess.group_instances(group["ScalingGroupId"])
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
        if client_token and client_token in self.ess.client_tokens.get("AttachInstances", {}):
            return self.ess.client_tokens["AttachInstances"][client_token]
        group = self.ess.group(group_id)
        self._check_can_scale(group)
        for instance_id in instance_ids:
            if not instance_id.startswith("i-"):
                raise ApiError("InvalidInstanceId.NotFound", f"The specified instance does not exist: {instance_id}.",
                               404)
            if instance_id in self.ess.instances:
                raise ApiError("IncorrectInstanceStatus", f"The instance {instance_id} is already in a scaling "
                                                          "group.")
        total = len(self.ess.group_instances(group_id))
        if total + len(instance_ids) > group["MaxSize"]:
            raise ApiError("IncorrectCapacity.MaxSize", f"Attaching {len(instance_ids)} instance(s) would exceed "
                                                        f"the MaxSize {group['MaxSize']}.")
        cause = (f'A user attaches ECS instances "{", ".join(instance_ids)}", changing the Total Capacity from '
                 f'"{total}" to "{total + len(instance_ids)}".')
        activity = self._new_activity(group, cause, len(instance_ids), trigger=None, attach=instance_ids,
                                      fire_hooks=fire_hooks)
        if client_token:
            self.ess.client_tokens.setdefault("AttachInstances", {})[client_token] = activity["ScalingActivityId"]
        return activity["ScalingActivityId"]

    # lifecycle actions
    def _on_wait_begins(self, activity_id: str) -> None:
        activity = self.ess.activities[activity_id]
        transition = "SCALE_OUT" if activity["direction"] == "out" else "SCALE_IN"
        hooks = sorted((h for h in self.ess.hooks.find("group", activity["ScalingGroupId"])
                        if h["LifecycleTransition"] == transition
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
            self.ess.instances[instance_id]["LifecycleState"] = wait_state
        activity["Progress"] = 50
        now = self.world.now()
        for hook in hooks:
            token = self.world.new_token()
            self.ess.actions[token] = action = {
                "LifecycleActionToken": token, "LifecycleHookId": hook["LifecycleHookId"],
                "ScalingActivityId": activity_id, "InstanceIds": list(activity["instances"]),
                "LifecycleActionStatus": "Pending", "LifecycleActionResult": None, "started": now,
                "deadline": now + hook["HeartbeatTimeout"], "heartbeats": 0}
            self.world.schedule(hook["HeartbeatTimeout"], "ess.action_timeout", token=token)
            target = self.ess.arn_target(hook["NotificationArn"])
            if target and target[0] == "oos":
                self.world.oos.start_for_hook(target[1], hook, action, self.ess.groups[activity["ScalingGroupId"]])

    def _on_action_timeout(self, token: str) -> None:
        action = self.ess.actions[token]
        if action["LifecycleActionStatus"] != "Pending" or action["deadline"] > self.world.now():
            return   # completed, or extended by a heartbeat (which scheduled its own timeout)
        action["LifecycleActionStatus"] = "Timeout"
        action["LifecycleActionResult"] = self.ess.hooks.get(action["LifecycleHookId"], {}).get("DefaultResult",
                                                                                              "CONTINUE")
        self._action_ended(action)

    def _pending_action(self, hook_id: str, token: str) -> dict:
        action = self.ess.actions.get(token)
        if action is None or action["LifecycleHookId"] != hook_id or action["LifecycleActionStatus"] != "Pending":
            raise ApiError("LifecycleHookIdAndLifecycleActionToken.Invalid", "The specified lifecycleActionToken and "
                           "lifecycleHookId you provided does not match any in process lifecycle action.")
        return action

    def complete_action(self, hook_id: str, token: str, result: str | None, client_token: str | None) -> None:
        done = self.ess.client_tokens.setdefault("CompleteLifecycleAction", {})
        if client_token and client_token in done:
            return
        if result is not None and result not in RESULTS:
            raise invalid_parameter("LifecycleActionResult", "Valid values: CONTINUE, ABANDON, ROLLBACK.")
        action = self._pending_action(hook_id, token)
        hook = self.ess.hooks.get(hook_id, {})
        action["LifecycleActionStatus"] = "Completed"
        action["LifecycleActionResult"] = result or hook.get("DefaultResult", "CONTINUE")
        if client_token:
            done[client_token] = token
        self._action_ended(action)
        self.world.changed = True

    def heartbeat(self, hook_id: str, token: str, timeout: int | None) -> None:
        action = self._pending_action(hook_id, token)
        hook = self.ess.hooks.get(hook_id, {})
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
        """One hook's wait ended. ESS waits for every hook the activity triggered, and the result of the wait that
        ends last decides, except during a scale-in, where a hook whose wait times out with ABANDON (or ROLLBACK)
        ends the other waits early and decides. Sources (shared/api-reference/api-docs/ess/):
        CompleteLifecycleAction.md, "If multiple lifecycle hooks exist in a scaling group and are triggered at the
        same time"; CreateLifecycleHook.md and ModifyLifecycleHook.md, DefaultResult; CreateLifecycleHook.zh-CN.md
        (the next action follows the last wait to end). ROLLBACK is named with ABANDON as api-facts §2.1 reads
        these pages; the waits ended early are marked Completed with the deciding result."""
        siblings = [a for a in self.ess.actions.values() if a["ScalingActivityId"] == ended["ScalingActivityId"]]
        activity = self.ess.activities[ended["ScalingActivityId"]]
        outcome = ended["LifecycleActionResult"]
        if (activity["direction"] == "in" and ended["LifecycleActionStatus"] == "Timeout"
                and outcome in ("ABANDON", "ROLLBACK")):
            for other in siblings:
                if other["LifecycleActionStatus"] == "Pending":
                    other["LifecycleActionStatus"] = "Completed"
                    other["LifecycleActionResult"] = outcome
        if any(a["LifecycleActionStatus"] == "Pending" for a in siblings):
            return
        deciding = ended       # the wait that ended last (or the scale-in timeout that ended the others)
        activity["outcome"], activity["decided_by"] = outcome, deciding["LifecycleHookId"]
        if activity["direction"] == "out":
            if outcome == "CONTINUE":
                self._on_in_service(activity["ScalingActivityId"])
            else:
                self._release(activity, activity["instances"])
        elif outcome == "ROLLBACK":
            for instance_id in activity["instances"]:
                self.ess.instances[instance_id]["LifecycleState"] = "InService"
            self._finish(activity, kept=[], failed_message=(
                f'The lifecycle hook "{deciding["LifecycleHookId"]}" ended the wait with ROLLBACK: the scale-in was '
                "rolled back and the instances stay InService."))
        else:
            for instance_id in activity["instances"]:
                self.ess.instances[instance_id]["LifecycleState"] = "Removing"
            self.world.schedule(RELEASE_S, "ess.released", activity_id=activity["ScalingActivityId"])

    def _on_in_service(self, activity_id: str) -> None:
        activity = self.ess.activities[activity_id]
        for instance_id in activity["instances"]:
            self.ess.instances[instance_id]["LifecycleState"] = "InService"
        self._finish(activity, kept=list(activity["instances"]))

    def _on_released(self, activity_id: str) -> None:
        activity = self.ess.activities[activity_id]
        self._release(activity, activity["instances"])

    def _release(self, activity: dict, instance_ids: list[str]) -> None:
        for instance_id in instance_ids:
            self.ess.instances.pop(instance_id, None)
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
        activity["TotalCapacity"] = str(len(self.ess.group_instances(activity["ScalingGroupId"])))
        self.world.changed = True
