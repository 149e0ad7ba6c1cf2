"""The parameters a hook passes a template: values checked against the template and serialised as ESS passes them
(NotificationMetadata)."""
from __future__ import annotations

import difflib
import json
from typing import Any

from essctl.errors import UsageError, clip, shorten
from essctl.facts.arns import role_name
from essctl.facts.ess import NOTIFICATION_METADATA_LIMIT
from essctl.facts.oos import DEFAULT_ROLE
from essctl.limits import MAX_DEPTH, number_problem, value_problem
from essctl.template.model import Parameter, Template

ASSUME_ROLE_PARAMETER = "OOSAssumeRole"
# Where the role a hook's execution runs as comes from (assumed_role), most telling first.
ROLE_FROM_RAM_ROLE = "RamRole"                      # the template's RamRole names a role outright
ROLE_FROM_METADATA = "NotificationMetadata"         # the hook passes OOSAssumeRole
ROLE_FROM_TEMPLATE_DEFAULT = "OOSAssumeRole default"
ROLE_FROM_DEFAULT = "default"                       # facts.oos.DEFAULT_ROLE


class ParameterError(UsageError):
    """Parameters that do not fit the template (every problem, on one line)."""


def coerce(parameter: Parameter, raw: Any) -> tuple[Any, str | None]:
    """(value, problem) for a value given as text (from -p k=v) or already typed (from a recipe file)."""
    kind = parameter.type
    if kind == "Number":
        try:
            value = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else float(str(raw))
        except ValueError:
            return raw, f"{parameter.name}: must be a number, got {shorten(raw)}"
        problem = number_problem(value)
        if problem:
            return raw, f"{parameter.name}: {problem}"
        value = int(value) if float(value).is_integer() else value
        if parameter.min_value is not None and value < parameter.min_value:
            return value, f"{parameter.name}: must be >= {parameter.min_value}, got {value}"
        if parameter.max_value is not None and value > parameter.max_value:
            return value, f"{parameter.name}: must be <= {parameter.max_value}, got {value}"
        return value, None
    if kind == "Boolean":
        text = str(raw).lower()
        if text not in ("true", "false"):
            return raw, f"{parameter.name}: must be true or false, got {shorten(raw)}"
        return text == "true", None
    if kind in ("List", "Json"):
        value = raw
        if isinstance(raw, str):
            try:
                value = json.loads(raw, parse_constant=_not_json)
            except RecursionError:
                return raw, f"{parameter.name}: nested deeper than {MAX_DEPTH} levels"
            except ValueError:
                if kind == "Json" or raw.lstrip().startswith("["):
                    return raw, f"{parameter.name}: must be {'JSON' if kind == 'Json' else 'a JSON array'}, got " \
                                f"{shorten(raw)}"
                value = [item.strip() for item in raw.split(",") if item.strip()]
        if kind == "List" and not isinstance(value, list):
            return value, f"{parameter.name}: must be a list (JSON array or comma-separated), got {shorten(raw)}"
        problem = value_problem(value)
        return value, f"{parameter.name}: {problem}" if problem else None
    return ("" if raw is None else str(raw)), None


def allowed_problem(parameter: Parameter, value: Any, raw: Any) -> str | None:
    """The AllowedValues problem of a coerced value: a List's items are checked one by one (OOS's rule for a List
    with AllowedValues, e.g. lifecycleState of the rolling-update templates), any other value as a whole."""
    allowed = parameter.allowed_values
    if not allowed:
        return None
    if parameter.type == "List" and isinstance(value, list):
        bad = [item for item in value if item not in allowed]
        if not bad:
            return None
        raw = bad[0]
    elif value in allowed:
        return None
    return f"{parameter.name}: must be one of {', '.join(map(str, allowed))}, got {shorten(raw)}"


def _not_json(constant: str) -> None:
    # Python's json reads NaN and Infinity, which JSON (and so OOS) does not.
    raise ValueError(f"{constant} is not JSON")


def ess_text(value: Any) -> str:
    """A value as ESS passes it in NotificationMetadata: text, with lists and mappings as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def notification_metadata(template: Template, values: dict[str, Any], *, force_placeholders: bool = False) -> str:
    """The NotificationMetadata JSON for a hook that runs `template` with the user's `values`.

    Only the values the user sets are sent; parameters with defaults keep them, and the ESS placeholders are
    left for ESS to fill. Raises ParameterError naming every problem.
    """
    typed = typed_values(template, values, force_placeholders=force_placeholders)
    # ESS passes every value as a string; List and Json values as JSON text.
    metadata = {name: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                if template.parameters[name].type in ("List", "Json") else ess_text(value)
                for name, value in typed.items()}
    text = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    if len(text) > NOTIFICATION_METADATA_LIMIT:
        raise ParameterError(f"NotificationMetadata is {len(text)} characters; ESS accepts at most "
                             f"{NOTIFICATION_METADATA_LIMIT} (shorten the longest values, e.g. commandContent)")
    return text


def typed_values(template: Template, values: dict[str, Any], *, force_placeholders: bool = True) -> dict[str, Any]:
    """The values typed as the template declares them (a List as a list), for StartExecution or a hook; every
    problem on one line (ParameterError, exit 2). Without `force_placeholders` a parameter ESS fills is refused."""
    problems: list[str] = []
    typed: dict[str, Any] = {}
    for name, raw in values.items():
        parameter = template.parameters.get(name)
        if parameter is None:
            close = difflib.get_close_matches(name, list(template.parameters), n=1)
            problems.append(f"{clip(name)}: not a parameter of {template.name}"
                            + (f" (did you mean {close[0]}?)" if close else ""))
            continue
        if parameter.placeholder and not force_placeholders:
            problems.append(f"{clip(name)}: filled by ESS with ${{{parameter.placeholder}}}; do not set it (or "
                            "force it)")
            continue
        value, problem = coerce(parameter, raw)
        problem = problem or allowed_problem(parameter, value, raw)
        if problem:
            problems.append(problem)
        typed[name] = value
    missing = [p.name for p in template.parameters.values() if p.required and p.name not in values]
    problems.extend(f"{name}: required by {template.name} (it has no default)" for name in missing)
    if problems:
        raise ParameterError("; ".join(problems))
    return typed


def metadata_values(text: str | None) -> dict[str, Any]:
    """A hook's NotificationMetadata as the parameters it passes ({} when it is empty or not a JSON object)."""
    try:
        values = json.loads(text or "{}")
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def assumed_role(metadata: str | None, template: Template | None = None) -> tuple[str, str]:
    """(role, where it comes from) for an execution a hook starts: the template's RamRole when it names a role
    outright, else the OOSAssumeRole the hook's NotificationMetadata passes, else the template's OOSAssumeRole
    default, else DEFAULT_ROLE."""
    ram_role = template.ram_role if template is not None else None
    if ram_role and "{{" not in ram_role:
        return role_name(ram_role), ROLE_FROM_RAM_ROLE
    passed = metadata_values(metadata).get(ASSUME_ROLE_PARAMETER)
    if isinstance(passed, str) and passed.strip():
        return role_name(passed), ROLE_FROM_METADATA
    parameter = template.parameters.get(ASSUME_ROLE_PARAMETER) if template is not None else None
    if parameter is not None and isinstance(parameter.default, str) and parameter.default.strip():
        return role_name(parameter.default), ROLE_FROM_TEMPLATE_DEFAULT
    return DEFAULT_ROLE, ROLE_FROM_DEFAULT
