"""A recipe's stage checked against the template it runs: every parameter the template has, accepts and requires,
the role it runs as, and a hook timeout long enough for it. Each problem is a RecipeError at the field."""
from __future__ import annotations

import difflib
from typing import Any

from essctl.errors import clip, shorten
from essctl.facts.ess import ESS_PLACEHOLDERS
from essctl.recipe.inputs import REFERENCE, references
from essctl.recipe.model import Recipe, RecipeInput, Stage
from essctl.template.heartbeat import check_heartbeat_timeout
from essctl.template.model import Parameter, Template
from essctl.template.parameters import allowed_problem, coerce
from essctl.yamldoc import kind_of, listing


def _fits_parameter(parameter: Parameter, value: Any) -> str | None:
    """Why a literal recipe value does not fit a template parameter, or None."""
    coerced, problem = coerce(parameter, value)
    if problem:
        return problem.split(": ", 1)[1]
    if parameter.type == "String" and not isinstance(value, str):
        return f"must be a string, got {kind_of(value)} {shorten(value)} (quote it)"
    if allowed_problem(parameter, coerced, value):
        return f"must be one of {listing(parameter.allowed_values)} (template {clip(parameter.name)}), got "\
               f"{shorten(value)}"
    return None


def _check_input_feeds(recipe: Recipe, item: RecipeInput, parameter: Parameter, template: Template) -> None:
    where = ("inputs", item.name)
    if item.type != parameter.type:
        recipe.fail((*where, "type"), f"{clip(template.name)} parameter {clip(parameter.name)} is {parameter.type}, "
                                      f"the input is {item.type}")
    if not parameter.allowed_values:
        return
    for key, candidates in (("allowed", item.allowed or ()), ("default", [item.default]),
                            ("example", [item.example])):
        for value in candidates:
            if value is not None and value not in parameter.allowed_values:
                recipe.fail((*where, key), f"{shorten(value)} is not allowed by {clip(template.name)} parameter "
                                           f"{clip(parameter.name)} (allowed: {listing(parameter.allowed_values)})")


def check_against_template(recipe: Recipe, stage: Stage, template: Template, *, hook_timeout: bool = True) -> None:
    """RecipeError at the field for a stage parameter the template does not have, a placeholder parameter set to
    anything but its placeholder, a value the template does not accept, a required template parameter not set,
    a role mismatch, or (with `hook_timeout`: a recipe file as written) a hook timeout shorter than the template's
    own timeout plus the margin."""
    if not template.is_lifecycle_template():
        recipe.fail(recipe.stage_field(stage, "template"), f"{clip(template.name)} is not a lifecycle-hook template: "
                                                           "no parameter takes ${lifecycleActionToken} from ESS")
    for name, value in stage.parameters.items():
        where = recipe.stage_field(stage, "parameters", name)
        parameter = template.parameters.get(name)
        if parameter is None:
            close = difflib.get_close_matches(name, list(template.parameters), n=1)
            recipe.fail(where, f"not a parameter of {clip(template.name)}"
                        + (f" (did you mean {close[0]}?)" if close else
                           f" (parameters: {listing(template.parameters)})"))
        if parameter.placeholder:
            if value not in (f"${{{parameter.placeholder}}}", parameter.default):
                recipe.fail(where, f"ESS fills it with ${{{parameter.placeholder}}}; remove it (got {shorten(value)})")
            continue
        whole = REFERENCE.fullmatch(value) if isinstance(value, str) else None
        if whole and whole.group(1) in ESS_PLACEHOLDERS:
            continue
        if whole:
            _check_input_feeds(recipe, recipe.input(whole.group(1)), parameter, template)
            continue
        if references(value):
            if parameter.type not in ("String", "Json", "List"):
                recipe.fail(where, f"{clip(template.name)} parameter {clip(name)} is {parameter.type}; a reference "
                                   "inside text makes a string (use the reference alone)")
            continue
        problem = _fits_parameter(parameter, value)
        if problem:
            recipe.fail(where, problem)
    for parameter in template.parameters.values():
        if parameter.required and not parameter.placeholder and parameter.name not in stage.parameters:
            recipe.fail(recipe.stage_field(stage, "parameters"),
                        f"{template.name} requires {parameter.name} (it has no default): set it or reference "
                        f"an input (`{parameter.name}: ${{{parameter.name}}}`)")
    role = template.parameters.get("OOSAssumeRole")
    if role is not None and "OOSAssumeRole" not in stage.parameters and role.default != recipe.role:
        recipe.fail(recipe.stage_field(stage, "parameters"),
                    f"{template.name} runs as OOSAssumeRole {shorten(role.default)} but the recipe grants role "
                    f"{recipe.role}; set OOSAssumeRole: {recipe.role}")
    if not hook_timeout:
        return
    literal = {name: value for name, value in stage.parameters.items() if not references(value)}
    timeout_ref = REFERENCE.fullmatch(str(stage.parameters.get("timeout", "")))
    item = recipe.input(timeout_ref.group(1)) if timeout_ref else None
    if item is not None and (item.default is not None or item.example is not None):
        literal["timeout"] = item.default if item.default is not None else item.example
    advice = check_heartbeat_timeout(template, stage.hook.timeout, literal)
    if advice is not None:
        recipe.fail(recipe.stage_field(stage, "hook", "timeout"),
                    f"{advice.heartbeat_timeout} s is too short: {advice.reason}; use at least {advice.suggested}")
