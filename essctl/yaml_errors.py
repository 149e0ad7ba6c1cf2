"""Where and what a PyYAML error is, for one-line messages naming FILE:LINE:COL."""
from __future__ import annotations

from typing import Any


def where(exc: Any) -> str:
    """':LINE:COL' of the problem (1-based), or '' when PyYAML gave no position."""
    mark = getattr(exc, "problem_mark", None)
    return f":{mark.line + 1}:{mark.column + 1}" if mark else ""


def problem(exc: Any) -> str:
    return str(getattr(exc, "problem", None) or exc)
