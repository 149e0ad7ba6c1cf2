"""OOS templates as the sandbox reads them: the template store (scenario, template folders, built-in stand-ins),
`{{ name }}` rendering, and resolving an execution's parameters (ESS placeholders, defaults, types)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from essctl.sandbox.errors import ApiError
from essctl.sandbox.oos.reader import Template, TemplateFormatError, read_template

_EXPRESSION = re.compile(r"\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


@lru_cache(maxsize=1)
def standin_templates() -> dict[str, str]:
    """Built-in stand-ins (essctl/sandbox/standins.yaml): template name -> YAML text."""
    import yaml

    table = yaml.safe_load((resources.files("essctl.sandbox") / "standins.yaml").read_text(encoding="utf-8"))
    return {name: yaml.safe_dump(body, sort_keys=False, allow_unicode=True) for name, body in table.items()}


class TemplateStore:
    """Scenario templates, then template folders (files named after the template, anywhere below), then the
    built-in stand-ins."""

    def __init__(self, inline: dict[str, str], directories: list[Path]):
        self.inline = inline
        self.directories = directories
        self._index: dict[str, Path] | None = None
        self._parsed: dict[str, Any] = {}
        self._parsed_summaries: dict[str, dict[str, Any]] = {}

    def _files(self) -> dict[str, Path]:
        if self._index is None:
            self._index = {}
            for directory in self.directories:
                for path in sorted(Path(directory).rglob("*")):
                    if path.suffix in (".yml", ".yaml", ".json") and path.stem not in self._index:
                        self._index[path.stem] = path
        return self._index

    def content(self, name: str) -> tuple[str, str] | None:
        """(text, source) for a template name, or None."""
        if name in self.inline:
            return self.inline[name], "scenario"
        path = self._files().get(name)
        if path is not None:
            return path.read_text(encoding="utf-8"), str(path)
        if name in standin_templates():
            return standin_templates()[name], "stand-in"
        return None

    def names(self) -> list[str]:
        """Every template name the store can serve (scenario, folders, stand-ins), without duplicates."""
        return sorted({*self.inline, *self._files(), *standin_templates()})

    def summary(self, name: str) -> dict[str, Any]:
        """What ListTemplates shows of a template: description (English) and categories, read leniently."""
        import yaml

        if name not in self._parsed_summaries:
            found = self.content(name)
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)      # libyaml when there: listings read many
            try:
                top = yaml.load(found[0], Loader=loader) if found else {}   # noqa: S506 (a safe loader)
            except yaml.YAMLError:
                top = {}
            described = top.get("Description") if isinstance(top, dict) else None
            text = described.get("en") or described.get("zh-cn") if isinstance(described, dict) else described
            categories = described.get("categories") if isinstance(described, dict) else None
            self._parsed_summaries[name] = {
                "description": text if isinstance(text, str) else "",
                "categories": [str(c) for c in categories] if isinstance(categories, list) else [],
                "format": "JSON" if found and found[0].lstrip().startswith("{") else "YAML"}
        return self._parsed_summaries[name]

    def template(self, name: str) -> Template | None:
        """The template read by the sandbox's own reader, or None. Unreadable text is answered InvalidParameter, a
        code OOS answers for bad values (tests/conformance/known_exceptions.yaml): no page names one for this."""
        if name not in self._parsed:
            found = self.content(name)
            try:
                self._parsed[name] = None if found is None else read_template(found[0], name)
            except TemplateFormatError as exc:
                raise ApiError("InvalidParameter", f"The template {name} ({found[1]}) is not valid: {exc}") from None
        return self._parsed[name]


def render(value: Any, params: dict[str, Any]) -> Any:
    """Fill `{{ name }}` from the parameters; a value that is one whole expression keeps its type."""
    if isinstance(value, str):
        whole = _EXPRESSION.fullmatch(value.strip())
        if whole and whole.group(1) in params:
            return params[whole.group(1)]
        return _EXPRESSION.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), value)
    if isinstance(value, dict):
        return {k: render(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, params) for v in value]
    return value


def evaluate(value: Any) -> Any:
    """The intrinsic functions the rolling-update templates use, where their arguments are known (no `{{ }}`
    left): Fn::Select (a key of a mapping, an index of a list), Fn::CalculateBatch (items per batch for N batches),
    Fn::Jq (First or All results of a jq expression), Fn::If, Fn::Equals, Fn::Base64Decode. Others stay as they are."""
    if isinstance(value, list):
        return [evaluate(v) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: evaluate(v) for k, v in value.items()}
    if len(value) != 1:
        return value
    (function, args), = value.items()
    if function == "Fn::If" and isinstance(args, list) and len(args) == 3 and isinstance(args[0], bool):
        return args[1] if args[0] else args[2]       # the branch not taken may name outputs that never came
    if not isinstance(function, str) or not function.startswith("Fn::") or "{{" in json.dumps(args, default=str):
        return value
    try:
        return _FUNCTIONS[function](args) if function in _FUNCTIONS else value
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError):
        return value


def _select(args: list) -> Any:
    key, data = args
    if isinstance(data, str) and data.startswith(("{", "[")):
        data = json.loads(data)
    return data[int(key)] if isinstance(data, list) else data[key]


def _calculate_batch(args: list) -> int:
    """Items per batch so that the items go in `batches` batches (at least one per batch)."""
    batches, items = int(args[0]), args[1]
    count = len(items) if isinstance(items, list) else int(items)
    return max(1, -(-count // max(1, batches)))


def _jq(args: list) -> Any:
    from essctl.sandbox.oos.jq import select

    mode, expression, data = args
    if isinstance(data, str) and data.startswith(("{", "[")):
        data = json.loads(data)
    found = select(expression, data)
    return (found[0] if found else None) if mode == "First" else found


def _base64(args: Any) -> str:
    import base64

    return base64.b64decode(str(args)).decode("utf-8", "replace")


_FUNCTIONS = {"Fn::Select": _select, "Fn::CalculateBatch": _calculate_batch, "Fn::Jq": _jq,
              "Fn::Equals": lambda args: args[0] == args[1], "Fn::Base64Decode": _base64}


def resolve_parameters(template: Template, given: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Given values (ESS placeholders filled from `context`), then template defaults; typed per template.
    Raises ApiError naming a missing or unacceptable parameter."""
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            whole = _PLACEHOLDER.fullmatch(value)
            if whole and whole.group(1) in context:
                return context[whole.group(1)]
            return _PLACEHOLDER.sub(lambda m: _text(context.get(m.group(1), m.group(0))), value)
        if isinstance(value, list):
            filled = [fill(v) for v in value]
            # ['${instanceIds}'] -> the id list itself
            return filled[0] if len(filled) == 1 and isinstance(filled[0], list) else filled
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    resolved: dict[str, Any] = {}
    for name, parameter in template.parameters.items():
        if name in given:
            value = fill(given[name])
        elif parameter.has_default:
            value = fill(parameter.default)
        else:
            raise ApiError("InvalidParameter", f"The template parameter {name} has no value and no default "
                                               "(give it in the NotificationMetadata or Parameters).")
        value = _typed(parameter.type, value)
        unknown_yet = isinstance(value, str) and "{{" in value      # another task's output, passed to a nested one
        # A List's AllowedValues constrain each item (ACS-ESS-RollingUpdateBy*: lifecycleState [InService,
        # Protected], default InService): OOS checks them item by item.
        items = value if isinstance(value, list) and parameter.type == "List" else [value]
        wrong = [item for item in items if item not in (parameter.allowed_values or [item])]
        if not unknown_yet and wrong:
            raise ApiError("InvalidParameter", f"The template parameter {name} must be one of "
                           f"{', '.join(map(str, parameter.allowed_values))}, got {wrong[0]!r}.")
        resolved[name] = value
    for name, value in given.items():
        if name not in resolved:
            raise ApiError("InvalidParameter", f"{name} is not a parameter of the template {template.name}.")
    return resolved


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _typed(kind: str, value: Any) -> Any:
    """ESS passes every NotificationMetadata value as a string; OOS types them per the template."""
    if not isinstance(value, str):
        return value
    if kind in ("List", "Json"):
        try:
            return json.loads(value)
        except ValueError:
            return [item.strip() for item in value.split(",") if item.strip()] if kind == "List" else value
    if kind == "Number":
        try:
            number = float(value)
            return int(number) if number.is_integer() else number
        except ValueError:
            return value
    if kind == "Boolean":
        return value.lower() == "true"
    return value
