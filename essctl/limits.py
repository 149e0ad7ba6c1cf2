"""What essctl accepts as input at all, whatever reads it (YAML documents, -p values, options, configuration files):
how deep a value nests, how large numbers are, which characters text holds. The readers refuse anything beyond,
naming the field, so nothing later (a walk, a message, a request) meets a value it cannot handle."""
from __future__ import annotations

import math
import re
from typing import Any

from essctl.errors import shorten

MAX_DEPTH = 64              # lists and mappings inside each other; essctl's documents and OOS templates reach ~22
MAX_NUMBER = 2**53 - 1      # the largest integer JSON carries exactly: the APIs' numbers, timeouts, sizes
# Control characters (C0 but tab and line breaks, DEL, C1, the Unicode line and paragraph separators) and lone
# surrogates (text that is not Unicode): no name, value or script essctl sends needs them, a terminal acts on them
# when they are echoed, and a separator would split a one-line message.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """Why `text` is not plain text (its first control character, escaped), or None."""
    found = CONTROL_CHARACTER.search(text)
    if found is None:
        return None
    character = found.group()
    kind = "not a Unicode character" if "\ud800" <= character <= "\udfff" else "a control character"
    return f"{kind} ({character.encode('unicode_escape', 'backslashreplace').decode()}) at position {found.start()}"


def number_problem(value: float) -> str | None:
    """Why a number is not one essctl can use (not finite, or beyond MAX_NUMBER in size), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    if abs(value) > MAX_NUMBER:
        return f"{shorten(value, 24)} is out of range (at most ±{MAX_NUMBER})"
    return None


def value_problem(value: Any) -> str | None:
    """Why a value parsed from JSON is not one essctl can use (nested deeper than MAX_DEPTH, a number that is not
    finite or too large, text with a control character), or None; found without recursion."""
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            problem = control_character(item)
            if problem:
                return f"holds {problem}"
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            problem = number_problem(item)
            if problem:
                return problem
        elif isinstance(item, (list, dict)):
            if level >= MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return None
