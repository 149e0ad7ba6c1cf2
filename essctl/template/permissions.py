"""The RAM actions an OOS template needs, derived by walking its tasks and nested actions."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from essctl.facts.oos import API_ACTIONS, FLOW_ACTIONS, TEMPLATE_ACTION
from essctl.template.model import Template, TemplateError
from essctl.template.source import TemplateResolver


@lru_cache(maxsize=1)
def ram_prefixes() -> dict[str, str]:
    """OOS Service name (upper case) -> RAM action prefix, from essctl/data/ram_prefixes.yaml."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    table = yaml.load((resources.files("essctl") / "data" / "ram_prefixes.yaml").read_text(encoding="utf-8"),
                      Loader=loader)
    return {service.upper(): entry["prefix"] for service, entry in table.items()}


@dataclass
class Derivation:
    """What a template needs: RAM action -> where it is called, plus what could not be resolved statically."""

    template: str
    actions: dict[str, list[str]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)

    def by_service(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for action in sorted(self.actions):
            grouped.setdefault(action.split(":", 1)[0], []).append(action)
        return grouped


def _is_expression(value: Any) -> bool:
    return not isinstance(value, str) or "{{" in value


def derive_required_actions(template: Template, resolve: TemplateResolver | None = None) -> Derivation:
    """Walk every task (loops and OnSuccess/OnError branches included: all tasks are walked) and every nested
    action; a cycle of nested actions is an error."""
    derivation = Derivation(template=template.name)
    _walk(template, resolve, derivation, chain=[template.name], done=set())
    return derivation


def _walk(template: Template, resolve: TemplateResolver | None, out: Derivation, chain: list[str],
          done: set[str]) -> None:
    for task in template.tasks:
        where = " > ".join([*chain, task.name])
        action = task.action.upper()
        if action in API_ACTIONS:
            service, api = task.properties.get("Service"), task.properties.get("API")
            if _is_expression(service) or _is_expression(api):
                out.unresolved.append(f"{where}: {task.action} calls Service={service!r} API={api!r}, "
                                      "an expression that cannot be resolved statically")
                continue
            prefix = ram_prefixes().get(service.upper())
            if prefix is None:
                out.unresolved.append(f"{where}: OOS service {service!r} has no known RAM prefix "
                                      "(add it to essctl/data/ram_prefixes.yaml)")
                continue
            out.actions.setdefault(f"{prefix}:{api}", []).append(where)
        elif action in FLOW_ACTIONS:
            continue
        else:
            nested_name = task.properties.get("TemplateName") if action == TEMPLATE_ACTION else task.action
            if _is_expression(nested_name):
                out.unresolved.append(f"{where}: ACS::Template with TemplateName={nested_name!r}, "
                                      "an expression that cannot be resolved statically")
                continue
            if nested_name in chain:
                raise TemplateError(f"{template.source}: nested actions form a cycle: "
                                    f"{' > '.join([*chain, nested_name])}")
            if nested_name in done:
                continue
            nested = resolve(nested_name) if resolve else None
            if nested is None:
                out.unresolved.append(f"{where}: nested action {nested_name} could not be resolved "
                                      "(not among the given action files, and not loaded from OOS)")
                continue
            out.nested.append(nested_name)
            _walk(nested, resolve, out, [*chain, nested_name], done)
            done.add(nested_name)
