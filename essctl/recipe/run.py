"""A recipe run from end to end: plan, confirm, apply, trigger, watch; and the report of what happened."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from essctl.casing import pascal
from essctl.errors import CloudAPIError, EssctlError, Interrupted, PreconditionFailed
from essctl.events import Emit, Triggered, WarningEvent
from essctl.exitcodes import ExitCode
from essctl.facts.oos import HEARTBEAT_MARGIN_S
from essctl.recipe.apply import Applied, apply_plan
from essctl.recipe.catalog import recipe_reference
from essctl.recipe.plan import Plan, make_plan
from essctl.watch.watcher import Pacing, Watcher, paced

if TYPE_CHECKING:
    from essctl.cloud.converge import Check
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import Call
    from essctl.diagnose.report import DiagnosisReport
    from essctl.recipe.model import Recipe
    from essctl.recipe.steps import ApplyContext, RunSpec
    from essctl.watch.result import WatchResult


@dataclass
class RunOptions:
    timeout: float | None = None      # the watch; default: the longest hook timeout plus the margin
    pacing: Pacing | None = None


INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Stop:
    """Why a run ended before its watch did, and in which phase (apply, trigger, watch): Ctrl-C, an error (past
    the SDK's retries), a recording that could not be written, or output that went away."""

    phase: str
    reason: str
    exit_code: ExitCode
    refused: bool = False     # the cloud refused the step outright (a trigger that cannot scale did not start)

    @classmethod
    def of(cls, phase: str, exc: BaseException) -> Stop:
        if isinstance(exc, KeyboardInterrupt):
            return cls(phase, INTERRUPTED, ExitCode.INTERRUPTED)
        if isinstance(exc, BrokenPipeError):
            return cls(phase, "the output was closed (broken pipe)", ExitCode.OPERATION_FAILED)
        return cls(phase, str(exc), exc.exit_code if isinstance(exc, EssctlError) else ExitCode.OPERATION_FAILED,
                   refused=isinstance(exc, PreconditionFailed))

    @property
    def trigger_unknown(self) -> bool:
        """Stopped while ExecuteScalingRule's answer was awaited: the scale-out may or may not have started."""
        return self.phase == "trigger" and not self.refused


@dataclass
class RunReport:
    plan: Plan
    applied: list[Applied] = field(default_factory=list)
    triggered: Triggered | None = None
    watch: WatchResult | None = None
    confirmed: bool = True
    seconds: dict[str, float] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)     # read-backs after lost answers (cloud/converge.py)
    dry_run: bool = False
    trigger_error: CloudAPIError | None = None
    diagnosis: DiagnosisReport | None = None     # when the run failed
    stopped: Stop | None = None                  # ended before the watch did

    @property
    def outcome(self) -> str:
        if not self.confirmed:
            return "cancelled"
        if self.stopped is not None:
            return INTERRUPTED if self.stopped.reason == INTERRUPTED else "stopped"
        if self.trigger_error is not None:
            return "failed"
        if self.watch is None:
            return "applied"
        if self.watch.timed_out:
            return "timed out"
        return "succeeded" if self.watch.succeeded else "failed"

    @property
    def exit_code(self) -> ExitCode:
        if self.stopped is not None:
            return self.stopped.exit_code
        if self.trigger_error is not None:
            return self.trigger_error.exit_code
        return {"timed out": ExitCode.TIMEOUT, "failed": ExitCode.OPERATION_FAILED,
                "cancelled": ExitCode.OPERATION_FAILED}.get(self.outcome, ExitCode.OK)

    def not_done(self) -> list[str]:
        """The planned changes a stopped run did not make (the trigger included)."""
        made = {id(item.change) for item in self.applied}
        pending = [c for c in self.plan.changes if c.changes_something and id(c) not in made]
        if self.triggered is not None or (self.stopped is not None and self.stopped.trigger_unknown):
            pending = [c for c in pending if c is not self.plan.trigger]   # made, or not known: resume() says
        return [f"{change.kind} {change.target}" for change in pending]

    def resume(self) -> list[str]:
        """The commands that pick up where a run that did not watch to the end left off (none for a replay: its
        activity exists only on the tape)."""
        if self.dry_run:
            return []
        region = f" --region {self.plan.where.region}"
        if self.triggered is not None and (self.stopped is not None or self.outcome == "timed out"):
            activity = self.triggered.activity_id
            return [f"essctl activity watch {activity}{region}", f"essctl diagnose --activity {activity}{region}"]
        if self.stopped is not None and self.stopped.trigger_unknown:
            # ExecuteScalingRule may have been applied with its answer lost: the group's activities say.
            return [f"essctl activity list --group {self.plan.group_id}{region}"]
        if self.stopped is not None and not self.stopped.refused:   # a refusal's own line says what to fix
            return [f"essctl recipe plan {recipe_reference(self.plan.recipe)} --group {self.plan.group_id}{region}"]
        return []

    def to_data(self) -> dict[str, Any]:
        return {
            "Recipe": self.plan.recipe.name, "Outcome": self.outcome, "DryRun": self.dry_run,
            "Stopped": None if self.stopped is None else {
                "Phase": self.stopped.phase, "Reason": self.stopped.reason, "NotDone": self.not_done()},
            "Resume": self.resume(),
            "Plan": self.plan.to_data(), "Applied": [item.to_dict() for item in self.applied],
            "Trigger": self.triggered.to_report() if self.triggered else None,
            "TriggerError": str(self.trigger_error) if self.trigger_error else None,
            "Watch": self.watch.to_dict() if self.watch else None,
            "Seconds": {pascal(step): round(value, 2) for step, value in self.seconds.items()},
            "Calls": [call.to_dict() for call in self.calls],
            "MutatingCalls": sum(1 for call in self.calls if call.mutating),
            "Checks": [check.to_dict() for check in self.checks],
            "Diagnosis": self.diagnosis.to_data() if self.diagnosis else None,
        }


def watch_timeout(recipe: Recipe) -> float:
    """How long the activity may take: the longest hook timeout plus OOS's margin."""
    return float(max(stage.hook.timeout for stage in recipe.stages) + HEARTBEAT_MARGIN_S)


def run_recipe(cloud: Cloud, spec: RunSpec, options: RunOptions, *, confirm: Callable[[Plan], bool],
               emit: Emit) -> RunReport:
    """Plan; if there are changes, ask `confirm`; apply; trigger and watch unless told not to. Once something has
    been changed, no exception ends the run without its report: Ctrl-C, an error past the retries, a recording that
    fails or output that goes away stop it, and the report says what was done, what was not, and how to resume."""
    started = time.monotonic()
    try:
        plan = make_plan(cloud, spec)
    except KeyboardInterrupt:
        raise Interrupted("interrupted while planning: nothing was changed") from None
    report = RunReport(plan=plan, calls=cloud.calls, checks=cloud.checks, dry_run=cloud.replaying)
    report.seconds["plan"] = time.monotonic() - started
    for warning in plan.warnings:
        emit(WarningEvent(warning))
    if plan.pending and not confirm(plan):
        report.confirmed = False
        return report
    carry_out(cloud, spec, report, options, emit)
    report.seconds["total"] = time.monotonic() - started
    return report


def carry_out(cloud: Cloud, spec: RunSpec, report: RunReport, options: RunOptions, emit: Emit,
              known: Mapping[str, Any] | None = None, *, watch: bool = True) -> None:
    """Apply the confirmed plan's setup, then trigger and (unless not to `watch`) watch, into `report`; `known`:
    values made known before (a fleet's shared changes). An error before anything changed is raised; after, it
    stops the run and the report says so."""
    timeout = options.timeout if options.timeout is not None else watch_timeout(spec.recipe)
    phase = "apply"
    try:
        context = _apply(cloud, report, emit, known)
        if report.plan.trigger is not None:
            phase = "trigger"
            context.pacing = paced(cloud, options.pacing)
            context.deadline = context.pacing.clock() + timeout
            _trigger(cloud, spec, report, context, emit)
            if report.triggered is not None and watch:
                phase = "watch"
                _watch(cloud, spec, report, Watcher(cloud, emit, timeout=timeout, pacing=context.pacing))
    except (KeyboardInterrupt, EssctlError, OSError) as exc:
        changed = any(item.change.changes_something for item in report.applied)
        if phase == "apply" and not changed:
            if isinstance(exc, KeyboardInterrupt):
                raise Interrupted("interrupted while applying: nothing was changed") from None
            raise    # nothing was changed: the error's own line says it all
        report.stopped = Stop.of(phase, exc)


def follow_triggered(cloud: Cloud, spec: RunSpec, report: RunReport, options: RunOptions, emit: Emit) -> None:
    """Watch the activity `carry_out(..., watch=False)` triggered to its end, into `report` (a fleet watches apart
    from applying); an error or Ctrl-C stops the run and the report says so."""
    timeout = options.timeout if options.timeout is not None else watch_timeout(spec.recipe)
    try:
        _watch(cloud, spec, report, Watcher(cloud, emit, timeout=timeout, pacing=paced(cloud, options.pacing)))
    except (KeyboardInterrupt, EssctlError, OSError) as exc:
        report.stopped = Stop.of("watch", exc)


def _apply(cloud: Cloud, report: RunReport, emit: Emit, known: Mapping[str, Any] | None) -> ApplyContext:
    step = time.monotonic()
    _, context = apply_plan(cloud, report.plan, emit, report.applied, known)
    report.seconds["apply"] = time.monotonic() - step
    return context


def _trigger(cloud: Cloud, spec: RunSpec, report: RunReport, context: ApplyContext, emit: Emit) -> None:
    trigger = report.plan.trigger
    step = time.monotonic()
    try:
        outcome = trigger.step.apply(cloud, trigger, context)
    except CloudAPIError as exc:
        from essctl.diagnose.report import diagnose_and_fix  # only a failed run loads the diagnosis

        report.trigger_error = exc
        report.diagnosis = diagnose_and_fix(cloud, group_id=spec.group_id, recipe=recipe_reference(spec.recipe),
                                            api_error=exc)
        return
    report.triggered = Triggered(trigger.target, **outcome.ids)
    report.seconds["trigger"] = time.monotonic() - step
    emit(report.triggered)


def _watch(cloud: Cloud, spec: RunSpec, report: RunReport, watcher: Watcher) -> None:
    step = time.monotonic()
    templates = sorted({stage.template for stage in spec.recipe.stages})     # paces the polls only
    report.watch = watcher.activity(report.triggered.activity_id, templates)
    report.seconds["watch"] = time.monotonic() - step
    if report.outcome != "succeeded":
        from essctl.diagnose.report import diagnose_and_fix

        step = time.monotonic()
        report.diagnosis = diagnose_and_fix(cloud, activity_id=report.triggered.activity_id,
                                            recipe=recipe_reference(spec.recipe))
        report.seconds["diagnose"] = time.monotonic() - step
