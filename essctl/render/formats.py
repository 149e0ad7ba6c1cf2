"""The formats for scripts: JSON, YAML and the AWS CLI's text (bare values, tab-separated), each from the JSON
form of a result (after --query). One function per format, chosen in one place (`write_data`)."""
from __future__ import annotations

import json
from typing import Any, Iterator

from essctl.render.safe import printable

SCRIPT_FORMATS = ("json", "yaml", "text")


def json_text(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=False, default=str) + "\n"


def yaml_text(data: Any) -> str:
    """One YAML document. PyYAML ends a bare scalar with the document-end marker `...`, which nobody wants in
    `$(essctl ... -o yaml)`: the document is whole without it."""
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    return text[:-4] if text.endswith("\n...\n") else text


def text_lines(data: Any) -> Iterator[str]:
    """The AWS CLI's text form: a scalar bare; a list of scalars on one line, tab-separated; a list of objects one
    line per object (the scalar values in the order of all the objects' sorted keys), nested lists and objects on
    lines of their own led by their key in capitals. Strings are bare, numbers and booleans as JSON writes them,
    null is empty; tabs and line breaks inside a value show as `\\t`, `\\n`, so every line stays one row."""
    yield from _lines(data, None, None)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return printable(value)
    return printable(json.dumps(value, ensure_ascii=False, default=str))


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _lines(item: Any, identifier: str | None, keys: list[str] | None) -> Iterator[str]:
    if isinstance(item, dict):
        yield from _dict_lines(item, identifier, keys)
    elif isinstance(item, list):
        yield from _list_lines(item, identifier)
    else:
        yield _scalar(item)


def _list_lines(items: list[Any], identifier: str | None) -> Iterator[str]:
    if not items:
        return
    if any(isinstance(element, dict) for element in items):
        keys = sorted({key for element in items if isinstance(element, dict)
                       for key, value in element.items() if _is_scalar(value)})
        for element in items:
            yield from _lines(element, identifier, keys if isinstance(element, dict) else None)
        return
    scalars = [element for element in items if _is_scalar(element)]
    if scalars:
        if identifier is None:
            yield "\t".join(_scalar(element) for element in scalars)
        else:
            yield from (f"{identifier.upper()}\t{_scalar(element)}" for element in scalars)
    for element in items:
        if not _is_scalar(element):
            yield from _lines(element, identifier, None)


def _dict_lines(item: dict[str, Any], identifier: str | None, keys: list[str] | None) -> Iterator[str]:
    if keys is None:
        keys = sorted(key for key, value in item.items() if _is_scalar(value))
    scalars = [_scalar(item.get(key)) for key in keys]
    if scalars:
        yield "\t".join(([identifier.upper()] if identifier is not None else []) + scalars)
    for key in sorted(set(item) - set(keys)):
        if not _is_scalar(item[key]):
            yield from _lines(item[key], key, None)


def format_data(data: Any, fmt: str) -> str:
    """`data` as a whole document in a script format."""
    if fmt == "json":
        return json_text(data)
    if fmt == "yaml":
        return yaml_text(data)
    return "".join(line + "\n" for line in text_lines(data))


def format_event(data: Any, fmt: str) -> str:
    """One event of a watch in a script format: a JSON line, a YAML document of a stream (`---` first), or text
    lines."""
    if fmt == "json":
        return json_text(data, indent=None)
    if fmt == "yaml":
        return "---\n" + yaml_text(data)
    return format_data(data, fmt)
