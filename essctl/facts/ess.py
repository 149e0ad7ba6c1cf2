"""Auto Scaling (ESS 2022-02-22) facts: lifecycle hooks, rules and the names ESS fills in (api-facts §2)."""
from __future__ import annotations

import re

TRANSITIONS = ("SCALE_OUT", "SCALE_IN")
DEFAULT_RESULTS = ("CONTINUE", "ABANDON", "ROLLBACK")
HOOK_STATUSES = ("Active", "InActive")
HEARTBEAT_RANGE_S = (30, 21600)         # HeartbeatTimeout
DEFAULT_HEARTBEAT_S = 600               # ESS's own default HeartbeatTimeout
DEFAULT_RESULT = "CONTINUE"
HOOKS_PER_GROUP = 6                     # the 7th CreateLifecycleHook fails with QuotaExceeded.LifecycleHook
NOTIFICATION_METADATA_LIMIT = 4096      # characters
# AdjustmentValue of a QuantityChangeInCapacity rule ("the number of ECS instances to be scaled in a single scaling
# activity cannot exceed 1,000": CreateScalingRule); 0 changes nothing.
ADJUSTMENT_RANGE = (-1000, 1000)
HOOK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}")   # also scaling rule names
NAME_RULE = "2-64 letters, digits, _ - . starting with a letter or digit"

# Template parameters ESS fills from the scaling activity: a hook's NotificationMetadata keeps their ${...}
# defaults (api-facts §1.2, §2.3).
PLACEHOLDER_PARAMETERS = ("regionId", "instanceIds", "lifecycleHookId", "lifecycleActionToken")
# Every ${name} ESS itself substitutes in NotificationMetadata; never a recipe input.
ESS_PLACEHOLDERS = frozenset({*PLACEHOLDER_PARAMETERS, "scalingGroupId", "lifecycleActionResult", "instanceId",
                              "essTaskType"})

SIMPLE_RULE = "SimpleScalingRule"
QUANTITY_CHANGE = "QuantityChangeInCapacity"

# ExecuteScalingRule answers these while another activity runs or the group is changing state: wait and retry.
TRIGGER_WAIT_CODES = frozenset({"ScalingActivityInProgress", "IncorrectScalingGroupStatus"})
NO_CAPACITY_CHANGE = "IncorrectCapacity.NoChange"
# What a read of something that is not there answers.
GROUP_NOT_FOUND = "InvalidScalingGroupId.NotFound"
# A create whose name the group already has (the gateway reads it back: the same one is success).
HOOK_NAME_TAKEN = "InvalidLifecycleHookName.Duplicate"
RULE_NAME_TAKEN = "InvalidScalingRuleName.Duplicate"
# A delete of something already gone: success for a teardown.
GONE_CODES = frozenset({"InvalidLifecycleHookId.NotExist", "InvalidScalingRuleId.NotFound"})

# Scaling groups are the only ESS resources with tags (TagResources: ResourceType scalinggroup). essctl records on
# the group what it made there: a tag essctl:<hook or rule id> whose value is the recipe (ownership, for teardown).
GROUP_RESOURCE_TYPE = "scalinggroup"
OWNER_TAG_PREFIX = "essctl:"


def owner_tag(resource_id: str) -> str:
    """The group tag that says which recipe made a hook or rule (its value)."""
    return f"{OWNER_TAG_PREFIX}{resource_id}"


ACTIVITY_IDS_PER_CALL = 20  # DescribeScalingActivities: ScalingActivityId.N, N from 1 to 20
GROUP_IDS_PER_CALL = 20     # DescribeScalingGroups: ScalingGroupId.N, N from 1 to 20 (DescribeScalingGroups.md)
ESS_PAGE_SIZE = 50          # DescribeScalingGroups, DescribeLifecycleHooks, DescribeScalingActivities: the maximum
INSTANCES_PAGE_SIZE = 100   # DescribeScalingInstances
LIFECYCLE_ACTIONS_PAGE_SIZE = 50


def transition_of(adjustment: int) -> str:
    """The hook transition a scaling adjustment fires: +N scales out, -N scales in."""
    return "SCALE_OUT" if adjustment > 0 else "SCALE_IN"
