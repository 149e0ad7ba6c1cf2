"""Follow a scaling activity (its instances, lifecycle actions and the OOS executions its hooks started) or a
single OOS execution until it ends, emitting an event for every change.

Polling starts fast and backs off (2 s growing by half each round up to 15 s by default), with at most one call
per resource per round; a replay polls without sleeping.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from essctl.core import lookups
from essctl.core.arns import oos_template_of
from essctl.core.events import Emit, Event

TERMINAL_ACTIVITY = frozenset({"Successful", "Warning", "Failed", "Rejected"})
TERMINAL_EXECUTION = frozenset({"Success", "Failed", "Cancelled"})
FIRST_INTERVAL_S = 2.0
MAX_INTERVAL_S = 15.0
BACKOFF = 1.5


@dataclass
class WatchResult:
    activity: dict[str, Any] | None = None
    instances: dict[str, str] = field(default_factory=dict)          # instance id -> lifecycle state / "released"
    lifecycle_actions: dict[str, dict[str, Any]] = field(default_factory=dict)   # token -> action
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)          # id -> execution (+ "Tasks")
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        activity_ok = self.activity is None or self.activity.get("StatusCode") == "Successful"
        executions_ok = all(e.get("Status") == "Success" for e in self.executions.values())
        return not self.timed_out and activity_ok and executions_ok

    @property
    def running(self) -> list[str]:
        """What had not ended when the watch stopped."""
        items = []
        if self.activity and self.activity.get("StatusCode") not in TERMINAL_ACTIVITY:
            items.append(f"activity {self.activity.get('ScalingActivityId')} {self.activity.get('StatusCode')}")
        items += [f"execution {eid} {e.get('Status')}" for eid, e in self.executions.items()
                  if e.get("Status") not in TERMINAL_EXECUTION]
        items += [f"instance {iid} {state}" for iid, state in self.instances.items() if state.endswith(":Wait")]
        return items

    def to_dict(self) -> dict[str, Any]:
        return {
            "succeeded": self.succeeded, "timed_out": self.timed_out, "seconds": round(self.seconds, 1),
            "activity": self.activity, "instances": [{"InstanceId": k, "State": v} for k, v in self.instances.items()],
            "lifecycle_actions": list(self.lifecycle_actions.values()),
            "executions": list(self.executions.values()), "still_running": self.running,
        }


@dataclass
class Pacing:
    """Poll intervals: `first`, growing by BACKOFF up to `longest`; zero when replaying a tape."""

    first: float = FIRST_INTERVAL_S
    longest: float = MAX_INTERVAL_S
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


class Watcher:
    """One watch: call `run()`; it returns the WatchResult and emits an event per change."""

    def __init__(self, session: Any, emit: Emit, *, timeout: float, pacing: Pacing | None = None):
        self.session = session
        self.emit = emit
        self.timeout = timeout
        self.pacing = pacing or Pacing()
        self.result = WatchResult()
        self._started = self.pacing.clock()
        self._seen: dict[str, Any] = {}

    def _event(self, kind: str, key: str, state: Any, message: str, data: dict[str, Any]) -> None:
        """Emit only when the state of `key` changed since the last round."""
        if self._seen.get(key) == state:
            return
        self._seen[key] = state
        self.emit(Event(kind, message, data, self.pacing.clock() - self._started))

    def _loop(self, poll: Callable[[], bool]) -> WatchResult:
        interval = 0.0 if self.session.replaying else self.pacing.first
        while True:
            if poll():
                break
            if self.pacing.clock() - self._started >= self.timeout:
                self.result.timed_out = True
                break
            self.pacing.sleep(interval)
            if not self.session.replaying:
                interval = min(interval * BACKOFF, max(self.pacing.longest, self.pacing.first))
        self.result.seconds = self.pacing.clock() - self._started
        return self.result

    # -- a scaling activity ---------------------------------------------------------------------------------

    def activity(self, activity_id: str, templates: list[str]) -> WatchResult:
        """Follow an activity and the executions of `templates` tagged with it, until all of them end."""
        rounds_after_end = 0

        def poll() -> bool:
            nonlocal rounds_after_end
            activity = self._poll_activity(activity_id)
            group_id = activity.get("ScalingGroupId")
            if group_id:
                self._poll_instances(group_id, activity_id)
            self._poll_lifecycle_actions(activity_id)
            for template in templates:
                self._poll_executions(template, activity_id)
            executions_done = all(e.get("Status") in TERMINAL_EXECUTION for e in self.result.executions.values())
            if activity.get("StatusCode") in TERMINAL_ACTIVITY and executions_done:
                # An execution may still be registering when a rejected or quick activity ends: one more round.
                rounds_after_end += 1
                return bool(self.result.executions) or not templates or rounds_after_end > 1
            return False

        return self._loop(poll)

    def _poll_activity(self, activity_id: str) -> dict[str, Any]:
        activity = lookups.scaling_activity(self.session, activity_id)
        self.result.activity = activity
        status, progress = activity.get("StatusCode"), activity.get("Progress")
        message = f"activity {activity_id}: {status} {progress or 0}%"
        if status in TERMINAL_ACTIVITY:
            message = f"activity {activity_id}: {status}" + (f" ({activity['StatusMessage']})"
                                                               if activity.get("StatusMessage") else "")
        self._event("activity", f"activity:{activity_id}", (status, progress), message,
                    {"activity_id": activity_id, "status": status, "progress": progress,
                     "status_message": activity.get("StatusMessage")})
        return activity

    def _poll_instances(self, group_id: str, activity_id: str) -> None:
        present = {i["InstanceId"]: i.get("LifecycleState")
                   for i in lookups.activity_instances(self.session, group_id, activity_id)}
        for instance_id in list(self.result.instances):
            if instance_id not in present:
                present[instance_id] = "released"
        for instance_id, state in present.items():
            self.result.instances[instance_id] = state
            self._event("instance", f"instance:{instance_id}", state, f"instance {instance_id}: {state}",
                        {"instance_id": instance_id, "state": state})

    def _poll_lifecycle_actions(self, activity_id: str) -> None:
        for item in lookups.lifecycle_actions(self.session, activity_id):
            token = item.get("LifecycleActionToken", "")
            self.result.lifecycle_actions[token] = item
            status, outcome = item.get("LifecycleActionStatus"), item.get("LifecycleActionResult")
            self._event("lifecycle_action", f"action:{token}", (status, outcome),
                        f"lifecycle action of hook {item.get('LifecycleHookId')}: {status}"
                        + (f" {outcome}" if outcome and status != "Pending" else ""),
                        {"hook_id": item.get("LifecycleHookId"), "status": status, "result": outcome,
                         "instance_ids": item.get("InstanceIds")})

    def _poll_executions(self, template: str, activity_id: str) -> None:
        for execution in lookups.executions_of_activity(self.session, template, activity_id):
            self._track_execution(execution)

    def _track_execution(self, item: dict[str, Any]) -> None:
        """Poll the execution's tasks; events read in order: the execution running, its tasks, the execution ended."""
        execution_id = item["ExecutionId"]
        known = self.result.executions.get(execution_id, {})
        if known.get("Status") in TERMINAL_EXECUTION and "Tasks" in known:
            return
        item["Tasks"] = lookups.task_executions(self.session, execution_id)
        self.result.executions[execution_id] = item
        ended = item.get("Status") in TERMINAL_EXECUTION
        if not ended:
            self._execution_event(item)
        for task in item["Tasks"]:
            self._task_event(execution_id, task)
        if ended:
            self._execution_event(item)

    def _execution_event(self, item: dict[str, Any]) -> None:
        execution_id, status = item["ExecutionId"], item.get("Status")
        message = f"execution {execution_id} ({item.get('TemplateName')}): {status}"
        if status == "Failed" and item.get("StatusMessage"):
            message += f": {item['StatusMessage']}"
        outputs = _json_or_text(item.get("Outputs"))
        if status == "Success" and outputs:
            message += f"; outputs {json.dumps(outputs, ensure_ascii=False)[:200]}"
        self._event("execution", f"execution:{execution_id}", status, message,
                    {"execution_id": execution_id, "template": item.get("TemplateName"), "status": status,
                     "status_message": item.get("StatusMessage"), "outputs": outputs})

    def _task_event(self, execution_id: str, task: dict[str, Any]) -> None:
        status = task.get("Status")
        message = f"task {task.get('TaskName')} ({task.get('TaskAction')}): {status}"
        if status == "Failed" and task.get("StatusMessage"):
            message += f": {task['StatusMessage']}"
        self._event("task", f"task:{task.get('TaskExecutionId')}", status, message,
                    {"execution_id": execution_id, "task": task.get("TaskName"), "status": status,
                     "status_message": task.get("StatusMessage")})

    # -- a single OOS execution -----------------------------------------------------------------------------

    def execution(self, execution_id: str) -> WatchResult:
        def poll() -> bool:
            execution = lookups.oos_execution(self.session, execution_id)
            self._track_execution(execution)
            return execution.get("Status") in TERMINAL_EXECUTION

        return self._loop(poll)


def hook_templates_and_timeout(session: Any, activity_id: str) -> tuple[list[str], float]:
    """The OOS templates the activity's group's hooks start, and the longest hook timeout plus the margin."""
    from essctl.core.inventory import list_lifecycle_hooks
    from essctl.core.template_parameters import HEARTBEAT_MARGIN_S

    activity = lookups.scaling_activity(session, activity_id)
    hooks = [hook for hook in list_lifecycle_hooks(session, activity["ScalingGroupId"])
             if hook.get("LifecycleHookStatus") != "InActive"]
    templates = sorted({name for hook in hooks if (name := oos_template_of(hook.get("NotificationArn")))})
    longest = max((int(hook.get("HeartbeatTimeout") or 600) for hook in hooks), default=600)
    return templates, float(longest + HEARTBEAT_MARGIN_S)


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except ValueError:
            return value
    return value
