"""The one reader of the YAML documents essctl takes in: recipes, sandbox scenarios, the knowledge base and tapes.

Values come from libyaml when it is there (fast: a tape is thousands of lines); a problem is one line
`FILE:LINE:COL: field.path: problem`, its position found from the document's nodes only when one is reported.
A key given twice is an error (PyYAML would keep the last one silently).

Before any value is built, the document's events are walked once (no recursion, nothing expanded) and what would
hang or exhaust a later reader is refused: aliases that expand past MAX_VALUES ("billion laughs") or contain
themselves, nesting deeper than limits.MAX_DEPTH, values longer than MAX_TEXT. Values are what JSON holds: numbers
are finite and fit 64 bits, dates stay text, and !!binary, !!set and the like are refused.
"""
from __future__ import annotations

import difflib
import functools
import math
import re
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn, Sequence

from essctl.errors import UsageError, clip, shorten
from essctl.limits import MAX_DEPTH, control_character

FieldPath = tuple[Any, ...]    # keys and list indexes from the root: ("policy", "statements", 0, "Action")
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024   # no essctl document comes near this; a larger file is not one of them
MAX_VALUES = 1_000_000                 # values, an alias counting as all it stands for; the largest tape has ~6,000
MAX_TEXT = 256 * 1024                  # characters of one value; an OOS template's whole content is at most 64 KB
_INTEGER_BITS = 64
_NAME = re.compile(r"[A-Za-z0-9_$@:.-]{1,40}")


def dotted(path: FieldPath) -> str:
    """("policy", "statements", 0, "Action") -> "policy.statements[0].Action"; a key that is not name-like is
    shown shortened, as a repr."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            name = str(part) if isinstance(part, str) and _NAME.fullmatch(part) else shorten(part, 40)
            text += f".{name}" if text else name
    # A path as deep as the document may nest is cut in the middle: its start and its end say where.
    return text if len(text) <= 100 else f"{text[:48]}…{text[-51:]}"


def kind_of(value: Any) -> str:
    """How a value reads in a message: "a string", "a number", "a mapping", ..."""
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "empty"}.get(type(value), type(value).__name__)


def listing(names: Any, limit: int = 120) -> str:
    """Names as a message lists them: comma-separated, cut after about `limit` characters."""
    names = [clip(str(name)) for name in names]
    text = ", ".join(names) or "none"
    if len(text) <= limit:
        return text
    return text[:text.rfind(", ", 0, limit)] + f", … ({len(names)} in all)"


class _DuplicateKey(Exception):
    def __init__(self, mark: Any):
        self.mark = mark


class _Refused(Exception):
    """A document the event walk refuses: where, which field, why."""

    def __init__(self, mark: Any, path: FieldPath, problem: str):
        self.mark, self.path, self.problem = mark, path, problem


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NOT_JSON = ("binary", "set", "omap", "pairs", "timestamp")   # YAML types no essctl document holds


@functools.lru_cache(maxsize=None)
def _loader(unique_keys: bool, *, fast: bool = True) -> type:
    """A safe loader (libyaml's when installed and `fast`) that builds only what JSON holds; with `unique_keys` it
    refuses a key given twice in one mapping."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader

    def refuse(node: Any, problem: str) -> NoReturn:
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)

    class EssctlLoader(base):  # type: ignore[misc, valid-type]
        # Dates stay text: 2024-01-01 means the string to every essctl document (and 2023-02-30 is no error).
        yaml_implicit_resolvers = {first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
                                   for first, resolvers in base.yaml_implicit_resolvers.items()}

        def construct_yaml_int(self, node: Any) -> int:
            try:
                value = super().construct_yaml_int(node)
            except ValueError:     # more digits than Python converts
                refuse(node, f"{shorten(node.value)} is out of range (integers fit {_INTEGER_BITS} bits)")
            if not -2 ** (_INTEGER_BITS - 1) <= value < 2 ** (_INTEGER_BITS - 1):
                refuse(node, f"{shorten(value)} is out of range (integers fit {_INTEGER_BITS} bits)")
            return value

        def construct_yaml_float(self, node: Any) -> float:
            value = super().construct_yaml_float(node)
            if not math.isfinite(value):
                refuse(node, f"{shorten(node.value)} is not a finite number")
            return value

        def construct_mapping(self, node: Any, deep: bool = False) -> dict:
            if unique_keys:
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    if isinstance(key, (str, int, float, bool)) or key is None:
                        if key in seen:
                            raise _DuplicateKey(key_node.start_mark)
                        seen.add(key)
            return super().construct_mapping(node, deep=deep)

    EssctlLoader.add_constructor("tag:yaml.org,2002:int", EssctlLoader.construct_yaml_int)
    EssctlLoader.add_constructor("tag:yaml.org,2002:float", EssctlLoader.construct_yaml_float)
    for name in _NOT_JSON:
        EssctlLoader.add_constructor(f"tag:yaml.org,2002:{name}", lambda loader, node, name=name: refuse(
            node, f"a !!{name} value; essctl reads text, numbers, true/false, lists and mappings (quote it)"))
    return EssctlLoader


class _Open:
    """A list or mapping the event walk is inside: its path, its anchor, the values counted when it began, and
    where its next child goes (the key of a mapping waiting for its value, or a list index)."""

    def __init__(self, path: FieldPath, anchor: str | None, start: int, mapping: bool):
        self.path, self.anchor, self.start, self.mapping = path, anchor, start, mapping
        self.index = 0
        self.key: Any = None
        self.in_key = mapping

    def child(self) -> FieldPath:
        if not self.mapping:
            return (*self.path, self.index)
        return (*self.path, self.key) if not self.in_key else self.path

    def done(self, key: Any = None) -> None:
        """A child node ended: the next one is a value after a key, a key after a value, the next list item."""
        if not self.mapping:
            self.index += 1
        elif self.in_key:
            self.key, self.in_key = key, False
        else:
            self.in_key = True


def _walk_events(text: str, loader: type, printable: bool, free_text: frozenset[str]) -> None:
    """Refuse what would hang or exhaust whatever reads the document later, building no value: see the module."""
    import yaml

    opened: list[_Open] = []
    expanded: dict[str, int] = {}      # anchor -> how many values it stands for
    count = 0

    def here() -> FieldPath:
        return opened[-1].child() if opened else ()

    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.DocumentStartEvent):
            opened.clear()
        if not isinstance(event, yaml.NodeEvent) and not isinstance(event, yaml.CollectionEndEvent):
            continue
        if isinstance(event, yaml.AliasEvent):
            if any(item.anchor == event.anchor for item in opened):
                raise _Refused(event.start_mark, here(), f"the alias *{clip(event.anchor, 40)} refers to "
                                                         "itself (a value that contains itself)")
            count += expanded.get(event.anchor, 1)
            if opened:
                opened[-1].done()
        elif isinstance(event, yaml.ScalarEvent):
            count += 1
            if len(event.value) > MAX_TEXT:
                raise _Refused(event.start_mark, here(), f"a value of {len(event.value):,} characters is longer "
                                                         f"than {MAX_TEXT:,}")
            free = bool(opened) and opened[-1].mapping and not opened[-1].in_key and opened[-1].key in free_text
            problem = control_character(event.value) if printable and not free else None
            if problem:
                raise _Refused(event.start_mark, here(), f"{shorten(event.value, 40)} holds {problem}")
            if event.anchor:
                expanded[event.anchor] = 1
            if opened:
                opened[-1].done(event.value)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(opened) >= MAX_DEPTH:
                raise _Refused(event.start_mark, here(), f"nested deeper than {MAX_DEPTH} levels")
            count += 1
            opened.append(_Open(here(), event.anchor, count, isinstance(event, yaml.MappingStartEvent)))
        else:
            ended = opened.pop()
            if ended.anchor:
                expanded[ended.anchor] = count - ended.start + 1
            if opened:
                opened[-1].done("?")
        if count > MAX_VALUES:
            raise _Refused(event.start_mark, here(), f"more than {MAX_VALUES:,} values once its aliases are "
                                                     "expanded (each use of an alias counts all it stands for)")


def shown_path(path: Path | str) -> str:
    """A file name as a message shows it: control characters escaped, a very long one cut in the middle (its end
    names the file)."""
    text = str(path)
    text = repr(text)[1:-1] if control_character(text) else text
    return text if len(text) <= 150 else f"{text[:60]}…{text[-89:]}"


def read_text(path: Path, what: str, error: type[UsageError] = UsageError) -> str:
    """A file's text; a file that cannot be read, or is not UTF-8 text, is one line naming it (and never its
    content)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise error(f"{shown_path(path)}: cannot read the {what}: {exc.strerror or exc}") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise error(f"{shown_path(path)}: the {what} is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{shown_path(path)}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                    f"save the {what} as UTF-8") from None


class Document:
    """One YAML document: `root` holds its values; the checking methods fail with the field's position.

    `error` is the UsageError subclass raised (e.g. RecipeError); `what` names the document in messages; a
    document written elsewhere (an OOS template) may repeat a key with `unique_keys=False`, as PyYAML allows; with
    `printable`, a value (or key) holding a control character is refused (what a person writes never does), except
    the values of the keys in `free_text` (text a document stands in for from elsewhere, such as a cloud message).
    """

    def __init__(self, text: str, source: str, *, what: str = "document", root: str = "",
                 error: type[UsageError] = UsageError, unique_keys: bool = True, printable: bool = False,
                 free_text: frozenset[str] = frozenset()):
        import yaml

        self.text, self.what, self.root_name, self.error_class = text, what, root, error
        self.source = shown_path(source)
        if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
            raise error(f"{self.source}: the {what} is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB")
        self._fast = True
        try:
            try:
                _walk_events(text, _loader(unique_keys), printable, free_text)
                self.root = yaml.load(text, Loader=_loader(unique_keys))
            except yaml.YAMLError:
                # libyaml words its errors tersely: PyYAML's own parser says the same thing better. Its composer
                # recurses, so the walk runs again first (on the Python parser, which does not).
                self._fast = False
                _walk_events(text, _loader(unique_keys, fast=False), printable, free_text)
                self.root = yaml.load(text, Loader=_loader(unique_keys, fast=False))
        except _Refused as exc:
            self._raise(exc.mark.line + 1, exc.mark.column + 1, dotted(exc.path) or root or what, exc.problem)
        except _DuplicateKey as exc:
            path = self._path_at(exc.mark)
            self._raise(exc.mark.line + 1, exc.mark.column + 1, dotted(path) or root or what, "given twice")
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - text.rfind("\n", 0, exc.position)
            self._raise(line, column, "yaml", f"a character YAML does not allow ({exc.character!r})")
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark
            field = dotted(self._path_at(mark)) if mark is not None else ""
            self._raise(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, field or "yaml",
                        exc.problem or str(exc))
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
        return cls(read_text(path, what, error), str(path), **options)

    # --- positions ---------------------------------------------------------------------------------------------

    @cached_property
    def _nodes(self) -> Any:
        import yaml

        # The parser that read the document: libyaml and PyYAML disagree on a few corners (a tab after an anchor).
        return yaml.compose(self.text, Loader=_loader(False, fast=self._fast))

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

    def _path_at(self, mark: Any) -> FieldPath:
        """The field whose key or value starts at `mark` (only after the event walk: the nodes nest boundedly)."""
        import yaml

        def at(node: Any) -> bool:
            return (node.start_mark.line, node.start_mark.column) == (mark.line, mark.column)

        def walk(node: Any, path: FieldPath) -> FieldPath | None:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if at(key) or at(value):
                        return (*path, key.value)
                    found = walk(value, (*path, key.value))
                    if found is not None:
                        return found
            elif isinstance(node, yaml.SequenceNode):
                for index, item in enumerate(node.value):
                    if at(item):
                        return (*path, index)
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
        if path == () and allowed and value and not any(key in allowed for key in value):
            # Some other file (a password file parses as a mapping): never repeat what it holds.
            self.fail(path, f"not a {self.what} (it has none of the fields {listing(allowed)})")
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"field names are strings, got {shorten(key)}")
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
            self.fail(path, f"must be a string, got {kind_of(value)} {shorten(value)}")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(path, f"must be {rule}, got {shorten(value)}")
        return value

    def integer(self, value: Any, path: FieldPath, low: int | None = None, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be an integer, got {kind_of(value)} {shorten(value)}")
        self._in_range(value, path, low, high)
        return value

    def number(self, value: Any, path: FieldPath, low: float | None = None, high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a number, got {kind_of(value)} {shorten(value)}")
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
            self.fail(path, f"must be true or false, got {shorten(value)}")
        return value

    def choice(self, value: Any, path: FieldPath, choices: Sequence[Any]) -> Any:
        if value not in choices:
            self.fail(path, f"must be one of {listing(choices)}, got {shorten(value)}")
        return value

