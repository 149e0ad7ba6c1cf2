"""Ending or extending the wait of a lifecycle action by hand (CompleteLifecycleAction,
RecordLifecycleActionHeartbeat): an instance stuck in Pending:Wait is freed, a long script gets more time.

The action is named by an instance in a wait state (its pending actions are found through its scaling group's
activities in progress) or by its token with its hook, as `activity watch` and `diagnose` list them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from essctl.errors import InputError, PreconditionFailed, UsageError
from essctl.facts.ess import DEFAULT_RESULTS, HEARTBEAT_RANGE_S
from essctl.hooks import _spelled

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud

PENDING = "Pending"


@dataclass(frozen=True)
class Target:
    """One lifecycle action to act on: its hook, token, activity (when known) and the instances it holds."""

    hook_id: str
    token: str
    activity_id: str | None = None
    instance_ids: tuple[str, ...] = ()

    def describe(self) -> str:
        held = f", holding {', '.join(self.instance_ids)}" if self.instance_ids else ""
        activity = f" of activity {self.activity_id}" if self.activity_id else ""
        return f"lifecycle action {self.token} (hook {self.hook_id}{activity}{held})"

    def to_data(self) -> dict[str, Any]:
        return {"LifecycleHookId": self.hook_id, "LifecycleActionToken": self.token,
                "ScalingActivityId": self.activity_id, "InstanceIds": list(self.instance_ids)}


def find_targets(cloud: Cloud, *, instance_id: str | None, token: str | None, hook_id: str | None,
                 activity_id: str | None) -> list[Target]:
    """The pending lifecycle actions named: those holding `instance_id` (of `hook_id` only, when given), or the one
    of `token` and `hook_id`. An instance in no pending action is an error naming its state."""
    if (instance_id is None) == (token is None):
        raise UsageError("give an instance id or --token (with --hook), not both")
    if token is not None:
        if hook_id is None:
            raise UsageError("--token needs --hook ID: `essctl activity watch` and `diagnose` list both")
        return [Target(hook_id, token, activity_id)]
    instance = cloud.ess.get_scaling_instance(instance_id)
    if instance is None:
        raise PreconditionFailed(f"instance {instance_id} is in no scaling group in region {cloud.region}")
    activities = [activity_id] if activity_id else _candidate_activities(cloud, instance)
    found = [Target(action.hook_id or "", action.token, activity, tuple(action.instance_ids))
             for activity in activities for action in cloud.ess.lifecycle_actions(activity, status=PENDING)
             if instance_id in action.instance_ids and (hook_id is None or action.hook_id == hook_id)]
    if not found:
        raise PreconditionFailed(f"instance {instance_id} ({instance.lifecycle_state}) has no pending lifecycle "
                                 f"action" + (f" of hook {hook_id}" if hook_id else "")
                                 + (f" in activity {activity_id}" if activity_id else ""))
    return found


def _candidate_activities(cloud: Cloud, instance: Any) -> list[str]:
    """The activity that added the instance, then its group's activities in progress (a scale-in holds an
    instance some other activity added)."""
    ids = [instance.activity_id] if instance.activity_id else []
    for activity in cloud.ess.list_scaling_activities(str(instance.group_id), status="InProgress"):
        if activity.id not in ids:
            ids.append(activity.id)
    return ids


def checked_result(result: str) -> str:
    return _spelled(result, DEFAULT_RESULTS, "--result")


def checked_timeout(timeout: int | None) -> int | None:
    low, high = HEARTBEAT_RANGE_S
    if timeout is not None and not low <= timeout <= high:
        raise InputError("timeout", f"must be {low} to {high} seconds, got {timeout}")
    return timeout


def complete(cloud: Cloud, targets: list[Target], result: str) -> None:
    for target in targets:
        cloud.ess.complete_lifecycle_action(target.hook_id, target.token, result, str(uuid.uuid4()))


def heartbeat(cloud: Cloud, targets: list[Target], timeout: int | None) -> None:
    for target in targets:
        cloud.ess.record_lifecycle_action_heartbeat(target.hook_id, target.token, timeout)
