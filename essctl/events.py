"""What the engine reports while it works, as typed events: the core emits them, the renderers show them (lines, a
live view or JSON lines); the core never prints. `to_dict()` is an event's JSON line."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from essctl.casing import pascal_keys

if TYPE_CHECKING:
    from essctl.recipe.apply import Applied


@dataclasses.dataclass(frozen=True)
class Event:
    kind: ClassVar[str]

    @property
    def message(self) -> str:
        """One line a person reads."""
        raise NotImplementedError

    def data(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "elapsed"}

    def to_dict(self) -> dict[str, Any]:
        return {"Event": self.kind, "Message": self.message, "Elapsed": round(getattr(self, "elapsed", 0.0), 1),
                **pascal_keys(self.data())}


Emit = Callable[[Event], None]


@dataclasses.dataclass(frozen=True)
class WarningEvent(Event):
    kind = "warning"
    text: str

    @property
    def message(self) -> str:
        return self.text

    def data(self) -> dict[str, Any]:
        return {}


@dataclasses.dataclass(frozen=True)
class Waiting(Event):
    """A call refused for now, retried after a pause."""

    kind = "wait"
    text: str
    code: str
    request_id: str | None

    @property
    def message(self) -> str:
        return self.text

    def data(self) -> dict[str, Any]:
        return {"code": self.code, "request_id": self.request_id}


@dataclasses.dataclass(frozen=True)
class StepApplied(Event):
    kind = "step"
    applied: Applied

    @property
    def message(self) -> str:
        applied = self.applied
        shown = " ".join(f"{key}={value}" for key, value in applied.outcome.ids.items())
        return f"{applied.change.kind} {applied.change.target}: {applied.outcome.text}" + (f" ({shown})" if shown else "")

    def data(self) -> dict[str, Any]:
        return {"step": self.applied.to_dict()}


@dataclasses.dataclass(frozen=True)
class Triggered(Event):
    """The recipe's rule was executed: the scaling activity it started."""

    kind = "step"
    rule: str
    rule_ari: str
    activity_id: str
    client_token: str
    attempts: int
    seconds: float

    @property
    def message(self) -> str:
        return f"trigger {self.rule}: scaling activity {self.activity_id}"

    def to_report(self) -> dict[str, Any]:
        return {"RuleAri": self.rule_ari, "ScalingActivityId": self.activity_id, "ClientToken": self.client_token,
                "Attempts": self.attempts, "Seconds": round(self.seconds, 2)}

    def data(self) -> dict[str, Any]:
        return {"trigger": self.to_report()}


@dataclasses.dataclass(frozen=True)
class ActivityChanged(Event):
    kind = "activity"
    activity_id: str
    status: str | None
    progress: int | None
    status_message: str | None
    terminal: bool = dataclasses.field(default=False, compare=False)
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        if self.terminal:
            return f"activity {self.activity_id}: {self.status}" + (f" ({self.status_message})"
                                                                    if self.status_message else "")
        return f"activity {self.activity_id}: {self.status} {self.progress or 0}%"

    def data(self) -> dict[str, Any]:
        return {"activity_id": self.activity_id, "status": self.status, "progress": self.progress,
                "status_message": self.status_message}


@dataclasses.dataclass(frozen=True)
class InstanceChanged(Event):
    kind = "instance"
    instance_id: str
    state: str
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        return f"instance {self.instance_id}: {self.state}"


@dataclasses.dataclass(frozen=True)
class LifecycleActionChanged(Event):
    kind = "lifecycle_action"
    hook_id: str | None
    status: str | None
    result: str | None
    instance_ids: list[str]
    token: str = ""
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        if self.status == "Pending":     # what `essctl hook complete` and `hook heartbeat` need, at hand
            return (f"lifecycle action of hook {self.hook_id}: Pending (token {self.token}, instances "
                    f"{', '.join(self.instance_ids) or 'none'})")
        return f"lifecycle action of hook {self.hook_id}: {self.status}" + (f" {self.result}" if self.result else "")


@dataclasses.dataclass(frozen=True)
class ExecutionChanged(Event):
    kind = "execution"
    execution_id: str
    template: str | None
    status: str | None
    status_message: str | None
    outputs: Any
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        import json

        message = f"execution {self.execution_id} ({self.template}): {self.status}"
        if self.status == "Failed" and self.status_message:
            message += f": {self.status_message}"
        if self.status == "Success" and self.outputs:
            message += f"; outputs {json.dumps(self.outputs, ensure_ascii=False)[:200]}"
        return message


@dataclasses.dataclass(frozen=True)
class TaskChanged(Event):
    kind = "task"
    execution_id: str
    task: str | None
    action: str | None
    status: str | None
    status_message: str | None
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        message = f"task {self.task} ({self.action}): {self.status}"
        if self.status == "Failed" and self.status_message:
            message += f": {self.status_message}"
        return message

    def data(self) -> dict[str, Any]:
        return {"execution_id": self.execution_id, "task": self.task, "status": self.status,
                "status_message": self.status_message}




@dataclasses.dataclass(frozen=True)
class BatchChanged(Event):
    """A rollout's batch progressed: how many of its instances are done and failed."""

    kind = "batch"
    rollout_id: str
    batch: int
    of: int
    size: int
    done: int
    failed: int
    instances: tuple[str, ...] = ()
    elapsed: float = 0.0

    @property
    def status(self) -> str:
        """As a task's status (the live view marks it so)."""
        return "Success" if self.done == self.size else "Failed" if self.failed else "Running"

    @property
    def progress(self) -> str:
        return f"{self.done}/{self.size} done, {self.failed} failed: {', '.join(self.instances)}"

    @property
    def message(self) -> str:
        state = "done" if self.done == self.size else "failed" if self.failed else "in progress"
        return f"batch {self.batch} of {self.of}: {self.done}/{self.size} instances done, {self.failed} failed " \
               f"({state}: {', '.join(self.instances)})"


@dataclasses.dataclass(frozen=True)
class RefreshChanged(Event):
    """An ESS instance refresh progressed."""

    kind = "refresh"
    task_id: str
    status: str | None
    finished: int | None
    total: int | None
    detail: str | None
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        text = f"instance refresh {self.task_id}: {self.status}, {self.finished or 0}/{self.total or 0} instances"
        return text + (f" - {self.detail}" if self.detail else "")


WATCH_EVENTS = (ActivityChanged, InstanceChanged, LifecycleActionChanged, ExecutionChanged, TaskChanged, BatchChanged,
                RefreshChanged)
