"""How a watch is shown: a live table on a terminal, one plain line per change elsewhere, JSON lines for scripts."""
from __future__ import annotations

import json
import time
from typing import Any

from essctl.env import Environment
from essctl.events import (
    ActivityChanged,
    BatchChanged,
    Event,
    ExecutionChanged,
    InstanceChanged,
    LifecycleActionChanged,
    RefreshChanged,
    TaskChanged,
)
from essctl.facts.states import FAILED_RESULTS, RELEASED, is_failure, is_running
from essctl.render.safe import printable
from essctl.render.style import DETAIL, ERROR, state_style
from essctl.render.tables import FIXED, ID, Column, FittedTable

_KINDS = {ActivityChanged: "activity", InstanceChanged: "instance", LifecycleActionChanged: "lifecycle_action",
          ExecutionChanged: "execution", TaskChanged: "task", BatchChanged: "task", RefreshChanged: "refresh"}


class LineWatchView:
    """One plain line per change (not a terminal, or -o table into a file)."""

    def __init__(self, env: Environment):
        self.env = env

    def __enter__(self) -> "LineWatchView":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def event(self, event: Event) -> None:
        line = f"[{getattr(event, 'elapsed', 0.0):6.1f}s] {event.kind}: {event.message}"
        self.env.stdout.write(printable(line) + "\n")
        self.env.stdout.flush()


class JsonLinesWatchView(LineWatchView):
    """For scripts: each event on its own, as a JSON line, a YAML document of a stream or text lines, --query
    applied to each event (an event the query finds nothing in, null, is left out); the command writes the final
    summary object after them, through `summary`."""

    def __init__(self, env: Environment, fmt: str = "json"):
        super().__init__(env)
        self.fmt = fmt

    def event(self, event: Event) -> None:
        self.write(event.to_dict())

    def summary(self, data: dict[str, Any]) -> None:
        self.write(data)

    def write(self, data: Any) -> None:
        from essctl.render import apply_query
        from essctl.render.formats import format_event

        if self.env.query:
            data = apply_query(self.env.query, data)
            if data is None:
                return
        self.env.stdout.write(format_event(data, self.fmt))
        self.env.stdout.flush()


class LiveWatchView:
    """A table redrawn in place: one row per resource with its latest status (a spinner while it runs, then ✓ or
    ✗), the tasks under their execution, and the elapsed time in the title."""

    def __init__(self, env: Environment, title: str, console: Any = None):
        import threading

        self.env = env
        self.title = title
        self.console = console or env.console()
        self.rows: dict[tuple[str, str], _Row] = {}
        self._lock = threading.Lock()      # rows change on the watching thread, Live draws on its own
        self._started = time.monotonic()
        self._live: Any = None

    def __enter__(self) -> "LiveWatchView":
        from rich.live import Live

        self._live = Live(self, console=self.console, refresh_per_second=8, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def event(self, event: Event) -> None:
        kind = _KINDS.get(type(event))
        if kind is None:
            return
        key = (kind, _ident(event))
        with self._lock:
            row = self.rows.setdefault(key, _Row(kind, _label(event)))
            # one line per row, whatever a message holds (the console escapes the rest of what it draws)
            row.status, row.detail, row.failed = printable(_status(event)), printable(_detail(event)), _failed(event)
            if isinstance(event, TaskChanged):
                row.parent = event.execution_id
        if self._live is not None:
            self._live.refresh()

    def __rich__(self) -> Any:
        """One line per row at any width: ids and task names whole, the detail cut (the summary after the live
        view has it in full), dropped when the terminal is too narrow even for that."""
        title = f"{self.title}  ({time.monotonic() - self._started:.0f} s)"
        with self._lock:
            rows = [row.cells() for row in self._ordered()]
        return FittedTable(title, _LIVE_COLUMNS, rows, hint=False)

    def _ordered(self) -> list["_Row"]:
        """Activity, instances, lifecycle actions, then each execution followed by its tasks."""
        rows = list(self.rows.items())
        placed: list[_Row] = []
        for kind in ("activity", "instance", "lifecycle_action", "execution"):
            for (row_kind, ident), row in rows:
                if row_kind == kind:
                    placed.append(row)
                    if kind == "execution":
                        placed += [task for (k, _), task in rows if k == "task" and task.parent == ident]
        return placed + [row for _, row in rows if row not in placed]   # tasks seen before their execution


_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"     # rich's "dots", one frame per 80 ms


_LIVE_COLUMNS = [Column("", "mark", FIXED), Column("Resource", "label", ID), Column("Status", "status", FIXED),
                 Column("Detail", "detail", detail=True)]


class _Row:
    def __init__(self, kind: str, label: str):
        self.kind, self.label = kind, label
        self.status = self.detail = ""
        self.failed = False
        self.parent: str | None = None       # a task's execution id
        self._started = time.monotonic()     # each row's spinner turns from its own start

    def mark(self) -> str:
        if is_running(self.kind, self.status):
            return _SPINNER[int((time.monotonic() - self._started) / 0.08) % len(_SPINNER)]
        if self.failed:
            return "✗"
        return "-" if self.status == RELEASED else "✓"

    def cells(self) -> list[tuple[str, str | None]]:
        """The row's mark, label, status and detail, with their meaning: a failure red, a success green."""
        meaning = ERROR if self.failed else state_style(self.kind, self.status)
        return [(self.mark(), meaning), (self.label, None), (self.status, meaning),
                (self.detail, ERROR if self.failed else DETAIL)]


def _ident(event: Event) -> str:
    if isinstance(event, TaskChanged):
        return f"{event.execution_id}/{event.task}"
    if isinstance(event, ActivityChanged):
        return event.activity_id
    if isinstance(event, InstanceChanged):
        return event.instance_id
    if isinstance(event, LifecycleActionChanged):
        return str(event.hook_id or "")
    if isinstance(event, BatchChanged):
        return f"{event.rollout_id}/batch {event.batch}"
    if isinstance(event, RefreshChanged):
        return event.task_id
    return event.execution_id if isinstance(event, ExecutionChanged) else event.message


def _label(event: Event) -> str:
    if isinstance(event, TaskChanged):
        return f"  task {event.task}"
    if isinstance(event, LifecycleActionChanged):
        return f"lifecycle action of {event.hook_id}"
    if isinstance(event, BatchChanged):
        return f"batch {event.batch} of {event.of}"
    return f"{event.kind} {_ident(event)}"


def _status(event: Event) -> str:
    return str(getattr(event, "state", None) or getattr(event, "status", None) or "")


def _failed(event: Event) -> bool:
    kind = _KINDS[type(event)]
    return is_failure(kind, _status(event)) or getattr(event, "result", None) in FAILED_RESULTS


def _detail(event: Event) -> str:
    """What the status alone does not say: progress, result, template, outputs, the failure message."""
    if isinstance(event, ActivityChanged):
        return f"{event.progress or 0}%" if is_running("activity", event.status) else str(event.status_message or "")
    if isinstance(event, LifecycleActionChanged):
        return str(event.result or "") if event.status != "Pending" else f"token {event.token}"
    if isinstance(event, ExecutionChanged):
        parts = [str(event.template or "")]
        if event.status == "Failed" and event.status_message:
            parts.append(str(event.status_message))
        if event.status == "Success" and event.outputs:
            parts.append("outputs " + json.dumps(event.outputs, ensure_ascii=False)[:200])
        return "; ".join(p for p in parts if p)
    if isinstance(event, TaskChanged):
        return str(event.status_message or "")
    if isinstance(event, BatchChanged):
        return event.progress
    if isinstance(event, RefreshChanged):
        return f"{event.finished or 0}/{event.total or 0} instances" + (f"; {event.detail}" if event.detail else "")
    return ""


def check_watch_output(env: Environment) -> None:
    """Before any call: --query applies to each event of a watch in a script format, never to a table."""
    from essctl.errors import UsageError
    from essctl.render.formats import SCRIPT_FORMATS

    if env.query and env.output_format not in SCRIPT_FORMATS:
        raise UsageError("--query: a watch applies it to each event in -o json, yaml or text, not in a table; "
                         "add -o json")


def watch_view(env: Environment, title: str) -> Any:
    from essctl.render.formats import SCRIPT_FORMATS

    check_watch_output(env)
    if env.output_format in SCRIPT_FORMATS:
        return JsonLinesWatchView(env, env.output_format)
    if env.stdout_isatty:
        return LiveWatchView(env, title)
    return LineWatchView(env)
