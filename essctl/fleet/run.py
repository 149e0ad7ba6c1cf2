"""A fleet run: one confirmation for the whole plan; RAM's changes once; then each group's hooks and rule (and its
trigger), `parallel` groups at a time; each triggered activity watched apart, so that a slow scale-out holds no
place another group could use. A group's failure is its own unless --fail-fast stops the run."""
from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from essctl.errors import EssctlError
from essctl.exitcodes import ExitCode
from essctl.fleet.pool import Stopper, each, outcome_counts, shared_exit_code
from essctl.fleet.watch import ActivityPoller, Followed
from essctl.recipe.apply import Applied, apply_changes
from essctl.recipe.run import RunOptions, RunReport, carry_out, follow_triggered, watch_timeout
from essctl.recipe.steps import ApplyContext
from essctl.watch.watcher import Pacing

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.events import Event
    from essctl.fleet.plan import FleetPlan, GroupPlan
    from essctl.fleet.targets import Target

OK_OUTCOMES = ("succeeded", "applied", "unchanged")


@dataclass
class GroupResult:
    """How one group's part of the run ended."""

    target: Target
    report: RunReport | None = None
    error: EssctlError | None = None     # it could not be planned, or failed before changing anything
    skipped: bool = False                # never started: the run was stopped first
    calls: int = 0
    seconds: float = 0.0

    @property
    def outcome(self) -> str:
        if self.skipped:
            return "skipped"
        if self.error is not None or self.report is None:
            return "failed"
        outcome = self.report.outcome
        if outcome == "applied" and not any(item.change.changes_something for item in self.report.applied):
            return "unchanged"
        return outcome

    @property
    def ok(self) -> bool:
        return self.outcome in OK_OUTCOMES

    @property
    def exit_code(self) -> ExitCode:
        if self.skipped:
            return ExitCode.OPERATION_FAILED
        if self.error is not None:
            return ExitCode(self.error.exit_code)
        return self.report.exit_code if self.report is not None else ExitCode.OPERATION_FAILED

    @property
    def activity_id(self) -> str | None:
        triggered = self.report.triggered if self.report is not None else None
        return triggered.activity_id if triggered is not None else None

    @property
    def reason(self) -> str | None:
        """Why it did not succeed, in one phrase."""
        if self.error is not None:
            return str(self.error)
        report = self.report
        if report is None:
            return None
        if report.stopped is not None:
            reason = "" if report.outcome == "interrupted" else f"{report.stopped.reason} "
            return f"{reason}(during the {report.stopped.phase})"
        if report.trigger_error is not None:
            return str(report.trigger_error)
        if report.diagnosis is not None and report.diagnosis.diagnosis.errors:
            return report.diagnosis.diagnosis.errors[0].title
        return None if self.ok else report.outcome

    def to_data(self) -> dict[str, Any]:
        report = self.report
        return {
            "Region": self.target.region, "ScalingGroupId": self.target.group_id, "Outcome": self.outcome,
            "ExitCode": int(self.exit_code), "Reason": None if self.ok else self.reason,
            "ActivityId": self.activity_id,
            "Applied": [item.to_dict() for item in report.applied] if report is not None else [],
            "Watch": report.watch.to_dict() if report is not None and report.watch is not None else None,
            "Resume": report.resume() if report is not None else [],
            "Calls": self.calls, "Seconds": round(self.seconds, 2),
        }


@dataclass
class FleetReport:
    plan: FleetPlan
    results: list[GroupResult] = field(default_factory=list)
    shared: list[Applied] = field(default_factory=list)
    shared_error: EssctlError | None = None     # RAM's changes failed: no group was started
    confirmed: bool = True
    interrupted: bool = False
    seconds: float = 0.0
    shared_calls: int = 0
    watch_calls: int = 0                        # following the scale-outs together (fleet/watch.py)
    limits: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if not self.confirmed:
            return "cancelled"
        if self.interrupted:
            return "interrupted"
        return "succeeded" if self.shared_error is None and all(r.ok for r in self.results) else "failed"

    @property
    def exit_code(self) -> ExitCode:
        """0 when every group succeeded; else the code the failures share (1 when they differ); 130 on Ctrl-C."""
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if not self.confirmed:
            return ExitCode.OPERATION_FAILED
        if self.shared_error is not None:
            return ExitCode(self.shared_error.exit_code)
        return shared_exit_code({result.exit_code for result in self.results if not result.ok})

    def counts(self) -> dict[str, int]:
        return outcome_counts(result.outcome for result in self.results)

    def summary(self) -> dict[str, Any]:
        calls = self.shared_calls + self.watch_calls + sum(result.calls for result in self.results)
        return {"Recipe": self.plan.recipe.name, "Outcome": self.outcome, "ExitCode": int(self.exit_code),
                "Groups": len(self.results), "Outcomes": self.counts(),
                "SharedError": str(self.shared_error) if self.shared_error else None,
                "Shared": [item.to_dict() for item in self.shared], "Calls": calls,
                "CallsPerGroup": round(calls / max(len(self.results), 1), 1),
                "Throttled": sum(int(stats["Throttled"]) for stats in self.limits.values()),
                "Seconds": round(self.seconds, 2)}

    def to_data(self) -> dict[str, Any]:
        return {**self.summary(), "Results": [result.to_data() for result in self.results],
                "RateLimits": self.limits}


OnEvent = Callable[["Target | None", "Event"], None]
OnResult = Callable[[GroupResult], None]


def run_fleet(home: Cloud, plan: FleetPlan, options: RunOptions, *, parallel: int, confirm: Callable[[Any], bool],
              on_event: OnEvent, on_result: OnResult, stop: Stopper, fail_fast: bool = False) -> FleetReport:
    """Confirm, apply RAM's changes, then every group (see the module's docstring); `on_result` hears of each group
    as it ends (in the order they end)."""
    started = time.monotonic()
    report = FleetReport(plan)
    calls_before = len(home.calls)
    if plan.pending and not confirm(plan):
        report.confirmed = False
        return report
    lock = threading.Lock()
    done: dict[Target, GroupResult] = {}

    def finish(result: GroupResult) -> None:
        with lock:
            done[result.target] = result
        on_result(result)
        if fail_fast and not result.ok:
            stop.stop(f"stopped: {result.target.group_id} {result.outcome} (--fail-fast)", ExitCode.OPERATION_FAILED)

    try:
        known = _apply_shared(home, plan, report, on_event)
        if report.shared_error is None:
            report.watch_calls = _run_groups(home, plan, options, known, parallel, stop, on_event, finish)
    except KeyboardInterrupt:
        stop.stop("interrupted", ExitCode.INTERRUPTED)
        report.interrupted = True
    report.interrupted = report.interrupted or stop.reason[1] == ExitCode.INTERRUPTED
    report.results = [done.get(group.target) or GroupResult(group.target, skipped=True) for group in plan.groups]
    report.shared_calls = len(home.calls) - calls_before
    report.limits = home.session.limiter.stats() if home.session.limiter is not None else {}
    report.seconds = time.monotonic() - started
    return report


def _apply_shared(home: Cloud, plan: FleetPlan, report: FleetReport, on_event: OnEvent) -> dict[str, Any]:
    """RAM's changes, once; what they made known (the account id) goes to every group."""
    context = ApplyContext(known=dict(plan.shared.known), emit=lambda event: on_event(None, event))
    try:
        apply_changes(home, plan.shared.setup, context, report.shared)
    except EssctlError as exc:
        report.shared_error = exc
    return context.known


def _run_groups(home: Cloud, plan: FleetPlan, options: RunOptions, known: dict[str, Any], parallel: int,
                stop: Stopper, on_event: OnEvent, finish: Callable[[GroupResult], None]) -> int:
    """Apply and trigger each group, `parallel` at a time; follow the scale-outs together (fleet/watch.py) and read
    each in full once it ends, `parallel` at a time. The calls the following made."""
    pacing = dataclasses.replace(options.pacing or Pacing(), sleep=stop.sleep)
    group_options = dataclasses.replace(options, pacing=pacing)
    clouds = {region: home.sibling(region) for region in plan.regions}
    poller = ActivityPoller(clouds, pacing.first, stop, time.monotonic, on_event)
    following = threading.Thread(target=poller.run, name="essctl-fleet-activities")
    watchers = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="essctl-watch")
    watches: list[Any] = []

    def work(group: GroupPlan) -> None:
        started = time.monotonic()
        if group.plan is None:
            finish(GroupResult(group.target, error=group.error, calls=len(group.cloud.calls)))
            return
        report = RunReport(plan=group.plan, calls=group.cloud.calls, checks=group.cloud.checks)
        emit = lambda event: on_event(group.target, event)  # noqa: E731
        try:
            carry_out(group.cloud, group.spec, report, group_options, emit, known, watch=False)
        except EssctlError as exc:     # nothing was changed in this group
            finish(GroupResult(group.target, report, error=exc, calls=len(group.cloud.calls),
                               seconds=time.monotonic() - started))
            return
        if report.triggered is None or report.stopped is not None:
            finish(GroupResult(group.target, report, calls=len(group.cloud.calls), seconds=time.monotonic() - started))
            return

        def watch(late: bool) -> None:
            # the activity ended (or its time is up): one read of it all, for the report and a diagnosis
            follow_triggered(group.cloud, group.spec, report,
                             dataclasses.replace(group_options, timeout=0.0) if late else group_options, emit)
            finish(GroupResult(group.target, report, calls=len(group.cloud.calls), seconds=time.monotonic() - started))

        timeout = options.timeout if options.timeout is not None else watch_timeout(group.spec.recipe)
        poller.follow(Followed(group.target, report.triggered.activity_id, time.monotonic() + timeout,
                               lambda late: watches.append(watchers.submit(watch, late))))

    following.start()
    try:
        try:
            each(plan.groups, work, parallel, stop, skipped=lambda group: None)   # reported as skipped
        finally:
            poller.close()
            _wait(poller, watches, stop)
    finally:
        watchers.shutdown(wait=True)
        following.join()
    return sum(len(cloud.calls) for cloud in clouds.values())


def _wait(poller: ActivityPoller, watches: list[Any], stop: Stopper) -> None:
    """Until the poller has handed every activity on and each watch has ended; Ctrl-C stops them (each ends at
    its next wait, with the reason) and is raised again once they have. (An Event, not Thread.join: a join that
    Ctrl-C interrupted may return at once the next time.)"""
    try:
        poller.done.wait()
        for future in list(watches):
            future.result()
    except KeyboardInterrupt:
        stop.stop("interrupted", ExitCode.INTERRUPTED)
        poller.done.wait()
        for future in list(watches):
            future.result()
        raise
