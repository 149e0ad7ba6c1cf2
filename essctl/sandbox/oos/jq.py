"""The part of jq that OOS templates' ValueSelector, PropertySelector and Fn::Jq use, as the sandbox reads it:
pipes of paths (`a.b[].c`, a leading dot optional as OOS allows), `map(...)`, object constructors
`{"K": (.path)}`, `select(.path == "literal")` and a trailing `[]`. Anything else raises JqError."""
from __future__ import annotations

import json
import re
from typing import Any, Iterator


class JqError(ValueError):
    """A selector outside the subset the sandbox reads."""


_STEP = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[\]|\.(?=$|\[)')
_SELECT = re.compile(r'^select\(\s*(\.[A-Za-z0-9_.]*)\s*==\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)\s*\)$')


def select(expression: str, data: Any) -> list[Any]:
    """Every value the expression yields for the data."""
    return list(_pipe(expression.strip(), data))


def _split(text: str, separator: str) -> list[str]:
    """Split at top-level separators (outside brackets, braces, parentheses and strings)."""
    parts, depth, current, quoted = [], 0, [], False
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _pipe(expression: str, data: Any) -> Iterator[Any]:
    values: list[Any] = [data]
    for stage in _split(expression, "|"):
        values = [out for value in values for out in _stage(stage, value)]
    yield from values


def _stage(stage: str, value: Any) -> Iterator[Any]:
    if stage in ("", "."):
        yield value
        return
    if stage.startswith("map(") and (stage.endswith(")") or stage.endswith(")[]")):
        inner = stage[4:stage.rindex(")")]
        mapped = [out for item in _iterate(value) for out in _pipe(inner, item)]
        if stage.endswith("[]"):
            yield from mapped
        else:
            yield mapped
        return
    if stage.startswith("{") and stage.endswith("}"):
        built = {}
        for field in _split(stage[1:-1], ","):
            key, _, expr = field.partition(":")
            expr = expr.strip()
            if expr.startswith("(") and expr.endswith(")"):
                expr = expr[1:-1]
            found = list(_pipe(expr, value))
            built[json.loads(key.strip()) if key.strip().startswith('"') else key.strip()] = (
                found[0] if found else None)
        yield built
        return
    if m := _SELECT.match(stage):
        found = list(_path(m.group(1), value))
        if found and found[0] == json.loads(m.group(2)):
            yield value
        return
    yield from _path(stage, value)


def _path(path: str, value: Any) -> Iterator[Any]:
    position, values = 0, [value]
    text = path if path.startswith((".", "[")) else "." + path
    while position < len(text):
        m = _STEP.match(text, position)
        if m is None or m.end() == position:
            raise JqError(f"the sandbox does not read the jq expression {path!r}")
        position = m.end()
        if m.group(0) == "[]":
            values = [item for v in values for item in _iterate(v)]
        elif m.group(1):
            values = [v.get(m.group(1)) if isinstance(v, dict) else None for v in values]
    yield from values


def _iterate(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []
