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
        if parameter.allowed_values and not unknown_yet and value not in parameter.allowed_values:
            raise ApiError("InvalidParameter", f"The template parameter {name} must be one of "
                           f"{', '.join(map(str, parameter.allowed_values))}, got {value!r}.")
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
