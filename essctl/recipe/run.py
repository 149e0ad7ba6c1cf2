"""A recipe run from end to end: plan, confirm, apply, trigger, watch; and the report of what happened."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from essctl.diagnose.report import DiagnosisReport, diagnose_and_fix
from essctl.errors import CloudAPIError
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
    from essctl.recipe.model import Recipe
    from essctl.recipe.steps import RunSpec
    from essctl.watch.result import WatchResult


@dataclass
class RunOptions:
    timeout: float | None = None      # the watch; default: the longest hook timeout plus the margin
    pacing: Pacing | None = None


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

    @property
    def outcome(self) -> str:
        if not self.confirmed:
            return "cancelled"
        if self.trigger_error is not None:
            return "failed"
        if self.watch is None:
            return "applied"
        if self.watch.timed_out:
            return "timed out"
        return "succeeded" if self.watch.succeeded else "failed"

    @property
    def exit_code(self) -> ExitCode:
        if self.trigger_error is not None:
            return self.trigger_error.exit_code
        return {"timed out": ExitCode.TIMEOUT, "failed": ExitCode.OPERATION_FAILED,
                "cancelled": ExitCode.OPERATION_FAILED}.get(self.outcome, ExitCode.OK)

    def to_data(self) -> dict[str, Any]:
        return {
            "recipe": self.plan.recipe.name, "outcome": self.outcome, "dry_run": self.dry_run,
            "plan": self.plan.to_data(), "applied": [item.to_dict() for item in self.applied],
            "trigger": self.triggered.to_report() if self.triggered else None,
            "trigger_error": str(self.trigger_error) if self.trigger_error else None,
            "watch": self.watch.to_dict() if self.watch else None,
            "seconds": {step: round(value, 2) for step, value in self.seconds.items()},
            "calls": [call.to_dict() for call in self.calls],
            "mutating_calls": sum(1 for call in self.calls if call.mutating),
            "checks": [check.to_dict() for check in self.checks],
            "diagnosis": self.diagnosis.to_data() if self.diagnosis else None,
        }


def watch_timeout(recipe: Recipe) -> float:
    """How long the activity may take: the longest hook timeout plus OOS's margin."""
    return float(max(stage.hook.timeout for stage in recipe.stages) + HEARTBEAT_MARGIN_S)


def run_recipe(cloud: Cloud, spec: RunSpec, options: RunOptions, *, confirm: Callable[[Plan], bool],
               emit: Emit) -> RunReport:
    """Plan; if there are changes, ask `confirm`; apply; trigger and watch unless told not to."""
    started = time.monotonic()
    plan = make_plan(cloud, spec)
    report = RunReport(plan=plan, calls=cloud.calls, checks=cloud.checks, dry_run=cloud.replaying)
    report.seconds["plan"] = time.monotonic() - started
    for warning in plan.warnings:
        emit(WarningEvent(warning))
    if plan.pending and not confirm(plan):
        report.confirmed = False
        return report

    step = time.monotonic()
    report.applied, context = apply_plan(cloud, plan, emit)
    report.seconds["apply"] = time.monotonic() - step
    if plan.trigger is None:
        return report

    trigger = plan.trigger
    timeout = options.timeout if options.timeout is not None else watch_timeout(spec.recipe)
    step = time.monotonic()
    context.pacing = paced(cloud, options.pacing)
    context.deadline = context.pacing.clock() + timeout
    try:
        outcome = trigger.step.apply(cloud, trigger, context)
    except CloudAPIError as exc:
        report.trigger_error = exc
        report.diagnosis = diagnose_and_fix(cloud, group_id=spec.group_id, recipe=recipe_reference(spec.recipe),
                                            api_error=exc)
        return report
    report.triggered = Triggered(trigger.target, **outcome.ids)
    emit(report.triggered)
    report.seconds["trigger"] = time.monotonic() - step

    step = time.monotonic()
    templates = sorted({stage.template for stage in spec.recipe.stages})
    watcher = Watcher(cloud, emit, timeout=timeout, pacing=context.pacing)
    report.watch = watcher.activity(report.triggered.activity_id, templates)
    report.seconds["watch"] = time.monotonic() - step
    if report.outcome != "succeeded":
        step = time.monotonic()
        report.diagnosis = diagnose_and_fix(cloud, activity_id=report.triggered.activity_id,
                                            recipe=recipe_reference(spec.recipe))
        report.seconds["diagnose"] = time.monotonic() - step
    report.seconds["total"] = time.monotonic() - started
    return report
