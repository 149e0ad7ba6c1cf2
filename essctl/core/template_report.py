"""`template show` / `template policy` as data: what a template asks of the hook and of the role."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from essctl.core.permissions import Derivation, derive_required_actions, least_privilege_policy
from essctl.core.templates import (
    Template,
    TemplateResolver,
    action_dir_resolver,
    load_template_file,
    load_template_from_oos,
    oos_resolver,
)


def load_with_resolver(session_factory: Any, name: str | None, file: Path | None, action_dir: Path | None,
                       version: str | None = None) -> tuple[Template, TemplateResolver | None]:
    """The template (a file, or OOS when a name is given) and how its nested actions are found:
    --action-dir when given, else OOS when the template itself came from OOS."""
    if file is not None:
        template = load_template_file(file)
        session = None
    else:
        session = session_factory()
        template = load_template_from_oos(session, name, version)
    if action_dir is not None:
        return template, action_dir_resolver(action_dir)
    return template, oos_resolver(session) if session is not None else None


def describe(template: Template, derivation: Derivation) -> dict[str, Any]:
    parameters = []
    for parameter in template.parameters.values():
        parameters.append({
            "Name": parameter.name, "Type": parameter.type,
            "Default": parameter.default if parameter.has_default else None,
            "AllowedValues": parameter.allowed_values, "Required": parameter.required,
            "FilledBy": f"ESS (${{{parameter.placeholder}}})" if parameter.placeholder else "you",
            "Description": parameter.description,
        })
    return {
        "Name": template.name, "Source": template.source, "Version": template.version,
        "Description": template.description, "RamRole": template.ram_role,
        "Parameters": parameters, "Outputs": list(template.outputs),
        "RequiredActions": derivation.by_service(), "NestedActions": derivation.nested,
        "Unresolved": derivation.unresolved,
    }


def policy_for(template: Template, resolve: TemplateResolver | None) -> tuple[dict[str, Any], Derivation]:
    derivation = derive_required_actions(template, resolve)
    return least_privilege_policy(derivation.actions), derivation


def generated_policy_actions(session: Any, template: Template) -> set[str]:
    """The actions OOS GenerateExecutionPolicy says the template needs (the server-side cross-check)."""
    import json

    from alibabacloud_oos20190601 import models

    body = session.oos.generate_execution_policy(models.GenerateExecutionPolicyRequest(
        region_id=session.region, template_name=template.name, template_version=template.version)).body
    document = json.loads(body.policy or "{}") if isinstance(body.policy, str) else (body.policy or {})
    actions: set[str] = set()
    for statement in document.get("Statement") or []:
        if statement.get("Effect", "Allow") == "Allow":
            names = statement.get("Action") or []
            actions.update([names] if isinstance(names, str) else names)
    return actions
