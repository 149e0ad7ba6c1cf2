"""Which mutating calls may be sent twice.

A call that carries a ClientToken (ESS ExecuteScalingRule, CompleteLifecycleAction, ResumeProcesses and
StartInstanceRefresh, OOS StartExecution) is
idempotent: the service answers a repeat with the first call's result, so the SDK may retry it after a lost answer
(no answer, a 5xx, throttling). The calls below carry no ClientToken. When one was applied and its answer lost, a
blind retry either fails ("already exists": the run ends although the change was made) or does it twice (a second
identical policy version uses up one of RAM's five). essctl has the SDK send them once and, after a lost answer,
its gateway (essctl/cloud/ess.py, ram.py) reads the state back and sends again only when the change is not there.
"""
from __future__ import annotations

# Setting tags to the same values again, or removing tag keys already gone, changes nothing: a repeat is harmless.
IDEMPOTENT: dict[str, frozenset[str]] = {
    "ess": frozenset({"TagResources", "UntagResources"}),
}

WITH_CLIENT_TOKEN: dict[str, frozenset[str]] = {
    "ess": frozenset({"ExecuteScalingRule", "CompleteLifecycleAction", "ResumeProcesses",
                      "StartInstanceRefresh"}),
    "oos": frozenset({"StartExecution"}),
}

SENT_ONCE: dict[str, frozenset[str]] = {
    "ram": frozenset({
        "CreatePolicy", "CreatePolicyVersion", "CreateRole", "AttachPolicyToRole", "DetachPolicyFromRole",
        "DeletePolicy", "DeletePolicyVersion",
    }),
    "ess": frozenset({
        "CreateLifecycleHook", "ModifyLifecycleHook", "DeleteLifecycleHook", "CreateScalingRule",
        "DeleteScalingRule",
        # an instance refresh's state changes: a repeat of one already made is refused; the task is read back
        "SuspendInstanceRefresh", "ResumeInstanceRefresh", "RollbackInstanceRefresh", "CancelInstanceRefresh",
        # No ClientToken and nothing to read back (DescribeLifecycleActions shows no deadline); a repeat would use
        # up another of the action's limited extensions, so a lost answer is reported, not retried.
        "RecordLifecycleActionHeartbeat",
    }),
    # a rollout's notification (a waiting batch goes on) and cancellation: read back, never sent twice
    "oos": frozenset({"NotifyExecution", "CancelExecution"}),
}


def sent_once(service: str, action: str) -> bool:
    """Whether the SDK must not retry this call by itself (it has no ClientToken)."""
    return action in SENT_ONCE.get(service, frozenset())
