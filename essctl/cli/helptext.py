"""How `--help` reads: Typer's rich help shows a flag's type as `<bool>`, an argument's as `<str>`, and wraps a
required argument in braces (`{NAME|FILE}`) and an optional one that already says so in brackets twice
(`[[NAME]]`). These command and group classes show a flag bare and an argument by its name (optional ones in one
pair of brackets), and each command's examples under `Examples:`."""
from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return name if self.required else f"[{name}]"


def _plain(params: list[Any], ctx: Any) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.is_bool_flag:
            param.metavar = ""
        elif isinstance(param, TyperOption) and param.metavar is None:   # `<str>`, `<int range>`, `<a|b>`
            shown = param.display_type(ctx).strip("<>")
            param.metavar = shown if "|" in shown else (param.name or "value").upper()
        elif type(param) is TyperArgument:
            param.__class__ = _Argument     # same object, same state: only how it is shown changes
    return params


class PlainCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain(super().get_params(ctx), ctx)


class PlainGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain(super().get_params(ctx), ctx)


def examples(*lines: str) -> str:
    """An epilog of example command lines (one per line, `#` comments allowed), with rich markup escaped so that
    `--query '[0].X'` shows as written."""
    body = "\n".join(f"  {line}" for line in lines).replace("[", "\\[")
    return f"Examples:\n{body}"
