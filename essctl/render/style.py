"""Colour with meaning, in one place: red for a failure or an error, yellow for a warning, green for success, dim
for detail. Shown only on a terminal with colour on (not with NO_COLOR or --no-color, never into a pipe or a file)."""
from __future__ import annotations

import os
import re
import sys
from typing import Any

from essctl.facts.states import FAILED_RESULTS, is_failure, is_success

ERROR, WARNING, SUCCESS, DETAIL, STRONG = "error", "warning", "success", "detail", "strong"
RICH = {ERROR: "red", WARNING: "yellow", SUCCESS: "green", DETAIL: "dim", STRONG: "bold"}
_SGR = {ERROR: "31", WARNING: "33", SUCCESS: "32", DETAIL: "2", STRONG: "1"}
PARTLY_FAILED = frozenset({"Warning"})      # an activity that failed in part: a warning, not a failure
_OWN = {"doctor": {"pass": SUCCESS, "WARN": WARNING, "FAIL": ERROR}}    # essctl's own results, as its views show them


class Line(str):
    """A line of plain text with the meaning it is shown by on a colour terminal; a plain str everywhere else."""

    style: str | None

    def __new__(cls, text: str, style: str | None = None) -> "Line":
        line = super().__new__(cls, text)
        line.style = style
        return line


def paint(text: str, style: str | None) -> str:
    """`text` (already shown safe) wrapped in the SGR codes of its meaning."""
    code = _SGR.get(style or "")
    return f"\x1b[{code}m{text}\x1b[0m" if code else text


def state_style(kind: str, state: Any) -> str | None:
    """The meaning of a resource's state: a failure, a partial failure, a success, or nothing to say."""
    if kind in _OWN:
        return _OWN[kind].get(state)
    if state in PARTLY_FAILED and kind == "activity":
        return WARNING
    if is_failure(kind, state) or state in FAILED_RESULTS:
        return ERROR
    return SUCCESS if is_success(kind, state) else None


_PREFIX = re.compile(r"essctl: (?:internal )?error:|essctl: interrupted")


def on_stderr(line: str) -> str:
    """An error line for stderr with its `essctl: error:` in red, when stderr is a terminal with colour on (the
    command line is read as given: the line may come before or instead of the options being parsed)."""
    match = _PREFIX.match(line)
    if (match is None or "--no-color" in sys.argv[1:] or os.environ.get("NO_COLOR")
            or os.environ.get("TERM") == "dumb" or not getattr(sys.stderr, "isatty", lambda: False)()):
        return line
    return paint(match.group(), ERROR) + line[match.end():]
