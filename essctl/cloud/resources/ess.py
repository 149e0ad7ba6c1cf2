"""Auto Scaling resources: scaling groups, lifecycle hooks and actions, rules, activities and their instances."""
from __future__ import annotations

import dataclasses
import json
from typing import Any

from essctl.cloud.resources.base import ApiObject, api, as_int, as_tuple, parse_time


@dataclasses.dataclass(frozen=True)
class ScalingGroup(ApiObject):
    id: str = api("ScalingGroupId", default="")
    name: str | None = api("ScalingGroupName")
    lifecycle_state: str | None = api("LifecycleState")
    min_size: int | None = api("MinSize", convert=as_int)
    max_size: int | None = api("MaxSize", convert=as_int)
    total_capacity: int | None = api("TotalCapacity", convert=as_int)
    active_capacity: int | None = api("ActiveCapacity", convert=as_int)
    desired_capacity: int | None = api("DesiredCapacity", convert=as_int)
    scaling_configuration_id: str | None = api("ActiveScalingConfigurationId")
    launch_template_id: str | None = api("LaunchTemplateId")
    suspended_processes: tuple[str, ...] = api("SuspendedProcesses", convert=as_tuple, default=())

    @property
    def current_capacity(self) -> int | None:
        return self.total_capacity if self.total_capacity is not None else self.active_capacity


@dataclasses.dataclass(frozen=True)
class LifecycleHook(ApiObject):
    id: str = api("LifecycleHookId", default="")
    name: str = api("LifecycleHookName", default="")
    group_id: str | None = api("ScalingGroupId")
    transition: str | None = api("LifecycleTransition")
    default_result: str | None = api("DefaultResult")
    heartbeat_timeout: int | None = api("HeartbeatTimeout", convert=as_int)
    status: str | None = api("LifecycleHookStatus")
    notification_arn: str | None = api("NotificationArn")
    notification_metadata: str | None = api("NotificationMetadata")

    @property
    def active(self) -> bool:
        return self.status != "InActive"


@dataclasses.dataclass(frozen=True)
class HookFields(ApiObject):
    """What essctl sets on a hook (CreateLifecycleHook, ModifyLifecycleHook): only the fields given are sent."""

    name: str | None = api("LifecycleHookName")
    transition: str | None = api("LifecycleTransition")
    heartbeat_timeout: int | None = api("HeartbeatTimeout")
    default_result: str | None = api("DefaultResult")
    notification_arn: str | None = api("NotificationArn")
    notification_metadata: str | None = api("NotificationMetadata")
    status: str | None = api("LifecycleHookStatus")

    def given(self) -> dict[str, Any]:
        """attribute -> value of the fields set."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "raw" and getattr(self, f.name) is not None}

    def unmet_by(self, hook: LifecycleHook) -> HookFields:
        """The fields given here that the hook does not have (NotificationMetadata compared as JSON)."""
        unmet: dict[str, Any] = {}
        for name, value in self.given().items():
            if name == "notification_metadata":
                same = _same_metadata(hook.notification_metadata, value)
            else:
                same = str(getattr(hook, name)) == str(value)
            if not same:
                unmet[name] = value
        return HookFields(**unmet)


def _same_metadata(current: str | None, wanted: str) -> bool:
    try:
        return json.loads(current or "{}") == json.loads(wanted)
    except ValueError:
        return False


@dataclasses.dataclass(frozen=True)
class ScalingRule(ApiObject):
    id: str = api("ScalingRuleId", default="")
    name: str | None = api("ScalingRuleName")
    group_id: str | None = api("ScalingGroupId")
    ari: str | None = api("ScalingRuleAri")
    rule_type: str | None = api("ScalingRuleType")
    adjustment_type: str | None = api("AdjustmentType")
    adjustment_value: int | None = api("AdjustmentValue", convert=as_int)


@dataclasses.dataclass(frozen=True)
class ActivityError(ApiObject):
    code: str | None = api("Code")
    message: str | None = api("Message")
    failed_instance_ids: tuple[str, ...] = api("FailedInstanceIds", convert=as_tuple, default=())


def _errors(value: Any) -> tuple[ActivityError, ...]:
    return tuple(ActivityError.from_api(item) for item in value or () if isinstance(item, dict))


@dataclasses.dataclass(frozen=True)
class ScalingActivity(ApiObject):
    id: str = api("ScalingActivityId", default="")
    group_id: str | None = api("ScalingGroupId")
    status: str | None = api("StatusCode")
    status_message: str | None = api("StatusMessage")
    progress: int | None = api("Progress", convert=as_int)
    start_time: str | None = api("StartTime")
    end_time: str | None = api("EndTime")
    error_code: str | None = api("ErrorCode")
    error_message: str | None = api("ErrorMessage")
    errors: tuple[ActivityError, ...] = api("ErrorMessages", convert=_errors, default=())

    @property
    def started_at(self) -> Any:
        return parse_time(self.start_time)

    @property
    def ended_at(self) -> Any:
        return parse_time(self.end_time)


@dataclasses.dataclass(frozen=True)
class ScalingInstance(ApiObject):
    id: str = api("InstanceId", default="")
    lifecycle_state: str | None = api("LifecycleState")
    creation_type: str | None = api("CreationType")
    scaling_configuration_id: str | None = api("ScalingConfigurationId")
    launch_template_id: str | None = api("LaunchTemplateId")
    group_id: str | None = api("ScalingGroupId")
    activity_id: str | None = api("ScalingActivityId")     # the activity that added it

@dataclasses.dataclass(frozen=True)
class InstanceRefresh(ApiObject):
    """One ESS instance refresh task (DescribeInstanceRefreshes)."""

    id: str = api("InstanceRefreshTaskId", default="")
    group_id: str | None = api("ScalingGroupId")
    status: str | None = api("Status")
    detail: str | None = api("Detail")
    start_time: str | None = api("StartTime")
    end_time: str | None = api("EndTime")
    total: int | None = api("TotalNeedUpdateCapacity", convert=as_int)
    finished: int | None = api("FinishedUpdateCapacity", convert=as_int)
    min_healthy: int | None = api("MinHealthyPercentage", convert=as_int)
    max_healthy: int | None = api("MaxHealthyPercentage", convert=as_int)
    desired: dict = api("DesiredConfiguration", convert=lambda v: dict(v or {}), default=None)


@dataclasses.dataclass(frozen=True)
class NewInstanceRefresh(ApiObject):
    """StartInstanceRefresh's request."""

    group_id: str = api("ScalingGroupId", default="")
    desired: dict = api("DesiredConfiguration", default=None)
    min_healthy: int | None = api("MinHealthyPercentage")
    max_healthy: int | None = api("MaxHealthyPercentage")
    checkpoints: tuple = api("Checkpoints", default=None)
    checkpoint_pause_time: int | None = api("CheckpointPauseTime")
    skip_matching: bool | None = api("SkipMatching")


@dataclasses.dataclass(frozen=True)
class LifecycleAction(ApiObject):
    hook_id: str | None = api("LifecycleHookId")
    token: str = api("LifecycleActionToken", default="")
    status: str | None = api("LifecycleActionStatus")
    result: str | None = api("LifecycleActionResult")
    instance_ids: tuple[str, ...] = api("InstanceIds", convert=as_tuple, default=())


@dataclasses.dataclass(frozen=True)
class NewRule(ApiObject):
    """CreateScalingRule's request for a simple rule."""

    group_id: str = api("ScalingGroupId", default="")
    name: str = api("ScalingRuleName", default="")
    rule_type: str = api("ScalingRuleType", default="")
    adjustment_type: str = api("AdjustmentType", default="")
    adjustment_value: int = api("AdjustmentValue", default=0)
