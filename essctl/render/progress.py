"""Plans, progress and run summaries for people: plain lines, one per event (the same on a terminal and in a log
file); scripts read the final JSON or YAML document instead."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from essctl.env import Environment
from essctl.events import WATCH_EVENTS, Event, Waiting, WarningEvent
from essctl.render.safe import MAX_ERROR_LINE, error_line
from essctl.render.style import DETAIL, ERROR, STRONG, SUCCESS, WARNING, Line, state_style

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

    def _line(self, text: str, style: str | None = None) -> None:
        if self.enabled:
            from essctl.render import write_lines

            write_lines(self.env, [Line(text, style or getattr(text, "style", None))])

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
        # a watch's events carry the time since the watch began (a replay's virtual time); steps have none
        elapsed = getattr(event, "elapsed", None)
        self._line(f"[{elapsed:6.1f}s] {marker} {event.message}" if elapsed is not None else f"{marker} {event.message}",
                   WARNING if isinstance(event, WarningEvent) else None)

    def call(self, call: Call) -> None:
        if not self.show_calls:
            return
        shown = " ".join(f"{key}={_short(value)}" for key, value in call.parameters.items())
        via = "replayed" if call.replayed else "sent"
        self._line(f"    {via} {call.service}:{call.action} {shown} -> {call.outcome}", DETAIL)

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
    yield Line(f"{plan.title}: recipe {plan.recipe.name} in {plan.group_id}", STRONG)
    where = plan.where
    account = plan.account_id or getattr(plan, "account_unknown", "unknown until the role exists")
    yield f"  region {where.region}, account {account}, endpoint {where.endpoint}, credentials {where.credentials}"
    yield from change_lines(plan.changes)
    for warning in getattr(plan, "warnings", []):
        yield Line(f"  ! {warning}", WARNING)
    pending = sum(1 for change in plan.changes if change.changes_something)
    unchanged = len(plan.changes) - pending
    yield Line(f"{pending} to change, {unchanged} already in place." if pending
               else f"No changes: {unchanged} already in place.", STRONG)


# Terraform's colours: create green, update yellow, delete red; what stays is detail.
_ACTION_STYLES = {"+": SUCCESS, "~": WARNING, "-": ERROR, "=": DETAIL}
_INLINE = 80       # a JSON value whose line would be longer is shown indented, one member a line


def _document(value: Any) -> Any:
    """A JSON document: a dict, a list, or a string holding one (a PolicyDocument, a hook's NotificationMetadata);
    None for anything else."""
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            document = json.loads(value)
        except ValueError:
            return None
        return document if isinstance(document, (dict, list)) else None
    return None


def _member_changes(head: str, before: dict[str, Any], after: dict[str, Any]) -> Iterable[str]:
    """What an update changes in a JSON object, one member a line: `NAME.key: old -> new`, `+`/`-` for a member
    added or removed (the members that stay the same are not repeated)."""
    shown = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731
    for key in [*before, *(key for key in after if key not in before)]:
        if key not in after:
            yield Line(f"{head}.{key}: {shown(before[key])} -> (removed)", ERROR)
        elif key not in before:
            yield Line(f"{head}.{key}: (added) {shown(after[key])}", SUCCESS)
        elif before[key] != after[key]:
            yield f"{head}.{key}: {shown(before[key])} -> {shown(after[key])}"


def _value_lines(head: str, value: Any) -> Iterable[str]:
    """`head` and the value; a JSON document too long for one line is shown indented under its name."""
    document = _document(value)
    if document is None:
        yield f"{head}{value}"
        return
    compact = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if len(head) + len(compact) <= _INLINE:
        yield f"{head}{value if isinstance(value, str) else compact}"
        return
    first, *rest = _pretty(document, len(head) - len(head.lstrip()) + 2)
    yield f"{head}{first}"
    yield from rest


def _pretty(value: Any, indent: int, prefix: str = "", suffix: str = "") -> list[str]:
    """JSON one member a line, but a member that fits on its line stays whole (`"Action": ["ecs:A", "ecs:B"]`)."""
    pad = " " * indent
    compact = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if not isinstance(value, (dict, list)) or not value or indent + len(prefix + compact + suffix) <= _INLINE:
        return [f"{prefix}{compact}{suffix}"]
    members = list(value.items()) if isinstance(value, dict) else [(None, item) for item in value]
    lines = [prefix + ("{" if isinstance(value, dict) else "[")]
    for number, (key, item) in enumerate(members):
        name = "" if key is None else json.dumps(key, ensure_ascii=False) + ": "
        inner = _pretty(item, indent + 2, name, "," if number < len(members) - 1 else "")
        lines += [f"{pad}  {inner[0]}", *inner[1:]]
    return lines + [pad + ("}" if isinstance(value, dict) else "]") + suffix]


_OUTCOME_STYLES = {"succeeded": SUCCESS, "applied": SUCCESS, "failed": ERROR, "stopped": ERROR}


def change_lines(changes: Iterable[Any]) -> Iterable[Any]:
    """A line per planned change with its symbol, then the fields it sets (a long JSON value indented, an update
    as before -> after, member by member for a JSON object) and its notes."""
    for change in changes:
        yield Line(f"  {change.action.symbol} {change.kind} {change.target}: {change.reason}",
                   _ACTION_STYLES.get(change.action.symbol))
        for detail in change.details():
            if detail.before is None:
                yield from _value_lines(f"        {detail.name}: ", detail.after)
            elif isinstance(_document(detail.before), dict) and isinstance(_document(detail.after), dict):
                yield from _member_changes(f"        {detail.name}", _document(detail.before), _document(detail.after))
            else:
                yield f"        {detail.name}: {detail.before} -> {detail.after}"
        for note in change.notes:
            yield Line(f"        {note}", DETAIL)


def applied_lines(applied: Iterable[Any]) -> Iterable[Any]:
    """What each applied change did, then the ids it made."""
    for item in applied:
        yield f"  {item.change.kind:<10} {item.change.target:<48} {item.outcome.text}"
        for key, value in item.outcome.ids.items():      # one a line: a long ARN folds whole, not split
            if value:
                yield Line(f"  {'':<10} {key} {value}", DETAIL)


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
    return stop_line(stopped, report.outcome, goes_on, report.resume())


def stop_line(stopped: Any, outcome: str, goes_on: str, resume: list[str]) -> str:
    """`essctl: interrupted|error: ... (during the PHASE); WHAT goes on: the command that resumes`, the error
    shortened to the room left."""
    tail = goes_on + (f": {resume_text(resume)}" if resume else "")
    if outcome == "interrupted":
        return error_line(f"essctl: interrupted during the {stopped.phase}{tail}")
    where = f" (during the {stopped.phase})"
    room = MAX_ERROR_LINE - len("essctl: error: ") - len(where) - len(tail)
    return error_line(f"essctl: error: {error_line(stopped.reason, limit=max(room, 60))}{where}{tail}")


def resume_text(commands: list[str]) -> str:
    """The commands that pick up a watch, on one line: the watch, then (when there is one) the diagnosis."""
    return commands[0] + "".join(f"; then: {command}" for command in commands[1:])


def timed_out_line(still_running: list[str], commands: list[str], what: str = "") -> str:
    """The last line of a watch that timed out: what still runs, and how to pick it up."""
    tail = f"{what}; resume with: {resume_text(commands)}"      # kept whole: it is what to do next
    head = "essctl: timed out; still running: "
    running = error_line(", ".join(still_running) or "nothing", limit=max(MAX_ERROR_LINE - len(head) - len(tail), 40))
    return error_line(head + running + tail)


def end_line(report: RunReport) -> str | None:
    """The last line a person sees after a run that triggered an activity and did not see it end, or stopped
    after changing something: the activity and the commands that resume (stderr, after the report)."""
    if report.stopped is not None:
        return stopped_line(report)
    if report.outcome == "timed out" and report.resume():
        goes_on = f"; scaling activity {report.triggered.activity_id} goes on"
        return timed_out_line(report.watch.running, report.resume(), goes_on)
    return None


def run_report_lines(report: RunReport) -> Iterable[str]:
    """The end of a recipe run: each step's outcome, the trigger, the watch, times; then the diagnosis."""
    yield ""
    yield Line(f"Recipe {report.plan.recipe.name}: {report.outcome.upper()}" + (
        "  (dry-run: recorded answers)" if report.dry_run else ""), _OUTCOME_STYLES.get(report.outcome, WARNING))
    yield from applied_lines(report.applied)
    if report.triggered is not None:
        yield f"  {'trigger':<10} activity {report.triggered.activity_id}"
        yield Line(f"  {'':<10} ScalingRuleAri {report.triggered.rule_ari}", DETAIL)
    if report.trigger_error is not None:
        yield Line(f"  {'trigger':<10} failed: {report.trigger_error}", ERROR)
    if report.stopped is not None:
        yield Line(f"  {'stopped':<10} during the {report.stopped.phase}: {report.stopped.reason}", ERROR)
        not_done = report.not_done()
        if not_done:
            yield Line(f"  {'not done':<10} {', '.join(not_done)}", WARNING)
    if report.watch is not None:
        yield from _watch_lines(report.watch)
    timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.seconds.items())
    mutating = sum(1 for call in report.calls if call.mutating)
    checked = f", {len(report.checks)} read back after a lost answer or a duplicate" if report.checks else ""
    yield Line(f"  time: {timings}; {len(report.calls)} API calls, {mutating} mutating{checked}", DETAIL)
    if report.diagnosis is not None:
        from essctl.render.diagnosis_view import diagnosis_lines

        yield ""
        yield from diagnosis_lines(report.diagnosis)
    resume = report.resume()
    if resume:     # last: the activity goes on, and these pick it up
        yield ""
    for number, command in enumerate(resume):
        yield Line(f"  {'resume' if number == 0 else '':<10} {command}", STRONG)


def _watch_lines(watch: WatchResult) -> Iterable[str]:
    activity = watch.activity
    if activity is not None:     # an execution watch has none
        yield Line(f"  activity   {activity.id}: {activity.status}" + (
            f" - {activity.status_message}" if activity.status_message else ""), state_style("activity", activity.status))
    for instance_id, state in watch.instances.items():
        yield Line(f"  instance   {instance_id}: {state}", state_style("instance", state))
    for action in watch.lifecycle_actions.values():
        yield from lifecycle_action_lines(action)
    for execution_id, execution in watch.executions.items():
        line = f"  execution  {execution_id} ({execution.template_name}): {execution.status}"
        if execution.status != "Success" and execution.status_message:
            line += f" - {execution.status_message}"
        yield Line(line, state_style("execution", execution.status))
        outputs = execution.outputs_text
        if outputs:
            yield Line(f"             outputs: {_short(outputs if isinstance(outputs, str) else json.dumps(outputs), 300)}",
                       DETAIL)
        for task in watch.tasks.get(execution_id, []):
            if task.status == "Failed":
                yield Line(f"             failed task {task.name}: {task.status_message}", ERROR)
    for item in watch.running:
        yield Line(f"  still running: {item}", WARNING)


def lifecycle_action_lines(action: Any) -> Iterable[str]:
    """A lifecycle action with what `essctl hook complete | heartbeat` need: hook, token, instances; how to end or
    extend its wait while it is pending."""
    held = ", ".join(action.instance_ids) or "no instance"
    result = f" {action.result}" if action.result and action.status != "Pending" else ""
    style = WARNING if action.status == "Pending" else ERROR if action.result in ("ABANDON", "ROLLBACK") else None
    yield Line(f"  lifecycle  hook {action.hook_id}: {action.status}{result} ({held}; token {action.token})", style)
    if action.status == "Pending":
        named = f"--token {action.token} --hook {action.hook_id}"
        yield Line(f"             end the wait: essctl hook complete {named} [--result ABANDON]", DETAIL)
        yield Line(f"             or extend it: essctl hook heartbeat {named} --timeout S", DETAIL)


def watch_summary_lines(watch: WatchResult) -> Iterable[str]:
    """The end of a watch: the activity, instances, executions and their failing tasks."""
    yield ""
    yield (Line("Result: TIMED OUT", WARNING) if watch.timed_out else Line("Result: SUCCEEDED", SUCCESS)
           if watch.succeeded else Line("Result: FAILED", ERROR))
    yield from _watch_lines(watch)
