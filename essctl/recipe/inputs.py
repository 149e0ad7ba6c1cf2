"""Recipe inputs: the values given with -p (typed by the recipe), and ${input} substitution into a stage's
template parameters."""
from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from essctl.errors import InputError, clip, shorten
from essctl.facts.ess import ESS_PLACEHOLDERS, NOTIFICATION_METADATA_LIMIT
from essctl.template.model import Parameter
from essctl.template.parameters import coerce, ess_text
from essctl.yamldoc import listing

if TYPE_CHECKING:
    from essctl.recipe.model import Recipe, Stage

REFERENCE = re.compile(r"\$\{([^}]*)\}")
_UNSET = object()


def references(value: Any) -> list[str]:
    """Every ${name} in a parameter value (strings inside lists and mappings included)."""
    if isinstance(value, str):
        return REFERENCE.findall(value)
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in references(item)]
    return []


def resolve_inputs(recipe: Recipe, raw: dict[str, str], *, use_examples: bool = False) -> dict[str, Any]:
    """The typed value of every input that has one: given, else the example (dry-run), else the default.
    An unknown key, a missing required input and a value that does not fit are InputErrors naming `input.NAME`."""
    for key, text in raw.items():
        if recipe.input(key) is None:
            close = difflib.get_close_matches(key, [item.name for item in recipe.inputs], n=1)
            raise InputError(f"input.{clip(key)}", f"not an input of recipe {recipe.name}"
                             + (f" (did you mean {close[0]}?)" if close else
                                f" (inputs: {listing(item.name for item in recipe.inputs)})"))
        if len(text) > NOTIFICATION_METADATA_LIMIT:
            # Whatever the template, the hook passes the value in NotificationMetadata: it cannot fit.
            raise InputError(f"input.{key}", f"{len(text):,} characters; the NotificationMetadata that carries it "
                                             f"holds at most {NOTIFICATION_METADATA_LIMIT:,}")
    values: dict[str, Any] = {}
    for item in recipe.inputs:
        if item.name in raw and item.required and not raw[item.name].strip():
            raise InputError(f"input.{item.name}", f"required by recipe {recipe.name}; an empty value is none")
        if item.name in raw:
            value, problem = coerce(Parameter(name=item.name, type=item.type), raw[item.name])
            if problem:
                raise InputError(f"input.{item.name}", problem.split(": ", 1)[1])
            if item.allowed is not None and value not in item.allowed:
                raise InputError(f"input.{item.name}", f"must be one of {listing(item.allowed)}, "
                                                       f"got {shorten(raw[item.name])}")
            values[item.name] = value
        elif use_examples and item.example is not None:
            values[item.name] = item.example
        elif item.default is not None:
            values[item.name] = item.default
        elif item.required:
            raise InputError(f"input.{item.name}", f"required by recipe {recipe.name}"
                             + (f" ({item.help})" if item.help else ""))
    return values


def example_values(recipe: Recipe) -> dict[str, Any]:
    """Each input's example, else its default; an input with neither shows as its own ${name}."""
    values = {}
    for item in recipe.inputs:
        chosen = item.example if item.example is not None else item.default
        values[item.name] = f"${{{item.name}}}" if chosen is None else chosen
    return values


def _substitute(value: Any, values: dict[str, Any], name: str) -> Any:
    if isinstance(value, list):
        return [_substitute(item, values, name) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, values, name) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    whole = REFERENCE.fullmatch(value)
    if whole and whole.group(1) not in ESS_PLACEHOLDERS:
        return values.get(whole.group(1), _UNSET)

    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref in ESS_PLACEHOLDERS:
            return match.group(0)
        if ref not in values:
            raise InputError(f"input.{ref}", f"has no value, and parameters.{name} needs it")
        return ess_text(values[ref])

    return REFERENCE.sub(replace, value)


def stage_parameters(stage: Stage, values: dict[str, Any]) -> dict[str, Any]:
    """The stage's parameters with ${input} references replaced: "${x}" alone keeps x's typed value, a reference
    inside text becomes text. A parameter that is just a reference to an input without a value is left out (the
    template's default applies); ESS placeholders such as ${regionId} are kept for ESS."""
    resolved = {}
    for name, value in stage.parameters.items():
        result = _substitute(value, values, name)
        if result is not _UNSET:
            resolved[name] = result
    return resolved
