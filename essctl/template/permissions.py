"""The RAM actions an OOS template needs, derived by walking its tasks and nested actions."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from essctl.errors import shorten
from essctl.facts.oos import API_ACTIONS, FLOW_ACTIONS, TEMPLATE_ACTION
from essctl.facts.ram_actions import grant_for
from essctl.template.model import Template, TemplateError
from essctl.template.source import NestedUnavailable, TemplateResolver


@dataclass
class Derivation:
    """What a template needs: RAM action -> where it is called, plus what could not be resolved statically."""

    template: str
    actions: dict[str, list[str]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)
    assumed: set[str] = field(default_factory=set)      # actions no public table names (named after the API)
    grant_notes: list[str] = field(default_factory=list)   # what is granted where the truth is partly unknown

    def absorb(self, other: Derivation) -> None:
        """Add another template's needs (a recipe with a hook per transition grants both in one policy)."""
        for action, where in other.actions.items():
            self.actions.setdefault(action, []).extend(where)
        self.unresolved += other.unresolved
        self.nested += [name for name in other.nested if name not in self.nested]
        self.assumed |= other.assumed
        self.grant_notes += [note for note in other.grant_notes if note not in self.grant_notes]

    def notes(self) -> list[str]:
        """What a person should know about the derived actions before granting them."""
        lines = list(self.grant_notes)
        if self.assumed:
            lines.append("named after the API (no published RAM table for these calls): "
                         + ", ".join(sorted(self.assumed)))
        return lines

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
                out.unresolved.append(f"{where}: {task.action} calls Service={shorten(service)} API={shorten(api)}, "
                                      "an expression that cannot be resolved statically")
                continue
            grant = grant_for(service, api)
            if grant is None:
                out.unresolved.append(f"{where}: OOS service {shorten(service)} has no known RAM code "
                                      "(add it to essctl/data/ram_actions.yaml)")
                continue
            for ram_action in grant.actions:
                out.actions.setdefault(ram_action, []).append(where)
                if grant.assumed:
                    out.assumed.add(ram_action)
            if grant.note and grant.note not in out.grant_notes:
                out.grant_notes.append(grant.note)
        elif action in FLOW_ACTIONS:
            continue
        else:
            nested_name = task.properties.get("TemplateName") if action == TEMPLATE_ACTION else task.action
            if _is_expression(nested_name):
                out.unresolved.append(f"{where}: ACS::Template with TemplateName={shorten(nested_name)}, "
                                      "an expression that cannot be resolved statically")
                continue
            if nested_name in chain:
                raise TemplateError(f"{template.source}: nested actions form a cycle: "
                                    f"{' > '.join([*chain, nested_name])}")
            if nested_name in done:
                continue
            try:
                nested = resolve(nested_name) if resolve else None
            except NestedUnavailable as exc:
                out.unresolved.append(f"{where}: nested action {nested_name} could not be read ({exc}); the "
                                      "actions it needs are not in the derived policy")
                continue
            if nested is None:
                out.unresolved.append(f"{where}: nested action {nested_name} could not be resolved "
                                      "(not among the given action files, and not loaded from OOS)")
                continue
            out.nested.append(nested_name)
            _walk(nested, resolve, out, [*chain, nested_name], done)
            done.add(nested_name)
