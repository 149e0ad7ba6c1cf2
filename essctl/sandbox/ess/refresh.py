"""ESS instance refresh over the Auto Scaling state (models.py): StartInstanceRefresh replaces the group's InService
instances batch by batch with instances of the desired configuration; Suspend/Resume/Cancel/Rollback move it.

Sources: the ESS 2022-02-22 SDK models (alibabacloud_ess20220222 StartInstanceRefreshRequest,
DescribeInstanceRefreshesResponseBody: statuses Pending, InProgress, Paused, CheckpointPause, Failed, Successful,
Cancelling, Cancelled, RollbackInProgress, RollbackSuccessful, RollbackFailed; MinHealthyPercentage 0..100, default
80; MaxHealthyPercentage 100..200, default 120, both 100: one instance at a time; CheckpointPauseTime 1..2880
minutes, default 60; SkipMatching default true, matched by the scaling configuration id; "after the task is
completed, the active scaling configuration of the scaling group is updated to this configuration", or its image to
the ImageId). Batch size: the instances the group may add above its size (MaxHealthyPercentage) plus those it may
take out of service (MinHealthyPercentage), at least one. A batch launches its new instances (Pending) and, after
BATCH_S, puts them InService and releases the instances they replace. The scenario's behaviour `ESS::InstanceRefresh`
fail (batch, instance) makes that batch fail: its new instances are released, the task ends Failed.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from essctl.sandbox.clock import iso
from essctl.sandbox.errors import ApiError, invalid_parameter

if TYPE_CHECKING:
    from essctl.sandbox.ess.models import EssBackend

BATCH_S = 60.0
BEHAVIOUR = "ESS::InstanceRefresh"
RUNNING = ("Pending", "InProgress", "Paused", "CheckpointPause", "Cancelling", "RollbackInProgress")


def _status_error(task: dict, action: str) -> ApiError:
    return ApiError("IncorrectInstanceRefreshStatus",
                    f"The instance refresh task {task['InstanceRefreshTaskId']} is {task['Status']}, which does not "
                    f"allow {action}.")


class InstanceRefreshes:
    def __init__(self, ess: EssBackend):
        self.ess = ess
        self.world = ess.world

    @property
    def tasks(self) -> dict[str, dict]:
        return self.ess.state.setdefault("refreshes", {})

    def event_handlers(self) -> dict[str, Any]:
        return {"ess.refresh_step": self._on_step, "ess.refresh_batch_done": self._on_batch_done}

    def find(self, group_id: str, task_id: str | None) -> dict:
        self.ess.group(group_id)
        if task_id:
            task = self.tasks.get(task_id)
            if task is None or task["ScalingGroupId"] != group_id:
                raise invalid_parameter("InstanceRefreshTaskId", f"No instance refresh task {task_id} in the "
                                                                 f"scaling group {group_id}.")
            return task
        found = [t for t in self.tasks.values() if t["ScalingGroupId"] == group_id]
        if not found:
            raise invalid_parameter("InstanceRefreshTaskId", f"The scaling group {group_id} has no instance refresh "
                                                             "task.")
        return max(found, key=lambda t: t["started"])

    def start(self, group_id: str, desired: dict, *, min_healthy: int, max_healthy: int, checkpoints: list[int],
              pause_minutes: int, skip_matching: bool, client_token: str | None) -> str:
        done = self.ess.client_tokens.setdefault("StartInstanceRefresh", {})
        if client_token and client_token in done:
            return done[client_token]
        group = self.ess.group(group_id)
        for task in self.tasks.values():
            if task["ScalingGroupId"] == group_id and task["Status"] in RUNNING:
                raise ApiError("IncorrectInstanceRefreshStatus",
                               f"The scaling group already has an instance refresh task in progress: "
                               f"{task['InstanceRefreshTaskId']} ({task['Status']}).")
        self.ess.lifecycle._check_can_scale(group)
        given = [k for k in ("ScalingConfigurationId", "ImageId", "LaunchTemplateId", "Containers") if desired.get(k)]
        if len(given) > 1:
            raise invalid_parameter("DesiredConfiguration", "Specify only one of ScalingConfigurationId, ImageId, "
                                                            "LaunchTemplateId and Containers.")
        if desired.get("LaunchTemplateId") or desired.get("Containers"):
            raise invalid_parameter("DesiredConfiguration", "The sandbox refreshes to a scaling configuration or an "
                                                            "image only.")
        source = group["ActiveScalingConfigurationId"]
        target_config = desired.get("ScalingConfigurationId") or source
        config = self.ess.configuration(target_config)
        if config["ScalingGroupId"] != group_id:
            raise invalid_parameter("DesiredConfiguration.ScalingConfigurationId", "The scaling configuration "
                                                                                   "belongs to another group.")
        image = desired.get("ImageId") or config["ImageId"]
        instances = sorted((i for i in self.ess.group_instances(group_id) if i["LifecycleState"] == "InService"),
                           key=lambda i: (i["created"], i["InstanceId"]))
        if skip_matching and desired.get("ScalingConfigurationId"):
            instances = [i for i in instances if i["ScalingConfigurationId"] != target_config]
        total = len(instances)
        batch = max(1, math.floor(total * max_healthy / 100) - total + total - math.ceil(total * min_healthy / 100))
        task_id = self.world.new_id("ir")
        now = self.world.now()
        self.tasks[task_id] = {
            "InstanceRefreshTaskId": task_id, "ScalingGroupId": group_id, "RegionId": self.world.region,
            "Status": "Pending", "StartTime": iso(now), "started": now, "Detail": "",
            "MinHealthyPercentage": min_healthy, "MaxHealthyPercentage": max_healthy,
            "CheckpointPauseTime": pause_minutes, "Checkpoints": [{"Percentage": c} for c in checkpoints],
            "SkipMatching": skip_matching, "DesiredConfiguration": {k: desired[k] for k in given},
            "TotalNeedUpdateCapacity": total, "FinishedUpdateCapacity": 0,
            "todo": [i["InstanceId"] for i in instances], "batch_size": batch, "batch": 0, "in_flight": None,
            "replaced": [], "source": {"config": source, "image": self.ess.configuration(source)["ImageId"]},
            "target": {"config": target_config, "image": image}, "rollback": False, "checkpoints_done": []}
        if client_token:
            done[client_token] = task_id
        self.world.schedule(1.0, "ess.refresh_step", task_id=task_id)
        self.world.changed = True
        return task_id

    # moving a task
    def suspend(self, task: dict) -> None:
        if task["Status"] not in ("Pending", "InProgress", "CheckpointPause"):
            raise _status_error(task, "SuspendInstanceRefresh")
        task["Status"] = "Paused"
        self.world.changed = True

    def resume(self, task: dict) -> None:
        if task["Status"] not in ("Paused", "CheckpointPause"):
            raise _status_error(task, "ResumeInstanceRefresh")
        task["Status"] = "RollbackInProgress" if task["rollback"] else "InProgress"
        if task["in_flight"] is None:
            self.world.schedule(0.0, "ess.refresh_step", task_id=task["InstanceRefreshTaskId"])
        self.world.changed = True

    def cancel(self, task: dict) -> None:
        if task["Status"] not in ("Pending", "InProgress", "Paused", "CheckpointPause"):
            raise _status_error(task, "CancelInstanceRefresh")
        task["Status"] = "Cancelling"
        if task["in_flight"] is None:
            self.world.schedule(1.0, "ess.refresh_step", task_id=task["InstanceRefreshTaskId"])
        self.world.changed = True

    def rollback(self, task: dict) -> None:
        """Replace the instances the task has refreshed with instances of the source configuration and image."""
        if task["Status"] not in ("InProgress", "Paused", "CheckpointPause", "Failed", "Cancelled"):
            raise _status_error(task, "RollbackInstanceRefresh")
        task.update(Status="RollbackInProgress", rollback=True, Detail="",
                    todo=[new for _, new in task["replaced"] if new in self.ess.instances])
        task["TotalNeedUpdateCapacity"], task["FinishedUpdateCapacity"] = len(task["todo"]), 0
        task.pop("EndTime", None)
        if task["in_flight"] is None:
            self.world.schedule(1.0, "ess.refresh_step", task_id=task["InstanceRefreshTaskId"])
        self.world.changed = True

    # events
    def _on_step(self, task_id: str) -> None:
        task = self.tasks[task_id]
        if task["in_flight"] is not None:
            return
        if task["Status"] == "Cancelling":
            self._end(task, "Cancelled")
            return
        if task["Status"] == "Pending":
            task["Status"] = "InProgress"
        if task["Status"] == "CheckpointPause" and self.world.now() >= task.get("checkpoint_until", 0):
            task["Status"] = "InProgress"
        if task["Status"] not in ("InProgress", "RollbackInProgress"):
            return
        if not task["todo"]:
            self._complete(task)
            return
        old = task["todo"][:task["batch_size"]]
        task["todo"] = task["todo"][len(old):]
        task["batch"] += 1
        wanted = task["source"] if task["rollback"] else task["target"]
        new = []
        for _ in old:
            instance = self.ess.new_instance(task["ScalingGroupId"], "AutoCreated", "Pending", None)
            instance.update(ScalingConfigurationId=wanted["config"], image=wanted["image"])
            new.append(instance["InstanceId"])
        task["in_flight"] = {"old": old, "new": new, "rollback": task["rollback"],
                             "activity": self._activity(task, old, new)}
        self.world.schedule(BATCH_S, "ess.refresh_batch_done", task_id=task_id)
        self.world.changed = True

    def _on_batch_done(self, task_id: str) -> None:
        task = self.tasks[task_id]
        flight, task["in_flight"] = task["in_flight"], None
        rule = self.world.scenario.behaviour_for(BEHAVIOUR).fail
        if (rule is not None and not task["rollback"] and rule.batch in (None, task["batch"])
                and (rule.instance is None or rule.instance in flight["old"])):
            for instance_id in flight["new"]:
                self.ess.instances.pop(instance_id, None)
            task["Detail"] = f"{rule.code}: {rule.message} (batch {task['batch']})"
            self._activity_ended(flight, failed=task["Detail"])
            self._end(task, "Failed")
            return
        for instance_id in flight["new"]:
            if instance_id in self.ess.instances:
                self.ess.instances[instance_id]["LifecycleState"] = "InService"
        for instance_id in flight["old"]:
            self.ess.instances.pop(instance_id, None)
        self._activity_ended(flight)
        if not flight["rollback"]:
            task["replaced"] += list(zip(flight["old"], flight["new"]))
            if task["rollback"]:        # rolled back while this batch ran: its instances go back too
                task["todo"] += flight["new"]
                task["TotalNeedUpdateCapacity"] += len(flight["new"])
        if flight["rollback"] == task["rollback"]:
            task["FinishedUpdateCapacity"] += len(flight["new"])
        self.world.changed = True
        if task["Status"] == "Cancelling":
            self._end(task, "Cancelled")
            return
        if task["Status"] == "InProgress" and task["TotalNeedUpdateCapacity"]:
            done = 100 * task["FinishedUpdateCapacity"] / task["TotalNeedUpdateCapacity"]
            reached = [c["Percentage"] for c in task["Checkpoints"]
                       if c["Percentage"] <= done and c["Percentage"] not in task["checkpoints_done"]]
            if reached and task["todo"]:
                task["checkpoints_done"] += reached
                task["Status"] = "CheckpointPause"
                self.world.schedule(task["CheckpointPauseTime"] * 60.0, "ess.refresh_step", task_id=task_id)
                task["checkpoint_until"] = self.world.now() + task["CheckpointPauseTime"] * 60.0
                return
        if task["Status"] in ("InProgress", "RollbackInProgress"):
            self.world.schedule(0.0, "ess.refresh_step", task_id=task_id)

    def _complete(self, task: dict) -> None:
        group = self.ess.groups[task["ScalingGroupId"]]
        wanted = task["source"] if task["rollback"] else task["target"]
        group["ActiveScalingConfigurationId"] = wanted["config"]
        self.ess.configuration(wanted["config"])["ImageId"] = wanted["image"]
        self._end(task, "RollbackSuccessful" if task["rollback"] else "Successful")

    def _end(self, task: dict, status: str) -> None:
        if status == "Failed" and task["rollback"]:
            status = "RollbackFailed"
        task.update(Status=status, EndTime=iso(self.world.now()))
        self.world.changed = True

    # each batch is a scaling activity of the group (DescribeScalingActivities), so a rule execution meanwhile is
    # refused with ScalingActivityInProgress as during any other activity
    def _activity(self, task: dict, old: list[str], new: list[str]) -> str:
        activity_id = self.world.new_id("asa")
        now = self.world.now()
        verb = "rolls back" if task["rollback"] else "refreshes"
        self.ess.activities[activity_id] = {
            "ScalingActivityId": activity_id, "ScalingGroupId": task["ScalingGroupId"], "StatusCode": "InProgress",
            "StatusMessage": "", "Progress": 0, "StartTime": iso(now), "started": now,
            "Cause": f'The instance refresh task "{task["InstanceRefreshTaskId"]}" {verb} batch {task["batch"]}, '
                     f'replacing "{len(old)}" ECS instance(s).',
            "Description": f'Replace "{len(old)}" ECS instance(s)', "direction": "out", "attach": False,
            "fire_hooks": False, "requested": len(new), "instances": list(new), "ScalingInstanceNumber": len(new),
            "TriggerSourceType": "Ess", "TriggerSourceId": task["InstanceRefreshTaskId"]}
        return activity_id

    def _activity_ended(self, flight: dict, failed: str | None = None) -> None:
        activity = self.ess.activities.get(flight.get("activity") or "")
        if activity is None:
            return
        activity.update(StatusCode="Failed" if failed else "Successful", Progress=100, EndTime=iso(self.world.now()),
                        TotalCapacity=str(len(self.ess.group_instances(activity["ScalingGroupId"]))))
        if failed:
            activity.update(StatusMessage=failed, ErrorCode="", ErrorMessage=failed)
        else:
            activity.update(StatusMessage=f'"{len(flight["new"])}" ECS instance(s) are added.', created=flight["new"],
                            destroyed=flight["old"])
