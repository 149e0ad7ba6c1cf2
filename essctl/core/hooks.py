"""Changing a lifecycle hook in place: ModifyLifecycleHook, then the hook as ESS describes it afterwards."""
from __future__ import annotations

from typing import Any

from essctl.errors import PreconditionFailed, UsageError

HEARTBEAT_MIN_S, HEARTBEAT_MAX_S = 30, 21600
DEFAULT_RESULTS = ("CONTINUE", "ABANDON", "ROLLBACK")
STATUSES = ("Active", "InActive")


def describe_hook(session: Any, hook_id: str) -> dict[str, Any]:
    """The hook with this id (DescribeLifecycleHooks by id); PreconditionFailed when there is none."""
    from alibabacloud_ess20220222 import models

    body = session.ess.describe_lifecycle_hooks(models.DescribeLifecycleHooksRequest(
        region_id=session.region, lifecycle_hook_ids=[hook_id])).body
    hook = next((h.to_map() for h in body.lifecycle_hooks or [] if h.lifecycle_hook_id == hook_id), None)
    if hook is None:
        raise PreconditionFailed(f"lifecycle hook {hook_id} not found in region {session.region}")
    return hook


def hook_changes(*, timeout: int | None = None, default_result: str | None = None,
                 status: str | None = None) -> dict[str, Any]:
    """The ModifyLifecycleHook fields for the asked changes, checked before anything is sent."""
    changes: dict[str, Any] = {}
    if timeout is not None:
        if not HEARTBEAT_MIN_S <= timeout <= HEARTBEAT_MAX_S:
            raise UsageError(f"--timeout: the hook timeout must be {HEARTBEAT_MIN_S} to {HEARTBEAT_MAX_S} seconds, "
                             f"got {timeout}")
        changes["HeartbeatTimeout"] = timeout
    if default_result is not None:
        changes["DefaultResult"] = _spelled(default_result, DEFAULT_RESULTS, "--default-result")
    if status is not None:
        changes["LifecycleHookStatus"] = _spelled(status, STATUSES, "--status")
    if not changes:
        raise UsageError("nothing to change: give --timeout, --default-result or --status")
    return changes


def update_hook(session: Any, hook_id: str, *, timeout: int | None = None, default_result: str | None = None,
                status: str | None = None) -> dict[str, Any]:
    """Change the hook's timeout, default result or status; returns the hook as ESS describes it afterwards."""
    from alibabacloud_ess20220222 import models

    changes = hook_changes(timeout=timeout, default_result=default_result, status=status)
    hook = describe_hook(session, hook_id)
    request = models.ModifyLifecycleHookRequest().from_map({
        "RegionId": session.region, "ScalingGroupId": hook["ScalingGroupId"], "LifecycleHookId": hook_id, **changes})
    session.ess.modify_lifecycle_hook(request)
    return describe_hook(session, hook_id)


def _spelled(value: str, allowed: tuple[str, ...], option: str) -> str:
    """`value` in the API's own spelling (matched case-insensitively)."""
    found = next((item for item in allowed if item.lower() == value.lower()), None)
    if found is None:
        raise UsageError(f"{option}: expected one of {', '.join(allowed)}, got {value!r}")
    return found
