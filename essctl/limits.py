"""What essctl accepts as input at all, whatever reads it (YAML documents, -p values, options, configuration files):
how deep a value nests, how large numbers are, which characters text holds. The readers refuse anything beyond,
naming the field, so nothing later (a walk, a message, a request) meets a value it cannot handle."""
from __future__ import annotations

import math
import re

from essctl.errors import shorten

MAX_DEPTH = 64              # lists and mappings inside each other; essctl's documents and OOS templates reach ~22
MAX_NUMBER = 2**53 - 1      # the largest integer JSON carries exactly: the APIs' numbers, timeouts, sizes
# Control characters (C0 but tab and line breaks, DEL, C1) and lone surrogates (text that is not Unicode): no
# name, value or script essctl sends needs them, and a terminal acts on them when they are echoed.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


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

