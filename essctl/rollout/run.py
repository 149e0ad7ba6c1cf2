"""A rollout from end to end: plan, refuse a failing precondition, confirm, grant (role, policy), start with a
ClientToken, watch batch by batch; a failed rollout diagnoses itself and, when asked, rolls back. Once it has
started, every exit names the command that resumes watching."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from essctl.casing import pascal, pascal_keys
from essctl.errors import EssctlError, Interrupted
from essctl.events import Emit, WarningEvent
from essctl.exitcodes import ExitCode
from essctl.facts import rollout as facts
from essctl.recipe.apply import Applied, apply_changes
from essctl.recipe.run import Stop
from essctl.recipe.steps import ApplyContext
from essctl.rollout.diagnosis import RolloutDiagnosis, diagnose_rollout
from essctl.rollout.plan import RolloutPlan, make_rollout_plan, refuse_failing
from essctl.rollout.watch import RolloutWatch, RolloutWatcher
from essctl.watch.watcher import Pacing, paced

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import Call
    from essctl.rollout.model import RolloutSpec


@dataclass
class RolloutReport:
    plan: RolloutPlan
    applied: list[Applied] = field(default_factory=list)
    rollout_id: str | None = None
    watch: RolloutWatch | None = None
    rollback_id: str | None = None
    rollback_watch: RolloutWatch | None = None
    diagnosis: RolloutDiagnosis | None = None
    confirmed: bool = True
    dry_run: bool = False
    stopped: Stop | None = None
    calls: list[Call] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if not self.confirmed:
            return "cancelled"
        if self.stopped is not None:
            return "interrupted" if self.stopped.exit_code == ExitCode.INTERRUPTED else "stopped"
        if self.watch is None:
            return "applied"
        if self.watch.timed_out:
            return "timed out"
        if self.watch.paused:
            return "paused"
        if self.watch.succeeded:
            return "succeeded"
        if self.rollback_watch is not None:
            return "rolled back" if self.rollback_watch.succeeded else "rollback failed"
        return "failed"

    @property
    def exit_code(self) -> ExitCode:
        if self.stopped is not None:
            return self.stopped.exit_code
        return {"timed out": ExitCode.TIMEOUT, "succeeded": ExitCode.OK, "paused": ExitCode.OK,
                "applied": ExitCode.OK}.get(self.outcome, ExitCode.OPERATION_FAILED)

    def resume(self) -> list[str]:
        """The commands that go on from here (none for a replay: its rollout exists only on the tape)."""
        if self.dry_run or self.rollout_id is None:
            return []
        where = f" --group {self.plan.group_id} --region {self.plan.where.region}"
        commands = []
        if self.outcome == "paused":
            commands.append(f"essctl rollout resume {self.rollout_id}{where}")
        commands.append(f"essctl rollout watch {self.rollback_id or self.rollout_id}{where}")
        if self.outcome in ("failed", "rollback failed"):
            commands.append(f"essctl rollout rollback {self.rollout_id}{where}")
        return commands

    def to_data(self) -> dict[str, Any]:
        return pascal_keys({
            "outcome": self.outcome, "dry_run": self.dry_run, "rollout_id": self.rollout_id,
            "stopped": None if self.stopped is None else {"Phase": self.stopped.phase, "Reason": self.stopped.reason},
            "resume": self.resume(), "plan": self.plan.to_data(),
            "applied": [item.to_dict() for item in self.applied],
            "watch": self.watch.to_data() if self.watch else None, "rollback_id": self.rollback_id,
            "rollback": self.rollback_watch.to_data() if self.rollback_watch else None,
            "diagnosis": self.diagnosis.to_data() if self.diagnosis else None,
            "seconds": {pascal(step): round(value, 2) for step, value in self.seconds.items()},
            "calls": [call.to_dict() for call in self.calls],
            "mutating_calls": sum(1 for call in self.calls if call.mutating)})


@dataclass
class WatchOptions:
    timeout: float | None = None       # default: twice the plan's estimate, at least an hour
    pacing: Pacing | None = None


def watch_timeout(plan_estimate: int, options: WatchOptions) -> float:
    return options.timeout if options.timeout is not None else float(max(3600, 2 * plan_estimate))


def start_rollout(cloud: Cloud, spec: RolloutSpec, options: WatchOptions, *, confirm: Callable[[RolloutPlan], bool],
                  emit: Emit) -> RolloutReport:
    started = time.monotonic()
    try:
        plan = make_rollout_plan(cloud, spec)
    except KeyboardInterrupt:
        raise Interrupted("interrupted while planning: nothing was changed") from None
    refuse_failing(plan)
    report = RolloutReport(plan=plan, dry_run=cloud.replaying, calls=cloud.calls)
    for warning in plan.warnings:
        emit(WarningEvent(warning))
    if not confirm(plan):
        report.confirmed = False
        return report
    phase = "apply"
    try:
        context = ApplyContext(known={}, emit=emit)
        apply_changes(cloud, plan.setup, context, report.applied)
        phase = "start"
        start = plan.start
        outcome = start.step.apply(cloud, start, context)
        report.applied.append(Applied(start, outcome))
        report.rollout_id = outcome.ids.get("ExecutionId") or outcome.ids.get("InstanceRefreshTaskId")
        phase = "watch"
        report.watch = follow(cloud, spec, str(report.rollout_id), options, emit,
                              planned=[list(b) for b in plan.batches], timeout=watch_timeout(plan.estimate_s, options))
        if report.watch.failed:
            report.diagnosis = diagnose_rollout(report.watch)
            if spec.rollback_on_failure:
                phase = "rollback"
                report.rollback_id = start_rollback(cloud, spec.group_id, report.watch, spec=spec)
                report.rollback_watch = follow(cloud, spec, report.rollback_id, options, emit,
                                               timeout=watch_timeout(plan.estimate_s, options))
    except (KeyboardInterrupt, EssctlError, OSError) as exc:
        if report.rollout_id is None and not any(a.change.changes_something for a in report.applied):
            if isinstance(exc, KeyboardInterrupt):
                raise Interrupted(f"interrupted during the {phase}: nothing was started") from None
            raise
        report.stopped = Stop.of(phase, exc)
    report.seconds["total"] = time.monotonic() - started
    return report


def follow(cloud: Cloud, spec_or_group: Any, rollout_id: str, options: WatchOptions, emit: Emit, *,
           planned: list[list[str]] | None = None, timeout: float | None = None) -> RolloutWatch:
    """Watch one rollout: an OOS execution (exec-...) or an instance refresh task of the group."""
    group_id = spec_or_group if isinstance(spec_or_group, str) else spec_or_group.group_id
    watcher = RolloutWatcher(cloud, emit, timeout=timeout or watch_timeout(0, options),
                             pacing=paced(cloud, options.pacing))
    if is_refresh_id(rollout_id):
        return watcher.refresh(group_id, rollout_id)
    return watcher.rollout(rollout_id, planned)


def is_refresh_id(rollout_id: str) -> bool:
    """OOS execution ids start with exec-; anything else is taken for an ESS instance refresh task."""
    return not rollout_id.startswith("exec-")


def start_rollback(cloud: Cloud, group_id: str, source: RolloutWatch, *, spec: RolloutSpec | None = None,
                   parameters: dict[str, Any] | None = None) -> str:
    """Start the documented rollback of `source`: RollbackInstanceRefresh for a refresh; for a template, a new
    execution with invokeType rollback, sourceExecutionId and what the template rolls back with (the source's
    sourceImageId, rollbackScript, package...), given or taken from the source execution."""
    from essctl.recipe.steps.trigger import client_token

    if source.refresh is not None or is_refresh_id(source.rollout_id):
        cloud.ess.change_instance_refresh("Rollback", group_id, source.rollout_id)
        return source.rollout_id
    execution = source.execution
    template = facts.TEMPLATES.get(execution.template_name or "")
    previous = dict(execution.parameters or {})
    values: dict[str, Any] = {"invokeType": facts.ROLLBACK, "sourceExecutionId": execution.id,
                              "scalingGroupId": previous.get("scalingGroupId", group_id)}
    for name in (*(template.rollback_parameters if template else ()), "batchNumber", "batchPauseOption",
                 "OOSAssumeRole", "commandType", "lifecycleState"):
        if name in previous:
            values[name] = previous[name]
    if template is not None and template.kind == "package" and not (parameters or {}).get("packageVersion"):
        values["action"] = "uninstall" if previous.get("action", "install") == "install" else "install"
    values.update(parameters or {})
    started = cloud.oos.start_execution(str(execution.template_name), values, client_token(),
                                        tags={facts.GROUP_TAG: group_id})
    return started.id
