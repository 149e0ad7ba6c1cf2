"""`recipe init`: the commented recipe skeleton for a lifecycle template, valid as written."""
from __future__ import annotations

import json
import re
from typing import Any

from essctl.errors import UsageError
from essctl.facts.ess import DEFAULT_HEARTBEAT_S, ESS_PLACEHOLDERS
from essctl.facts.oos import DEFAULT_ROLE, HEARTBEAT_MARGIN_S
from essctl.recipe.load import INPUT_NAME
from essctl.template.heartbeat import check_heartbeat_timeout
from essctl.template.model import Template

SCALE_IN_WORDS = ("Detach", "Delete", "Release", "Remove")

def _words(template_name: str) -> str:
    """What a template name says it does, every variant kept apart: ACS-ESS-LifeCycleRunCommand -> RunCommand,
    ACS-ESS-ECILifeCycleModifyRedisIPWhitelist -> ECIModifyRedisIPWhitelist (its ECS twin: ModifyRedisIPWhitelist),
    so recipes made from two variants never share a recipe, hook or policy name."""
    tail = re.sub(r"^ACS-(ESS-)?", "", template_name).replace("LifeCycle", "")
    return re.sub(r"[^A-Za-z0-9]", "", tail) or re.sub(r"[^A-Za-z0-9]", "", template_name) or "Template"


def _kebab(words: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", words).lower()
    return text[:64] if len(text) >= 2 else "my-recipe"


def _yaml(value: Any) -> str:
    """A value as YAML (JSON is YAML; JSON strings always quote)."""
    return json.dumps(value, ensure_ascii=False)


def _input_name(parameter_name: str) -> str:
    if INPUT_NAME.fullmatch(parameter_name) and parameter_name not in ESS_PLACEHOLDERS:
        return parameter_name
    return re.sub(r"[^A-Za-z0-9_]", "_", f"input_{parameter_name}")


def skeleton(template: Template) -> str:
    """A commented recipe for a lifecycle template that passes `recipe validate --template-file` as written."""
    if not template.is_lifecycle_template():
        raise UsageError(f"{template.name} is not a lifecycle-hook template: no parameter takes "
                         "${lifecycleActionToken} from ESS")
    words = _words(template.name)
    transition = "SCALE_IN" if any(word in words for word in SCALE_IN_WORDS) else "SCALE_OUT"
    advice = check_heartbeat_timeout(template, 0)
    timeout = advice.suggested if advice else DEFAULT_HEARTBEAT_S
    required = [p for p in template.parameters.values() if p.required and not p.placeholder
                and p.name != "OOSAssumeRole"]
    optional = [p for p in template.parameters.values() if not p.required and not p.placeholder
                and p.name != "OOSAssumeRole"]
    role_parameter = template.parameters.get("OOSAssumeRole")
    description = (template.description or "").strip().splitlines()
    lines = [
        f"# A recipe for the OOS template {template.name}, written by `essctl recipe init`.",
        "# The format: recipes/README.md. Check it with `essctl recipe validate FILE --template-file TEMPLATE`.",
        f"name: {_kebab(words)}",
        f"title: {_yaml(description[0] if description else template.name)}",
        f"description: {_yaml(' '.join(description))}",
        'reference: ""',
        f"template: {template.name}",
        f"role: {DEFAULT_ROLE}",
        "",
        "# What users pass with -p key=value: one input per template parameter without a default.",
    ]
    if not required:
        lines.append("inputs: {}")
    else:
        lines.append("inputs:")
        for parameter in required:
            lines += [f"  {_input_name(parameter.name)}:", f"    type: {parameter.type}", "    required: true"]
            if parameter.allowed_values:
                lines.append(f"    allowed: {_yaml(parameter.allowed_values)}")
            lines.append(f"    help: {_yaml(parameter.description or parameter.name)}")
            lines.append("    # example: a value for `recipe show` and --dry-run")
    lines += ["", "# Template parameters sent as the hook's NotificationMetadata. ESS fills regionId, instanceIds,",
              "# lifecycleHookId and lifecycleActionToken itself; never set them."]
    set_lines = [f"  {p.name}: \"${{{_input_name(p.name)}}}\"" for p in required]
    if role_parameter is not None and not role_parameter.has_default:
        set_lines.append(f"  OOSAssumeRole: {DEFAULT_ROLE}")
    lines.append("parameters:" if set_lines else "parameters: {}")
    lines += set_lines
    for parameter in optional:
        lines.append(f"  # {parameter.name}: {_yaml(parameter.default)}    # {parameter.type}, optional "
                     "(the template's default)")
    lines += [
        "",
        "hook:",
        f"  name: ESSHookFor{words[:54]}",
        f"  transition: {transition}",
        f"  timeout: {timeout}" + (f"            # the template's timeout + {HEARTBEAT_MARGIN_S} s" if advice else ""),
        "  default_result: CONTINUE",
        "",
        "# Least privilege, derived from the template (and its nested actions) at plan time.",
        "policy:",
        "  derive: true",
        f"  name: ESSHookPolicyFor{words[:100]}",
        "",
        "# The simple scaling rule executed to try the recipe (or `trigger: none`); named after the recipe unless",
        "# `rule:` names it.",
        "trigger:",
        f"  adjustment: {1 if transition == 'SCALE_OUT' else -1}",
    ]
    return "\n".join(lines) + "\n"
