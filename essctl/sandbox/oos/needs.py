"""What a template's calls need, walked statically (every task, every branch, every nested template): the policy
the sandbox's GenerateExecutionPolicy answers, from the sandbox's own API -> RAM action table (ram/actions.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from essctl.sandbox.oos.reader import Template
from essctl.sandbox.ram.actions import call_needs


@dataclass
class TemplateNeeds:
    actions: set[str] = field(default_factory=set)        # checked when each call is made
    signer_needs: set[str] = field(default_factory=set)   # needed later by what a call made (a signed URL)

    @property
    def all(self) -> set[str]:
        return self.actions | self.signer_needs


def _literal(value: object) -> bool:
    return isinstance(value, str) and "{{" not in value and bool(value.strip())


def template_needs(template: Template, resolve: Callable[[str], Template | None]) -> TemplateNeeds:
    """Service/API given as expressions, and nested templates that cannot be found, add nothing."""
    needs = TemplateNeeds()
    _walk(template, resolve, needs, seen={template.name})
    return needs


def _walk(template: Template, resolve: Callable[[str], Template | None], needs: TemplateNeeds,
          seen: set[str]) -> None:
    for task in template.tasks:
        if task.kind == "api":
            service, api = task.properties.get("Service"), task.properties.get("API")
            if _literal(service) and _literal(api):
                found = call_needs(str(service), str(api))
                needs.actions.update(found.actions)
                needs.signer_needs.update(found.signer_needs)
        elif task.kind == "template":
            name = task.nested_template
            if _literal(name) and name not in seen:
                seen.add(name)
                nested = resolve(name)
                if nested is not None:
                    _walk(nested, resolve, needs, seen)
