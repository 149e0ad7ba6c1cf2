"""Which states of each resource are terminal, failed or still moving: one table, read by the watch, diagnose and
the renderers (as botocore's waiter definitions keep acceptor states as data).

Sources: api-facts §2.6 (activity StatusCode), §2.8 (LifecycleActionStatus), §3.3 (execution and task Status),
§2.7 (instance LifecycleState)."""
from __future__ import annotations

from typing import Mapping

# kind -> {"success": ..., "failure": ..., "running": ...}; terminal = success | failure.
STATES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "activity": {
        "success": frozenset({"Successful"}),
        "failure": frozenset({"Failed", "Rejected", "Warning"}),    # Warning: partly failed
        "running": frozenset({"InProgress"}),
    },
    "execution": {
        "success": frozenset({"Success"}),
        "failure": frozenset({"Failed", "Cancelled"}),
        "running": frozenset({"Started", "Queued", "Running", "Waiting", "Pending"}),
    },
    "task": {
        "success": frozenset({"Success", "Skipped"}),
        "failure": frozenset({"Failed", "Cancelled"}),
        "running": frozenset({"Started", "Queued", "Running", "Waiting", "Pending"}),
    },
    "lifecycle_action": {
        "success": frozenset({"Completed"}),
        "failure": frozenset({"Timeout"}),
        "running": frozenset({"Pending"}),
    },
    "refresh": {     # ESS instance refresh tasks (facts/rollout.py)
        "success": frozenset({"Successful", "RollbackSuccessful"}),
        "failure": frozenset({"Failed", "Cancelled", "RollbackFailed"}),
        "running": frozenset({"Pending", "InProgress", "Cancelling", "RollbackInProgress", "Paused",
                              "CheckpointPause"}),
    },
    "instance": {
        "success": frozenset({"InService"}),
        "failure": frozenset(),
        "running": frozenset({"Pending", "Pending:Wait", "Removing", "Removing:Wait"}),
    },
}
RELEASED = "released"           # an instance no longer listed: essctl's own state, not the API's
FAILED_RESULTS = frozenset({"ABANDON", "ROLLBACK"})   # lifecycle action results that stop the instance


def is_terminal(kind: str, state: str | None) -> bool:
    table = STATES[kind]
    return state in table["success"] or state in table["failure"]


def is_success(kind: str, state: str | None) -> bool:
    return state in STATES[kind]["success"]


def is_failure(kind: str, state: str | None) -> bool:
    return state in STATES[kind]["failure"]


def is_running(kind: str, state: str | None) -> bool:
    return state in STATES[kind]["running"]
