"""Rendering in one place: results become a table, JSON or YAML; `--query` applies to the JSON form."""
from __future__ import annotations

import json
from typing import Any

from essctl.env import Environment
from essctl.errors import UsageError
from essctl.render.views import View, generic_view


def emit(env: Environment, data: Any, view: View | None = None) -> None:
    """Write a command's result to stdout in the chosen format."""
    if env.query:
        data = apply_query(env.query, data)
        view = None
    fmt = env.output_format
    if fmt == "json":
        env.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    elif fmt == "yaml":
        import yaml

        env.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))
    else:
        console = env.console()
        for renderable in (view or generic_view)(data):
            console.print(renderable)
    env.stdout.flush()


def apply_query(expression: str, data: Any) -> Any:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(expression, json.loads(json.dumps(data, default=str)))
    except JMESPathError as exc:
        raise UsageError(f"--query: {' '.join(str(exc).split())}") from exc
