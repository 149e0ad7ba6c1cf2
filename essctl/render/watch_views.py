"""How a watch is shown: a live table on a terminal, one plain line per change elsewhere, JSON lines for scripts."""
from __future__ import annotations

import json
import time
from typing import Any

from essctl.env import Environment

RUNNING = frozenset({"InProgress", "Pending", "Pending:Wait", "Removing:Wait", "Running", "Started", "Queued",
                     "Waiting"})
FAILED = frozenset({"Failed", "Rejected", "Timeout", "Cancelled", "Warning"})


class LineWatchView:
    """One plain line per change (not a terminal, or -o table into a file)."""

    def __init__(self, env: Environment):
        self.env = env

    def __enter__(self) -> "LineWatchView":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def event(self, event: Any) -> None:
        self.env.stdout.write(f"[{event.elapsed:6.1f}s] {event.kind}: {event.message}\n")
        self.env.stdout.flush()


class JsonLinesWatchView(LineWatchView):
    """One JSON object per event; the command writes the final summary object after them."""

    def event(self, event: Any) -> None:
        self.env.stdout.write(json.dumps(event.to_dict(), ensure_ascii=False, default=str) + "\n")
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

    def event(self, event: Any) -> None:
        key = _row_key(event)
        with self._lock:
            row = self.rows.setdefault(key, _Row(event.kind, _label(event)))
            row.status, row.detail, row.failed = _status(event), _detail(event), _failed(event)
            if event.kind == "task":
                row.parent = event.data.get("execution_id")
        if self._live is not None:
            self._live.refresh()

    def __rich__(self) -> Any:
        from rich.table import Table

        title = f"{self.title}  ({time.monotonic() - self._started:.0f} s)"
        table = Table(title=title, title_justify="left", header_style="bold", min_width=len(title) + 8)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("Resource", overflow="fold", max_width=48)
        table.add_column("Status", no_wrap=True)
        table.add_column("Detail", overflow="fold", min_width=24)
        with self._lock:
            for row in self._ordered():
                table.add_row(row.mark(), row.label, row.status, row.detail)
        return table

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


class _Row:
    def __init__(self, kind: str, label: str):
        from rich.spinner import Spinner

        self.kind, self.label = kind, label
        self.status = self.detail = ""
        self.failed = False
        self.parent: str | None = None       # a task's execution id
        self.spinner = Spinner("dots")     # one per row, so it turns between redraws

    def mark(self) -> Any:
        if self.status in RUNNING:
            return self.spinner
        if self.failed:
            return "✗"
        return "-" if self.status == "released" else "✓"


def _row_key(event: Any) -> tuple[str, str]:
    data = event.data
    if event.kind == "task":
        return "task", f"{data.get('execution_id')}/{data.get('task')}"
    field = {"activity": "activity_id", "instance": "instance_id", "lifecycle_action": "hook_id",
             "execution": "execution_id"}.get(event.kind)
    return event.kind, str(data.get(field) or "") if field else event.message


def _label(event: Any) -> str:
    data = event.data
    if event.kind == "task":
        return f"  task {data.get('task')}"
    if event.kind == "lifecycle_action":
        return f"lifecycle action of {data.get('hook_id')}"
    return f"{event.kind} {_row_key(event)[1]}"


def _status(event: Any) -> str:
    data = event.data
    return str(data.get("status") or data.get("state") or "")


def _failed(event: Any) -> bool:
    data = event.data
    return _status(event) in FAILED or data.get("result") in ("ABANDON", "ROLLBACK")


def _detail(event: Any) -> str:
    """What the status alone does not say: progress, result, template, outputs, the failure message."""
    data = event.data
    kind, status = event.kind, _status(event)
    if kind == "activity":
        return f"{data.get('progress') or 0}%" if status in RUNNING else str(data.get("status_message") or "")
    if kind == "lifecycle_action":
        return str(data.get("result") or "") if status != "Pending" else ""
    if kind == "execution":
        parts = [str(data.get("template") or "")]
        if status == "Failed" and data.get("status_message"):
            parts.append(str(data["status_message"]))
        if status == "Success" and data.get("outputs"):
            parts.append("outputs " + json.dumps(data["outputs"], ensure_ascii=False)[:200])
        return "; ".join(p for p in parts if p)
    if kind == "task":
        return str(data.get("status_message") or "")
    return ""


def watch_view(env: Environment, title: str) -> Any:
    fmt = env.output_format
    if fmt in ("json", "yaml"):
        return JsonLinesWatchView(env)
    if env.stdout_isatty:
        return LiveWatchView(env, title)
    return LineWatchView(env)
