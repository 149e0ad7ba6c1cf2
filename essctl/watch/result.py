"""What a watch saw: the activity, its instances, lifecycle actions and the executions with their tasks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from essctl.cloud.resources import Execution, LifecycleAction, ScalingActivity, TaskExecution
from essctl.facts.states import is_success, is_terminal


@dataclass
class WatchResult:
    activity: ScalingActivity | None = None
    instances: dict[str, str] = field(default_factory=dict)                  # id -> lifecycle state / "released"
    lifecycle_actions: dict[str, LifecycleAction] = field(default_factory=dict)   # token -> action
    executions: dict[str, Execution] = field(default_factory=dict)
    tasks: dict[str, list[TaskExecution]] = field(default_factory=dict)      # execution id -> its tasks
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        activity_ok = self.activity is None or is_success("activity", self.activity.status)
        executions_ok = all(is_success("execution", e.status) for e in self.executions.values())
        return not self.timed_out and activity_ok and executions_ok

    @property
    def running(self) -> list[str]:
        """What had not ended when the watch stopped."""
        items = []
        if self.activity and not is_terminal("activity", self.activity.status):
            items.append(f"activity {self.activity.id} {self.activity.status}")
        items += [f"execution {eid} {e.status}" for eid, e in self.executions.items()
                  if not is_terminal("execution", e.status)]
        items += [f"instance {iid} {state}" for iid, state in self.instances.items() if state.endswith(":Wait")]
        return items

    def to_dict(self) -> dict[str, Any]:
        return {
            "Succeeded": self.succeeded, "TimedOut": self.timed_out, "Seconds": round(self.seconds, 1),
            "Activity": self.activity.to_api() if self.activity else None,
            "Instances": [{"InstanceId": k, "State": v} for k, v in self.instances.items()],
            "LifecycleActions": [action.to_api() for action in self.lifecycle_actions.values()],
            "Executions": [{**execution.to_api(), "Tasks": [task.to_api() for task in self.tasks.get(eid, [])]}
                           for eid, execution in self.executions.items()],
            "StillRunning": self.running,
        }
