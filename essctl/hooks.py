"""Changing a lifecycle hook in place: the change checked before anything is sent, ModifyLifecycleHook, then the
hook as ESS describes it afterwards."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from essctl.cloud.resources import HookFields
from essctl.errors import InputError, PreconditionFailed, shorten
from essctl.facts.ess import DEFAULT_RESULTS, HEARTBEAT_RANGE_S, HOOK_STATUSES, owner_tag

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import LifecycleHook


def _spelled(value: str, allowed: tuple[str, ...], field: str) -> str:
    """`value` in the API's own spelling (matched case-insensitively)."""
    found = next((item for item in allowed if item.lower() == value.lower()), None)
    if found is None:
        raise InputError(field, f"expected one of {', '.join(allowed)}, got {shorten(value)}")
    return found


@dataclass(frozen=True)
class HookChange:
    """What to change on a hook; only what is given changes."""

    timeout: int | None = None
    default_result: str | None = None
    status: str | None = None

    def fields(self) -> HookFields:
        """The ModifyLifecycleHook fields, checked before anything is sent."""
        low, high = HEARTBEAT_RANGE_S
        if self.timeout is not None and not low <= self.timeout <= high:
            raise InputError("timeout", f"the hook timeout must be {low} to {high} seconds, got {self.timeout}")
        return HookFields(
            heartbeat_timeout=self.timeout,
            default_result=_spelled(self.default_result, DEFAULT_RESULTS, "default_result")
            if self.default_result is not None else None,
            status=_spelled(self.status, HOOK_STATUSES, "status") if self.status is not None else None)


def describe_hook(cloud: Cloud, hook_id: str) -> LifecycleHook:
    """The hook with this id; PreconditionFailed when there is none."""
    hook = cloud.ess.get_lifecycle_hook(hook_id)
    if hook is None:
        raise PreconditionFailed(f"lifecycle hook {hook_id} not found in region {cloud.region}")
    return hook


def managing_recipe(cloud: Cloud, hook: LifecycleHook) -> str | None:
    """The recipe that made the hook, as its group's tags record it: its next run sets the hook back."""
    return cloud.ess.group_tags(str(hook.group_id)).get(owner_tag(hook.id)) if hook.group_id else None


def changed_fields(hook: LifecycleHook, change: HookChange) -> list[tuple[str, object, object]]:
    """(API field, before, after) for each field the change gives a new value."""
    fields = change.fields()
    return [(HookFields.api_name(name), getattr(hook, name), value) for name, value in fields.given().items()
            if getattr(hook, name) != value]


def update_hook(cloud: Cloud, hook: LifecycleHook, change: HookChange) -> LifecycleHook:
    """Send the fields the hook (as read before) does not have; returns the hook as ESS describes it afterwards."""
    cloud.ess.modify_lifecycle_hook(hook.id, change.fields().unmet_by(hook), group_id=hook.group_id)
    return describe_hook(cloud, hook.id)
