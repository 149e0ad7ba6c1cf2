"""A recipe run from end to end: plan, confirm, apply, trigger, watch; and the report of what happened."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from essctl.core.diagnose_report import diagnose_and_fix
from essctl.core.events import Emit, Event
from essctl.core.recipe_apply import Applied, Triggered, apply_plan, trigger
from essctl.core.recipe_plan import Plan, make_plan
from essctl.core.recipes import Recipe, builtin_recipe_paths
from essctl.core.template_parameters import HEARTBEAT_MARGIN_S
from essctl.core.watch import Pacing, Watcher, WatchResult
from essctl.errors import CloudAPIError
from essctl.exitcodes import ExitCode


@dataclass
class RunOptions:
    group_id: str
    inputs: dict[str, Any]
    variant: str | None = None
    create_role: bool = False
    trigger: bool = True
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
    calls: list[Any] = field(default_factory=list)
    dry_run: bool = False
    trigger_error: CloudAPIError | None = None
    diagnosis: dict[str, Any] | None = None     # diagnose's report, when the run failed

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
        return {"timed out": ExitCode.TIMEOUT, "failed": ExitCode.OPERATION_FAILED}.get(self.outcome, ExitCode.OK)

    def to_dict(self) -> dict[str, Any]:
        return {
            "recipe": self.plan.recipe.name, "outcome": self.outcome, "dry_run": self.dry_run,
            "plan": self.plan.to_dict(), "applied": [item.to_dict() for item in self.applied],
            "trigger": self.triggered.to_dict() if self.triggered else None,
            "trigger_error": str(self.trigger_error) if self.trigger_error else None,
            "watch": self.watch.to_dict() if self.watch else None,
            "seconds": {step: round(value, 2) for step, value in self.seconds.items()},
            "calls": [call.to_dict() for call in self.calls],
            "mutating_calls": sum(1 for call in self.calls if call.mutating),
            "diagnosis": self.diagnosis,
        }


def recipe_reference(recipe: Recipe) -> str:
    """How to name the recipe on a command line: a built-in's name, else its file."""
    builtin = builtin_recipe_paths().get(recipe.name)
    if recipe.path is None or (builtin is not None and builtin.resolve() == recipe.path.resolve()):
        return recipe.name
    return str(recipe.path)


def watch_timeout(plan: Plan) -> float:
    return float(plan.hook_timeout() + HEARTBEAT_MARGIN_S)


def run_recipe(session: Any, recipe: Recipe, options: RunOptions, *, confirm: Callable[[Plan], bool],
               emit: Emit) -> RunReport:
    """Plan; if there are changes, ask `confirm`; apply; trigger and watch unless told not to."""
    started = time.monotonic()
    plan = make_plan(session, recipe, options.group_id, options.inputs, variant=options.variant,
                     create_role=options.create_role)
    report = RunReport(plan=plan, calls=session.calls, dry_run=session.replaying)
    report.seconds["plan"] = time.monotonic() - started
    for warning in plan.warnings:
        emit(Event("warning", warning))
    if plan.pending and not confirm(plan):
        report.confirmed = False
        return report

    step = time.monotonic()
    report.applied = apply_plan(session, plan, emit)
    report.seconds["apply"] = time.monotonic() - step
    if not options.trigger or recipe.trigger is None:
        return report

    timeout = options.timeout if options.timeout is not None else watch_timeout(plan)
    step = time.monotonic()
    pacing = options.pacing or Pacing()
    try:
        report.triggered = trigger(session, plan, emit, deadline=step + timeout, retry_interval=pacing.longest,
                                   sleep=pacing.sleep)
    except CloudAPIError as exc:
        report.trigger_error = exc
        report.diagnosis = diagnose_and_fix(session, group_id=options.group_id, recipe=recipe_reference(recipe),
                                            api_error=exc)
        return report
    report.seconds["trigger"] = time.monotonic() - step

    step = time.monotonic()
    templates = sorted({stage.template for stage in recipe.stages})
    watcher = Watcher(session, emit, timeout=timeout, pacing=pacing)
    report.watch = watcher.activity(report.triggered.activity_id, templates)
    report.seconds["watch"] = time.monotonic() - step
    if report.outcome != "succeeded":
        step = time.monotonic()
        report.diagnosis = diagnose_and_fix(session, activity_id=report.triggered.activity_id,
                                            recipe=recipe_reference(recipe))
        report.seconds["diagnose"] = time.monotonic() - step
    report.seconds["total"] = time.monotonic() - started
    return report
