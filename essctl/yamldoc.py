"""The one reader of the YAML documents essctl takes in: recipes, sandbox scenarios, the knowledge base and tapes.

Values come from libyaml when it is there (fast: a tape is thousands of lines); a problem is one line
`FILE:LINE:COL: field.path: problem`, its position found from the document's nodes only when one is reported.
A key given twice is an error (PyYAML would keep the last one silently).
"""
from __future__ import annotations

import difflib
import re
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn, Sequence

from essctl.errors import UsageError

FieldPath = tuple[Any, ...]    # keys and list indexes from the root: ("policy", "statements", 0, "Action")
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024   # no essctl document comes near this; a larger file is not one of them


def dotted(path: FieldPath) -> str:
    """("policy", "statements", 0, "Action") -> "policy.statements[0].Action"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def kind_of(value: Any) -> str:
    """How a value reads in a message: "a string", "a number", "a mapping", ..."""
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "empty"}.get(type(value), type(value).__name__)


def listing(names: Any) -> str:
    return ", ".join(str(name) for name in names) or "none"


class _DuplicateKey(Exception):
    def __init__(self, mark: Any):
        self.mark = mark


def _loader(unique_keys: bool, *, fast: bool = True) -> type:
    """A safe loader (libyaml's when installed and `fast`); with `unique_keys` it refuses a key given twice in one
    mapping."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader
    if not unique_keys:
        return base

    class StrictLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> dict:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, (str, int, float, bool)) or key is None:
                    if key in seen:
                        raise _DuplicateKey(key_node.start_mark)
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


class Document:
    """One YAML document: `root` holds its values; the checking methods fail with the field's position.

    `error` is the UsageError subclass raised (e.g. RecipeError); `what` names the document in messages; a
    document written elsewhere (an OOS template) may repeat a key with `unique_keys=False`, as PyYAML allows.
    """

    def __init__(self, text: str, source: str, *, what: str = "document", root: str = "",
                 error: type[UsageError] = UsageError, unique_keys: bool = True):
        import yaml

        self.text, self.source, self.what, self.root_name, self.error_class = text, source, what, root, error
        if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
            raise error(f"{source}: the {what} is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB")
        try:
            try:
                self.root = yaml.load(text, Loader=_loader(unique_keys))
            except yaml.YAMLError:
                # libyaml words its errors tersely: PyYAML's own parser says the same thing better.
                self.root = yaml.load(text, Loader=_loader(unique_keys, fast=False))
        except _DuplicateKey as exc:
            path = self._path_of_key(exc.mark)
            self._raise(exc.mark.line + 1, exc.mark.column + 1, dotted(path) or root or what, "given twice")
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or str(exc)
            if "'\\t'" in problem:
                problem = "a tab character; indent with spaces"
            self._raise(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, "yaml", problem)
        except yaml.YAMLError as exc:
            self._raise(1, 1, "yaml", " ".join(str(exc).split()))

    @classmethod
    def read(cls, path: Path, **options: Any) -> "Document":
        """The document in a file; a file that cannot be read is one line naming it."""
        what = options.get("what", "document")
        error = options.get("error", UsageError)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise error(f"{path}: cannot read the {what}: {getattr(exc, 'strerror', None) or exc}") from exc
        return cls(text, str(path), **options)

    # --- positions ---------------------------------------------------------------------------------------------

    @cached_property
    def _nodes(self) -> Any:
        import yaml

        return yaml.compose(self.text, Loader=yaml.SafeLoader)

    def _node_at(self, path: FieldPath, *, key: bool = False) -> Any:
        """The node of the deepest part of `path` present in the document (the root for a missing field); with
        `key`, the key node of a mapping field rather than its value."""
        import yaml

        node = self._nodes
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                found = next((k if key and last else v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                found = node.value[part]
            else:
                found = None
            if found is None:
                break
            node = found
        return node

    def _path_of_key(self, mark: Any) -> FieldPath:
        import yaml

        def walk(node: Any, path: FieldPath) -> FieldPath | None:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if (key.start_mark.line, key.start_mark.column) == (mark.line, mark.column):
                        return (*path, key.value)
                    found = walk(value, (*path, key.value))
                    if found is not None:
                        return found
            elif isinstance(node, yaml.SequenceNode):
                for index, item in enumerate(node.value):
                    found = walk(item, (*path, index))
                    if found is not None:
                        return found
            return None

        return walk(self._nodes, ()) or ()

    def has(self, path: FieldPath) -> bool:
        """Whether the document itself writes this field."""
        value: Any = self.root
        for part in path:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return False
        return True

    def position(self, path: FieldPath, *, key: bool = False) -> tuple[int, int]:
        """(line, column), 1-based, of a field (of its key with `key`); a field not in the document gives its
        nearest parent's."""
        node = self._node_at(path, key=key)
        return (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)

    # --- failing -----------------------------------------------------------------------------------------------

    def _raise(self, line: int, column: int, field: str, problem: str) -> NoReturn:
        raise self.error_class(f"{self.source}:{line}:{column}: {field}: {problem}")

    def error(self, path: FieldPath, problem: str, *, at: FieldPath | None = None, key: bool = False) -> UsageError:
        """The error naming `path`, at the position of `at` (default: the field itself; its key with `key`)."""
        line, column = self.position(path if at is None else at, key=key)
        field = dotted(path) or self.root_name or self.what
        return self.error_class(f"{self.source}:{line}:{column}: {field}: {problem}")

    def fail(self, path: FieldPath, problem: str, *, at: FieldPath | None = None, key: bool = False) -> NoReturn:
        raise self.error(path, problem, at=at, key=key)

    # --- checking values ---------------------------------------------------------------------------------------

    def mapping(self, value: Any, path: FieldPath, allowed: Sequence[str] = (), required: Sequence[str] = (),
                *, empty_ok: bool = False) -> dict[str, Any]:
        """A mapping whose keys are strings; with `allowed`, any other key is an error (with a did-you-mean)."""
        if value is None and (path == () or empty_ok):
            if path == () and not empty_ok:
                self.fail(path, f"the file is empty (expected a {self.what})")
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {kind_of(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"field names are strings, got {key!r}")
            if allowed and key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                self.fail((*path, key), "unknown field" + (f" (did you mean {close[0]}?)" if close
                                                          else f" (fields: {listing(allowed)})"), key=True)
        for key in required:
            if key not in value:
                self.fail(path, f"missing required field {key}")
        return value

    def sequence(self, value: Any, path: FieldPath, *, non_empty: bool = False, what: str = "values") -> list[Any]:
        if value is None and not non_empty:
            return []
        if not isinstance(value, list) or (non_empty and not value):
            self.fail(path, f"must be a {'non-empty ' if non_empty else ''}list of {what}")
        return value

    def string(self, value: Any, path: FieldPath, pattern: re.Pattern[str] | None = None, rule: str = "") -> str:
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {kind_of(value)} {_short(value)}")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(path, f"must be {rule}, got {_short(value)}")
        return value

    def integer(self, value: Any, path: FieldPath, low: int | None = None, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be an integer, got {kind_of(value)} {_short(value)}")
        self._in_range(value, path, low, high)
        return value

    def number(self, value: Any, path: FieldPath, low: float | None = None, high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a number, got {kind_of(value)} {_short(value)}")
        self._in_range(value, path, low, high)
        return float(value)

    def _in_range(self, value: float, path: FieldPath, low: float | None, high: float | None) -> None:
        if low is not None and high is not None and not low <= value <= high:
            self.fail(path, f"must be {low:g}..{high:g}, got {value:g}")
        if low is not None and value < low:
            self.fail(path, f"must be >= {low:g}, got {value:g}")
        if high is not None and value > high:
            self.fail(path, f"must be <= {high:g}, got {value:g}")

    def boolean(self, value: Any, path: FieldPath) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {_short(value)}")
        return value

    def choice(self, value: Any, path: FieldPath, choices: Sequence[Any]) -> Any:
        if value not in choices:
            self.fail(path, f"must be one of {listing(choices)}, got {_short(value)}")
        return value


def _short(value: Any, limit: int = 80) -> str:
    """A value as a message shows it: repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
