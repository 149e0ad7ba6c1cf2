"""How a watch is shown: a live table on a terminal, one plain line per change elsewhere, JSON lines for scripts."""
from __future__ import annotations

import json
import time
from typing import Any

from essctl.env import Environment

RUNNING = frozenset({"InProgress", "Pending", "Pending:Wait", "Removing:Wait", "Running", "Started", "Queued",
                     "Waiting"})
FAILED = frozenset({"Failed", "Rejected", "Timeout", "Cancelled", "released"})


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
    """A table redrawn in place: one row per resource with its latest status, a spinner on what is running."""

    def __init__(self, env: Environment, title: str, console: Any = None):
        self.env = env
        self.title = title
        self.console = console or env.console()
        self.rows: dict[str, tuple[str, str, str]] = {}
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
        key, status = _row_key(event), _status(event)
        self.rows[key] = (event.kind, status, event.message)
        if self._live is not None:
            self._live.refresh()

    def __rich__(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table

        table = Table(title=f"{self.title}  ({time.monotonic() - self._started:.0f} s)", title_justify="left",
                      expand=False)
        table.add_column("")
        table.add_column("Resource")
        table.add_column("Status")
        table.add_column("Detail", overflow="fold")
        for key, (kind, status, message) in self.rows.items():
            mark: Any = Spinner("dots") if status in RUNNING else ("✗" if status in FAILED else "✓")
            detail = message.split(": ", 2)[-1] if message.count(": ") >= 2 else ""
            table.add_row(mark, key, status, detail)
        return table


def _row_key(event: Any) -> str:
    data = event.data
    for field, label in (("task", "task"), ("execution_id", "execution"), ("instance_id", "instance"),
                         ("hook_id", "lifecycle action"), ("activity_id", "activity")):
        if data.get(field):
            if field == "task":
                return f"  task {data['task']}"
            return f"{label} {data[field]}"
    return event.kind


def _status(event: Any) -> str:
    data = event.data
    return str(data.get("status") or data.get("state") or "")


def watch_view(env: Environment, title: str) -> Any:
    fmt = env.output_format
    if fmt in ("json", "yaml"):
        return JsonLinesWatchView(env)
    if env.stdout_isatty:
        return LiveWatchView(env, title)
    return LineWatchView(env)
