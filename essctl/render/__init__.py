"""Rendering in one place: a command's result becomes a table or text for people, or JSON, YAML for scripts;
`--query` applies to the JSON form. The view is chosen by the result's type."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from essctl.env import Environment
from essctl.errors import UsageError


@dataclass(frozen=True)
class Listing:
    """A list of resources of one kind (`kind` picks its table, even when the list is empty); `wide`: every column
    (--wide), not only those that fit 80 columns."""

    kind: str
    items: list[Any]
    wide: bool = False

    def to_data(self) -> list[Any]:
        return [to_data(item) for item in self.items]


def to_data(result: Any) -> Any:
    """The JSON form of a result: its to_data(), a typed resource's API map, or the value itself."""
    if hasattr(result, "to_data"):
        return result.to_data()
    if hasattr(result, "to_api"):
        return result.to_api()
    return result


def apply_query(expression: str, data: Any) -> Any:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(expression, json.loads(json.dumps(data, default=str)))
    except JMESPathError as exc:
        raise UsageError(f"--query: {' '.join(str(exc).split())}") from exc


def write_lines(env: Environment, lines: Iterable[str]) -> None:
    """Plain lines for people, each one line that shows its values (no control character reaches the terminal).
    On a terminal, a line longer than its width is folded at spaces under its own indent (a word, an id, is never
    split), and a line with a meaning (style.Line) is coloured when colour is on."""
    from essctl.render.safe import printable
    from essctl.render.style import paint

    width, colour = env.stdout_width, env.stdout_colour
    for line in lines:
        shown = printable(line)
        for part in fold(shown, width) if width else [shown]:
            env.stdout.write((paint(part, getattr(line, "style", None)) if colour else part) + "\n")
    env.stdout.flush()


def fold(line: str, width: int) -> list[str]:
    """`line` in pieces of at most `width` columns, cut at spaces (or after the = of a KEY=VALUE too long for a
    line), continued 4 columns deeper than it starts."""
    import textwrap

    if len(line) <= width:
        return [line]
    indent = " " * min(len(line) - len(line.lstrip(" ")) + 4, width // 2)
    # KEY=VALUE longer than the terminal: the value starts a line of its own (both halves can never share one)
    line = " ".join(word.replace("=", "= ", 1) if len(word) > width - len(indent) else word
                    for word in line.split(" "))
    parts = textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False,
                          replace_whitespace=False) or [line]
    # a word too long for the indent (an ARN) moves left until it fits, so that the terminal does not split it
    return parts[:1] + [part if len(part) <= width else " " * max(width - len(part.lstrip()), 0) + part.lstrip()
                        for part in parts[1:]]


def _view(result: Any) -> tuple[str, Callable[[Any], Iterable[Any]]] | None:
    """("lines", view) for plain text, ("rich", view) for renderables; by the result's type."""
    from essctl.render import diagnosis_view, fleet_views, progress, rollout_views, views

    if isinstance(result, Listing):
        return "rich", views.LISTINGS[result.kind]
    name = f"{type(result).__module__}.{type(result).__qualname__}"
    return {
        "essctl.recipe.plan.Plan": ("lines", progress.plan_lines),
        "essctl.recipe.teardown.TeardownPlan": ("lines", progress.plan_lines),
        "essctl.recipe.run.RunReport": ("lines", progress.run_report_lines),
        "essctl.fleet.plan.FleetPlan": ("lines", fleet_views.plan_lines),
        "essctl.fleet.run.FleetReport": ("lines", fleet_views.report_lines),
        "essctl.fleet.teardown.FleetTeardown": ("lines", fleet_views.teardown_report_lines),
        "essctl.diagnose.report.DiagnosisReport": ("lines", diagnosis_view.diagnosis_lines),
        "essctl.template.report.PolicyReport": ("lines", views.policy_document_lines),
        "essctl.template.report.TemplateReport": ("rich", views.template_view),
        "essctl.recipe.show.RecipeDescription": ("rich", views.recipe_view),
        "essctl.recipe.show.RecipeValidation": ("lines", lambda validation: validation.lines()),
        "essctl.inventory.RoleReport": ("rich", views.role_view),
        "essctl.impact.model.RoleDependents": ("rich", views.role_impact_view),
        "essctl.doctor.DoctorReport": ("rich", views.doctor_view),
        "essctl.rollout.plan.RolloutPlan": ("lines", rollout_views.plan_lines),
        "essctl.rollout.run.RolloutReport": ("lines", rollout_views.report_lines),
        "essctl.rollout.watch.RolloutWatch": ("lines", rollout_views.status_lines),
        "essctl.rollout.control.ControlResult": ("lines", rollout_views.control_lines),
    }.get(name)


def output(env: Environment, result: Any) -> None:
    """Write a command's result to stdout in the chosen format."""
    # The views (and the modules they need) only for a table: JSON and YAML need none of them.
    view = _view(result) if env.output_format == "table" and not env.query else None
    if view is not None:
        kind, render = view
        if kind == "lines":
            write_lines(env, render(result))
            return
        console = env.console()
        for renderable in render(result):
            console.print(renderable, crop=False)    # a table too wide for the terminal wraps there, uncut
        env.stdout.flush()
        return
    data = to_data(result)
    if env.query:
        data = apply_query(env.query, data)
    fmt = env.output_format
    if fmt == "table":
        from essctl.render.views import generic_view

        console = env.console()
        for renderable in generic_view(data):
            console.print(renderable)
    else:
        from essctl.render.formats import format_data

        env.stdout.write(format_data(data, fmt))
    env.stdout.flush()
