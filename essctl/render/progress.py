"""Plans, progress and run summaries for people: plain lines, one per event (the same on a terminal and in a log
file); scripts read the final JSON or YAML document instead."""
from __future__ import annotations

import json
from typing import Any, Iterable

from essctl.env import Environment

SYMBOLS = {"create": "+", "update": "~", "new-version": "~", "attach": "+", "none": "=", "delete": "-",
           "detach": "-"}


WATCH_KINDS = frozenset({"activity", "instance", "lifecycle_action", "execution", "task"})


class EventPrinter:
    """Prints each event (and, when asked, each API call) as one line on stdout; silent for json/yaml output.
    With `live` (a terminal), the watch's events go to a live table instead, opened at the first of them;
    call `close()` at the end."""

    def __init__(self, env: Environment, *, show_calls: bool, live: bool = False):
        self.env = env
        self.show_calls = show_calls
        self.enabled = env.output_format == "table"
        self.live = live and self.enabled
        self._view: Any = None

    def _line(self, text: str) -> None:
        if self.enabled:
            self.env.stdout.write(text + "\n")
            self.env.stdout.flush()

    def note(self, text: str) -> None:
        self._line(text)

    def event(self, event: Any) -> None:
        if self.live and event.kind in WATCH_KINDS:
            if self._view is None:
                from essctl.render.watch_views import LiveWatchView

                self._view = LiveWatchView(self.env, f"Activity {event.data.get('activity_id', '')}").__enter__()
            self._view.event(event)
            return
        marker = {"warning": "!", "wait": "…"}.get(event.kind, "•")
        self._line(f"[{event.elapsed:6.1f}s] {marker} {event.message}" if event.elapsed else f"{marker} {event.message}")

    def call(self, call: Any) -> None:
        if not self.show_calls:
            return
        shown = " ".join(f"{key}={_short(value)}" for key, value in call.parameters.items())
        via = "replayed" if call.replayed else "sent"
        self._line(f"    {via} {call.service}:{call.action} {shown} -> {call.outcome}")

    def close(self) -> None:
        if self._view is not None:
            self._view.__exit__(None, None, None)
            self._view = None


def _short(value: Any, limit: int = 120) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plan_lines(plan: dict[str, Any], *, trigger: str | None) -> Iterable[str]:
    account = plan.get("account_id") or "unknown until the role exists"
    yield f"Plan: recipe {plan['recipe']} in {plan['group']} (region {plan['region']}, account {account})"
    for change in plan["changes"]:
        yield f"  {SYMBOLS.get(change['action'], '?')} {change['kind']} {change['target']}: {change['reason']}"
        request = change.get("request") or {}
        for key in ("NotificationArn", "NotificationMetadata", "HeartbeatTimeout", "DefaultResult",
                    "LifecycleTransition", "PolicyDocument"):
            if key in request:
                yield f"        {key}: {request[key]}"
    for warning in plan.get("warnings", []):
        yield f"  ! {warning}"
    pending = sum(1 for change in plan["changes"] if change["action"] != "none")
    unchanged = len(plan["changes"]) - pending
    yield f"{pending} to change, {unchanged} already in place." if pending else f"No changes: {unchanged} already in place."
    if trigger:
        yield f"Then: {trigger}"


def write_lines(env: Environment, lines: Iterable[str]) -> None:
    for line in lines:
        env.stdout.write(line + "\n")
    env.stdout.flush()


def print_plan(env: Environment, plan: dict[str, Any], *, trigger: str | None) -> None:
    write_lines(env, plan_lines(plan, trigger=trigger))


def run_summary_lines(report: dict[str, Any]) -> Iterable[str]:
    yield ""
    yield f"Recipe {report['recipe']}: {report['outcome'].upper()}" + ("  (dry-run: recorded answers)"
                                                                       if report.get("dry_run") else "")
    for step in report["applied"]:
        ids = " ".join(f"{k}={v}" for k, v in step["ids"].items() if v)
        yield f"  {step['kind']:<10} {step['target']:<48} {step['outcome']}" + (f"  {ids}" if ids else "")
    if report.get("trigger"):
        trig = report["trigger"]
        yield f"  {'trigger':<10} {trig['rule_ari']}  activity {trig['activity_id']}"
    if report.get("trigger_error"):
        yield f"  {'trigger':<10} failed: {report['trigger_error']}"
    if report.get("watch"):
        yield from _watch_lines(report["watch"])
    timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report["seconds"].items())
    yield f"  time: {timings}; {len(report['calls'])} API calls, {report['mutating_calls']} mutating"


def _watch_lines(watch: dict[str, Any]) -> Iterable[str]:
    activity = watch.get("activity")
    if activity:     # an execution watch has none
        yield (f"  activity   {activity.get('ScalingActivityId')}: {activity.get('StatusCode')}"
               + (f" - {activity['StatusMessage']}" if activity.get("StatusMessage") else ""))
    for instance in watch["instances"]:
        yield f"  instance   {instance['InstanceId']}: {instance['State']}"
    for execution in watch["executions"]:
        line = f"  execution  {execution.get('ExecutionId')} ({execution.get('TemplateName')}): {execution.get('Status')}"
        if execution.get("Status") != "Success" and execution.get("StatusMessage"):
            line += f" - {execution['StatusMessage']}"
        yield line
        outputs = execution.get("Outputs")
        if outputs:
            yield f"             outputs: {_short(outputs if isinstance(outputs, str) else json.dumps(outputs), 300)}"
        for task in execution.get("Tasks") or []:
            if task.get("Status") == "Failed":
                yield f"             failed task {task.get('TaskName')}: {task.get('StatusMessage')}"
    for item in watch.get("still_running") or []:
        yield f"  still running: {item}"


def print_run_summary(env: Environment, report: dict[str, Any]) -> None:
    write_lines(env, run_summary_lines(report))


def watch_summary_lines(watch: dict[str, Any]) -> Iterable[str]:
    """The end of a watch: the activity, instances, executions and their failing tasks."""
    yield ""
    yield "Result: " + ("TIMED OUT" if watch["timed_out"] else "SUCCEEDED" if watch["succeeded"] else "FAILED")
    yield from _watch_lines(watch)
