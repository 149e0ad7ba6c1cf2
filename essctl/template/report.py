"""What `template show | policy | check` report: a template's needs, its least-privilege policy cross-checked with
OOS's own view, and hook parameters checked against it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from essctl.errors import EssctlError
from essctl.policies.documents import least_privilege
from essctl.template.heartbeat import HeartbeatAdvice, check_heartbeat_timeout
from essctl.template.model import Template, load_template_file
from essctl.template.parameters import notification_metadata
from essctl.template.permissions import Derivation, derive_required_actions
from essctl.template.source import TemplateResolver, action_dir_resolver, load_template_from_oos, oos_resolver

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud


def load_with_resolver(cloud: Callable[[], Cloud], name: str | None, file: Path | None, action_dir: Path | None,
                       version: str | None = None) -> tuple[Template, TemplateResolver | None]:
    """The template (a file, or OOS when a name is given) and how its nested actions are found: the action folder
    when given, else OOS when the template itself came from OOS. `cloud` is called only when OOS is needed."""
    source = None if file is not None else cloud()
    template = load_template_file(file) if file is not None else load_template_from_oos(source, name, version)
    if action_dir is not None:
        return template, action_dir_resolver(action_dir)
    return template, oos_resolver(source) if source is not None else None


@dataclass(frozen=True)
class TemplateReport:
    """`template show`: parameters, outputs and the RAM actions a template needs."""

    template: Template
    derivation: Derivation

    def to_data(self) -> dict[str, Any]:
        parameters = [{
            "Name": p.name, "Type": p.type, "Default": p.default if p.has_default else None,
            "AllowedValues": p.allowed_values, "Required": p.required,
            "FilledBy": f"ESS (${{{p.placeholder}}})" if p.placeholder else "you", "Description": p.description,
        } for p in self.template.parameters.values()]
        return {
            "Name": self.template.name, "Source": self.template.source, "Version": self.template.version,
            "Description": self.template.description, "RamRole": self.template.ram_role,
            "Parameters": parameters, "Outputs": list(self.template.outputs),
            "RequiredActions": self.derivation.by_service(), "NestedActions": self.derivation.nested,
            "Unresolved": self.derivation.unresolved, "Notes": self.derivation.notes(),
        }


@dataclass(frozen=True)
class CrossCheck:
    """The derived actions against OOS GenerateExecutionPolicy's; `skipped` says why there is no comparison."""

    only_generated: tuple[str, ...] = ()
    only_derived: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def agrees(self) -> bool:
        return self.skipped is None and not self.only_generated and not self.only_derived


@dataclass(frozen=True)
class PolicyReport:
    """`template policy`: the least-privilege document, what could not be derived, and the cross-check."""

    document: dict[str, Any]
    derivation: Derivation
    cross_check: CrossCheck | None = None

    def to_data(self) -> dict[str, Any]:
        return self.document


def policy_report(template: Template, resolve: TemplateResolver | None, cloud: Cloud | None = None) -> PolicyReport:
    """The policy; with `cloud` (a template read from OOS), compared with what OOS says the template needs."""
    derivation = derive_required_actions(template, resolve)
    check = cross_check(cloud, template, set(derivation.actions)) if cloud is not None else None
    return PolicyReport(least_privilege(derivation.actions), derivation, check)


def cross_check(cloud: Cloud, template: Template, derived: set[str]) -> CrossCheck:
    """The derived actions against what OOS GenerateExecutionPolicy says the template needs."""
    try:
        generated = cloud.oos.generate_execution_policy(template.name, version=template.version).actions
    except EssctlError as exc:
        return CrossCheck(skipped=str(exc))
    if generated is None:
        return CrossCheck(skipped="GenerateExecutionPolicy gave no readable policy")
    return CrossCheck(only_generated=tuple(sorted(generated - derived)), only_derived=tuple(sorted(derived - generated)))


@dataclass(frozen=True)
class ParameterCheck:
    """`template check`: the NotificationMetadata ESS would pass, and advice on the hook's timeout."""

    template: str
    metadata: str
    advice: HeartbeatAdvice | None

    def to_data(self) -> dict[str, Any]:
        advice = self.advice
        return {"Template": self.template, "NotificationMetadata": self.metadata,
                "HeartbeatAdvice": None if advice is None else {
                    "HeartbeatTimeout": advice.heartbeat_timeout, "Needed": advice.needed,
                    "Suggested": advice.suggested, "Reason": advice.reason}}


def check_parameters(template: Template, values: dict[str, Any], *, hook_timeout: int | None = None,
                     force_placeholders: bool = False) -> ParameterCheck:
    metadata = notification_metadata(template, values, force_placeholders=force_placeholders)
    advice = check_heartbeat_timeout(template, hook_timeout, values) if hook_timeout is not None else None
    return ParameterCheck(template.name, metadata, advice)
