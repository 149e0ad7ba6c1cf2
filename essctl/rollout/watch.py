"""Follow a rollout to its end, batch by batch: the OOS execution (its loop task's iterations grouped into the
batches Fn::CalculateBatch makes) or the ESS instance refresh. A batch paused by the template (BatchPauseOption)
or a paused refresh ends the watch too: it waits for `rollout resume`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from essctl.casing import pascal_keys
from essctl.events import BatchChanged, RefreshChanged
from essctl.facts import rollout as facts
from essctl.facts.states import is_success, is_terminal
from essctl.watch.watcher import Watcher, oos_execution

if TYPE_CHECKING:
    from essctl.cloud.resources import Execution, InstanceRefresh, TaskExecution


@dataclass
class Batch:
    number: int
    instances: tuple[str, ...]
    states: dict[str, str] = field(default_factory=dict)     # instance -> the iteration's task status

    @property
    def done(self) -> int:
        return sum(1 for i in self.instances if is_success("task", self.states.get(i)))

    @property
    def failed(self) -> list[str]:
        return [i for i in self.instances if self.states.get(i) in ("Failed", "Cancelled")]

    def to_data(self) -> dict[str, Any]:
        return pascal_keys({"batch": self.number, "instances": list(self.instances), "done": self.done,
                            "failed": self.failed, "states": dict(self.states)})


def instance_of(item: Any) -> str | None:
    """The instance a loop iteration works on: the invoke loops pass {InstanceId, LifecycleState}, the rollback
    loops an instance id (either may come as JSON text)."""
    if isinstance(item, str):
        try:
            item = json.loads(item)
        except ValueError:
            return item or None
    if isinstance(item, dict):
        return item.get("InstanceId")
    return item if isinstance(item, str) else None


def loop_batches(execution: Execution, tasks: list[TaskExecution], planned: list[list[str]] | None = None) -> list[Batch]:
    """The execution's batches: the instances its loop task works on (the plan's when known, else the listing task's
    outputs, else the iterations seen), in ceil(n / batchNumber) per batch, with each iteration's status."""
    known = facts.TEMPLATES.get(execution.template_name or "")
    loop_names = {known.invoke_task, known.rollback_task} if known else set()
    loops = [t for t in tasks if t.name in loop_names and not t.parent_id]
    if not loops:
        loops = [t for t in tasks if any(c.parent_id == t.id for c in tasks) and not t.parent_id][:1]
    loop_ids = {t.id for t in loops}
    states: dict[str, str] = {}
    order: list[str] = []
    for task in tasks:
        if task.parent_id in loop_ids:
            instance = instance_of(task.loop_item)
            if instance:
                states[instance] = str(task.status)
                order.append(instance)
    items = [i for batch in planned for i in batch] if planned else _listed(tasks) or list(dict.fromkeys(order))
    number = int(_number((execution.parameters or {}).get("batchNumber"), facts.DEFAULT_BATCHES))
    return [Batch(index + 1, tuple(batch), {i: states[i] for i in batch if i in states})
            for index, batch in enumerate(facts.batches_of(items, number))]


def _number(value: Any, default: int) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _listed(tasks: list[TaskExecution]) -> list[str]:
    """The instances the template's listing task found (getInstance / getExistInstanceIds outputs)."""
    for task in tasks:
        if task.name in ("getInstance", "getExistInstanceIds") and isinstance(task.outputs, dict):
            listed = [instance_of(item) for item in task.outputs.get("instanceIds") or []]
            if listed:
                return [i for i in listed if i]
    return []


@dataclass
class RolloutWatch:
    """What the watch saw at its end."""

    rollout_id: str
    status: str | None = None
    batches: list[Batch] = field(default_factory=list)
    execution: Execution | None = None
    tasks: list[TaskExecution] = field(default_factory=list)
    refresh: InstanceRefresh | None = None
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def paused(self) -> bool:
        return self.status == facts.WAITING or self.status in facts.REFRESH_PAUSED

    @property
    def succeeded(self) -> bool:
        return self.status in ("Success", *facts.REFRESH_SUCCESS) and not self.timed_out

    @property
    def failed(self) -> bool:
        return not self.timed_out and not self.paused and not self.succeeded

    @property
    def running(self) -> list[str]:
        """What had not ended when the watch stopped."""
        return [] if self.succeeded or self.status in (*facts.REFRESH_FAILURE, "Failed", "Cancelled") else [
            f"rollout {self.rollout_id} {self.status}"]

    def to_dict(self) -> dict[str, Any]:
        return self.to_data()

    def failed_batch(self) -> Batch | None:
        return next((batch for batch in self.batches if batch.failed), None)

    def to_data(self) -> dict[str, Any]:
        return pascal_keys({"rollout_id": self.rollout_id, "status": self.status, "paused": self.paused,
                            "timed_out": self.timed_out, "seconds": round(self.seconds, 1),
                            "batches": [b.to_data() for b in self.batches],
                            "execution": self.execution.to_api() if self.execution else None,
                            "instance_refresh": self.refresh.to_api() if self.refresh else None})


class RolloutWatcher(Watcher):
    """A Watcher that also reports batches (OOS) or refresh progress (ESS), and stops at a pause."""

    def rollout(self, execution_id: str, planned: list[list[str]] | None = None) -> RolloutWatch:
        seen = RolloutWatch(execution_id)
        # the template's own tasks; each instance's iteration and nested tasks are summed up by the batch events
        self.shows_task = lambda task: task.execution_id in (None, execution_id) and not task.parent_id

        def poll() -> bool:
            execution = oos_execution(self.cloud, execution_id)
            self._track_execution(execution)
            tasks = self.result.tasks.get(execution_id, [])
            seen.execution, seen.tasks, seen.status = execution, tasks, execution.status
            seen.batches = loop_batches(execution, tasks, planned)
            for batch in seen.batches:
                if batch.states:     # a batch not yet begun has nothing to say
                    self._event(f"batch:{execution_id}:{batch.number}", (batch.done, len(batch.failed)),
                                lambda elapsed, b=batch: BatchChanged(
                                    execution_id, b.number, len(seen.batches), len(b.instances), b.done,
                                    len(b.failed), b.instances, elapsed=elapsed))
            return is_terminal("execution", execution.status) or execution.status == facts.WAITING

        result = self._loop(poll)
        seen.timed_out, seen.seconds = result.timed_out, result.seconds
        return seen

    def refresh(self, group_id: str, task_id: str) -> RolloutWatch:
        seen = RolloutWatch(task_id)

        def poll() -> bool:
            found = self.cloud.ess.instance_refreshes(group_id, task_id=task_id)
            task = next((t for t in found if t.id == task_id), None)
            if task is None:
                from essctl.errors import PreconditionFailed

                raise PreconditionFailed(f"instance refresh {task_id} not found in {group_id}")
            seen.refresh, seen.status = task, task.status
            self._event(f"refresh:{task_id}", (task.status, task.finished), lambda elapsed: RefreshChanged(
                task_id, task.status, task.finished, task.total, task.detail, elapsed=elapsed))
            return task.status not in facts.REFRESH_RUNNING or task.status in facts.REFRESH_PAUSED

        result = self._loop(poll)
        seen.timed_out, seen.seconds = result.timed_out, result.seconds
        return seen
