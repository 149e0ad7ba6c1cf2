"""Request parameters as the SDKs flatten them (sdk-internals.md §4): `Name.1=a&Name.2=b`, JSON strings for
shrunk dicts."""
from __future__ import annotations

import json
import re
from typing import Any

from essctl.sandbox.errors import ApiError, invalid_parameter, missing_parameter


class Params:
    def __init__(self, values: dict[str, str]):
        self.values = values

    def str(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise missing_parameter(name)
            return default
        return value

    def int(self, name: str, *, default: int | None = None, low: int | None = None,
            high: int | None = None) -> int | None:
        text = self.str(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise invalid_parameter(name, f"Expected an integer, got {text!r}.") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise invalid_parameter(name, f"It must be between {low} and {high}.")
        return value

    def bool(self, name: str) -> bool:
        text = self.str(name)
        return text is not None and text.lower() == "true"

    def list(self, name: str) -> list[str]:
        """`Name.1`, `Name.2`, ... in index order (also a JSON array given as `Name`)."""
        pattern = re.compile(rf"^{re.escape(name)}\.(\d+)$")
        found = sorted((int(m.group(1)), v) for k, v in self.values.items() if (m := pattern.match(k)))
        if found:
            return [v for _, v in found]
        text = self.values.get(name)
        if text and text.startswith("["):
            return [str(item) for item in self.json(name)]
        return [text] if text else []

    def objects(self, name: str) -> list[dict[str, str]]:
        """`Name.1.Key=k&Name.1.Value=v` -> [{'Key': 'k', 'Value': 'v'}] (also a JSON array given as `Name`)."""
        pattern = re.compile(rf"^{re.escape(name)}\.(\d+)\.(.+)$")
        items: dict[int, dict[str, str]] = {}
        for key, value in self.values.items():
            if m := pattern.match(key):
                items.setdefault(int(m.group(1)), {})[m.group(2)] = value
        if items:
            return [items[i] for i in sorted(items)]
        found = self.json(name, default=[])
        return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []

    def json(self, name: str, default: Any = None) -> Any:
        text = self.str(name)
        if text is None:
            return default
        try:
            return json.loads(text)
        except ValueError:
            raise ApiError("InvalidParameter", f'The specified parameter "{name}" is not valid JSON.') from None
