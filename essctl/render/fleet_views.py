"""How a fleet run is shown: one combined plan; then a live table on a terminal (a row per group still at work or
failed, a summary in its title), one line per group as it ends elsewhere; for scripts, a JSON line (a YAML document,
text) per group as it ends, then the summary."""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Iterable

from essctl.env import Environment
from essctl.render.progress import change_lines
from essctl.render.safe import printable
from essctl.render.style import DETAIL, ERROR, STRONG, SUCCESS, WARNING, Line
from essctl.render.tables import FIXED, ID, Column, FittedTable

if TYPE_CHECKING:
    from essctl.events import Event
    from essctl.fleet.plan import FleetPlan, GroupPlan
    from essctl.fleet.run import FleetReport, GroupResult
    from essctl.fleet.targets import Target
    from essctl.fleet.teardown import FleetTeardown

_OUTCOME_STYLES = {"succeeded": SUCCESS, "applied": SUCCESS, "unchanged": DETAIL, "removed": SUCCESS,
                   "failed": ERROR, "stopped": ERROR, "timed out": WARNING, "skipped": WARNING,
                   "interrupted": ERROR, "cancelled": WARNING}


def _regions(groups: Iterable[Any]) -> str:
    counts: dict[str, int] = {}
    for group in groups:
        counts[group.target.region] = counts.get(group.target.region, 0) + 1
    return ", ".join(f"{region} {count}" for region, count in counts.items())


def _changes_in_brief(group: GroupPlan) -> str:
    if group.plan is None:
        return f"cannot run: {group.error}"
    pending = group.plan.pending
    return ", ".join(f"{change.verb} {change.kind} {change.step.target()}" for change in pending) or "no changes"


def plan_lines(plan: FleetPlan) -> Iterable[Any]:
    """The shared changes in full, the first group that changes in full, then a line per group."""
    yield Line(f"{plan.title}: recipe {plan.recipe.name} in {len(plan.groups)} scaling groups "
               f"({_regions(plan.groups)})", STRONG)
    where = plan.shared.where
    account = plan.shared.account_id or "unknown until the role exists"
    yield f"  account {account}, endpoint {where.endpoint}, credentials {where.credentials}"
    yield Line("  Once for the account (RAM is global):", STRONG)
    yield from change_lines(plan.shared.changes)
    example = next((group for group in plan.groups if group.pending), None)
    if example is not None:
        yield Line(f"  In each group, as in {example.target.group_id} ({example.target.region}):", STRONG)
        yield from change_lines(example.plan.changes)
    yield Line("  Groups:", STRONG)
    for group in plan.groups:
        symbol = "!" if group.plan is None else "~" if group.pending else "="
        style = ERROR if group.plan is None else None if group.pending else DETAIL
        yield Line(f"  {symbol} {group.target.group_id:<26} {group.target.region:<16} {_changes_in_brief(group)}",
                   style)
    for warning in plan.warnings:
        yield Line(f"  ! {warning}", WARNING)
    summary = plan.summary()
    scale = {"none": "no group scales (--trigger one|all to scale)",
             "one": "one group scales (the first above that can)", "all": f"{summary['Triggers']} groups scale"}
    yield Line(f"Plan: {summary['SharedChanges']} shared change(s); {summary['ToChange']} group(s) to change, "
               f"{summary['Unchanged']} unchanged, {summary['Refused']} that cannot run; {scale[plan.trigger]}.",
               STRONG)


def report_lines(report: FleetReport) -> Iterable[Any]:
    """After the run: a line per group that did not succeed, then the summary."""
    yield ""
    yield Line(f"Fleet {report.plan.recipe.name}: {report.outcome.upper()}", _OUTCOME_STYLES.get(report.outcome))
    if report.shared_error is not None:
        yield Line(f"  shared changes failed: {report.shared_error}; no group was started", ERROR)
    for result in report.results:
        if not result.ok:
            yield Line(result_line(result), _OUTCOME_STYLES.get(result.outcome))
            for command in result.to_data()["Resume"]:
                yield Line(f"      resume: {command}", DETAIL)
    yield Line(summary_line(report), STRONG)


def summary_line(report: FleetReport) -> str:
    summary = report.summary()
    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(summary["Outcomes"].items()))
    throttled = f"; {summary['Throttled']} throttled answers absorbed" if summary["Throttled"] else ""
    return (f"{summary['Groups']} groups: {counts or 'none'}; {summary['Calls']} API calls "
            f"({summary['CallsPerGroup']} a group){throttled}; {summary['Seconds']:.1f} s")


def fleet_end_line(report: FleetReport) -> str:
    """The one stderr line of a fleet run that did not succeed in every group."""
    from essctl.render.safe import error_line

    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(report.counts().items()))
    going = sum(1 for result in report.results if result.activity_id and result.report.watch is None
                or result.report is not None and result.report.outcome == "timed out")
    tail = f"; {going} scaling activit{'y goes' if going == 1 else 'ies go'} on: each group's resume commands are " \
           "in its result" if going else ""
    head = "interrupted" if report.interrupted else f"fleet {report.outcome}"
    return error_line(f"essctl: {head}: {counts or 'no group started'}{tail}")


def result_line(result: GroupResult) -> str:
    what = f"  {result.target.group_id:<26} {result.target.region:<16} {result.outcome}"
    if result.activity_id:
        what += f", activity {result.activity_id}"
    reason = result.reason if not result.ok else None
    return what + (f": {reason}" if reason else "") + f" ({result.seconds:.1f} s)"


def teardown_lines(teardown: FleetTeardown) -> Iterable[Any]:
    yield Line(f"{teardown.title}: recipe {teardown.recipe.name} in {len(teardown.groups)} scaling groups "
               f"({_regions(teardown.groups)})", STRONG)
    for group in teardown.groups:
        if group.plan is None:
            yield Line(f"  ! {group.target.group_id:<26} {group.target.region:<16} cannot plan: {group.error}", ERROR)
            continue
        brief = ", ".join(f"{change.verb} {change.kind} {change.target}" for change in group.plan.pending)
        yield Line(f"  {'-' if brief else '='} {group.target.group_id:<26} {group.target.region:<16} "
                   f"{brief or 'nothing of the recipe here'}", None if brief else DETAIL)
    if teardown.shared is not None:
        yield Line("  Once for the account, after every group:", STRONG)
        yield from change_lines(teardown.shared.changes)
    pending = sum(1 for group in teardown.groups if group.plan is not None and group.plan.pending)
    yield Line(f"Plan: {pending} group(s) to change, {len(teardown.groups) - pending} unchanged"
               + (f", {len(teardown.shared.pending)} shared change(s)." if teardown.shared else "."), STRONG)


def teardown_report_lines(teardown: FleetTeardown) -> Iterable[Any]:
    yield ""
    for group in teardown.groups:
        if group.outcome in ("failed", "skipped"):
            yield Line(f"  {group.target.group_id:<26} {group.target.region:<16} {group.outcome}"
                       + (f": {group.error}" if group.error else ""), _OUTCOME_STYLES[group.outcome])
    for item in teardown.shared_done:
        yield f"  {item.change.kind:<10} {item.change.target:<48} {item.outcome.text}"
    if teardown.shared_error is not None:
        yield Line(f"  shared: {teardown.shared_error}", ERROR)
    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(teardown.counts().items()))
    yield Line(f"{len(teardown.groups)} groups: {counts}", STRONG)


class FleetProgress:
    """The run as it goes (see the module's docstring). `event` and `result` come from many threads."""

    def __init__(self, env: Environment, *, live: bool):
        self.env = env
        self.people = env.output_format == "table" and not env.query
        self.lines = env.output_format in ("json", "yaml", "text") and not env.query   # a document a group
        self.live = live and self.people
        self._lock = threading.Lock()
        self._rows: dict[Target, list[str]] = {}     # group -> [state, detail]
        self._ended: list[GroupResult] = []
        self._started = time.monotonic()
        self._view: Any = None
        self._total = 0

    def plan(self, plan: FleetPlan) -> None:
        if self.people:
            from essctl.render import write_lines

            write_lines(self.env, plan_lines(plan))

    def start(self, plan: FleetPlan) -> None:
        self._total = len(plan.groups)
        for group in plan.groups:
            self._rows[group.target] = ["queued", ""]
        if self.live:
            from rich.live import Live

            self._view = Live(self, console=self.env.console(), refresh_per_second=4, transient=True)
            self._view.__enter__()

    def event(self, target: Target | None, event: Event) -> None:
        if target is None:       # the shared changes
            if self.people and not self.live:
                self._write(f"• {event.message}")
            return
        with self._lock:
            self._rows[target] = [event.kind, printable(event.message)]

    def result(self, result: GroupResult) -> None:
        with self._lock:
            self._ended.append(result)
            self._rows.pop(result.target, None)
        if self.lines:
            from essctl.render.formats import format_event

            with self._lock:
                self.env.stdout.write(format_event({"Event": "GroupEnded", **result.to_data()}, self.env.output_format))
                self.env.stdout.flush()
        elif self.people and not self.live:
            self._write(Line(result_line(result), _OUTCOME_STYLES.get(result.outcome)))

    def close(self, report: FleetReport | None) -> None:
        if self._view is not None:
            self._view.__exit__(None, None, None)
            self._view = None
        if report is None:
            return
        if self.lines:
            from essctl.render.formats import format_event

            self.env.stdout.write(format_event({"Event": "FleetEnded", **report.summary()}, self.env.output_format))
            self.env.stdout.flush()
        else:
            from essctl.render import output

            output(self.env, report)

    def _write(self, line: Any) -> None:
        from essctl.render import write_lines

        with self._lock:
            write_lines(self.env, [line])

    def __rich__(self) -> Any:
        with self._lock:
            ended = list(self._ended)
            rows = [(target, state) for target, state in self._rows.items()]
        ok = sum(1 for result in ended if result.ok)
        failed = len(ended) - ok
        title = (f"{len(ended)}/{self._total} groups ended ({ok} ok, {failed} not), {self._total - len(ended)} "
                 f"at work  ({time.monotonic() - self._started:.0f} s)")
        room = max(self.env.console().height - 6, 3)
        # failures first (they stay), then the groups at work
        failed_rows = [(r.target, ["✗", r.outcome, r.reason or ""]) for r in ended if not r.ok]
        working = [(target, ["…", *state]) for target, state in rows]
        shown = (failed_rows + working)[:room]
        cells = [[(mark, ERROR if mark == "✗" else None), (target.group_id, None), (target.region, DETAIL),
                  (state, ERROR if mark == "✗" else None), (detail, DETAIL)] for target, (mark, state, detail) in shown]
        hidden = len(failed_rows) + len(working) - len(shown)
        return FittedTable(title + (f"; {hidden} more not shown" if hidden else ""), _COLUMNS, cells, hint=False)


_COLUMNS = [Column("", "mark", FIXED), Column("Group", "group", ID), Column("Region", "region", FIXED),
            Column("State", "state", FIXED), Column("Detail", "detail", detail=True)]
