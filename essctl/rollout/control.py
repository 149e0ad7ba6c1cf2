"""Acting on a rollout that exists: its status, the group's rollouts, pause, resume, cancel (resuming the processes
the template suspended) and rollback. Each reads the rollout back after changing it (none of these calls but
ResumeProcesses has a ClientToken)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from essctl.casing import pascal_keys
from essctl.errors import PreconditionFailed
from essctl.facts import rollout as facts
from essctl.facts.states import is_terminal
from essctl.recipe.steps.trigger import client_token
from essctl.rollout.run import is_refresh_id
from essctl.rollout.watch import RolloutWatch, loop_batches

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud


@dataclass(frozen=True)
class RolloutSummary:
    """One line of `rollout list`."""

    id: str
    engine: str
    template: str | None
    status: str | None
    started: str | None
    ended: str | None

    def to_api(self) -> dict[str, Any]:
        return {"RolloutId": self.id, "Engine": self.engine, "TemplateName": self.template, "Status": self.status,
                "StartTime": self.started, "EndTime": self.ended}


@dataclass(frozen=True)
class ControlResult:
    """What a pause, resume, cancel or rollback did, and the rollout as read back."""

    verb: str
    rollout_id: str
    calls: tuple[str, ...]
    status: RolloutWatch
    note: str = ""
    new_id: str | None = None     # a rollback's own execution

    def to_data(self) -> dict[str, Any]:
        return pascal_keys({"action": self.verb, "rollout_id": self.rollout_id, "calls": list(self.calls),
                            "note": self.note, "new_id": self.new_id, "status": self.status.to_data()})


def list_rollouts(cloud: Cloud, group_id: str, *, max_items: int | None = None) -> list[RolloutSummary]:
    """The group's rollouts, newest first: the executions essctl started (tagged with the group) and the group's
    instance refresh tasks."""
    found = [RolloutSummary(e.id, facts.ENGINE_OOS, e.template_name, e.status, e.start_date, e.end_date)
             for e in cloud.oos.executions_tagged({facts.GROUP_TAG: group_id}, max_items=max_items)]
    found += [RolloutSummary(t.id, facts.ENGINE_REFRESH, None, t.status, t.start_time, t.end_time)
              for t in cloud.ess.instance_refreshes(group_id, max_items=max_items)]
    found.sort(key=lambda item: item.started or "", reverse=True)
    return found[:max_items] if max_items else found


def latest(cloud: Cloud, group_id: str) -> str:
    found = list_rollouts(cloud, group_id)
    if not found:
        raise PreconditionFailed(f"no rollout found in {group_id} (essctl rollout list --group {group_id})")
    return found[0].id


def status(cloud: Cloud, group_id: str, rollout_id: str) -> RolloutWatch:
    """The rollout as it is now: an execution with its batches, or a refresh task."""
    seen = RolloutWatch(rollout_id)
    if is_refresh_id(rollout_id):
        task = next((t for t in cloud.ess.instance_refreshes(group_id, task_id=rollout_id) if t.id == rollout_id), None)
        if task is None:
            raise PreconditionFailed(f"instance refresh {rollout_id} not found in {group_id}")
        seen.refresh, seen.status = task, task.status
        return seen
    execution = cloud.oos.get_execution(rollout_id)
    if execution is None:
        raise PreconditionFailed(f"OOS execution {rollout_id} not found in region {cloud.region}")
    seen.execution, seen.status = execution, execution.status
    seen.tasks = cloud.oos.task_executions(rollout_id)
    seen.batches = loop_batches(execution, seen.tasks)
    return seen


def pause(cloud: Cloud, group_id: str, rollout_id: str) -> ControlResult:
    if is_refresh_id(rollout_id):
        cloud.ess.change_instance_refresh("Suspend", group_id, rollout_id)
        return ControlResult("pause", rollout_id, ("ess:SuspendInstanceRefresh",), status(cloud, group_id, rollout_id))
    current = status(cloud, group_id, rollout_id)
    option = (current.execution.parameters or {}).get("batchPauseOption", "Automatic")
    if current.status == facts.WAITING:
        return ControlResult("pause", rollout_id, (), current, "already paused between batches")
    raise PreconditionFailed(
        f"{rollout_id} cannot be paused now: an OOS rolling update pauses itself between batches only when started "
        f"with --pause first or --pause every (it has batchPauseOption {option}); OOS has no call that pauses a "
        f"running execution. Stop it with: essctl rollout cancel {rollout_id} --group {group_id}")


def resume(cloud: Cloud, group_id: str, rollout_id: str) -> ControlResult:
    if is_refresh_id(rollout_id):
        cloud.ess.change_instance_refresh("Resume", group_id, rollout_id)
        return ControlResult("resume", rollout_id, ("ess:ResumeInstanceRefresh",),
                             status(cloud, group_id, rollout_id))
    current = status(cloud, group_id, rollout_id)
    if current.status != facts.WAITING:
        raise PreconditionFailed(f"{rollout_id} is {current.status}, not Waiting between batches: nothing to resume")
    cloud.oos.notify_execution(rollout_id, facts.NOTIFY_RESUME, note="essctl rollout resume")
    return ControlResult("resume", rollout_id, (f"oos:NotifyExecution NotifyType={facts.NOTIFY_RESUME}",),
                         status(cloud, group_id, rollout_id))


def cancel(cloud: Cloud, group_id: str, rollout_id: str) -> ControlResult:
    """Cancel the rollout; for a template, also resume the processes it suspended (a cancelled execution never runs
    its resumeProcesses task)."""
    if is_refresh_id(rollout_id):
        cloud.ess.change_instance_refresh("Cancel", group_id, rollout_id)
        return ControlResult("cancel", rollout_id, ("ess:CancelInstanceRefresh",),
                             status(cloud, group_id, rollout_id))
    current = status(cloud, group_id, rollout_id)
    calls = []
    if not is_terminal("execution", current.status):
        cloud.oos.cancel_execution(rollout_id)
        calls.append("oos:CancelExecution")
    # only what this rollout suspended and the group still has suspended
    processes = [str(p) for p in (current.execution.parameters or {}).get("enterProcess") or ()]
    group = cloud.ess.get_scaling_group(group_id)
    suspended = [p for p in processes if group is not None and p in group.suspended_processes]
    if suspended:
        cloud.ess.resume_processes(group_id, suspended, client_token())
        calls.append(f"ess:ResumeProcesses {','.join(suspended)}")
    return ControlResult("cancel", rollout_id, tuple(calls), status(cloud, group_id, rollout_id),
                         f"resumed {', '.join(suspended)}" if suspended else "no process to resume")


def rollback(cloud: Cloud, group_id: str, rollout_id: str | None, parameters: dict[str, Any]) -> ControlResult:
    from essctl.rollout.run import start_rollback

    rollout_id = rollout_id or latest(cloud, group_id)
    source = status(cloud, group_id, rollout_id)
    if not is_refresh_id(rollout_id) and source.execution is not None \
            and (source.execution.parameters or {}).get("invokeType") == facts.ROLLBACK:
        raise PreconditionFailed(f"{rollout_id} is itself a rollback; roll back the rollout it undid")
    new_id = start_rollback(cloud, group_id, source, parameters=parameters)
    call = "ess:RollbackInstanceRefresh" if is_refresh_id(rollout_id) else "oos:StartExecution invokeType=rollback"
    return ControlResult("rollback", rollout_id, (call,), status(cloud, group_id, new_id), new_id=new_id)
