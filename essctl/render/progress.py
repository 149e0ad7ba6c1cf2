"""Plans, progress and run summaries for people: plain lines, one per event (the same on a terminal and in a log
file); scripts read the final JSON or YAML document instead."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from essctl.env import Environment
from essctl.events import WATCH_EVENTS, Event, Waiting, WarningEvent
from essctl.render.safe import MAX_ERROR_LINE, error_line, printable

if TYPE_CHECKING:
    from essctl.cloud.session import Call
    from essctl.recipe.run import RunReport
    from essctl.watch.result import WatchResult

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
            self.env.stdout.write(printable(text) + "\n")
            self.env.stdout.flush()

    def note(self, text: str) -> None:
        self._line(text)

    def plan(self, plan: Any) -> None:
        """The plan a person is asked to confirm."""
        for line in plan_lines(plan):
            self._line(line)

    def event(self, event: Event) -> None:
        if self.live and isinstance(event, WATCH_EVENTS):
            if self._view is None:
                from essctl.render.watch_views import LiveWatchView

                self._view = LiveWatchView(self.env, f"Activity {getattr(event, 'activity_id', '')}").__enter__()
            self._view.event(event)
            return
        marker = "!" if isinstance(event, WarningEvent) else "…" if isinstance(event, Waiting) else "•"
        elapsed = getattr(event, "elapsed", 0.0)
        self._line(f"[{elapsed:6.1f}s] {marker} {event.message}" if elapsed else f"{marker} {event.message}")

    def call(self, call: Call) -> None:
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


def plan_lines(plan: Any) -> Iterable[str]:
    """A recipe's plan or teardown plan: where it acts, a line per change with its symbol and the fields it sets
    (before -> after for an update), then the warnings."""
    yield f"{plan.title}: recipe {plan.recipe.name} in {plan.group_id}"
    where = plan.where
    account = plan.account_id or getattr(plan, "account_unknown", "unknown until the role exists")
    yield f"  region {where.region}, account {account}, endpoint {where.endpoint}, credentials {where.credentials}"
    for change in plan.changes:
        yield f"  {change.action.symbol} {change.kind} {change.target}: {change.reason}"
        for detail in change.details():
            shown = detail.after if detail.before is None else f"{detail.before} -> {detail.after}"
            yield f"        {detail.name}: {shown}"
        for note in change.notes:
            yield f"        {note}"
    for warning in getattr(plan, "warnings", []):
        yield f"  ! {warning}"
    pending = sum(1 for change in plan.changes if change.changes_something)
    unchanged = len(plan.changes) - pending
    yield f"{pending} to change, {unchanged} already in place." if pending else f"No changes: {unchanged} already in place."


def stopped_line(report: RunReport) -> str:
    """The one line on stderr for a run that stopped after changing something: what goes on and how to resume. The
    error is shortened to what the line has room for after the activity and the command that resumes."""
    stopped = report.stopped
    if report.dry_run:
        goes_on = ""
    elif report.triggered is not None:
        goes_on = f"; scaling activity {report.triggered.activity_id} goes on"
    else:
        goes_on = "; the scale-out may have started" if stopped.trigger_unknown else ""
    resume = report.resume()
    tail = goes_on + (f": {resume[0]}" if resume else "")
    if report.outcome == "interrupted":
        return error_line(f"essctl: interrupted during the {stopped.phase}{tail}")
    where = f" (during the {stopped.phase})"
    room = MAX_ERROR_LINE - len("essctl: error: ") - len(where) - len(tail)
    return error_line(f"essctl: error: {error_line(stopped.reason, limit=max(room, 60))}{where}{tail}")


def run_report_lines(report: RunReport) -> Iterable[str]:
    """The end of a recipe run: each step's outcome, the trigger, the watch, times; then the diagnosis."""
    yield ""
    yield f"Recipe {report.plan.recipe.name}: {report.outcome.upper()}" + ("  (dry-run: recorded answers)"
                                                                          if report.dry_run else "")
    for applied in report.applied:
        ids = " ".join(f"{k}={v}" for k, v in applied.outcome.ids.items() if v)
        yield f"  {applied.change.kind:<10} {applied.change.target:<48} {applied.outcome.text}" + (
            f"  {ids}" if ids else "")
    if report.triggered is not None:
        yield f"  {'trigger':<10} {report.triggered.rule_ari}  activity {report.triggered.activity_id}"
    if report.trigger_error is not None:
        yield f"  {'trigger':<10} failed: {report.trigger_error}"
    if report.stopped is not None:
        yield f"  {'stopped':<10} during the {report.stopped.phase}: {report.stopped.reason}"
        not_done = report.not_done()
        if not_done:
            yield f"  {'not done':<10} {', '.join(not_done)}"
    if report.watch is not None:
        yield from _watch_lines(report.watch)
    for number, command in enumerate(report.resume()):
        yield f"  {'resume' if number == 0 else '':<10} {command}"
    timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.seconds.items())
    mutating = sum(1 for call in report.calls if call.mutating)
    checked = f", {len(report.checks)} read back after a lost answer or a duplicate" if report.checks else ""
    yield f"  time: {timings}; {len(report.calls)} API calls, {mutating} mutating{checked}"
    if report.diagnosis is not None:
        from essctl.render.diagnosis_view import diagnosis_lines

        yield ""
        yield from diagnosis_lines(report.diagnosis)


def _watch_lines(watch: WatchResult) -> Iterable[str]:
    activity = watch.activity
    if activity is not None:     # an execution watch has none
        yield f"  activity   {activity.id}: {activity.status}" + (
            f" - {activity.status_message}" if activity.status_message else "")
    for instance_id, state in watch.instances.items():
        yield f"  instance   {instance_id}: {state}"
    for execution_id, execution in watch.executions.items():
        line = f"  execution  {execution_id} ({execution.template_name}): {execution.status}"
        if execution.status != "Success" and execution.status_message:
            line += f" - {execution.status_message}"
        yield line
        outputs = execution.outputs_text
        if outputs:
            yield f"             outputs: {_short(outputs if isinstance(outputs, str) else json.dumps(outputs), 300)}"
        for task in watch.tasks.get(execution_id, []):
            if task.status == "Failed":
                yield f"             failed task {task.name}: {task.status_message}"
    for item in watch.running:
        yield f"  still running: {item}"


def watch_summary_lines(watch: WatchResult) -> Iterable[str]:
    """The end of a watch: the activity, instances, executions and their failing tasks."""
    yield ""
    yield "Result: " + ("TIMED OUT" if watch.timed_out else "SUCCEEDED" if watch.succeeded else "FAILED")
    yield from _watch_lines(watch)
