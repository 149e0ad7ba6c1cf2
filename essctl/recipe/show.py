"""`recipe list | show | validate` as data: a recipe's summary, the steps it takes (each step describes itself),
and the templates a validation checks against."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from essctl.errors import InputError
from essctl.recipe.inputs import example_values
from essctl.recipe.model import PolicySpec, Recipe
from essctl.recipe.steps import Outline, RunSpec, steps_for
from essctl.template.model import Template, load_template_file


@dataclass(frozen=True)
class RecipeSummary:
    """One row of `recipe list`."""

    recipe: Recipe

    def to_data(self) -> dict[str, Any]:
        recipe = self.recipe
        return {"Name": recipe.name, "Title": recipe.title, "Template": recipe.templates,
                "Transitions": [stage.hook.transition for stage in recipe.stages], "Policy": recipe.policy.kind}


def outline(recipe: Recipe) -> list[Outline]:
    """What `recipe run` does, in order (each step is skipped when already in place)."""
    spec = RunSpec(recipe=recipe, group_id="{group}", inputs=example_values(recipe), policy=recipe.policy)
    lines = [line for step in steps_for(spec) for line in step.outline()]
    if recipe.trigger is None:
        lines.append(Outline("-", "no trigger", "the hooks act on the group's next scaling activity"))
    return lines


def _policy_section(recipe: Recipe, policy: PolicySpec) -> dict[str, Any]:
    if policy.system:
        return {"Kind": "system", "SystemPolicies": list(policy.system)}
    return {"Kind": policy.kind, "Name": policy.name, "Description": policy.description,
            "Document": policy.document if policy.document is not None else (
                f"derived from {', '.join(recipe.templates)} at plan time (least privilege)")}


@dataclass(frozen=True)
class RecipeDescription:
    """Everything `recipe show` prints."""

    recipe: Recipe

    def to_data(self) -> dict[str, Any]:
        recipe = self.recipe
        return {
            "Name": recipe.name, "Title": recipe.title, "Description": recipe.description,
            "Reference": recipe.reference, "File": str(recipe.path) if recipe.path else None, "Role": recipe.role,
            "Inputs": [{"Name": item.name, "Type": item.type, "Required": item.required, "Default": item.default,
                        "Allowed": list(item.allowed) if item.allowed else None, "Example": item.example,
                        "Help": item.help} for item in recipe.inputs],
            "Steps": [{"Step": number, "Service": line.service, "Action": line.action, "Detail": line.detail}
                      for number, line in enumerate(outline(recipe), 1)],
            "Policy": _policy_section(recipe, recipe.policy),
            "PolicyVariants": {name: _policy_section(recipe, spec) for name, spec in recipe.policy_variants.items()},
        }


def templates_for_validation(recipe: Recipe, template_file: Path | None,
                             template_dir: Path | None) -> dict[int, Template]:
    """Stage index -> the template to check it against. A template file serves the stages whose template has its
    file name (any stage when the recipe names one template); a template folder holds NAME.yml files."""
    found: dict[int, Template] = {}
    names = recipe.templates
    if template_file is not None:
        template = load_template_file(template_file)
        for index, stage in enumerate(recipe.stages):
            if len(names) == 1 or stage.template == template.name:
                found[index] = template
        if not found:
            raise InputError("template_file", f"{template_file} is none of the recipe's templates "
                                              f"({', '.join(names)}); name the file after the template")
    if template_dir is not None:
        for index, stage in enumerate(recipe.stages):
            if index in found:
                continue
            path = next((template_dir / f"{stage.template}{suffix}" for suffix in (".yml", ".yaml", ".json")
                         if (template_dir / f"{stage.template}{suffix}").is_file()), None)
            if path is None:
                raise InputError("template_dir", f"no {stage.template}.yml in {template_dir}")
            found[index] = load_template_file(path)
    return found


@dataclass(frozen=True)
class RecipeValidation:
    """`recipe validate` when the recipe (and its parameters against `checked_against`) is sound."""

    path: Path | None
    checked_against: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"File": str(self.path) if self.path else None, "Valid": True,
                "CheckedAgainst": list(self.checked_against)}

    def lines(self) -> list[str]:
        against = f" (parameters checked against {', '.join(self.checked_against)})" if self.checked_against else ""
        return [f"ok: {self.path}{against}"]
