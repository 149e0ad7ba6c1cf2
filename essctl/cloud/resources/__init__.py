"""What the gateways return: small typed objects built from the SDK's response models, no SDK import here.

Each keeps the API's own map of itself (`raw`, the SDK model's `to_map()`), so JSON and YAML output show the
documented field names; essctl's logic reads only the typed attributes.
"""
from essctl.cloud.resources.base import ApiObject, parse_time
from essctl.cloud.resources.ess import (
    ActivityError,
    HookFields,
    InstanceRefresh,
    LifecycleAction,
    LifecycleHook,
    NewInstanceRefresh,
    NewRule,
    ScalingActivity,
    ScalingGroup,
    ScalingInstance,
    ScalingRule,
)
from essctl.cloud.resources.oos import Execution, GeneratedPolicy, TaskExecution, TemplateContent, TemplateSummary
from essctl.cloud.resources.ram import (
    AttachedPolicy,
    NewPolicy,
    NewPolicyVersion,
    NewRole,
    Policy,
    PolicyAttachment,
    PolicyEntity,
    PolicyVersion,
    Role,
)

__all__ = [
    "ActivityError", "ApiObject", "AttachedPolicy", "Execution", "GeneratedPolicy", "HookFields", "InstanceRefresh",
    "LifecycleAction",
    "LifecycleHook", "NewPolicy", "NewPolicyVersion", "NewInstanceRefresh", "NewRole", "NewRule", "Policy", "PolicyAttachment",
    "PolicyEntity", "PolicyVersion", "Role", "ScalingActivity", "ScalingGroup", "ScalingInstance", "ScalingRule",
    "TaskExecution", "TemplateContent", "TemplateSummary", "parse_time",
]
