"""`recipe list | show | validate | init` as data: a recipe's summary, the steps it takes, the templates a
validation checks against, and the skeleton `init` writes for a template."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from essctl.core.arns import notification_arn
from essctl.core.recipes import (
    DEFAULT_HOOK_TIMEOUT,
    DEFAULT_ROLE,
    ESS_PLACEHOLDERS,
    INPUT_NAME,
    PolicySpec,
    Recipe,
    is_lifecycle_template,
    stage_parameters,
)
from essctl.core.template_parameters import HEARTBEAT_MARGIN_S, check_heartbeat_timeout, ess_text
from essctl.core.templates import Template, load_template_file
from essctl.errors import UsageError

SCALE_IN_WORDS = ("Detach", "Delete", "Release", "Remove")


def _templates(recipe: Recipe) -> list[str]:
    return list(dict.fromkeys(stage.template for stage in recipe.stages))


def _policy_kind(policy: PolicySpec) -> str:
    return "derived" if policy.derive else "system" if policy.system else "statements"


def summary(recipe: Recipe) -> dict[str, Any]:
    """One row of `recipe list`."""
    return {"Name": recipe.name, "Title": recipe.title, "Template": _templates(recipe),
            "Transitions": [stage.hook.transition for stage in recipe.stages], "Policy": _policy_kind(recipe.policy)}


def example_values(recipe: Recipe) -> dict[str, Any]:
    """Each input's example, else its default; an input with neither shows as its own ${name}."""
    values = {}
    for item in recipe.inputs:
        chosen = item.example if item.example is not None else item.default
        values[item.name] = f"${{{item.name}}}" if chosen is None else chosen
    return values


def _policy_section(recipe: Recipe, policy: PolicySpec) -> dict[str, Any]:
    if policy.system:
        return {"Kind": "system", "SystemPolicies": list(policy.system)}
    section: dict[str, Any] = {"Kind": _policy_kind(policy), "Name": policy.name, "Description": policy.description}
    section["Document"] = policy.document if policy.document is not None else (
        f"derived from {', '.join(_templates(recipe))} at plan time (least privilege)")
    return section


def steps(recipe: Recipe) -> list[dict[str, Any]]:
    """What `recipe run` does, in order (each step is skipped when already in place)."""
    out: list[dict[str, Any]] = []

    def step(service: str, action: str, detail: str) -> None:
        out.append({"Step": len(out) + 1, "Service": service, "Action": action, "Detail": detail})

    policy = recipe.policy
    step("RAM", "GetRole", f"{recipe.role} must exist and trust oos.aliyuncs.com (created only with --create-role); "
                           "the account id comes from its Arn")
    if policy.system:
        for name in policy.system:
            step("RAM", "AttachPolicyToRole", f"system policy {name} to {recipe.role} (already attached is fine)")
    else:
        what = (f"least privilege derived from {', '.join(_templates(recipe))} at plan time" if policy.derive
                else "the document below")
        step("RAM", "CreatePolicy", f"custom policy {policy.name}: {what}; when it exists with another document, "
                                    "CreatePolicyVersion set as default")
        step("RAM", "AttachPolicyToRole", f"custom policy {policy.name} to {recipe.role} (already attached is fine)")
    values = example_values(recipe)
    for stage in recipe.stages:
        metadata = {name: ess_text(value) for name, value in stage_parameters(stage, values).items()}
        hook = stage.hook
        step("ESS", "CreateLifecycleHook",
             f"{hook.name}: {hook.transition}, HeartbeatTimeout {hook.timeout} s, DefaultResult "
             f"{hook.default_result}, NotificationArn {notification_arn('{region}', None, stage.template)}, "
             "NotificationMetadata "
             f"{json.dumps(metadata, ensure_ascii=False, separators=(',', ':'))} (ModifyLifecycleHook when the "
             "group's hook of that name differs)")
    trigger = recipe.trigger
    if trigger is None:
        step("-", "no trigger", "the hooks act on the group's next scaling activity")
        return out
    step("ESS", "CreateScalingRule", f"{trigger.rule}: SimpleScalingRule, QuantityChangeInCapacity "
                                     f"{trigger.adjustment:+d} (when the group has no rule of that name)")
    step("ESS", "ExecuteScalingRule", f"{trigger.rule} by its ScalingRuleAri, with a ClientToken")
    transition = "SCALE_OUT" if trigger.adjustment > 0 else "SCALE_IN"
    fired = [stage for stage in recipe.stages if stage.hook.transition == transition]
    longest = max(stage.hook.timeout for stage in fired)
    step("ESS, OOS", "watch", "DescribeScalingActivities until Successful, Warning, Failed or Rejected; "
                              "DescribeLifecycleActions; OOS ListExecutions tagged ESS:ScalingActivityId for "
                              f"{', '.join(dict.fromkeys(stage.template for stage in fired))}; "
                              f"at most {longest + HEARTBEAT_MARGIN_S} s")
    return out


def describe(recipe: Recipe) -> dict[str, Any]:
    """Everything `recipe show` prints."""
    return {
        "Name": recipe.name, "Title": recipe.title, "Description": recipe.description,
        "Reference": recipe.reference, "File": str(recipe.path) if recipe.path else None, "Role": recipe.role,
        "Inputs": [{"Name": item.name, "Type": item.type, "Required": item.required, "Default": item.default,
                    "Allowed": list(item.allowed) if item.allowed else None, "Example": item.example,
                    "Help": item.help} for item in recipe.inputs],
        "Steps": steps(recipe),
        "Policy": _policy_section(recipe, recipe.policy),
        "PolicyVariants": {name: _policy_section(recipe, spec) for name, spec in recipe.policy_variants.items()},
    }


def templates_for_validation(recipe: Recipe, template_file: Path | None,
                             template_dir: Path | None) -> dict[int, Template]:
    """Stage index -> the template to check it against. A --template-file serves the stages whose template has
    its file name (any stage when the recipe names one template); a --template-dir holds NAME.yml files."""
    found: dict[int, Template] = {}
    names = _templates(recipe)
    if template_file is not None:
        template = load_template_file(template_file)
        for index, stage in enumerate(recipe.stages):
            if len(names) == 1 or stage.template == template.name:
                found[index] = template
        if not found:
            raise UsageError(f"--template-file: {template_file} is none of the recipe's templates "
                             f"({', '.join(names)}); name the file after the template")
    if template_dir is not None:
        for index, stage in enumerate(recipe.stages):
            if index in found:
                continue
            path = next((template_dir / f"{stage.template}{suffix}" for suffix in (".yml", ".yaml", ".json")
                         if (template_dir / f"{stage.template}{suffix}").is_file()), None)
            if path is None:
                raise UsageError(f"--template-dir: no {stage.template}.yml in {template_dir}")
            found[index] = load_template_file(path)
    return found


# ---------------------------------------------------------------------------------------------------- init


def _words(template_name: str) -> str:
    """The part of a template name that says what it does: ACS-ESS-LifeCycleRunCommand -> RunCommand."""
    tail = template_name.split("LifeCycle", 1)[1] if "LifeCycle" in template_name else template_name
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
    if not is_lifecycle_template(template):
        raise UsageError(f"{template.name} is not a lifecycle-hook template: no parameter takes "
                         "${lifecycleActionToken} from ESS")
    words = _words(template.name)
    transition = "SCALE_IN" if any(word in words for word in SCALE_IN_WORDS) else "SCALE_OUT"
    advice = check_heartbeat_timeout(template, 0)
    timeout = advice.suggested if advice else DEFAULT_HOOK_TIMEOUT
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
        "# The simple scaling rule executed to try the recipe (or `trigger: none`).",
        "trigger:",
        f"  rule: {'Add1' if transition == 'SCALE_OUT' else 'Remove1'}",
        f"  adjustment: {1 if transition == 'SCALE_OUT' else -1}",
    ]
    return "\n".join(lines) + "\n"
